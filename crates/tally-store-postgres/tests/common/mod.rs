//! Fixtures shared by this crate's test binaries.

// Each test binary compiles this module and uses a different subset of it.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use tally_core::model::{Customer, LedgerOperation, Program, ProgramSettings};
use tally_store::{KeyLock, NewCustomer, NewIdempotencyRecord, NewLedgerEntry, Store};
use tally_store_postgres::PgStore;
use tally_store_postgres::scratch::scratch_database_url;

/// A store on a database of its own.
pub async fn store() -> PgStore {
    PgStore::connect(&scratch_database_url().await, 10).await.expect("connect to the scratch database")
}

/// Two stores on one database: two nodes of a deployment, each with its own pool.
pub async fn two_nodes(max_connections: u32) -> (PgStore, PgStore) {
    let url = scratch_database_url().await;
    let a = PgStore::connect(&url, max_connections).await.expect("connect node a");
    let b = PgStore::connect(&url, max_connections).await.expect("connect node b");
    (a, b)
}

pub async fn program(store: &impl Store) -> Program {
    store.create_program("test", &ProgramSettings::default()).await.expect("create program")
}

/// A customer holding `points`, earned through the ledger so `verify` stays clean.
pub async fn customer_with(store: &impl Store, program_id: &str, points: i64) -> Customer {
    let mut tx = store.begin(None).await.expect("begin");
    let customer = tx
        .insert_customer(program_id, &NewCustomer { name: Some("Ada".into()), ..Default::default() })
        .await
        .expect("insert customer")
        .expect("no clash without contact details");
    if points > 0 {
        let balance = tx.credit(program_id, &customer.id, points).await.expect("credit").expect("no overflow");
        tx.insert_ledger_entry(program_id, &earn(&customer.id, points, balance)).await.expect("ledger");
    }
    tx.commit().await.expect("commit");
    customer
}

pub fn earn(customer_id: &str, points: i64, balance_after: i64) -> NewLedgerEntry {
    NewLedgerEntry::new(customer_id, points, balance_after, LedgerOperation::Earn)
}

pub fn spend(customer_id: &str, points: i64, balance_after: i64) -> NewLedgerEntry {
    NewLedgerEntry::new(customer_id, -points, balance_after, LedgerOperation::Redeem)
}

pub fn record(key: &str) -> NewIdempotencyRecord {
    NewIdempotencyRecord {
        key: key.to_owned(),
        method: "POST".into(),
        path: "/api/v1/redemptions".into(),
        fingerprint: "f".repeat(64),
        status: 201,
        headers: vec![("content-type".into(), "application/json".into()), ("location".into(), "/r/1".into())],
        body: br#"{"id":"rdm_1"}"#.to_vec(),
        resource_id: None,
        retention_hours: 24,
    }
}

pub fn lock(program_id: &str, key: &str) -> KeyLock {
    KeyLock { program_id: program_id.to_owned(), key: key.to_owned() }
}

/// Waits until no transaction holds `lock`.
///
/// Commit releases the lock before `commit()` returns, but a transaction that
/// is dropped is rolled back by the pool in the background (there is no async
/// drop), so its lock outlives the drop by a round trip.
pub async fn released(store: &impl Store, lock: &KeyLock) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while store.key_in_flight(lock).await.expect("key_in_flight") {
        assert!(Instant::now() < deadline, "the lock of a dropped transaction was never released");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
