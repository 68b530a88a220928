//! What the cases share: names no other run picks, fixtures, and waits for
//! a released key or a store that was briefly unavailable.

use std::future::Future;
use std::time::Duration;

use tally_core::model::{Customer, LedgerEntry, LedgerOperation, Program, ProgramSettings, RewardKind, VoidPolicy};

use crate::{
    KeyLock, NewCustomer, NewIdempotencyRecord, NewLedgerEntry, NewReward, NewTransaction, Page, RedeemRefusal,
    Redeemed, ResourceKey, Store, StoreError, StoreResult, StoreTx, Void,
};

/// Claims `lock`, waiting up to 5 s for a dropped holder's rollback to release it.
pub(super) async fn begin_when_released<S: Store>(store: &S, lock: &KeyLock) -> Box<dyn StoreTx> {
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

/// A void of `amount_cents` more of a purchase (`None`: all that is left).
pub(super) fn void(transaction_id: &str, amount_cents: Option<i64>, key: Option<ResourceKey>) -> Void {
    Void { transaction_id: transaction_id.to_owned(), amount_cents, idempotency: key }
}

pub(super) fn keyed(key: &str, fingerprint: &str) -> ResourceKey {
    ResourceKey { key: key.to_owned(), fingerprint: fingerprint.to_owned() }
}

pub(super) fn purchase_with(
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
        tier: None,
        earn_multiplier_percent: 100,
    }
}

/// What one redemption attempt under a stock race came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Redeem {
    Redeemed,
    OutOfStock,
}

/// One keyed redemption of a unit, as the executor runs it: the whole write,
/// then the record saved with the commit.
pub(super) async fn redeem_one<S: Store>(
    store: &S,
    lock: &KeyLock,
    customer_id: &str,
    reward_id: &str,
    retention_hours: i32,
) -> StoreResult<Redeem> {
    let p = lock.program_id.as_str();
    let mut tx = store.begin(Some(lock)).await?;
    let wanted = crate::Redeem {
        customer_id: customer_id.to_owned(),
        reward_id: reward_id.to_owned(),
        quantity: 1,
        expected_points: None,
        coupon_code: unique("code"),
        idempotency: Some(ResourceKey { key: lock.key.clone(), fingerprint: format!("fp-{}", lock.key) }),
    };
    let redemption = match tx.redeem(p, &wanted).await? {
        Redeemed::Created(redemption) => redemption,
        Redeemed::Refused(RedeemRefusal::OutOfStock) => {
            tx.rollback().await?;
            return Ok(Redeem::OutOfStock);
        }
        other => panic!("every redemption is paid for, and each key is new: {other:?}"),
    };
    let response = record(&lock.key, 201, b"{}".to_vec(), Some(&redemption.id));
    tx.commit_with_record(p, Some(&NewIdempotencyRecord { retention_hours, ..response })).await?;
    Ok(Redeem::Redeemed)
}

/// A name no other run will pick, so cases can share a database.
pub(super) fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

pub(super) fn page(limit: u32) -> Page {
    Page { limit, starting_after: None }
}

pub(super) fn ids<T>(items: &[T], id: impl Fn(&T) -> &String) -> Vec<String> {
    items.iter().map(|item| id(item).clone()).collect()
}

pub(super) async fn new_program<S: Store>(store: &S) -> Program {
    store.create_program(&unique("conformance"), &ProgramSettings::default()).await.expect("create_program")
}

pub(super) async fn program_with<S: Store>(
    store: &S,
    expire_after_days: Option<i32>,
    void_policy: VoidPolicy,
) -> Program {
    let settings =
        ProgramSettings { points_expire_after_days: expire_after_days, void_policy, ..ProgramSettings::default() };
    store.create_program(&unique("conformance"), &settings).await.expect("create_program")
}

/// Two programs, each with a customer: the second shows that nothing of the
/// first is visible from it, nor changed through it.
pub(super) struct Tenants {
    pub(super) program: Program,
    pub(super) other: Program,
    pub(super) customer: Customer,
    pub(super) their_customer: Customer,
}

pub(super) async fn tenants<S: Store>(store: &S) -> Tenants {
    let (program, other) = (new_program(store).await, new_program(store).await);
    let customer = new_customer(store, &program.id).await;
    let their_customer = new_customer(store, &other.id).await;
    Tenants { program, other, customer, their_customer }
}

pub(super) async fn new_customer<S: Store>(store: &S, program_id: &str) -> Customer {
    let contact = NewCustomer { email: Some(format!("{}@example.com", unique("c"))), ..NewCustomer::default() };
    let mut tx = store.begin(None).await.expect("begin");
    let customer = tx.insert_customer(program_id, &contact).await.expect("insert_customer").expect("a new customer");
    tx.commit().await.expect("commit");
    customer
}

/// Credits `points` with its ledger entry, as an earning purchase would; returns the balance after.
pub(super) async fn fund<S: Store>(store: &S, program_id: &str, customer_id: &str, points: i64) -> i64 {
    let mut tx = store.begin(None).await.expect("begin");
    let balance = tx.credit(program_id, customer_id, points).await.expect("credit").expect("credited");
    tx.insert_ledger_entry(program_id, &entry(customer_id, points, balance, LedgerOperation::Earn))
        .await
        .expect("ledger entry");
    tx.commit().await.expect("commit");
    balance
}

/// Debits `points` with its ledger entry, as a redemption would; returns the balance after.
pub(super) async fn spend<S: Store>(store: &S, program_id: &str, customer_id: &str, points: i64) -> i64 {
    let mut tx = store.begin(None).await.expect("begin");
    let balance = tx.debit(program_id, customer_id, points).await.expect("debit").expect("the balance covers it");
    tx.insert_ledger_entry(program_id, &entry(customer_id, -points, balance, LedgerOperation::Redeem))
        .await
        .expect("ledger entry");
    tx.commit().await.expect("commit");
    balance
}

pub(super) fn entry(customer_id: &str, points: i64, balance_after: i64, operation: LedgerOperation) -> NewLedgerEntry {
    NewLedgerEntry::new(customer_id, points, balance_after, operation)
}

pub(super) fn reward(name: &str, cost_points: i64, stock: Option<i64>) -> NewReward {
    let kind = if stock.is_some() { RewardKind::Item } else { RewardKind::Voucher };
    NewReward { name: name.to_owned(), cost_points, kind, stock, active: true }
}

/// A response to store under `key`, kept for a day (the default retention).
pub(super) fn record(key: &str, status: u16, body: Vec<u8>, resource_id: Option<&str>) -> NewIdempotencyRecord {
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
        retention_hours: 24,
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(super) struct BalanceSnapshot {
    pub(super) available: i64,
    pub(super) lifetime_earned: i64,
    pub(super) lifetime_spent: i64,
}

pub(super) async fn balance_of<S: Store>(store: &S, program_id: &str, customer_id: &str) -> BalanceSnapshot {
    let b = store.balance(program_id, customer_id).await.expect("balance").expect("the customer has a balance");
    BalanceSnapshot { available: b.available, lifetime_earned: b.lifetime_earned, lifetime_spent: b.lifetime_spent }
}

/// The ledger holds exactly `expected`, listed newest first by id. Entries made
/// in the same millisecond have no defined order between them, so contents are
/// compared as a set and the order only as the id order the cursor relies on.
pub(super) fn assert_same_entries(listed: &[LedgerEntry], expected: &[LedgerEntry]) {
    let mut want = expected.to_vec();
    want.sort_by(|a, b| b.id.cmp(&a.id));
    assert_eq!(listed, want, "ledger() lists exactly the committed entries, newest first");
}

/// Retries a request whose storage was briefly unavailable (SQLite busy,
/// PostgreSQL serialization failure): nothing was committed, so it is safe.
pub(super) async fn retry_unavailable<T, F, Fut>(mut attempt: F) -> T
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

/// A purchase of `cents` through the whole write, under `key` if given (its
/// record saved with the commit, as the executor does); the purchase's id.
pub(super) async fn purchase<S: Store>(
    store: &S,
    program_id: &str,
    customer_id: &str,
    cents: i64,
    key: Option<&str>,
) -> String {
    let lock = key.map(|key| KeyLock { program_id: program_id.to_owned(), key: key.to_owned() });
    let mut tx = store.begin(lock.as_ref()).await.expect("begin");
    let wanted = crate::Purchase {
        customer_id: customer_id.to_owned(),
        spend_amount_cents: cents,
        currency: "EUR".into(),
        external_id: None,
        points: None,
        idempotency: key.map(|key| keyed(key, &format!("fp-{key}"))),
    };
    let crate::Purchased::Created(txn) = tx.record_purchase(program_id, &wanted).await.expect("record_purchase") else {
        panic!("a new purchase of a known customer is recorded");
    };
    let response = key.map(|key| record(key, 201, b"{}".to_vec(), Some(&txn.id)));
    tx.commit_with_record(program_id, response.as_ref()).await.expect("commit");
    txn.id
}
