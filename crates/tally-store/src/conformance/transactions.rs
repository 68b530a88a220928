//! Cases 9–12: purchases and redemptions with their keys, pagination, `verify`, voids.

use std::sync::Arc;
use std::time::Duration;

use tally_core::model::{LedgerOperation, RedemptionStatus, Transaction, TransactionStatus};

use super::Harness;
use super::support::*;
use crate::{KeyLock, NewLedgerEntry, NewRedemption, NewTransaction, Page, ResourceKey, StoreError, StoreTx};

// ---------------------------------------------------------------------------
// 9. purchases and redemptions found by their natural and idempotency keys
// ---------------------------------------------------------------------------

pub async fn transactions_and_redemptions<S: Harness>(store: Arc<S>) {
    let Tenants { program, other, customer, their_customer } = tenants(&*store).await;
    let (p, o, c) = (program.id.as_str(), other.id.as_str(), customer.id.as_str());
    let (key1, key2, key3) = (unique("key"), unique("key"), unique("key"));
    let order = unique("order");

    let mut tx = store.begin(None).await.expect("begin");
    let bought = purchase(c, Some(&order), Some(keyed(&key1, "fp-1")));
    let first = tx.insert_transaction(p, &bought).await.expect("insert_transaction").expect("a new purchase");
    assert_eq!(
        (&first.customer_id, first.spend_amount_cents, first.currency.as_str(), first.points, &first.external_id),
        (&customer.id, 1234, "EUR", 12, &Some(order.clone())),
        "insert_transaction returns what it stored"
    );

    // The receipt number dedupes with or without an idempotency key.
    let retry = purchase_with(c, Some(&order), Some(keyed(&key2, "fp-2")), 999);
    assert!(tx.insert_transaction(p, &retry).await.expect("insert_transaction").is_none(), "same external_id");
    let found = tx.transaction_by_external_id(p, &order).await.expect("transaction_by_external_id");
    assert_eq!(found.as_ref(), Some(&first), "the first purchase answers for its receipt");
    let by_key = tx.transaction_by_key(p, &key1).await.expect("transaction_by_key").expect("found by its key");
    assert_eq!((&by_key.resource, by_key.fingerprint.as_str()), (&first, "fp-1"));
    assert!(
        tx.transaction_by_key(p, &key2).await.expect("transaction_by_key").is_none(),
        "the refused one left nothing"
    );
    assert!(tx.transaction_by_external_id(p, &unique("order")).await.expect("by external id").is_none());

    // Purchases without a receipt number never collide with each other.
    let a = tx.insert_transaction(p, &purchase(c, None, Some(keyed(&key3, "fp-3")))).await.expect("insert");
    let b = tx.insert_transaction(p, &purchase(c, None, None)).await.expect("insert");
    let d = tx.insert_transaction(p, &purchase(c, None, None)).await.expect("insert");
    assert!(a.is_some() && b.is_some() && d.is_some(), "purchases without external_id are all inserted");

    // Keys and receipts are scoped by program.
    assert!(tx.transaction_by_external_id(o, &order).await.expect("by external id").is_none());
    assert!(tx.transaction_by_key(o, &key1).await.expect("transaction_by_key").is_none());
    let theirs = purchase(&their_customer.id, Some(&order), Some(keyed(&key1, "fp-other")));
    let theirs = tx.insert_transaction(o, &theirs).await.expect("insert_transaction");
    let theirs = theirs.expect("the same receipt and key in another program are another purchase");
    tx.commit().await.expect("commit");

    assert_eq!(store.transaction(p, &first.id).await.expect("transaction").as_ref(), Some(&first));
    assert!(store.transaction(o, &first.id).await.expect("transaction").is_none(), "scoped by program");
    assert!(store.transaction(p, &theirs.id).await.expect("transaction").is_none(), "scoped by program");

    // One key never makes two purchases: the key column is unique.
    let mut tx = store.begin(None).await.expect("begin");
    let reused = tx.insert_transaction(p, &purchase(c, Some(&unique("order")), Some(keyed(&key1, "fp-1")))).await;
    assert!(matches!(reused, Err(StoreError::Conflict(_))), "a key already used by a purchase: {reused:?}");
    drop(tx);
    let mut tx = store.begin(None).await.expect("begin");
    let still = tx.transaction_by_key(p, &key1).await.expect("transaction_by_key").expect("still there");
    assert_eq!(still.resource, first);

    // Redemptions: found by key with their fingerprint, scoped by program.
    let prize = tx.insert_reward(p, &reward("mug", 5, None)).await.expect("insert_reward");
    let wanted = NewRedemption {
        customer_id: customer.id.clone(),
        reward_id: prize.id.clone(),
        quantity: 2,
        points_spent: 10,
        coupon_code: None,
        idempotency: Some(keyed(&key2, "fp-redeem")),
    };
    let redemption = tx.insert_redemption(p, &wanted).await.expect("insert_redemption");
    assert_eq!(
        (&redemption.customer_id, &redemption.reward_id, redemption.quantity, redemption.points_spent),
        (&customer.id, &prize.id, 2, 10)
    );
    assert_eq!(redemption.status, RedemptionStatus::Pending, "a new redemption is pending");
    let by_key = tx.redemption_by_key(p, &key2).await.expect("redemption_by_key").expect("found by its key");
    assert_eq!((&by_key.resource, by_key.fingerprint.as_str()), (&redemption, "fp-redeem"));
    assert!(tx.redemption_by_key(p, &key3).await.expect("redemption_by_key").is_none(), "unknown key");
    assert!(tx.redemption_by_key(o, &key2).await.expect("redemption_by_key").is_none(), "scoped by program");
    let unkeyed = NewRedemption { idempotency: None, ..wanted.clone() };
    tx.insert_redemption(p, &unkeyed).await.expect("redemptions without a key never collide");
    tx.insert_redemption(p, &unkeyed).await.expect("redemptions without a key never collide");
    tx.commit().await.expect("commit");

    assert_eq!(store.redemption(p, &redemption.id).await.expect("redemption").as_ref(), Some(&redemption));
    assert!(store.redemption(o, &redemption.id).await.expect("redemption").is_none(), "scoped by program");
    let listed = store.redemptions(p, c, &page(10)).await.expect("redemptions");
    assert_eq!(listed.len(), 3);
    assert!(listed.contains(&redemption));

    let mut tx = store.begin(None).await.expect("begin");
    let reused = tx.insert_redemption(p, &wanted).await;
    assert!(matches!(reused, Err(StoreError::Conflict(_))), "a key already used by a redemption: {reused:?}");
    drop(tx);
    assert_eq!(store.redemptions(p, c, &page(10)).await.expect("redemptions").len(), 3);
}

/// A transaction holding a key's claim finds whatever resource carries the key
/// (what a retry after the stored response expired replays), including one it
/// made itself; a fresh key has none. PostgreSQL learns the latter with the
/// claim and skips the look-ups, so this pins that shortcut to the truth.
pub async fn keyed_resources_under_a_claim<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let p = program.id.as_str();
    let customer = new_customer(&*store, p).await;
    let c = customer.id.as_str();
    let claim = |key: &str| KeyLock { program_id: p.to_owned(), key: key.to_owned() };
    let (bought, adjusted) = (unique("key"), unique("key"));

    let mut tx = store.begin(Some(&claim(&bought))).await.expect("claim a fresh key");
    assert!(tx.transaction_by_key(p, &bought).await.expect("transaction_by_key").is_none(), "a fresh key");
    assert!(tx.redemption_by_key(p, &bought).await.expect("redemption_by_key").is_none(), "a fresh key");
    assert!(tx.ledger_entry_by_key(p, &bought).await.expect("ledger_entry_by_key").is_none(), "a fresh key");
    let made = tx
        .insert_transaction(p, &purchase(c, None, Some(keyed(&bought, "fp-buy"))))
        .await
        .expect("insert_transaction")
        .expect("a new purchase");
    let seen = tx.transaction_by_key(p, &bought).await.expect("transaction_by_key");
    assert_eq!(seen.map(|r| r.resource), Some(made.clone()), "its own purchase, in its transaction");
    tx.commit().await.expect("commit");

    let mut tx = begin_when_released(&*store, &claim(&bought)).await;
    let found = tx.transaction_by_key(p, &bought).await.expect("transaction_by_key");
    assert_eq!(found.map(|r| r.resource), Some(made), "a later claim of the key finds its purchase");
    drop(tx);

    let mut tx = store.begin(Some(&claim(&adjusted))).await.expect("claim another fresh key");
    assert!(tx.ledger_entry_by_key(p, &adjusted).await.expect("ledger_entry_by_key").is_none(), "a fresh key");
    let balance = tx.credit(p, c, 5).await.expect("credit").expect("credited");
    let entry = NewLedgerEntry {
        idempotency: Some(keyed(&adjusted, "fp-adjust")),
        ..entry(c, 5, balance, LedgerOperation::Adjustment)
    };
    let entry = tx.insert_ledger_entry(p, &entry).await.expect("insert_ledger_entry");
    tx.commit().await.expect("commit");
    let mut tx = begin_when_released(&*store, &claim(&adjusted)).await;
    let found = tx.ledger_entry_by_key(p, &adjusted).await.expect("ledger_entry_by_key");
    assert_eq!(found.map(|r| r.resource.id), Some(entry.id), "a later claim finds the keyed entry");
    drop(tx);
}

pub(super) fn purchase(
    customer_id: &str,
    external_id: Option<&str>,
    idempotency: Option<ResourceKey>,
) -> NewTransaction {
    purchase_with(customer_id, external_id, idempotency, 1234)
}

// ---------------------------------------------------------------------------
// 10. pagination
// ---------------------------------------------------------------------------

pub async fn pagination<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let p = program.id.as_str();

    // Ids are time-ordered at millisecond resolution; a pause between inserts
    // gives "newest first" a single right answer.
    let mut made = Vec::new();
    for n in 1..=5 {
        let mut tx = store.begin(None).await.expect("begin");
        made.push(tx.insert_reward(p, &reward(&format!("reward {n}"), n, None)).await.expect("insert_reward"));
        tx.commit().await.expect("commit");
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let mut tx = store.begin(None).await.expect("begin");
    tx.insert_reward(&other.id, &reward("not ours", 1, None)).await.expect("insert_reward");
    tx.commit().await.expect("commit");
    let newest_first: Vec<String> = made.iter().rev().map(|r| r.id.clone()).collect();

    let first = store.rewards(p, &Page { limit: 2, starting_after: None }).await.expect("rewards");
    assert_eq!(ids(&first, |r| &r.id), newest_first[..3].to_vec(), "limit + 1 rows, newest first");

    // The cursor is the last item shown (the second); the extra row only said there is more.
    let cursor = Some(first[1].id.clone());
    let second = store.rewards(p, &Page { limit: 2, starting_after: cursor }).await.expect("rewards");
    assert_eq!(ids(&second, |r| &r.id), newest_first[2..5].to_vec(), "the older ones, newest first");

    let cursor = Some(second[1].id.clone());
    let last = store.rewards(p, &Page { limit: 2, starting_after: cursor }).await.expect("rewards");
    assert_eq!(ids(&last, |r| &r.id), newest_first[4..].to_vec(), "the final page is short");

    let everything = store.rewards(p, &page(10)).await.expect("rewards");
    assert_eq!(ids(&everything, |r| &r.id), newest_first, "only this program's rewards");
    assert_eq!(everything[4], made[0], "listed rewards are complete");

    // Customers page the same way.
    let mut customers = Vec::new();
    for _ in 0..3 {
        customers.push(new_customer(&*store, p).await.id);
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    customers.reverse();
    let filter = crate::CustomerFilter::default();
    let page1 = store.customers(p, &filter, &Page { limit: 1, starting_after: None }).await.expect("customers");
    assert_eq!(ids(&page1, |c| &c.id), customers[..2].to_vec());
    let page2 = Page { limit: 1, starting_after: Some(page1[0].id.clone()) };
    let page2 = store.customers(p, &filter, &page2).await.expect("customers");
    assert_eq!(ids(&page2, |c| &c.id), customers[1..3].to_vec());
}

// ---------------------------------------------------------------------------
// 11. verify
// ---------------------------------------------------------------------------

pub async fn verify<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let p = program.id.as_str();

    // Healthy data of every kind verify looks at: balances with their ledgers,
    // stock, and a keyed redemption whose record names it.
    let customer = new_customer(&*store, p).await;
    fund(&*store, p, &customer.id, 100).await;
    let lock = KeyLock { program_id: p.to_owned(), key: unique("key") };
    let mut tx = store.begin(None).await.expect("begin");
    let prize = tx.insert_reward(p, &reward("mug", 30, Some(3))).await.expect("insert_reward");
    tx.commit().await.expect("commit");
    let done = redeem_one(&*store, &lock, &customer.id, &prize.id, 24).await.expect("redeem");
    assert_eq!(done, Redeem::Redeemed);
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "healthy data has no violations");

    // The API can still break an invariant: a credit without its ledger entry.
    // (Domain operations never do this; verify exists to catch it if one ever does.)
    let drifted = new_customer(&*store, p).await;
    let mut tx = store.begin(None).await.expect("begin");
    tx.credit(p, &drifted.id, 50).await.expect("credit").expect("credited");
    tx.commit().await.expect("commit");

    let found = store.verify(Some(p)).await.expect("verify");
    assert_eq!(found.len(), 1, "exactly the drifted balance is reported: {found:?}");
    assert_eq!(found[0].program_id, program.id);
    assert!(
        found[0].subject.contains(&drifted.id) || found[0].problem.contains(&drifted.id),
        "the violation names the customer: {found:?}"
    );
    let everywhere = store.verify(None).await.expect("verify");
    assert!(everywhere.iter().any(|v| v.program_id == program.id), "verify(None) checks every program");
    let theirs = store.verify(Some(&other.id)).await.expect("verify");
    assert!(theirs.iter().all(|v| v.program_id == other.id), "verify(Some(other)) reports only that program");
    assert!(theirs.is_empty(), "the other program is healthy: {theirs:?}");

    // The ledger is append-only, so the repair is the missing entry; healthy again.
    let mut tx = store.begin(None).await.expect("begin");
    tx.insert_ledger_entry(p, &entry(&drifted.id, 50, 50, LedgerOperation::Earn)).await.expect("ledger entry");
    tx.commit().await.expect("commit");
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "the repaired program is healthy");
}

// ---------------------------------------------------------------------------
// 12. voids
// ---------------------------------------------------------------------------

pub async fn voids<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let (p, o) = (program.id.as_str(), other.id.as_str());
    let customer = new_customer(&*store, p).await;
    let c = customer.id.as_str();

    let mut tx = store.begin(None).await.expect("begin");
    let whole = new_purchase(&mut *tx, p, c, 1000).await;
    let part = new_purchase(&mut *tx, p, c, 1000).await;
    let rest = new_purchase(&mut *tx, p, c, 1000).await;
    let free = new_purchase(&mut *tx, p, c, 0).await;
    let untouched = new_purchase(&mut *tx, p, c, 1000).await;
    // A void of `amount_cents` more of a purchase (`None`: all that is left); the primitive keeps no key.
    let of = |purchase: &Transaction, amount_cents: Option<i64>| void(&purchase.id, amount_cents, None);
    assert_eq!(
        (whole.status, whole.voided_amount_cents, whole.voided_points),
        (TransactionStatus::Completed, 0, 0),
        "a new purchase is completed and nothing of it is voided"
    );

    // A full void takes all of the spend; the points are the caller's to set.
    let voided = tx.void_amount(p, &of(&whole, None)).await.expect("void_amount").expect("a completed purchase voids");
    assert_eq!(
        (voided.status, voided.voided_amount_cents, voided.voided_points),
        (TransactionStatus::Voided, 1000, 0),
        "a full void voids the whole spend (voided_points not yet updated)"
    );
    assert_eq!(
        (&voided.id, &voided.customer_id, voided.spend_amount_cents, voided.points),
        (&whole.id, &whole.customer_id, whole.spend_amount_cents, whole.points),
        "void_amount returns the purchase it voided"
    );
    assert!(tx.void_amount(p, &of(&whole, None)).await.expect("void_amount").is_none(), "a voided purchase is done");
    assert!(tx.void_amount(p, &of(&whole, Some(1))).await.expect("void_amount").is_none(), "nothing is left to void");
    assert!(tx.void_amount(p, &of(&whole, Some(0))).await.expect("void_amount").is_none(), "even zero is refused");
    let whole = tx.set_voided_points(p, &whole.id, whole.points).await.expect("set_voided_points");
    assert_eq!(
        (whole.status, whole.voided_amount_cents, whole.voided_points),
        (TransactionStatus::Voided, 1000, 10),
        "set_voided_points returns the purchase with its points set"
    );
    assert_eq!(tx.transaction(p, &whole.id).await.expect("transaction").as_ref(), Some(&whole));

    // Partial voids accumulate; the purchase stays partially voided until all of it is.
    let after = tx.void_amount(p, &of(&part, Some(300))).await.expect("void_amount").expect("300 of 1000 is left");
    assert_eq!((after.status, after.voided_amount_cents), (TransactionStatus::PartiallyVoided, 300));
    let after = tx.void_amount(p, &of(&part, Some(200))).await.expect("void_amount").expect("200 of 700 is left");
    assert_eq!((after.status, after.voided_amount_cents), (TransactionStatus::PartiallyVoided, 500), "voids add up");
    let beyond = tx.void_amount(p, &of(&part, Some(501))).await.expect("void_amount");
    assert!(beyond.is_none(), "501 of the 500 left is refused: {beyond:?}");
    let read = tx.transaction(p, &part.id).await.expect("transaction").expect("the purchase exists");
    assert_eq!(read, after, "a refused void changes nothing");
    let after = tx.set_voided_points(p, &part.id, 5).await.expect("set_voided_points");
    assert_eq!(
        (after.status, after.voided_amount_cents, after.voided_points),
        (TransactionStatus::PartiallyVoided, 500, 5)
    );
    let part = tx.void_amount(p, &of(&part, Some(500))).await.expect("void_amount").expect("exactly what is left");
    assert_eq!(
        (part.status, part.voided_amount_cents, part.voided_points),
        (TransactionStatus::Voided, 1000, 5),
        "voiding exactly what is left completes the void and keeps the points set so far"
    );
    assert!(tx.void_amount(p, &of(&part, None)).await.expect("void_amount").is_none(), "fully voided by parts");

    // A full void after a partial one takes only what is left.
    let after = tx.void_amount(p, &of(&rest, Some(250))).await.expect("void_amount").expect("250 of 1000");
    assert_eq!((after.status, after.voided_amount_cents), (TransactionStatus::PartiallyVoided, 250));
    let rest = tx.void_amount(p, &of(&rest, None)).await.expect("void_amount").expect("the rest");
    assert_eq!(
        (rest.status, rest.voided_amount_cents),
        (TransactionStatus::Voided, 1000),
        "None voids all that is left"
    );

    // A purchase that spent nothing still voids, in full, once.
    let free = tx.void_amount(p, &of(&free, None)).await.expect("void_amount").expect("a zero-spend purchase voids");
    assert_eq!((free.status, free.voided_amount_cents), (TransactionStatus::Voided, 0));
    assert!(tx.void_amount(p, &of(&free, None)).await.expect("void_amount").is_none(), "and only once");

    // An amount beyond the whole spend is refused and leaves the purchase completed.
    assert!(tx.void_amount(p, &of(&untouched, Some(1001))).await.expect("void_amount").is_none(), "beyond the spend");
    // Scoped by program.
    assert!(tx.void_amount(o, &of(&untouched, None)).await.expect("void_amount").is_none(), "scoped by program");
    assert!(tx.transaction(o, &untouched.id).await.expect("transaction").is_none(), "scoped by program");
    assert_eq!(tx.transaction(p, &untouched.id).await.expect("transaction").as_ref(), Some(&untouched));
    tx.commit().await.expect("commit");

    for made in [&whole, &part, &rest, &free, &untouched] {
        let read = store.transaction(p, &made.id).await.expect("transaction");
        assert_eq!(read.as_ref(), Some(made), "voids and voided points round-trip");
    }
    assert!(store.transaction(o, &whole.id).await.expect("transaction").is_none(), "scoped by program");

    // Setting another program's purchase's points cannot succeed.
    let mut tx = store.begin(None).await.expect("begin");
    let across = tx.set_voided_points(o, &untouched.id, 1).await;
    assert!(across.is_err(), "set_voided_points through another program must not succeed: {across:?}");
    drop(tx);
    // A void in a transaction that is dropped never happened.
    let mut tx = store.begin(None).await.expect("begin");
    tx.void_amount(p, &of(&untouched, None)).await.expect("void_amount").expect("voids");
    tx.set_voided_points(p, &untouched.id, untouched.points).await.expect("set_voided_points");
    drop(tx);
    let read = store.transaction(p, &untouched.id).await.expect("transaction");
    assert_eq!(read.as_ref(), Some(&untouched), "a rolled-back void must not stay");
}

pub(super) async fn new_purchase(tx: &mut dyn StoreTx, p: &str, c: &str, spend_amount_cents: i64) -> Transaction {
    let wanted = purchase_with(c, None, None, spend_amount_cents);
    tx.insert_transaction(p, &wanted).await.expect("insert_transaction").expect("a purchase without a receipt number")
}
