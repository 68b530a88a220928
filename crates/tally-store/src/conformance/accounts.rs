//! Cases 1–4: programs and tokens, pool stats, customers, credits and debits, stock.

use std::sync::Arc;

use tally_core::model::{LedgerOperation, ProgramSettings, RewardKind, Tier, TierPeriod, VoidPolicy};

use super::Harness;
use super::support::*;
use crate::{Contact, NewCustomer, RewardPatch, Store, StoreError};

// ---------------------------------------------------------------------------
// 1. programs and tokens
// ---------------------------------------------------------------------------

pub async fn programs_and_tokens<S: Harness>(store: Arc<S>) {
    let name = unique("conformance program");
    let program = store.create_program(&name, &ProgramSettings::default()).await.expect("create_program");
    assert_eq!(program.name, name);
    assert_eq!(program.settings, ProgramSettings::default(), "a new program starts with the default settings");

    let read = store.program(&program.id).await.expect("program").expect("the new program is readable");
    assert_eq!((read.id.as_str(), read.name.as_str()), (program.id.as_str(), name.as_str()));
    assert_eq!(read.settings, program.settings);
    assert!(store.program(&unique("prg")).await.expect("program").is_none(), "an unknown id finds nothing");
    let all = store.programs().await.expect("programs");
    assert!(all.iter().any(|p| p.id == program.id), "programs() lists the new program");

    // Only the hash is stored; the API resolves a caller by it.
    let hash = unique("token-hash");
    store.create_token(&program.id, &hash).await.expect("create_token");
    let by_token = store.program_by_token_hash(&hash).await.expect("program_by_token_hash");
    assert_eq!(by_token.map(|(p, _)| p.id), Some(program.id.clone()), "the token's hash resolves to its program");
    let unknown = store.program_by_token_hash(&unique("token-hash")).await.expect("program_by_token_hash");
    assert!(unknown.is_none(), "an unknown token hash must not authenticate anyone");

    // Every field differs from the default, so a column that is not written back shows.
    let changed = ProgramSettings {
        points_per_currency_unit: 3,
        void_policy: VoidPolicy::AllowNegative,
        points_expire_after_days: Some(90),
        points_pending_days: 14,
        tiers: vec![Tier { name: "Silver".into(), threshold_points: 500, earn_multiplier_percent: 125 }],
        tier_period: TierPeriod::CalendarYear,
        idempotency_retention_hours: 48,
        require_idempotency_key: false,
        rate_limit_per_minute: 60,
    };

    // A settings change in a transaction that is dropped never happened.
    let mut tx = store.begin(None).await.expect("begin");
    tx.update_program_settings(&program.id, &changed).await.expect("update_program_settings");
    drop(tx);
    let read = store.program(&program.id).await.expect("program").expect("program exists");
    assert_eq!(read.settings, ProgramSettings::default(), "a rolled-back settings change must not apply");

    let mut tx = store.begin(None).await.expect("begin");
    let updated = tx.update_program_settings(&program.id, &changed).await.expect("update_program_settings");
    tx.commit().await.expect("commit");
    assert_eq!(updated.settings, changed, "update_program_settings returns the new settings");
    let read = store.program(&program.id).await.expect("program").expect("program exists");
    assert_eq!(read.settings, changed, "the new settings round-trip");
    let by_token = store.program_by_token_hash(&hash).await.expect("program_by_token_hash").expect("still resolves");
    assert_eq!(by_token.0.settings, changed, "a token resolves to the current settings");
}

/// `/metrics` reports pool usage from [`Store::pool_stats`]: the numbers must
/// be consistent, and a running transaction must show as a busy connection.
pub async fn pool_stats<S: Harness>(store: Arc<S>) {
    store.ping().await.expect("ping");
    let quiet = store.pool_stats();
    assert!(quiet.max >= 1, "a pool allows at least one connection: {quiet:?}");
    assert!(quiet.open >= 1, "a ping leaves a connection open: {quiet:?}");
    assert!(quiet.idle <= quiet.open && quiet.open <= quiet.max, "idle <= open <= max: {quiet:?}");

    let tx = store.begin(None).await.expect("begin");
    let busy = store.pool_stats();
    assert!(busy.idle < busy.open, "an open transaction holds a connection that is not idle: {busy:?}");
    assert!(busy.open <= busy.max, "{busy:?}");
    tx.commit().await.expect("commit");
}

// ---------------------------------------------------------------------------
// 2. customers
// ---------------------------------------------------------------------------

pub async fn customers<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let (a, b) = (program.id.as_str(), other.id.as_str());

    let ada = NewCustomer {
        email: Some("ada@example.com".into()),
        phone: Some("+441234567890".into()),
        name: Some("Ada".into()),
    };
    let mut tx = store.begin(None).await.expect("begin");
    let first = tx.insert_customer(a, &ada).await.expect("insert_customer").expect("a new customer is inserted");
    assert_eq!((&first.email, &first.phone, &first.name), (&ada.email, &ada.phone, &ada.name));

    let by_email = tx.find_customer(a, Contact { phone: None, ..ada.contact() }).await.expect("find_customer");
    assert_eq!(by_email.map(|c| c.id), Some(first.id.clone()), "found by e-mail");
    let by_phone = tx.find_customer(a, Contact { email: None, ..ada.contact() }).await.expect("find_customer");
    assert_eq!(by_phone.map(|c| c.id), Some(first.id.clone()), "found by phone");
    assert!(tx.find_customer(a, Contact::default()).await.expect("find_customer").is_none(), "nothing to look for");
    let strangers = Contact { email: Some("nobody@example.com"), phone: Some("+10000000000") };
    let nobody = tx.find_customer(a, strangers).await.expect("find_customer");
    assert!(nobody.is_none(), "unknown contact details find nobody");

    // The natural keys dedupe: either one colliding is enough.
    let same_email = NewCustomer { phone: Some("+449999999999".into()), ..ada.clone() };
    assert!(tx.insert_customer(a, &same_email).await.expect("insert_customer").is_none(), "same e-mail is refused");
    let same_phone = NewCustomer { email: Some("other@example.com".into()), ..ada.clone() };
    assert!(tx.insert_customer(a, &same_phone).await.expect("insert_customer").is_none(), "same phone is refused");

    // Customers without contact details never collide with each other.
    let anonymous = NewCustomer { name: Some("walk-in".into()), ..NewCustomer::default() };
    let anon1 = tx.insert_customer(a, &anonymous).await.expect("insert_customer");
    let anon2 = tx.insert_customer(a, &anonymous).await.expect("insert_customer");
    assert!(anon1.is_some() && anon2.is_some(), "two customers without e-mail or phone are both inserted");

    // E-mail wins over phone when they name different customers.
    let bob = NewCustomer {
        email: Some("bob@example.com".into()),
        phone: Some("+15550000001".into()),
        name: Some("Bob".into()),
    };
    let bob = tx.insert_customer(a, &bob).await.expect("insert_customer").expect("bob is new");
    let bobs_email_adas_phone = Contact { email: Some("bob@example.com"), ..ada.contact() };
    let found = tx.find_customer(a, bobs_email_adas_phone).await.expect("find_customer");
    assert_eq!(found.map(|c| c.id), Some(bob.id.clone()), "find_customer looks by e-mail first");
    let unknown_email_adas_phone = Contact { email: Some("nobody@example.com"), ..ada.contact() };
    let found = tx.find_customer(a, unknown_email_adas_phone).await.expect("find_customer");
    assert_eq!(found.map(|c| c.id), Some(first.id.clone()), "find_customer falls back to the phone");

    // update_customer sets the name and fills only what was empty.
    let email_only = NewCustomer { email: Some("cy@example.com".into()), ..NewCustomer::default() };
    let cy = tx.insert_customer(a, &email_only).await.expect("insert_customer").expect("cy is new");
    let patch = NewCustomer {
        email: Some("changed@example.com".into()),
        phone: Some("+15550000002".into()),
        name: Some("Cy".into()),
    };
    let cy = tx.update_customer(a, &cy.id, &patch).await.expect("update_customer");
    assert_eq!(cy.email.as_deref(), Some("cy@example.com"), "an existing e-mail is kept");
    assert_eq!(cy.phone.as_deref(), Some("+15550000002"), "an empty phone is filled");
    assert_eq!(cy.name.as_deref(), Some("Cy"), "the name is set");
    let in_tx = tx.customer(a, &cy.id).await.expect("customer").expect("cy is readable in the transaction");
    assert_eq!(in_tx, cy);

    // Reads are scoped by program, inside a transaction too.
    assert!(tx.customer(b, &first.id).await.expect("customer").is_none(), "another program's customer is invisible");
    let across = tx.find_customer(b, ada.contact()).await.expect("find_customer");
    assert!(across.is_none(), "find_customer must not look into another program");

    // The same contact details in another program are another customer.
    let twin = tx.insert_customer(b, &ada).await.expect("insert_customer");
    let twin = twin.expect("the same e-mail and phone in another program are fine");
    assert_ne!(twin.id, first.id);
    tx.commit().await.expect("commit");

    assert_eq!(store.customer(a, &first.id).await.expect("customer"), Some(first.clone()));
    assert_eq!(store.customer(a, &cy.id).await.expect("customer"), Some(cy.clone()));
    assert!(store.customer(b, &first.id).await.expect("customer").is_none(), "reads are scoped by program");
    assert!(store.customer(a, &twin.id).await.expect("customer").is_none(), "reads are scoped by program");

    let filter = crate::CustomerFilter { email: ada.email.clone(), phone: None };
    let listed = store.customers(a, &filter, &page(10)).await.expect("customers");
    assert_eq!(ids(&listed, |c| &c.id), vec![first.id.clone()], "the e-mail filter finds exactly one, in its program");
    let filter = crate::CustomerFilter { email: None, phone: Some("+15550000002".into()) };
    let listed = store.customers(a, &filter, &page(10)).await.expect("customers");
    assert_eq!(ids(&listed, |c| &c.id), vec![cy.id.clone()], "the phone filter finds the filled phone");
    let all = store.customers(a, &crate::CustomerFilter::default(), &page(10)).await.expect("customers");
    assert_eq!(all.len(), 5, "ada, two walk-ins, bob and cy; the refused duplicates left nothing");
}

// ---------------------------------------------------------------------------
// 3. credit and debit
// ---------------------------------------------------------------------------

pub async fn credit_and_debit<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let p = program.id.as_str();
    let customer = new_customer(&*store, p).await;
    let c = customer.id.as_str();

    let mut tx = store.begin(None).await.expect("begin");
    assert_eq!(tx.credit(p, c, 100).await.expect("credit"), Some(100), "credit returns the new balance");
    let earn = tx.insert_ledger_entry(p, &entry(c, 100, 100, LedgerOperation::Earn)).await.expect("ledger entry");
    assert_eq!(tx.debit(p, c, 30).await.expect("debit"), Some(70), "debit returns the new balance");
    let spend = tx.insert_ledger_entry(p, &entry(c, -30, 70, LedgerOperation::Redeem)).await.expect("ledger entry");
    // Committing after a refused debit proves the refusal itself wrote nothing.
    assert_eq!(tx.debit(p, c, 71).await.expect("debit"), None, "a debit below zero is refused");
    tx.commit().await.expect("commit");

    for (made, asked) in
        [(&earn, entry(c, 100, 100, LedgerOperation::Earn)), (&spend, entry(c, -30, 70, LedgerOperation::Redeem))]
    {
        assert_eq!(
            (&made.customer_id, made.points, made.balance_after, made.operation),
            (&asked.customer_id, asked.points, asked.balance_after, asked.operation),
            "insert_ledger_entry returns what it stored"
        );
        assert_eq!((&made.transaction_id, &made.redemption_id), (&None, &None));
    }
    let expected = BalanceSnapshot { available: 70, lifetime_earned: 100, lifetime_spent: 30 };
    assert_eq!(balance_of(&*store, p, c).await, expected, "the refused debit changed nothing");
    let ledger = store.ledger(p, c, &page(100)).await.expect("ledger");
    assert_same_entries(&ledger, &[earn.clone(), spend.clone()]);

    // A transaction dropped without commit leaves no trace.
    let mut tx = store.begin(None).await.expect("begin");
    assert_eq!(tx.credit(p, c, 1_000).await.expect("credit"), Some(1_070));
    tx.insert_ledger_entry(p, &entry(c, 1_000, 1_070, LedgerOperation::Earn)).await.expect("ledger entry");
    drop(tx);
    assert_eq!(balance_of(&*store, p, c).await, expected, "a rolled-back credit must not stay");
    let ledger = store.ledger(p, c, &page(100)).await.expect("ledger");
    assert_same_entries(&ledger, &[earn.clone(), spend.clone()]);

    // Overflow is refused, never wrapped or saturated: on the balance, and on the
    // lifetime total alone (balance 70 + (MAX - 99) fits; earned 100 + (MAX - 99) does not).
    assert_credit_refused(&*store, p, c, i64::MAX - 69, "the balance would overflow").await;
    assert_credit_refused(&*store, p, c, i64::MAX - 99, "lifetime_earned would overflow").await;
    assert_credit_refused(&*store, p, c, i64::MAX, "the balance would overflow").await;
    assert_eq!(balance_of(&*store, p, c).await, expected, "refused credits changed nothing");

    // Writes are scoped by program just like reads.
    let mut tx = store.begin(None).await.expect("begin");
    let credited = tx.credit(&other.id, c, 5).await;
    assert!(!matches!(credited, Ok(Some(_))), "credit through another program must not succeed: {credited:?}");
    drop(tx);
    let mut tx = store.begin(None).await.expect("begin");
    let debited = tx.debit(&other.id, c, 5).await;
    assert!(!matches!(debited, Ok(Some(_))), "debit through another program must not succeed: {debited:?}");
    drop(tx);
    assert_eq!(balance_of(&*store, p, c).await, expected);
    assert!(store.balance(&other.id, c).await.expect("balance").is_none(), "balance is scoped by program");
    assert!(store.ledger(&other.id, c, &page(100)).await.expect("ledger").is_empty(), "ledger is scoped by program");

    // An exact debit to zero is allowed.
    let mut tx = store.begin(None).await.expect("begin");
    assert_eq!(tx.debit(p, c, 70).await.expect("debit"), Some(0), "the whole balance can be spent");
    tx.insert_ledger_entry(p, &entry(c, -70, 0, LedgerOperation::Redeem)).await.expect("ledger entry");
    tx.commit().await.expect("commit");
    let expected = BalanceSnapshot { available: 0, lifetime_earned: 100, lifetime_spent: 100 };
    assert_eq!(balance_of(&*store, p, c).await, expected);
    assert!(store.verify(Some(p)).await.expect("verify").is_empty(), "balances match their ledgers");
}

pub(super) async fn assert_credit_refused<S: Store>(store: &S, p: &str, c: &str, points: i64, why: &str) {
    let mut tx = store.begin(None).await.expect("begin");
    match tx.credit(p, c, points).await {
        // Commit: the refusal must hold even when the caller goes on to commit.
        Ok(None) => tx.commit().await.expect("commit"),
        // A database error ends the transaction (PostgreSQL aborts it), so just drop it.
        Err(StoreError::OutOfRange) => drop(tx),
        other => panic!("credit of {points} must be refused ({why}), got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// 4. stock
// ---------------------------------------------------------------------------

pub async fn stock<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let p = program.id.as_str();

    let mut tx = store.begin(None).await.expect("begin");
    let limited = tx.insert_reward(p, &reward("mug", 50, Some(2))).await.expect("insert_reward");
    let unlimited = tx.insert_reward(p, &reward("voucher", 10, None)).await.expect("insert_reward");
    assert_eq!((limited.stock, limited.cost_points, limited.active), (Some(2), 50, true));
    assert_eq!(unlimited.stock, None);

    assert!(!tx.take_stock(p, &limited.id, 3).await.expect("take_stock"), "3 units of 2 is refused whole");
    assert!(tx.take_stock(p, &limited.id, 1).await.expect("take_stock"), "first unit");
    assert!(tx.take_stock(p, &limited.id, 1).await.expect("take_stock"), "second unit");
    assert!(!tx.take_stock(p, &limited.id, 1).await.expect("take_stock"), "no third unit");
    assert!(!tx.take_stock(&other.id, &unlimited.id, 1).await.expect("take_stock"), "scoped by program");
    for _ in 0..3 {
        assert!(tx.take_stock(p, &unlimited.id, 1_000_000).await.expect("take_stock"), "unlimited never runs out");
    }
    let in_tx = tx.reward(p, &limited.id).await.expect("reward").expect("reward exists");
    assert_eq!(in_tx.stock, Some(0), "the transaction sees its own stock changes");
    assert!(tx.reward(&other.id, &limited.id).await.expect("reward").is_none(), "reads are scoped by program");
    tx.commit().await.expect("commit");

    assert_eq!(store.reward(p, &limited.id).await.expect("reward").and_then(|r| r.stock), Some(0));
    let still_unlimited = store.reward(p, &unlimited.id).await.expect("reward").expect("reward exists");
    assert_eq!(still_unlimited.stock, None, "taking from unlimited stock leaves it unlimited");
    assert_eq!(still_unlimited.kind, RewardKind::Voucher, "the kind round-trips");

    // Patch semantics: absent fields stay, stock Some(None) means unlimited.
    let mut tx = store.begin(None).await.expect("begin");
    let restocked = RewardPatch { stock: Some(Some(7)), ..RewardPatch::default() };
    let r = tx.update_reward(p, &limited.id, &restocked).await.expect("update_reward").expect("reward exists");
    assert_eq!((r.stock, r.name.as_str(), r.cost_points, r.active), (Some(7), "mug", 50, true));
    let renamed = RewardPatch { name: Some("big mug".into()), cost_points: Some(80), ..RewardPatch::default() };
    let r = tx.update_reward(p, &limited.id, &renamed).await.expect("update_reward").expect("reward exists");
    assert_eq!((r.stock, r.name.as_str(), r.cost_points, r.active), (Some(7), "big mug", 80, true));
    let retired = RewardPatch { active: Some(false), ..RewardPatch::default() };
    let r = tx.update_reward(p, &limited.id, &retired).await.expect("update_reward").expect("reward exists");
    assert_eq!((r.stock, r.name.as_str(), r.cost_points, r.active), (Some(7), "big mug", 80, false));
    let empty = tx.update_reward(p, &limited.id, &RewardPatch::default()).await.expect("update_reward");
    let r = empty.expect("reward exists");
    assert_eq!((r.stock, r.name.as_str(), r.cost_points, r.active), (Some(7), "big mug", 80, false), "empty patch");
    let made_unlimited = RewardPatch { stock: Some(None), ..RewardPatch::default() };
    let r = tx.update_reward(p, &limited.id, &made_unlimited).await.expect("update_reward").expect("reward exists");
    assert_eq!(r.stock, None, "stock Some(None) makes the reward unlimited");
    let unknown = tx.update_reward(p, &unique("rwd"), &restocked).await.expect("update_reward");
    assert!(unknown.is_none(), "patching an unknown reward finds nothing");
    let across = tx.update_reward(&other.id, &limited.id, &restocked).await.expect("update_reward");
    assert!(across.is_none(), "patching another program's reward finds nothing");
    tx.commit().await.expect("commit");

    let r = store.reward(p, &limited.id).await.expect("reward").expect("reward exists");
    assert_eq!((r.stock, r.name.as_str(), r.cost_points, r.active), (None, "big mug", 80, false));
    let mut tx = store.begin(None).await.expect("begin");
    assert!(tx.take_stock(p, &limited.id, 100).await.expect("take_stock"), "now unlimited");
    tx.commit().await.expect("commit");
    assert_eq!(store.reward(p, &limited.id).await.expect("reward").and_then(|r| r.stock), None);
}
