//! The one suite every storage backend must pass.
//!
//! A backend runs it from one integration test file:
//!
//! ```text
//! tally_store::conformance_suite!(fresh_store);
//!
//! async fn fresh_store() -> MyStore { /* a migrated, empty store */ }
//! ```
//!
//! The macro expands to one `#[tokio::test]` per case, so the backend's test
//! crate needs `tokio` (with `macros` and `rt-multi-thread`) as a dev-dependency.
//!
//! Every case makes its own programs with random names and only looks at those,
//! so cases may share one database. The exception is [`idempotency_records`]:
//! it counts what the global sweeper deletes and expires every record through
//! [`Harness`], so it needs a store no other test is using at the same time —
//! which `fresh_store` gives each case anyway.
//!
//! The cases use only the public [`Store`] / [`StoreTx`] methods plus
//! [`Harness`]: they assert what callers rely on, not how a backend does it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tally_core::model::{
    IdempotencyRecord, LedgerEntry, LedgerOperation, Program, ProgramSettings, RedemptionStatus, RewardKind, VoidPolicy,
};
use tokio::sync::Barrier;

use crate::{
    KeyLock, NewCustomer, NewIdempotencyRecord, NewLedgerEntry, NewRedemption, NewReward, NewTransaction, Page,
    ResourceKey, RewardPatch, Store, StoreError, StoreResult, StoreTx,
};

/// What the suite needs from a backend beyond [`Store`]: a way to move the
/// database's clock forward for one table, because the retention window is at
/// least an hour and a test cannot wait for it.
#[async_trait]
pub trait Harness: Store {
    /// Makes every stored idempotency record expired, as if its retention had passed (by the database clock).
    async fn expire_idempotency_records(&self);
}

/// Generates one test per case for the store made by `$make` (an `async fn`
/// returning a fresh, migrated store that implements [`Harness`]).
#[macro_export]
macro_rules! conformance_suite {
    ($make:path) => {
        $crate::__conformance_cases!(
            $make;
            programs_and_tokens,
            pool_stats,
            customers,
            credit_and_debit,
            stock,
            idempotency_records,
            key_lock,
            exactly_once_race,
            stock_race,
            transactions_and_redemptions,
            pagination,
            verify,
        );
    };
}

/// The list of cases lives in one place ([`conformance_suite!`]); this macro
/// only turns each name into a test.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($make:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let store = ::std::sync::Arc::new($make().await);
                $crate::conformance::within_time_limit(stringify!($case), $crate::conformance::$case(store)).await;
            }
        )+
    };
}

/// A backend bug in this area tends to show as a transaction waiting for
/// itself; failing after a generous limit names the case instead of hanging CI.
#[doc(hidden)]
pub async fn within_time_limit(case: &str, run: impl Future<Output = ()>) {
    if tokio::time::timeout(Duration::from_secs(120), run).await.is_err() {
        panic!("conformance case `{case}` did not finish in 120 s: a transaction is probably waiting for another");
    }
}

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
    assert_eq!(by_token.map(|p| p.id), Some(program.id.clone()), "the token's hash resolves to its program");
    let unknown = store.program_by_token_hash(&unique("token-hash")).await.expect("program_by_token_hash");
    assert!(unknown.is_none(), "an unknown token hash must not authenticate anyone");

    // Every field differs from the default, so a column that is not written back shows.
    let changed = ProgramSettings {
        points_per_currency_unit: 3,
        void_policy: VoidPolicy::AllowNegative,
        points_expire_after_days: Some(90),
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
    assert_eq!(by_token.settings, changed, "a token resolves to the current settings");
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

    let by_email = tx.find_customer(a, ada.email.as_deref(), None).await.expect("find_customer");
    assert_eq!(by_email.map(|c| c.id), Some(first.id.clone()), "found by e-mail");
    let by_phone = tx.find_customer(a, None, ada.phone.as_deref()).await.expect("find_customer");
    assert_eq!(by_phone.map(|c| c.id), Some(first.id.clone()), "found by phone");
    assert!(tx.find_customer(a, None, None).await.expect("find_customer").is_none(), "nothing to look for");
    let nobody = tx.find_customer(a, Some("nobody@example.com"), Some("+10000000000")).await.expect("find_customer");
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
    let found = tx.find_customer(a, Some("bob@example.com"), ada.phone.as_deref()).await.expect("find_customer");
    assert_eq!(found.map(|c| c.id), Some(bob.id.clone()), "find_customer looks by e-mail first");
    let found = tx.find_customer(a, Some("nobody@example.com"), ada.phone.as_deref()).await.expect("find_customer");
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
    let across = tx.find_customer(b, ada.email.as_deref(), ada.phone.as_deref()).await.expect("find_customer");
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

async fn assert_credit_refused<S: Store>(store: &S, p: &str, c: &str, points: i64, why: &str) {
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

// ---------------------------------------------------------------------------
// 5. idempotency records
// ---------------------------------------------------------------------------

pub async fn idempotency_records<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let p = program.id.as_str();
    let retention = program.settings.idempotency_retention_hours;
    let key = unique("key");

    // Every byte value, invalid UTF-8 and CRLF: the body is replayed byte for byte.
    let body: Vec<u8> = (0..=255u8).chain(*b"{\"id\": \"rdm_1\"}\r\n").collect();
    let first = record(&key, 201, body, Some("rdm_01J0000000000000000000000"));

    let mut tx = store.begin(None).await.expect("begin");
    assert!(tx.idempotency_record(p, &key).await.expect("idempotency_record").is_none());
    tx.save_idempotency_record(p, &first, retention).await.expect("save_idempotency_record");
    let in_tx = tx.idempotency_record(p, &key).await.expect("idempotency_record").expect("visible in its transaction");
    assert_record(&in_tx, &first, retention);
    // The record must commit with its effect, never before it.
    let outside = store.idempotency_record(p, &key).await.expect("idempotency_record");
    assert!(outside.is_none(), "an uncommitted record must be invisible to other readers");
    tx.commit().await.expect("commit");

    let stored = store.idempotency_record(p, &key).await.expect("idempotency_record").expect("committed record");
    assert_eq!(stored, in_tx, "the store reads back exactly what the transaction saw");
    let elsewhere = store.idempotency_record(&other.id, &key).await.expect("idempotency_record");
    assert!(elsewhere.is_none(), "a key is scoped to its program");

    // A live record is never overwritten: that would replay a different response.
    let second = record(&key, 200, b"second".to_vec(), None);
    let mut tx = store.begin(None).await.expect("begin");
    match tx.save_idempotency_record(p, &second, retention).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("saving over a live record must be a Conflict, got {other:?}"),
    }
    drop(tx);
    let kept = store.idempotency_record(p, &key).await.expect("idempotency_record");
    assert_eq!(kept.as_ref(), Some(&stored), "the refused save left the first record intact");

    // The same key string in another program is another key.
    let mut tx = store.begin(None).await.expect("begin");
    tx.save_idempotency_record(&other.id, &second, retention).await.expect("same key, other program");
    tx.commit().await.expect("commit");
    let theirs = store.idempotency_record(&other.id, &key).await.expect("idempotency_record").expect("saved");
    assert_record(&theirs, &second, retention);
    let ours = store.idempotency_record(p, &key).await.expect("idempotency_record");
    assert_eq!(ours.as_ref(), Some(&stored), "the other program's record does not touch ours");

    // The sweeper only takes expired records.
    assert_eq!(store.sweep_expired_keys(100).await.expect("sweep"), 0, "live records are never swept");
    assert!(store.idempotency_record(p, &key).await.expect("idempotency_record").is_some());

    // Past its retention a record is gone for readers, even before the sweeper runs.
    store.expire_idempotency_records().await;
    assert!(store.idempotency_record(p, &key).await.expect("idempotency_record").is_none(), "expired");
    assert!(store.idempotency_record(&other.id, &key).await.expect("idempotency_record").is_none(), "expired");
    let mut tx = store.begin(None).await.expect("begin");
    assert!(tx.idempotency_record(p, &key).await.expect("idempotency_record").is_none(), "expired, in a tx too");

    // ...and the key can be used afresh: the new response replaces the expired one.
    let replacement = record(&key, 200, b"{\"replaced\":true}".to_vec(), Some("txn_01J0000000000000000000000"));
    tx.save_idempotency_record(p, &replacement, 1).await.expect("saving over an expired record replaces it");
    tx.commit().await.expect("commit");
    let replaced = store.idempotency_record(p, &key).await.expect("idempotency_record").expect("replacement");
    assert_record(&replaced, &replacement, 1);

    // Start the batch count from an empty sweep: exactly the two records above are expired.
    store.expire_idempotency_records().await;
    assert_eq!(store.sweep_expired_keys(100).await.expect("sweep"), 2, "both expired records are swept");
    assert_eq!(store.sweep_expired_keys(100).await.expect("sweep"), 0, "nothing is left to sweep");

    let keys: Vec<String> = (0..5).map(|_| unique("key")).collect();
    let mut tx = store.begin(None).await.expect("begin");
    for k in &keys {
        tx.save_idempotency_record(p, &record(k, 201, b"{}".to_vec(), None), retention).await.expect("save");
    }
    tx.commit().await.expect("commit");
    assert_eq!(store.sweep_expired_keys(2).await.expect("sweep"), 0, "live records are never swept");
    store.expire_idempotency_records().await;
    // Small batches keep each delete short; storage stays bounded by repeating them.
    let swept: Vec<u64> = sweep_repeatedly(&*store, 4, 2).await;
    assert_eq!(swept, vec![2, 2, 1, 0], "sweep deletes at most `batch` expired records per call");

    // A swept key is simply unused.
    let mut tx = store.begin(None).await.expect("begin");
    tx.save_idempotency_record(p, &first, retention).await.expect("a swept key can be saved again");
    tx.commit().await.expect("commit");
    let again = store.idempotency_record(p, &key).await.expect("idempotency_record").expect("saved again");
    assert_record(&again, &first, retention);
}

/// Runs `times` sweeps of `batch` one after another and returns their counts.
async fn sweep_repeatedly<S: Store>(store: &S, times: usize, batch: u32) -> Vec<u64> {
    let mut counts = Vec::with_capacity(times);
    for _ in 0..times {
        counts.push(store.sweep_expired_keys(batch).await.expect("sweep"));
    }
    counts
}

fn assert_record(stored: &IdempotencyRecord, saved: &NewIdempotencyRecord, retention_hours: i32) {
    assert_eq!(stored.key, saved.key);
    assert_eq!((stored.method.as_str(), stored.path.as_str()), (saved.method.as_str(), saved.path.as_str()));
    assert_eq!(stored.fingerprint, saved.fingerprint);
    assert_eq!(stored.status, saved.status);
    assert_eq!(stored.headers, saved.headers, "headers are stored as given, in order");
    assert!(stored.body == saved.body, "the body must round-trip byte for byte");
    assert_eq!(stored.resource_id, saved.resource_id);
    let kept_for = stored.expires_at - stored.created_at;
    let wanted = chrono::TimeDelta::hours(i64::from(retention_hours));
    assert!(
        (kept_for - wanted).abs() <= chrono::TimeDelta::seconds(1),
        "a record expires retention_hours ({retention_hours}) after it was saved, but is kept for {kept_for}"
    );
}

// ---------------------------------------------------------------------------
// 6. key lock
// ---------------------------------------------------------------------------

pub async fn key_lock<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let lock = KeyLock { program_id: program.id.clone(), key: unique("key") };
    let other_key = KeyLock { program_id: program.id.clone(), key: unique("key") };
    let other_program = KeyLock { program_id: other.id.clone(), key: lock.key.clone() };

    assert!(!in_flight(&*store, &lock).await, "nobody holds a fresh key");
    let holder = store.begin(Some(&lock)).await.expect("begin with a free key");
    assert!(in_flight(&*store, &lock).await, "the key is in flight while its transaction is open");
    assert!(!in_flight(&*store, &other_key).await, "another key is not in flight");
    assert!(!in_flight(&*store, &other_program).await, "the same key string in another program is not in flight");

    // The second claimant must be told at once (409), not queued behind the holder:
    // a backend that waits here would also deadlock a single-writer store.
    let second = tokio::time::timeout(Duration::from_secs(5), store.begin(Some(&lock)))
        .await
        .expect("begin with a held key must fail at once, not wait for the holder");
    assert!(matches!(second, Err(StoreError::KeyInUse)), "a held key is refused: {:?}", second.err());
    assert!(in_flight(&*store, &lock).await, "a refused claim must not release the holder's lock");

    // Other keys are not refused. They run in their own tasks: on a single-writer
    // store they queue for the writer until the holder ends, which must not be
    // mistaken for (or turned into) a KeyInUse.
    let others = [other_key.clone(), other_program.clone()].map(|lock| {
        let store = store.clone();
        tokio::spawn(async move {
            let tx = store.begin(Some(&lock)).await?;
            tx.commit().await
        })
    });
    tokio::task::yield_now().await;
    holder.commit().await.expect("commit");
    assert!(!in_flight(&*store, &lock).await, "commit releases the key");
    for (task, what) in others.into_iter().zip(["another key", "the same key in another program"]) {
        let outcome = task.await.expect("task panicked");
        assert!(outcome.is_ok(), "{what} must not be blocked by the held key: {outcome:?}");
    }

    // After commit the key can be claimed again at once.
    let again = store.begin(Some(&lock)).await.expect("the key is free after commit");
    assert!(in_flight(&*store, &lock).await);
    // Dropping is a rollback, which a backend may finish in the background
    // (sqlx queues it on the connection), so the release is awaited, not assumed.
    drop(again);
    let after_drop = begin_when_released(&*store, &lock).await;
    assert!(in_flight(&*store, &lock).await);
    after_drop.commit().await.expect("commit");
    assert!(!in_flight(&*store, &lock).await, "commit releases the key");

    // A transaction that wrote something and was abandoned releases the key and keeps nothing.
    let customer = new_customer(&*store, &program.id).await;
    let mut abandoned = store.begin(Some(&lock)).await.expect("the key is free");
    abandoned.credit(&program.id, &customer.id, 5).await.expect("credit").expect("credited");
    drop(abandoned);
    begin_when_released(&*store, &lock).await.commit().await.expect("commit");
    let balance = store.balance(&program.id, &customer.id).await.expect("balance").expect("customer exists");
    assert_eq!(balance.available, 0, "the abandoned transaction's credit rolled back");
    assert!(!in_flight(&*store, &lock).await);
}

async fn in_flight<S: Store>(store: &S, lock: &KeyLock) -> bool {
    store.key_in_flight(lock).await.expect("key_in_flight")
}

/// Claims `lock`, waiting up to 5 s for a dropped holder's rollback to release it.
async fn begin_when_released<S: Store>(store: &S, lock: &KeyLock) -> Box<dyn StoreTx> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match store.begin(Some(lock)).await {
            Ok(tx) => return tx,
            Err(StoreError::KeyInUse) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("a dropped transaction must release its key: {e:?}"),
        }
    }
}

// ---------------------------------------------------------------------------
// 7. exactly-once race
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    Executed,
    InUse,
    Replayed,
}

pub async fn exactly_once_race<S: Harness>(store: Arc<S>) {
    const TASKS: usize = 50;
    const COST: i64 = 10;
    let program = new_program(&*store).await;
    let p = program.id.clone();
    let customer = new_customer(&*store, &p).await;
    // Enough for every task to debit: a duplicate execution must show in the
    // balance rather than be hidden by a refused debit.
    fund(&*store, &p, &customer.id, 1_000).await;
    let lock = KeyLock { program_id: p.clone(), key: unique("key") };

    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (store, barrier, lock, customer_id) =
                (store.clone(), barrier.clone(), lock.clone(), customer.id.clone());
            let retention = program.settings.idempotency_retention_hours;
            tokio::spawn(async move {
                barrier.wait().await;
                retry_unavailable(|| attempt_keyed_debit(&*store, &lock, &customer_id, COST, retention)).await
            })
        })
        .collect();
    let outcomes: Vec<Attempt> =
        futures::future::join_all(tasks).await.into_iter().map(|r| r.expect("task panicked")).collect();

    let count = |what: Attempt| outcomes.iter().filter(|&&o| o == what).count();
    assert_eq!(count(Attempt::Executed), 1, "exactly one of {TASKS} concurrent requests executes: {outcomes:?}");
    assert_eq!(count(Attempt::InUse) + count(Attempt::Replayed), TASKS - 1);

    let expected = BalanceSnapshot { available: 1_000 - COST, lifetime_earned: 1_000, lifetime_spent: COST };
    assert_eq!(balance_of(&*store, &p, &customer.id).await, expected, "exactly one debit happened");
    let ledger = store.ledger(&p, &customer.id, &page(100)).await.expect("ledger");
    let debits: Vec<&LedgerEntry> = ledger.iter().filter(|e| e.operation == LedgerOperation::Redeem).collect();
    assert_eq!(debits.len(), 1, "exactly one debit entry: {ledger:?}");
    assert_eq!(debits[0].points, -COST);
    let record = store.idempotency_record(&p, &lock.key).await.expect("idempotency_record").expect("record stored");
    assert_eq!(record.resource_id.as_deref(), Some(debits[0].id.as_str()), "the record names the one effect");
    assert!(!in_flight(&*store, &lock).await, "the key is released once everyone is done");
    assert!(store.verify(Some(&p)).await.expect("verify").is_empty());
}

/// One request's storage work: claim the key, replay if a response exists, else
/// debit, record the effect and the response, and commit them together.
async fn attempt_keyed_debit<S: Store>(
    store: &S,
    lock: &KeyLock,
    customer_id: &str,
    cost: i64,
    retention_hours: i32,
) -> StoreResult<Attempt> {
    let p = lock.program_id.as_str();
    let mut tx = match store.begin(Some(lock)).await {
        Ok(tx) => tx,
        Err(StoreError::KeyInUse) => return Ok(Attempt::InUse),
        Err(e) => return Err(e),
    };
    if tx.idempotency_record(p, &lock.key).await?.is_some() {
        return Ok(Attempt::Replayed);
    }
    let balance = tx.debit(p, customer_id, cost).await?.expect("the balance covers every attempt");
    let entry = tx.insert_ledger_entry(p, &entry(customer_id, -cost, balance, LedgerOperation::Redeem)).await?;
    let response = record(&lock.key, 201, format!("{{\"balance\":{balance}}}").into_bytes(), Some(&entry.id));
    tx.save_idempotency_record(p, &response, retention_hours).await?;
    tx.commit().await?;
    Ok(Attempt::Executed)
}

// ---------------------------------------------------------------------------
// 8. stock race
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redeem {
    Redeemed,
    OutOfStock,
}

pub async fn stock_race<S: Harness>(store: Arc<S>) {
    const TASKS: usize = 200;
    const STOCK: i64 = 10;
    const COST: i64 = 7;
    const FUNDS: i64 = 10_000;
    let program = new_program(&*store).await;
    let p = program.id.clone();
    let customer = new_customer(&*store, &p).await;
    fund(&*store, &p, &customer.id, FUNDS).await;
    let mut tx = store.begin(None).await.expect("begin");
    let prize = tx.insert_reward(&p, &reward("limited edition", COST, Some(STOCK))).await.expect("insert_reward");
    tx.commit().await.expect("commit");

    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (store, barrier, customer_id, reward_id) =
                (store.clone(), barrier.clone(), customer.id.clone(), prize.id.clone());
            let lock = KeyLock { program_id: p.clone(), key: unique("key") };
            let retention = program.settings.idempotency_retention_hours;
            tokio::spawn(async move {
                barrier.wait().await;
                retry_unavailable(|| redeem_one(&*store, &lock, &customer_id, &reward_id, COST, retention)).await
            })
        })
        .collect();
    let outcomes: Vec<Redeem> =
        futures::future::join_all(tasks).await.into_iter().map(|r| r.expect("task panicked")).collect();

    let redeemed = outcomes.iter().filter(|&&o| o == Redeem::Redeemed).count();
    assert_eq!(redeemed, STOCK as usize, "exactly the stock is redeemed, never more");
    assert_eq!(outcomes.len() - redeemed, TASKS - STOCK as usize, "everyone else is told it is out of stock");
    let left = store.reward(&p, &prize.id).await.expect("reward").expect("reward exists");
    assert_eq!(left.stock, Some(0));

    let balance = store.balance(&p, &customer.id).await.expect("balance").expect("customer exists");
    assert_eq!(balance.available, FUNDS - STOCK * COST, "exactly the redeemed units were paid for");
    assert_eq!(balance.lifetime_spent, STOCK * COST);
    assert_eq!(balance.pending, STOCK * COST, "points held by the pending redemptions");
    let redemptions = store.redemptions(&p, &customer.id, &page(100)).await.expect("redemptions");
    assert_eq!(redemptions.len(), STOCK as usize, "one redemption per unit");
    assert!(redemptions.iter().all(|r| r.status == RedemptionStatus::Pending && r.points_spent == COST));
    let ledger = store.ledger(&p, &customer.id, &page(100)).await.expect("ledger");
    assert_eq!(ledger.len(), 1 + STOCK as usize, "the funding entry plus one per redemption");
    assert!(store.verify(Some(&p)).await.expect("verify").is_empty(), "no invariant broke under the race");
}

async fn redeem_one<S: Store>(
    store: &S,
    lock: &KeyLock,
    customer_id: &str,
    reward_id: &str,
    cost: i64,
    retention_hours: i32,
) -> StoreResult<Redeem> {
    let p = lock.program_id.as_str();
    let mut tx = store.begin(Some(lock)).await?;
    if !tx.take_stock(p, reward_id, 1).await? {
        // Dropping rolls back: an out-of-stock answer leaves nothing behind.
        return Ok(Redeem::OutOfStock);
    }
    let balance = tx.debit(p, customer_id, cost).await?.expect("the balance covers every redemption");
    let idempotency = ResourceKey { key: lock.key.clone(), fingerprint: format!("fp-{}", lock.key) };
    let redemption = NewRedemption {
        customer_id: customer_id.to_owned(),
        reward_id: reward_id.to_owned(),
        quantity: 1,
        points_spent: cost,
        idempotency: Some(idempotency),
    };
    let redemption = tx.insert_redemption(p, &redemption).await?;
    let spent = NewLedgerEntry {
        redemption_id: Some(redemption.id.clone()),
        ..entry(customer_id, -cost, balance, LedgerOperation::Redeem)
    };
    tx.insert_ledger_entry(p, &spent).await?;
    let response = record(&lock.key, 201, b"{}".to_vec(), Some(&redemption.id));
    tx.save_idempotency_record(p, &response, retention_hours).await?;
    tx.commit().await?;
    Ok(Redeem::Redeemed)
}

// ---------------------------------------------------------------------------
// 9. purchases and redemptions found by their natural and idempotency keys
// ---------------------------------------------------------------------------

pub async fn transactions_and_redemptions<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let (p, o) = (program.id.as_str(), other.id.as_str());
    let customer = new_customer(&*store, p).await;
    let their_customer = new_customer(&*store, o).await;
    let c = customer.id.as_str();
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

fn keyed(key: &str, fingerprint: &str) -> ResourceKey {
    ResourceKey { key: key.to_owned(), fingerprint: fingerprint.to_owned() }
}

fn purchase(customer_id: &str, external_id: Option<&str>, idempotency: Option<ResourceKey>) -> NewTransaction {
    purchase_with(customer_id, external_id, idempotency, 1234)
}

fn purchase_with(
    customer_id: &str,
    external_id: Option<&str>,
    idempotency: Option<ResourceKey>,
    spend_amount_cents: i64,
) -> NewTransaction {
    NewTransaction {
        customer_id: customer_id.to_owned(),
        spend_amount_cents,
        currency: "EUR".into(),
        points: spend_amount_cents / 100,
        external_id: external_id.map(str::to_owned),
        idempotency,
    }
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
    let done = redeem_one(&*store, &lock, &customer.id, &prize.id, 30, 24).await.expect("redeem");
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
// helpers
// ---------------------------------------------------------------------------

/// A name no other run will pick, so cases can share a database.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn page(limit: u32) -> Page {
    Page { limit, starting_after: None }
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &String) -> Vec<String> {
    items.iter().map(|item| id(item).clone()).collect()
}

async fn new_program<S: Store>(store: &S) -> Program {
    store.create_program(&unique("conformance"), &ProgramSettings::default()).await.expect("create_program")
}

async fn new_customer<S: Store>(store: &S, program_id: &str) -> tally_core::model::Customer {
    let contact = NewCustomer { email: Some(format!("{}@example.com", unique("c"))), ..NewCustomer::default() };
    let mut tx = store.begin(None).await.expect("begin");
    let customer = tx.insert_customer(program_id, &contact).await.expect("insert_customer").expect("a new customer");
    tx.commit().await.expect("commit");
    customer
}

/// Credits `points` with its ledger entry, as an earning purchase would.
async fn fund<S: Store>(store: &S, program_id: &str, customer_id: &str, points: i64) {
    let mut tx = store.begin(None).await.expect("begin");
    let balance = tx.credit(program_id, customer_id, points).await.expect("credit").expect("credited");
    tx.insert_ledger_entry(program_id, &entry(customer_id, points, balance, LedgerOperation::Earn))
        .await
        .expect("ledger entry");
    tx.commit().await.expect("commit");
}

fn entry(customer_id: &str, points: i64, balance_after: i64, operation: LedgerOperation) -> NewLedgerEntry {
    NewLedgerEntry {
        customer_id: customer_id.to_owned(),
        points,
        balance_after,
        operation,
        transaction_id: None,
        redemption_id: None,
    }
}

fn reward(name: &str, cost_points: i64, stock: Option<i64>) -> NewReward {
    let kind = if stock.is_some() { RewardKind::Item } else { RewardKind::Voucher };
    NewReward { name: name.to_owned(), cost_points, kind, stock, active: true }
}

fn record(key: &str, status: u16, body: Vec<u8>, resource_id: Option<&str>) -> NewIdempotencyRecord {
    NewIdempotencyRecord {
        key: key.to_owned(),
        method: "POST".into(),
        path: "/api/v1/redemptions".into(),
        fingerprint: format!("fp-{key}"),
        status,
        // Not alphabetical, so a backend that sorts or regroups headers shows.
        headers: vec![
            ("Location".into(), "/api/v1/redemptions/rdm_01J0000000000000000000000".into()),
            ("Content-Type".into(), "application/json; charset=utf-8".into()),
        ],
        body,
        resource_id: resource_id.map(str::to_owned),
    }
}

#[derive(Debug, PartialEq, Eq)]
struct BalanceSnapshot {
    available: i64,
    lifetime_earned: i64,
    lifetime_spent: i64,
}

async fn balance_of<S: Store>(store: &S, program_id: &str, customer_id: &str) -> BalanceSnapshot {
    let b = store.balance(program_id, customer_id).await.expect("balance").expect("the customer has a balance");
    BalanceSnapshot { available: b.available, lifetime_earned: b.lifetime_earned, lifetime_spent: b.lifetime_spent }
}

/// The ledger holds exactly `expected`, listed newest first by id. Entries made
/// in the same millisecond have no defined order between them, so contents are
/// compared as a set and the order only as the id order the cursor relies on.
fn assert_same_entries(listed: &[LedgerEntry], expected: &[LedgerEntry]) {
    let mut want = expected.to_vec();
    want.sort_by(|a, b| b.id.cmp(&a.id));
    assert_eq!(listed, want, "ledger() lists exactly the committed entries, newest first");
}

/// Retries a request whose storage was briefly unavailable (SQLite busy,
/// PostgreSQL serialization failure): nothing was committed, so it is safe.
async fn retry_unavailable<T, F, Fut>(mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Ok(outcome) => return outcome,
            Err(StoreError::Unavailable(_)) if tries < 5 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(20 * tries)).await;
            }
            Err(e) => panic!("storage failed: {e:?}"),
        }
    }
}
