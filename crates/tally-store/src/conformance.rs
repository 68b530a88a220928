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
//! so cases may share one database. The exceptions are [`idempotency_records`]
//! (it counts what the global sweeper deletes and expires every record through
//! [`Harness`]) and [`point_lots`] / [`expiry_race`] (they make every lot due
//! through [`Harness`]): they need a store no other test is using at the same
//! time — which `fresh_store` gives each case anyway.
//!
//! The cases use only the public [`Store`] / [`StoreTx`] methods plus
//! [`Harness`]: they assert what callers rely on, not how a backend does it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tally_core::model::{
    Coupon, CouponStatus, IdempotencyRecord, LedgerEntry, LedgerOperation, PointLot, Program, ProgramSettings,
    Redemption, RedemptionStatus, Reward, RewardKind, Transaction, TransactionStatus, VoidPolicy,
};
use tokio::sync::Barrier;

use crate::{
    KeyLock, NewCoupon, NewCustomer, NewIdempotencyRecord, NewLedgerEntry, NewRedemption, NewReward, NewTransaction,
    Page, ResourceKey, RewardPatch, Store, StoreError, StoreResult, StoreTx,
};

/// What the suite needs from a backend beyond [`Store`]: ways to move the
/// database's clock forward for one table, because the retention window is at
/// least an hour, lots last days, and a test cannot wait for either.
#[async_trait]
pub trait Harness: Store {
    /// Makes every stored idempotency record expired, as if its retention had passed (by the database clock).
    async fn expire_idempotency_records(&self);
    /// Makes every lot that has an expiry date due, as if that date had passed
    /// (by the database clock). Lots without a date stay as they are.
    async fn make_lots_due(&self);
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
            keyed_resources_under_a_claim,
            pagination,
            verify,
            voids,
            point_lots,
            expiry_race,
            negative_balances,
            keyed_adjustments,
            redemption_lifecycle,
            coupons,
            coupon_race,
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
    assert_eq!(by_token.map(|(p, _)| p.id), Some(program.id.clone()), "the token's hash resolves to its program");
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
    // A transaction that claims the key finds the record (PostgreSQL reads it
    // along with the claim): what a retry that won the claim must see.
    let lock = KeyLock { program_id: p.to_owned(), key: key.clone() };
    let mut claimed = store.begin(Some(&lock)).await.expect("claim the key");
    let under_claim = claimed.idempotency_record(p, &key).await.expect("idempotency_record");
    assert_eq!(under_claim.as_ref(), Some(&stored), "the committed record, seen under the claim");
    drop(claimed);
    let elsewhere = store.idempotency_record(&other.id, &key).await.expect("idempotency_record");
    assert!(elsewhere.is_none(), "a key is scoped to its program");

    // A live record is never overwritten: that would replay a different response.
    let second = record(&key, 200, b"second".to_vec(), None);
    let mut tx = store.begin(None).await.expect("begin");
    match tx.save_idempotency_record(p, &second, retention).await {
        Err(StoreError::RecordExists) => {}
        other => panic!("saving over a live record must be RecordExists, got {other:?}"),
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
    let mut claimed = begin_when_released(&*store, &lock).await;
    let under_claim = claimed.idempotency_record(p, &key).await.expect("idempotency_record");
    assert!(under_claim.is_none(), "expired, under the claim too");
    drop(claimed);
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
        coupon_code: None,
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
    assert_eq!(
        (whole.status, whole.voided_amount_cents, whole.voided_points),
        (TransactionStatus::Completed, 0, 0),
        "a new purchase is completed and nothing of it is voided"
    );

    // A full void takes all of the spend; the points are the caller's to set.
    let voided = tx.void_amount(p, &whole.id, None).await.expect("void_amount").expect("a completed purchase voids");
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
    assert!(tx.void_amount(p, &whole.id, None).await.expect("void_amount").is_none(), "a voided purchase is done");
    assert!(tx.void_amount(p, &whole.id, Some(1)).await.expect("void_amount").is_none(), "nothing is left to void");
    assert!(tx.void_amount(p, &whole.id, Some(0)).await.expect("void_amount").is_none(), "even zero is refused");
    let whole = tx.set_voided_points(p, &whole.id, whole.points).await.expect("set_voided_points");
    assert_eq!(
        (whole.status, whole.voided_amount_cents, whole.voided_points),
        (TransactionStatus::Voided, 1000, 10),
        "set_voided_points returns the purchase with its points set"
    );
    assert_eq!(tx.transaction(p, &whole.id).await.expect("transaction").as_ref(), Some(&whole));

    // Partial voids accumulate; the purchase stays partially voided until all of it is.
    let after = tx.void_amount(p, &part.id, Some(300)).await.expect("void_amount").expect("300 of 1000 is left");
    assert_eq!((after.status, after.voided_amount_cents), (TransactionStatus::PartiallyVoided, 300));
    let after = tx.void_amount(p, &part.id, Some(200)).await.expect("void_amount").expect("200 of 700 is left");
    assert_eq!((after.status, after.voided_amount_cents), (TransactionStatus::PartiallyVoided, 500), "voids add up");
    let beyond = tx.void_amount(p, &part.id, Some(501)).await.expect("void_amount");
    assert!(beyond.is_none(), "501 of the 500 left is refused: {beyond:?}");
    let read = tx.transaction(p, &part.id).await.expect("transaction").expect("the purchase exists");
    assert_eq!(read, after, "a refused void changes nothing");
    let after = tx.set_voided_points(p, &part.id, 5).await.expect("set_voided_points");
    assert_eq!(
        (after.status, after.voided_amount_cents, after.voided_points),
        (TransactionStatus::PartiallyVoided, 500, 5)
    );
    let part = tx.void_amount(p, &part.id, Some(500)).await.expect("void_amount").expect("exactly what is left");
    assert_eq!(
        (part.status, part.voided_amount_cents, part.voided_points),
        (TransactionStatus::Voided, 1000, 5),
        "voiding exactly what is left completes the void and keeps the points set so far"
    );
    assert!(tx.void_amount(p, &part.id, None).await.expect("void_amount").is_none(), "fully voided by parts");

    // A full void after a partial one takes only what is left.
    let after = tx.void_amount(p, &rest.id, Some(250)).await.expect("void_amount").expect("250 of 1000");
    assert_eq!((after.status, after.voided_amount_cents), (TransactionStatus::PartiallyVoided, 250));
    let rest = tx.void_amount(p, &rest.id, None).await.expect("void_amount").expect("the rest");
    assert_eq!(
        (rest.status, rest.voided_amount_cents),
        (TransactionStatus::Voided, 1000),
        "None voids all that is left"
    );

    // A purchase that spent nothing still voids, in full, once.
    let free = tx.void_amount(p, &free.id, None).await.expect("void_amount").expect("a zero-spend purchase voids");
    assert_eq!((free.status, free.voided_amount_cents), (TransactionStatus::Voided, 0));
    assert!(tx.void_amount(p, &free.id, None).await.expect("void_amount").is_none(), "and only once");

    // An amount beyond the whole spend is refused and leaves the purchase completed.
    assert!(tx.void_amount(p, &untouched.id, Some(1001)).await.expect("void_amount").is_none(), "beyond the spend");
    // Scoped by program.
    assert!(tx.void_amount(o, &untouched.id, None).await.expect("void_amount").is_none(), "scoped by program");
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
    tx.void_amount(p, &untouched.id, None).await.expect("void_amount").expect("voids");
    tx.set_voided_points(p, &untouched.id, untouched.points).await.expect("set_voided_points");
    drop(tx);
    let read = store.transaction(p, &untouched.id).await.expect("transaction");
    assert_eq!(read.as_ref(), Some(&untouched), "a rolled-back void must not stay");
}

async fn new_purchase(tx: &mut dyn StoreTx, p: &str, c: &str, spend_amount_cents: i64) -> Transaction {
    let wanted = purchase_with(c, None, None, spend_amount_cents);
    tx.insert_transaction(p, &wanted).await.expect("insert_transaction").expect("a purchase without a receipt number")
}

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

/// Expires one lot as the expiry job does: lock the customer, expire, record it, commit.
async fn expire<S: Store>(store: &S, program_id: &str, lot: &PointLot) -> Option<(i64, i64)> {
    retry_unavailable(|| expire_once(store, program_id, lot)).await
}

async fn expire_once<S: Store>(store: &S, program_id: &str, lot: &PointLot) -> StoreResult<Option<(i64, i64)>> {
    let mut tx = store.begin(None).await?;
    if !tx.lock_customer(program_id, &lot.customer_id).await? {
        return Ok(None);
    }
    let Some((points, balance)) = tx.expire_lot(program_id, &lot.id).await? else {
        return Ok(None);
    };
    tx.insert_ledger_entry(program_id, &entry(&lot.customer_id, -points, balance, LedgerOperation::Expire)).await?;
    tx.commit().await?;
    Ok(Some((points, balance)))
}

/// The due lots of one program (due_lots lists every program's).
async fn lots_due<S: Store>(store: &S, program_id: &str) -> Vec<PointLot> {
    let due = store.due_lots(1_000).await.expect("due_lots");
    due.into_iter().filter(|(program, _)| program == program_id).map(|(_, lot)| lot).collect()
}

fn remainings(lots: &[PointLot]) -> Vec<i64> {
    let mut remaining: Vec<i64> = lots.iter().map(|lot| lot.remaining).collect();
    remaining.sort_unstable();
    remaining
}

async fn expiring_soon<S: Store>(store: &S, program_id: &str, customer_id: &str) -> i64 {
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
    let balance = tx.debit_allowing_negative(p, c, 80).await.expect("debit_allowing_negative");
    assert_eq!(balance, Some(-30), "debit_allowing_negative takes the balance below zero");
    tx.insert_ledger_entry(p, &entry(c, -80, -30, LedgerOperation::Void)).await.expect("ledger entry");
    assert_eq!(tx.debit(p, c, 1).await.expect("debit"), None, "a conditional debit refuses below zero");
    tx.commit().await.expect("commit");
    assert_eq!(balance_of(&*store, p, c).await.available, -30);
    assert_eq!(expiring_soon(&*store, p, c).await, 0, "the void spent the lot");
    // The lot check proves the lot is empty; the negative balance is allowed here.
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "allow_negative permits a negative balance");

    let mut tx = store.begin(None).await.expect("begin");
    assert_eq!(tx.debit_allowing_negative(p, c, 10).await.expect("debit_allowing_negative"), Some(-40));
    tx.insert_ledger_entry(p, &entry(c, -10, -40, LedgerOperation::Void)).await.expect("ledger entry");
    assert!(
        tx.debit_allowing_negative(&strict.id, c, 10).await.expect("debit_allowing_negative").is_none(),
        "debit_allowing_negative is scoped by program"
    );
    tx.commit().await.expect("commit");

    // Overflow is refused, never wrapped.
    let mut tx = store.begin(None).await.expect("begin");
    match tx.debit_allowing_negative(p, c, i64::MAX).await {
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
    assert_eq!(tx.debit_allowing_negative(s, &theirs.id, 25).await.expect("debit_allowing_negative"), Some(-15));
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
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let (p, o) = (program.id.as_str(), other.id.as_str());
    let customer = new_customer(&*store, p).await;
    let their_customer = new_customer(&*store, o).await;
    let c = customer.id.as_str();
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

// ---------------------------------------------------------------------------
// 17. redemption lifecycle
// ---------------------------------------------------------------------------

pub async fn redemption_lifecycle<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let (p, o) = (program.id.as_str(), other.id.as_str());
    let customer = new_customer(&*store, p).await;
    let c = customer.id.as_str();
    fund(&*store, p, c, 100).await;
    let mut tx = store.begin(None).await.expect("begin");
    let finite = tx.insert_reward(p, &reward("mug", 10, Some(5))).await.expect("insert_reward");
    let unlimited = tx.insert_reward(p, &reward("voucher", 10, None)).await.expect("insert_reward");
    tx.commit().await.expect("commit");

    let first = redeem_reward(&*store, p, c, &finite, 2, None).await;
    let second = redeem_reward(&*store, p, c, &finite, 2, None).await;
    let third = redeem_reward(&*store, p, c, &unlimited, 1, None).await;
    assert_eq!(stock_of(&*store, p, &finite.id).await, Some(1));
    let balance = store.balance(p, c).await.expect("balance").expect("exists");
    assert_eq!((balance.available, balance.pending), (50, 50), "three pending redemptions hold 50 points");

    // Pending → fulfilled, once.
    let mut tx = store.begin(None).await.expect("begin");
    let across = tx.transition_redemption(o, &first.id, RedemptionStatus::Pending, RedemptionStatus::Fulfilled).await;
    assert!(across.expect("transition_redemption").is_none(), "scoped by program");
    let done = tx
        .transition_redemption(p, &first.id, RedemptionStatus::Pending, RedemptionStatus::Fulfilled)
        .await
        .expect("transition_redemption")
        .expect("a pending redemption is fulfilled");
    assert_eq!(done, Redemption { status: RedemptionStatus::Fulfilled, ..first.clone() }, "only the status changes");
    let again = tx.transition_redemption(p, &first.id, RedemptionStatus::Pending, RedemptionStatus::Fulfilled).await;
    assert!(again.expect("transition_redemption").is_none(), "a redemption is fulfilled once");
    let cancel = tx.transition_redemption(p, &first.id, RedemptionStatus::Pending, RedemptionStatus::Cancelled).await;
    assert!(cancel.expect("transition_redemption").is_none(), "a fulfilled redemption is not pending any more");
    assert_eq!(tx.redemption(p, &first.id).await.expect("redemption").as_ref(), Some(&done));
    assert!(tx.redemption(o, &first.id).await.expect("redemption").is_none(), "scoped by program");
    tx.commit().await.expect("commit");
    assert_eq!(store.redemption(p, &first.id).await.expect("redemption").as_ref(), Some(&done));
    assert_eq!(store.balance(p, c).await.expect("balance").expect("exists").pending, 30, "fulfilled is not pending");

    // A transition in a transaction that is dropped never happened.
    let mut tx = store.begin(None).await.expect("begin");
    let cancelled =
        tx.transition_redemption(p, &second.id, RedemptionStatus::Pending, RedemptionStatus::Cancelled).await;
    assert!(cancelled.expect("transition_redemption").is_some());
    tx.return_stock(p, &finite.id, 2).await.expect("return_stock");
    drop(tx);
    assert_eq!(
        store.redemption(p, &second.id).await.expect("redemption").map(|r| r.status),
        Some(RedemptionStatus::Pending)
    );
    assert_eq!(stock_of(&*store, p, &finite.id).await, Some(1), "a rolled-back return must not stay");

    // Pending → cancelled: the units go back to finite stock and the points to the customer.
    let mut tx = store.begin(None).await.expect("begin");
    let cancelled = tx
        .transition_redemption(p, &second.id, RedemptionStatus::Pending, RedemptionStatus::Cancelled)
        .await
        .expect("transition_redemption")
        .expect("a pending redemption is cancelled");
    assert_eq!(cancelled.status, RedemptionStatus::Cancelled);
    tx.return_stock(p, &finite.id, second.quantity).await.expect("return_stock");
    tx.return_stock(o, &finite.id, 100).await.expect("return_stock through another program is a no-op");
    refund(&mut *tx, p, &second).await;
    let fulfil = tx.transition_redemption(p, &second.id, RedemptionStatus::Pending, RedemptionStatus::Fulfilled).await;
    assert!(fulfil.expect("transition_redemption").is_none(), "a cancelled redemption cannot be fulfilled");
    assert_eq!(tx.reward(p, &finite.id).await.expect("reward").and_then(|r| r.stock), Some(3), "seen in the tx");
    tx.commit().await.expect("commit");
    assert_eq!(stock_of(&*store, p, &finite.id).await, Some(3), "the cancelled units are back, and only they");

    // Returning to unlimited stock leaves it unlimited.
    let mut tx = store.begin(None).await.expect("begin");
    tx.transition_redemption(p, &third.id, RedemptionStatus::Pending, RedemptionStatus::Cancelled)
        .await
        .expect("transition_redemption")
        .expect("cancelled");
    tx.return_stock(p, &unlimited.id, third.quantity).await.expect("return_stock");
    refund(&mut *tx, p, &third).await;
    tx.commit().await.expect("commit");
    assert_eq!(stock_of(&*store, p, &unlimited.id).await, None, "unlimited stays unlimited");
    let balance = store.balance(p, c).await.expect("balance").expect("exists");
    assert_eq!((balance.available, balance.pending), (80, 0), "the cancelled redemptions' points came back");
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "fulfilled and cancelled redemptions are healthy");

    // verify checks each redemption's entries: a cancel whose points were not returned shows.
    let fourth = redeem_reward(&*store, p, c, &finite, 1, None).await;
    let mut tx = store.begin(None).await.expect("begin");
    tx.transition_redemption(p, &fourth.id, RedemptionStatus::Pending, RedemptionStatus::Cancelled)
        .await
        .expect("transition_redemption")
        .expect("cancelled");
    tx.return_stock(p, &finite.id, 1).await.expect("return_stock");
    tx.commit().await.expect("commit");
    let found = store.verify(Some(p)).await.expect("verify");
    assert_eq!(found.len(), 1, "exactly the unrefunded redemption is reported: {found:?}");
    assert!(
        found[0].subject.contains(&fourth.id) || found[0].problem.contains(&fourth.id),
        "the violation names the redemption: {found:?}"
    );
    let mut tx = store.begin(None).await.expect("begin");
    refund(&mut *tx, p, &fourth).await;
    tx.commit().await.expect("commit");
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "the refund repairs it");
    assert_eq!(stock_of(&*store, p, &finite.id).await, Some(3));
}

/// Takes stock, debits, records the redemption and its ledger entry, and commits.
async fn redeem_reward<S: Store>(
    store: &S,
    program_id: &str,
    customer_id: &str,
    reward: &Reward,
    quantity: i64,
    coupon_code: Option<&str>,
) -> Redemption {
    let cost = reward.cost_points * quantity;
    let mut tx = store.begin(None).await.expect("begin");
    assert!(tx.take_stock(program_id, &reward.id, quantity).await.expect("take_stock"), "the reward is in stock");
    let balance = tx.debit(program_id, customer_id, cost).await.expect("debit").expect("the balance covers it");
    let wanted = NewRedemption {
        customer_id: customer_id.to_owned(),
        reward_id: reward.id.clone(),
        quantity,
        points_spent: cost,
        coupon_code: coupon_code.map(str::to_owned),
        idempotency: None,
    };
    let redemption = tx.insert_redemption(program_id, &wanted).await.expect("insert_redemption");
    let spent = NewLedgerEntry {
        redemption_id: Some(redemption.id.clone()),
        ..entry(customer_id, -cost, balance, LedgerOperation::Redeem)
    };
    tx.insert_ledger_entry(program_id, &spent).await.expect("ledger entry");
    tx.commit().await.expect("commit");
    redemption
}

/// Returns a redemption's points with their ledger entry, as a cancel does.
async fn refund(tx: &mut dyn StoreTx, program_id: &str, redemption: &Redemption) {
    let (customer_id, points) = (redemption.customer_id.as_str(), redemption.points_spent);
    let balance = tx.credit(program_id, customer_id, points).await.expect("credit").expect("credited");
    let returned = NewLedgerEntry {
        redemption_id: Some(redemption.id.clone()),
        ..entry(customer_id, points, balance, LedgerOperation::Refund)
    };
    tx.insert_ledger_entry(program_id, &returned).await.expect("ledger entry");
}

async fn stock_of<S: Store>(store: &S, program_id: &str, reward_id: &str) -> Option<i64> {
    store.reward(program_id, reward_id).await.expect("reward").expect("the reward exists").stock
}

// ---------------------------------------------------------------------------
// 18. coupons
// ---------------------------------------------------------------------------

pub async fn coupons<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let (p, o) = (program.id.as_str(), other.id.as_str());
    let customer = new_customer(&*store, p).await;
    let their_customer = new_customer(&*store, o).await;
    let c = customer.id.as_str();
    fund(&*store, p, c, 100).await;
    fund(&*store, o, &their_customer.id, 100).await;
    let mut tx = store.begin(None).await.expect("begin");
    let voucher = tx.insert_reward(p, &reward("voucher", 10, None)).await.expect("insert_reward");
    let their_voucher = tx.insert_reward(o, &reward("voucher", 10, None)).await.expect("insert_reward");
    tx.commit().await.expect("commit");

    let code = unique("CPN");
    let redemption = redeem_reward(&*store, p, c, &voucher, 1, Some(&code)).await;
    assert_eq!(redemption.coupon_code.as_deref(), Some(code.as_str()), "the redemption names its coupon");
    let mut tx = store.begin(None).await.expect("begin");
    let coupon = tx.insert_coupon(p, &new_coupon(&code, &redemption)).await.expect("insert_coupon");
    assert_eq!(
        (&coupon.code, &coupon.redemption_id, &coupon.customer_id, &coupon.reward_id),
        (&code, &redemption.id, &customer.id, &voucher.id),
        "insert_coupon returns what it stored"
    );
    assert_eq!((coupon.status, coupon.redeemed_at), (CouponStatus::Active, None), "a new coupon is active");
    assert_eq!(tx.coupon(p, &code).await.expect("coupon").as_ref(), Some(&coupon), "readable in its transaction");
    assert!(tx.coupon(o, &code).await.expect("coupon").is_none(), "scoped by program");
    assert!(store.coupon(p, &code).await.expect("coupon").is_none(), "an uncommitted coupon is invisible to others");
    tx.commit().await.expect("commit");
    assert_eq!(store.coupon(p, &code).await.expect("coupon").as_ref(), Some(&coupon), "the coupon round-trips");
    assert!(store.coupon(o, &code).await.expect("coupon").is_none(), "scoped by program");
    assert!(store.coupon(p, &unique("CPN")).await.expect("coupon").is_none(), "an unknown code");

    // Active → redeemed, once.
    let mut tx = store.begin(None).await.expect("begin");
    let across = tx.transition_coupon(o, &code, CouponStatus::Active, CouponStatus::Redeemed).await;
    assert!(across.expect("transition_coupon").is_none(), "another program cannot redeem our coupon");
    let redeemed = tx
        .transition_coupon(p, &code, CouponStatus::Active, CouponStatus::Redeemed)
        .await
        .expect("transition_coupon")
        .expect("an active coupon is redeemed");
    let redeemed_at = redeemed.redeemed_at.expect("a redeemed coupon records when");
    assert!(redeemed_at >= coupon.created_at, "redeemed after it was made");
    assert_eq!(
        redeemed,
        Coupon { status: CouponStatus::Redeemed, redeemed_at: Some(redeemed_at), ..coupon.clone() },
        "only the status and redeemed_at change"
    );
    let again = tx.transition_coupon(p, &code, CouponStatus::Active, CouponStatus::Redeemed).await;
    assert!(again.expect("transition_coupon").is_none(), "a coupon is single-use");
    let void = tx.transition_coupon(p, &code, CouponStatus::Active, CouponStatus::Void).await;
    assert!(void.expect("transition_coupon").is_none(), "a redeemed coupon is not active any more");
    assert_eq!(tx.coupon(p, &code).await.expect("coupon").as_ref(), Some(&redeemed));
    tx.commit().await.expect("commit");
    assert_eq!(store.coupon(p, &code).await.expect("coupon").as_ref(), Some(&redeemed));

    // Active → void (its redemption was cancelled): never redeemable afterwards.
    let code2 = unique("CPN");
    let second = redeem_reward(&*store, p, c, &voucher, 1, Some(&code2)).await;
    let mut tx = store.begin(None).await.expect("begin");
    let coupon2 = tx.insert_coupon(p, &new_coupon(&code2, &second)).await.expect("insert_coupon");
    tx.commit().await.expect("commit");
    let mut tx = store.begin(None).await.expect("begin");
    let voided = tx
        .transition_coupon(p, &code2, CouponStatus::Active, CouponStatus::Void)
        .await
        .expect("transition_coupon")
        .expect("an active coupon can be voided");
    assert_eq!(voided, Coupon { status: CouponStatus::Void, ..coupon2.clone() }, "voiding sets no redeemed_at");
    let late = tx.transition_coupon(p, &code2, CouponStatus::Active, CouponStatus::Redeemed).await;
    assert!(late.expect("transition_coupon").is_none(), "a void coupon cannot be redeemed");
    tx.commit().await.expect("commit");
    assert_eq!(store.coupon(p, &code2).await.expect("coupon").as_ref(), Some(&voided));

    // Codes are unique, across programs too.
    let third = redeem_reward(&*store, p, c, &voucher, 1, None).await;
    let mut tx = store.begin(None).await.expect("begin");
    let reused = tx.insert_coupon(p, &new_coupon(&code, &third)).await;
    assert!(matches!(reused, Err(StoreError::Conflict(_))), "a code already in use: {reused:?}");
    drop(tx);
    let theirs = redeem_reward(&*store, o, &their_customer.id, &their_voucher, 1, None).await;
    let mut tx = store.begin(None).await.expect("begin");
    let reused = tx.insert_coupon(o, &new_coupon(&code, &theirs)).await;
    assert!(matches!(reused, Err(StoreError::Conflict(_))), "a code in use by another program: {reused:?}");
    drop(tx);
    assert!(store.coupon(o, &code).await.expect("coupon").is_none(), "the refused coupon left nothing");
    assert_eq!(store.coupon(p, &code).await.expect("coupon").as_ref(), Some(&redeemed), "ours is untouched");

    // A coupon inserted in a transaction that is dropped never existed.
    let code3 = unique("CPN");
    let mut tx = store.begin(None).await.expect("begin");
    tx.insert_coupon(p, &new_coupon(&code3, &third)).await.expect("insert_coupon");
    drop(tx);
    assert!(store.coupon(p, &code3).await.expect("coupon").is_none(), "a rolled-back coupon must not stay");
}

fn new_coupon(code: &str, redemption: &Redemption) -> NewCoupon {
    NewCoupon {
        code: code.to_owned(),
        redemption_id: redemption.id.clone(),
        customer_id: redemption.customer_id.clone(),
        reward_id: redemption.reward_id.clone(),
    }
}

// ---------------------------------------------------------------------------
// 19. coupon race
// ---------------------------------------------------------------------------

pub async fn coupon_race<S: Harness>(store: Arc<S>) {
    const TASKS: usize = 20;
    let program = new_program(&*store).await;
    let p = program.id.clone();
    let customer = new_customer(&*store, &p).await;
    fund(&*store, &p, &customer.id, 10).await;
    let mut tx = store.begin(None).await.expect("begin");
    let voucher = tx.insert_reward(&p, &reward("voucher", 10, None)).await.expect("insert_reward");
    tx.commit().await.expect("commit");
    let code = unique("CPN");
    let redemption = redeem_reward(&*store, &p, &customer.id, &voucher, 1, Some(&code)).await;
    let mut tx = store.begin(None).await.expect("begin");
    tx.insert_coupon(&p, &new_coupon(&code, &redemption)).await.expect("insert_coupon");
    tx.commit().await.expect("commit");

    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (store, barrier, p, code) = (store.clone(), barrier.clone(), p.clone(), code.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                retry_unavailable(|| redeem_coupon(&*store, &p, &code)).await
            })
        })
        .collect();
    let outcomes: Vec<bool> =
        futures::future::join_all(tasks).await.into_iter().map(|r| r.expect("task panicked")).collect();
    let redeemed = outcomes.iter().filter(|&&won| won).count();
    assert_eq!(redeemed, 1, "exactly one of {TASKS} concurrent redemptions of a coupon succeeds: {outcomes:?}");
    let coupon = store.coupon(&p, &code).await.expect("coupon").expect("the coupon exists");
    assert_eq!(coupon.status, CouponStatus::Redeemed);
    assert!(coupon.redeemed_at.is_some());
}

async fn redeem_coupon<S: Store>(store: &S, program_id: &str, code: &str) -> StoreResult<bool> {
    let mut tx = store.begin(None).await?;
    let won = tx.transition_coupon(program_id, code, CouponStatus::Active, CouponStatus::Redeemed).await?;
    tx.commit().await?;
    Ok(won.is_some())
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

async fn program_with<S: Store>(store: &S, expire_after_days: Option<i32>, void_policy: VoidPolicy) -> Program {
    let settings =
        ProgramSettings { points_expire_after_days: expire_after_days, void_policy, ..ProgramSettings::default() };
    store.create_program(&unique("conformance"), &settings).await.expect("create_program")
}

async fn new_customer<S: Store>(store: &S, program_id: &str) -> tally_core::model::Customer {
    let contact = NewCustomer { email: Some(format!("{}@example.com", unique("c"))), ..NewCustomer::default() };
    let mut tx = store.begin(None).await.expect("begin");
    let customer = tx.insert_customer(program_id, &contact).await.expect("insert_customer").expect("a new customer");
    tx.commit().await.expect("commit");
    customer
}

/// Credits `points` with its ledger entry, as an earning purchase would; returns the balance after.
async fn fund<S: Store>(store: &S, program_id: &str, customer_id: &str, points: i64) -> i64 {
    let mut tx = store.begin(None).await.expect("begin");
    let balance = tx.credit(program_id, customer_id, points).await.expect("credit").expect("credited");
    tx.insert_ledger_entry(program_id, &entry(customer_id, points, balance, LedgerOperation::Earn))
        .await
        .expect("ledger entry");
    tx.commit().await.expect("commit");
    balance
}

/// Debits `points` with its ledger entry, as a redemption would; returns the balance after.
async fn spend<S: Store>(store: &S, program_id: &str, customer_id: &str, points: i64) -> i64 {
    let mut tx = store.begin(None).await.expect("begin");
    let balance = tx.debit(program_id, customer_id, points).await.expect("debit").expect("the balance covers it");
    tx.insert_ledger_entry(program_id, &entry(customer_id, -points, balance, LedgerOperation::Redeem))
        .await
        .expect("ledger entry");
    tx.commit().await.expect("commit");
    balance
}

fn entry(customer_id: &str, points: i64, balance_after: i64, operation: LedgerOperation) -> NewLedgerEntry {
    NewLedgerEntry {
        customer_id: customer_id.to_owned(),
        points,
        balance_after,
        operation,
        transaction_id: None,
        redemption_id: None,
        reason: None,
        token_id: None,
        idempotency: None,
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
