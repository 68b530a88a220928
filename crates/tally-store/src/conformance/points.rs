//! Cases 13–16: point lots and their expiry (and its race), negative balances,
//! keyed adjustments.

use std::sync::Arc;

use tally_core::model::{LedgerOperation, PointLot, VoidPolicy};
use tokio::sync::Barrier;

use super::Harness;
use super::support::*;
use crate::{NewLedgerEntry, Store, StoreError, StoreResult};

// ---------------------------------------------------------------------------
// 13. point lots and their expiry
// ---------------------------------------------------------------------------

pub async fn point_lots<S: Harness>(store: Arc<S>) {
    let monthly = program_with(&*store, Some(30), VoidPolicy::Reject).await;
    let yearly = program_with(&*store, Some(365), VoidPolicy::Reject).await;
    let forever = program_with(&*store, None, VoidPolicy::Reject).await;
    let (p, y, f) = (monthly.id.as_str(), yearly.id.as_str(), forever.id.as_str());
    let customer = new_customer(&*store, p).await;
    let c = customer.id.as_str();
    let yearly_customer = new_customer(&*store, y).await;
    let forever_customer = new_customer(&*store, f).await;

    fund(&*store, p, c, 100).await;
    fund(&*store, p, c, 50).await;
    fund(&*store, p, c, 20).await;
    fund(&*store, y, &yearly_customer.id, 100).await;
    fund(&*store, f, &forever_customer.id, 100).await;
    assert_eq!(expiring_soon(&*store, p, c).await, 170, "each credit starts a lot expiring in 30 days");
    assert_eq!(expiring_soon(&*store, y, &yearly_customer.id).await, 0, "lots of a year are not expiring soon");
    assert_eq!(expiring_soon(&*store, f, &forever_customer.id).await, 0, "lots without a date never expire");
    // The lot check: every program's credits started lots holding exactly the balance.
    for program in [p, y, f] {
        assert_eq!(store.verify(Some(program)).await.expect("verify"), vec![], "credits start lots");
    }

    // Debits spend the oldest lots first: 100 → 0, 50 → 30, 20 untouched.
    assert_eq!(spend(&*store, p, c, 120).await, 50);
    assert_eq!(expiring_soon(&*store, p, c).await, 50, "spent points are no longer expiring");
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "the debit kept the lots in step");
    assert!(lots_due(&*store, p).await.is_empty(), "nothing is due before its date");

    store.make_lots_due().await;
    let due = lots_due(&*store, p).await;
    assert!(due.iter().all(|lot| lot.customer_id == customer.id), "due lots name their customer: {due:?}");
    assert_eq!(
        remainings(&due),
        vec![20, 30],
        "the oldest lot was spent first and emptied lots are not due (newest first would leave 50 of the oldest)"
    );
    let theirs = lots_due(&*store, y).await;
    assert_eq!(theirs.len(), 1, "due_lots lists every program's due lots, with their program: {theirs:?}");
    assert_eq!((theirs[0].customer_id.as_str(), theirs[0].remaining), (yearly_customer.id.as_str(), 100));
    assert!(lots_due(&*store, f).await.is_empty(), "a lot of a program without expiry is never due");
    assert_eq!(expiring_soon(&*store, y, &yearly_customer.id).await, 100, "a lot past its date is expiring soon");
    assert_eq!(expiring_soon(&*store, f, &forever_customer.id).await, 0);
    assert_eq!(store.due_lots(1).await.expect("due_lots").len(), 1, "due_lots honours its limit");

    // A credit after the date passed starts a lot that is not due yet.
    fund(&*store, p, c, 40).await;
    assert_eq!(remainings(&lots_due(&*store, p).await), vec![20, 30], "the new lot is not due");
    assert_eq!(expiring_soon(&*store, p, c).await, 90);
    let older = due.iter().find(|lot| lot.remaining == 30).expect("the older lot").clone();
    let newer = due.iter().find(|lot| lot.remaining == 20).expect("the newer lot").clone();

    // An expiry in a transaction that is dropped never happened.
    let mut tx = store.begin(None).await.expect("begin");
    assert!(tx.lock_customer(p, c).await.expect("lock_customer"));
    assert_eq!(tx.expire_lot(p, &older.id).await.expect("expire_lot"), Some((30, 60)));
    drop(tx);
    assert_eq!(remainings(&lots_due(&*store, p).await), vec![20, 30], "a rolled-back expiry must not stay");
    assert_eq!(balance_of(&*store, p, c).await.available, 90);

    let mut tx = store.begin(None).await.expect("begin");
    assert!(!tx.lock_customer(p, &unique("cus")).await.expect("lock_customer"), "an unknown customer");
    assert!(!tx.lock_customer(y, c).await.expect("lock_customer"), "lock_customer is scoped by program");
    assert!(tx.lock_customer(p, c).await.expect("lock_customer"), "the customer exists");
    assert!(tx.expire_lot(y, &older.id).await.expect("expire_lot").is_none(), "expire_lot is scoped by program");
    assert!(tx.expire_lot(p, &unique("lot")).await.expect("expire_lot").is_none(), "an unknown lot");
    let (points, balance) = tx.expire_lot(p, &older.id).await.expect("expire_lot").expect("a due lot expires");
    assert_eq!((points, balance), (30, 60), "the lot's remaining points leave the balance");
    tx.insert_ledger_entry(p, &entry(c, -points, balance, LedgerOperation::Expire)).await.expect("ledger entry");
    assert!(tx.expire_lot(p, &older.id).await.expect("expire_lot").is_none(), "a lot expires once");
    tx.commit().await.expect("commit");

    assert_eq!(balance_of(&*store, p, c).await.available, 60);
    assert_eq!(expiring_soon(&*store, p, c).await, 60, "the expired lot no longer counts");
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "the expiry with its ledger entry is healthy");
    let left = lots_due(&*store, p).await;
    assert_eq!(ids(&left, |lot| &lot.id), vec![newer.id.clone()], "an expired lot is no longer due");
    let mut tx = store.begin(None).await.expect("begin");
    assert!(tx.lock_customer(p, c).await.expect("lock_customer"));
    assert!(tx.expire_lot(p, &older.id).await.expect("expire_lot").is_none(), "expired already, in a later tx too");
    drop(tx);

    // A lot spent in part expires only what is left of it: spending 15 takes it from
    // the oldest unspent lot (20 → 5), not from the new one (40).
    assert_eq!(spend(&*store, p, c, 15).await, 45);
    let left = lots_due(&*store, p).await;
    assert_eq!((left.len(), left[0].id.as_str(), left[0].remaining), (1, newer.id.as_str(), 5), "{left:?}");
    assert_eq!(expire(&*store, p, &left[0]).await, Some((5, 40)), "only the unspent part expires");
    assert_eq!(expiring_soon(&*store, p, c).await, 40);
    assert!(lots_due(&*store, p).await.is_empty());
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![]);

    // The other program's lot expires through its own program.
    let theirs = &theirs[0];
    assert_eq!(expire(&*store, p, theirs).await, None, "expire_lot is scoped by program");
    assert_eq!(expire(&*store, y, theirs).await, Some((100, 0)));
    assert_eq!(store.verify(Some(y)).await.expect("verify"), vec![]);

    // The lot credited after the first date passes expires once its own date passes.
    store.make_lots_due().await;
    let last = lots_due(&*store, p).await;
    assert_eq!(remainings(&last), vec![40], "the last lot is due now: {last:?}");
    assert_eq!(expire(&*store, p, &last[0]).await, Some((40, 0)));
    assert_eq!(balance_of(&*store, p, c).await.available, 0);
    assert_eq!(expiring_soon(&*store, p, c).await, 0);
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![]);
    assert!(lots_due(&*store, f).await.is_empty(), "still never due");
    assert_eq!(balance_of(&*store, f, &forever_customer.id).await.available, 100, "points without expiry stay");
    let ledger = store.ledger(p, c, &page(100)).await.expect("ledger");
    let expired: Vec<i64> =
        ledger.iter().filter(|e| e.operation == LedgerOperation::Expire).map(|e| e.points).collect();
    assert_eq!(expired, vec![-40, -5, -30], "one expiry entry per expired lot, newest first");
}

/// Expires one lot as the expiry job does: the whole write (lock the customer, expire, record it), then commit.
pub(super) async fn expire<S: Store>(store: &S, program_id: &str, lot: &PointLot) -> Option<(i64, i64)> {
    retry_unavailable(|| expire_once(store, program_id, lot)).await
}

pub(super) async fn expire_once<S: Store>(
    store: &S,
    program_id: &str,
    lot: &PointLot,
) -> StoreResult<Option<(i64, i64)>> {
    let mut tx = store.begin(None).await?;
    let Some(entry) = tx.expire(program_id, &lot.customer_id, &lot.id).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    assert_eq!((entry.operation, entry.customer_id.as_str()), (LedgerOperation::Expire, lot.customer_id.as_str()));
    tx.commit().await?;
    Ok(Some((-entry.points, entry.balance_after)))
}

/// The due lots of one program (due_lots lists every program's).
pub(super) async fn lots_due<S: Store>(store: &S, program_id: &str) -> Vec<PointLot> {
    let due = store.due_lots(1_000).await.expect("due_lots");
    due.into_iter().filter(|(program, _)| program == program_id).map(|(_, lot)| lot).collect()
}

pub(super) fn remainings(lots: &[PointLot]) -> Vec<i64> {
    let mut remaining: Vec<i64> = lots.iter().map(|lot| lot.remaining).collect();
    remaining.sort_unstable();
    remaining
}

pub(super) async fn expiring_soon<S: Store>(store: &S, program_id: &str, customer_id: &str) -> i64 {
    let balance = store.balance(program_id, customer_id).await.expect("balance").expect("the customer has a balance");
    balance.expiring_soon
}

// ---------------------------------------------------------------------------
// 14. expiry race
// ---------------------------------------------------------------------------

pub async fn expiry_race<S: Harness>(store: Arc<S>) {
    const TASKS: usize = 10;
    let program = program_with(&*store, Some(30), VoidPolicy::Reject).await;
    let p = program.id.clone();
    let mut customers = Vec::new();
    for n in 0..3 {
        let customer = new_customer(&*store, &p).await;
        fund(&*store, &p, &customer.id, 100 + n).await;
        fund(&*store, &p, &customer.id, 50).await;
        customers.push(customer.id);
    }
    // One lot spent in part: it expires only what is left.
    spend(&*store, &p, &customers[0], 30).await;
    store.make_lots_due().await;
    let due = lots_due(&*store, &p).await;
    assert_eq!(due.len(), 6, "two lots per customer are due: {due:?}");
    let total: i64 = due.iter().map(|lot| lot.remaining).sum();
    assert_eq!(total, 100 + 101 + 102 + 3 * 50 - 30);

    let due = Arc::new(due);
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (store, barrier, due, p) = (store.clone(), barrier.clone(), due.clone(), p.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                // Every task tries every lot, each starting elsewhere in the list.
                let mut taken = Vec::new();
                for n in 0..due.len() {
                    let lot = &due[(task + n) % due.len()];
                    if let Some((points, _)) = expire(&*store, &p, lot).await {
                        taken.push((lot.id.clone(), points));
                    }
                }
                taken
            })
        })
        .collect();
    let taken: Vec<(String, i64)> =
        futures::future::join_all(tasks).await.into_iter().flat_map(|r| r.expect("task panicked")).collect();

    assert_eq!(taken.len(), due.len(), "each lot expires exactly once across {TASKS} tasks: {taken:?}");
    for lot in due.iter() {
        let times: Vec<i64> = taken.iter().filter(|(id, _)| *id == lot.id).map(|(_, points)| *points).collect();
        assert_eq!(times, vec![lot.remaining], "lot {} expires once, with what it held", lot.id);
    }
    assert_eq!(taken.iter().map(|(_, points)| points).sum::<i64>(), total);
    for customer_id in &customers {
        assert_eq!(balance_of(&*store, &p, customer_id).await.available, 0, "every point expired, once");
        let ledger = store.ledger(&p, customer_id, &page(100)).await.expect("ledger");
        let expiries = ledger.iter().filter(|e| e.operation == LedgerOperation::Expire).count();
        assert_eq!(expiries, 2, "one expiry entry per lot: {ledger:?}");
    }
    assert!(lots_due(&*store, &p).await.is_empty(), "nothing is left to expire");
    assert_eq!(store.verify(Some(&p)).await.expect("verify"), vec![], "no invariant broke under the race");
}

// ---------------------------------------------------------------------------
// 15. negative balances (voids under allow_negative)
// ---------------------------------------------------------------------------

pub async fn negative_balances<S: Harness>(store: Arc<S>) {
    let lenient = program_with(&*store, Some(30), VoidPolicy::AllowNegative).await;
    let strict = program_with(&*store, Some(30), VoidPolicy::Reject).await;
    let (p, s) = (lenient.id.as_str(), strict.id.as_str());
    let customer = new_customer(&*store, p).await;
    let c = customer.id.as_str();
    fund(&*store, p, c, 50).await;

    let mut tx = store.begin(None).await.expect("begin");
    assert_eq!(tx.debit(p, c, 80).await.expect("debit"), None, "a conditional debit refuses to go below zero");
    let balance = tx.overdraw(p, c, 80).await.expect("overdraw");
    assert_eq!(balance, Some(-30), "overdraw takes the balance below zero");
    tx.insert_ledger_entry(p, &entry(c, -80, -30, LedgerOperation::Void)).await.expect("ledger entry");
    assert_eq!(tx.debit(p, c, 1).await.expect("debit"), None, "a conditional debit refuses below zero");
    tx.commit().await.expect("commit");
    assert_eq!(balance_of(&*store, p, c).await.available, -30);
    assert_eq!(expiring_soon(&*store, p, c).await, 0, "the void spent the lot");
    // The lot check proves the lot is empty; the negative balance is allowed here.
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "allow_negative permits a negative balance");

    let mut tx = store.begin(None).await.expect("begin");
    assert_eq!(tx.overdraw(p, c, 10).await.expect("overdraw"), Some(-40));
    tx.insert_ledger_entry(p, &entry(c, -10, -40, LedgerOperation::Void)).await.expect("ledger entry");
    assert!(tx.overdraw(&strict.id, c, 10).await.expect("overdraw").is_none(), "overdraw is scoped by program");
    tx.commit().await.expect("commit");

    // Overflow is refused, never wrapped.
    let mut tx = store.begin(None).await.expect("begin");
    match tx.overdraw(p, c, i64::MAX).await {
        Ok(None) => tx.commit().await.expect("commit"),
        Err(StoreError::OutOfRange) => drop(tx),
        other => panic!("a debit below i64::MIN must be refused, got {other:?}"),
    }
    assert_eq!(balance_of(&*store, p, c).await.available, -40, "the refused debit changed nothing");

    // A credit pays the debt first; only what exceeds it starts a lot.
    assert_eq!(fund(&*store, p, c, 25).await, -15);
    assert_eq!(expiring_soon(&*store, p, c).await, 0, "a credit that only pays debt starts no lot");
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "no lot while the balance is negative");
    assert_eq!(fund(&*store, p, c, 100).await, 85);
    assert_eq!(expiring_soon(&*store, p, c).await, 85, "the new lot holds only what exceeds the debt");
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "unspent lots equal the balance");

    let mut tx = store.begin(None).await.expect("begin");
    assert_eq!(tx.debit(p, c, 86).await.expect("debit"), None, "still refused below zero");
    assert_eq!(tx.debit(p, c, 85).await.expect("debit"), Some(0));
    tx.insert_ledger_entry(p, &entry(c, -85, 0, LedgerOperation::Redeem)).await.expect("ledger entry");
    tx.commit().await.expect("commit");
    assert_eq!(expiring_soon(&*store, p, c).await, 0);
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![]);

    // Where the program rejects negative balances, verify reports one.
    let theirs = new_customer(&*store, s).await;
    fund(&*store, s, &theirs.id, 10).await;
    let mut tx = store.begin(None).await.expect("begin");
    assert_eq!(tx.overdraw(s, &theirs.id, 25).await.expect("overdraw"), Some(-15));
    tx.insert_ledger_entry(s, &entry(&theirs.id, -25, -15, LedgerOperation::Void)).await.expect("ledger entry");
    tx.commit().await.expect("commit");
    let found = store.verify(Some(s)).await.expect("verify");
    assert_eq!(found.len(), 1, "exactly the negative balance is reported: {found:?}");
    assert_eq!(found[0].program_id, strict.id);
    assert!(
        found[0].subject.contains(&theirs.id) || found[0].problem.contains(&theirs.id),
        "the violation names the customer: {found:?}"
    );
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "the lenient program is still healthy");
    assert_eq!(fund(&*store, s, &theirs.id, 15).await, 0);
    assert_eq!(store.verify(Some(s)).await.expect("verify"), vec![], "back at zero, healthy again");
}

// ---------------------------------------------------------------------------
// 16. manual adjustments found by their key
// ---------------------------------------------------------------------------

pub async fn keyed_adjustments<S: Harness>(store: Arc<S>) {
    let Tenants { program, other, customer, their_customer } = tenants(&*store).await;
    let (p, o, c) = (program.id.as_str(), other.id.as_str(), customer.id.as_str());
    let token = store.create_token(p, &unique("token-hash")).await.expect("create_token");
    let key = unique("key");

    let mut tx = store.begin(None).await.expect("begin");
    assert!(tx.ledger_entry_by_key(p, &key).await.expect("ledger_entry_by_key").is_none(), "unused key");
    let balance = tx.credit(p, c, 25).await.expect("credit").expect("credited");
    let wanted = NewLedgerEntry {
        reason: Some("goodwill".into()),
        token_id: Some(token.clone()),
        idempotency: Some(keyed(&key, "fp-adjust")),
        ..entry(c, 25, balance, LedgerOperation::Adjustment)
    };
    let made = tx.insert_ledger_entry(p, &wanted).await.expect("insert_ledger_entry");
    assert_eq!(
        (made.points, made.operation, made.reason.as_deref(), made.token_id.as_deref()),
        (25, LedgerOperation::Adjustment, Some("goodwill"), Some(token.as_str())),
        "an adjustment keeps its reason and token"
    );
    let found = tx.ledger_entry_by_key(p, &key).await.expect("ledger_entry_by_key").expect("found by its key");
    assert_eq!((&found.resource, found.fingerprint.as_str()), (&made, "fp-adjust"));
    assert!(tx.ledger_entry_by_key(o, &key).await.expect("ledger_entry_by_key").is_none(), "scoped by program");
    assert!(tx.ledger_entry_by_key(p, &unique("key")).await.expect("ledger_entry_by_key").is_none(), "unknown key");
    // Entries without a key never collide.
    for _ in 0..2 {
        let balance = tx.credit(p, c, 1).await.expect("credit").expect("credited");
        tx.insert_ledger_entry(p, &entry(c, 1, balance, LedgerOperation::Earn)).await.expect("unkeyed entries");
    }
    tx.commit().await.expect("commit");
    let ledger = store.ledger(p, c, &page(100)).await.expect("ledger");
    assert_eq!(ledger.len(), 3);
    assert!(ledger.contains(&made), "the keyed entry is in the ledger");

    // One key never makes two adjustments in a program.
    let mut tx = store.begin(None).await.expect("begin");
    let balance = tx.credit(p, c, 5).await.expect("credit").expect("credited");
    let again = NewLedgerEntry {
        idempotency: Some(keyed(&key, "fp-again")),
        ..entry(c, 5, balance, LedgerOperation::Adjustment)
    };
    let reused = tx.insert_ledger_entry(p, &again).await;
    assert!(matches!(reused, Err(StoreError::Conflict(_))), "a key already used by an adjustment: {reused:?}");
    drop(tx);
    assert_eq!(store.ledger(p, c, &page(100)).await.expect("ledger").len(), 3, "the refused entry left nothing");
    assert_eq!(balance_of(&*store, p, c).await.available, 27);

    // Another program may use the same key.
    let mut tx = store.begin(None).await.expect("begin");
    let balance = tx.credit(o, &their_customer.id, 7).await.expect("credit").expect("credited");
    let theirs = NewLedgerEntry {
        idempotency: Some(keyed(&key, "fp-theirs")),
        ..entry(&their_customer.id, 7, balance, LedgerOperation::Adjustment)
    };
    let theirs = tx.insert_ledger_entry(o, &theirs).await.expect("the same key in another program is another key");
    let found = tx.ledger_entry_by_key(o, &key).await.expect("ledger_entry_by_key").expect("found by its key");
    assert_eq!((&found.resource, found.fingerprint.as_str()), (&theirs, "fp-theirs"));
    let ours = tx.ledger_entry_by_key(p, &key).await.expect("ledger_entry_by_key").expect("still ours");
    assert_eq!(
        (&ours.resource, ours.fingerprint.as_str()),
        (&made, "fp-adjust"),
        "the other program's entry is not ours"
    );
    tx.commit().await.expect("commit");
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![]);
    assert_eq!(store.verify(Some(o)).await.expect("verify"), vec![]);
}
