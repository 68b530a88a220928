//! The one writer: a transaction that ends without committing, however it
//! ends, leaves nothing behind and the writer usable; concurrent transactions
//! queue for it and every one of them lands.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tally_core::model::{LedgerOperation, ProgramSettings};
use tally_store::{KeyLock, NewCustomer, NewIdempotencyRecord, NewLedgerEntry, Page, SharedReads, Store};
use tokio::sync::oneshot;

use crate::SqliteStore;

async fn fresh_store() -> (tempfile::TempDir, SqliteStore, String) {
    let dir = tempfile::tempdir().expect("create a scratch directory");
    let store = SqliteStore::open(dir.path().join("tally.db")).await.expect("open a fresh SQLite store");
    let program = store.create_program("writer", &ProgramSettings::default()).await.expect("create a program");
    (dir, store, program.id)
}

/// Whether the writer is back outside any transaction, its lock free: what a
/// transaction that ended must leave (`begin` would otherwise roll back the
/// leftover itself, and hide that the transaction did not).
async fn writer_is_clean(store: &SqliteStore) -> bool {
    let writer = tokio::time::timeout(Duration::from_secs(10), store.writer.lock()).await.expect("the writer is free");
    writer.is_autocommit()
}

fn key(program_id: &str, key: &str) -> KeyLock {
    KeyLock { program_id: program_id.to_owned(), key: key.to_owned() }
}

fn customer(email: &str) -> NewCustomer {
    NewCustomer { email: Some(email.to_owned()), phone: None, name: None }
}

/// Begins under `key`, writes a customer with 100 points, tells `written` its
/// id, then waits forever: only cancelling the future ends it.
async fn write_then_hang(
    store: SqliteStore,
    program_id: String,
    key: KeyLock,
    email: &str,
    written: oneshot::Sender<String>,
) {
    let mut tx = store.begin(Some(&key)).await.expect("begin");
    let created = tx.insert_customer(&program_id, &customer(email)).await.expect("insert").expect("a new customer");
    tx.credit(&program_id, &created.id, 100).await.expect("credit").expect("the customer exists");
    written.send(created.id).expect("the test waits for the id");
    std::future::pending::<()>().await;
    tx.commit().await.expect("never reached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_dropped_without_commit_leaves_nothing_behind() {
    let (_dir, store, program_id) = fresh_store().await;
    let mut dropped = Vec::new();

    // Dropped by its owner.
    let plain = key(&program_id, "plain");
    let mut tx = store.begin(Some(&plain)).await.unwrap();
    let created = tx.insert_customer(&program_id, &customer("plain@example.com")).await.unwrap().unwrap();
    tx.credit(&program_id, &created.id, 100).await.unwrap().unwrap();
    assert!(store.key_in_flight(&plain).await.unwrap());
    drop(tx);
    assert!(!store.key_in_flight(&plain).await.unwrap(), "dropping the transaction releases its key");
    assert!(writer_is_clean(&store).await, "dropping the transaction rolls it back");
    dropped.push((plain, created.id, "plain@example.com"));

    // Dropped mid-way, by a timeout cancelling the future that holds it.
    let timed_out = key(&program_id, "timed-out");
    let (sender, receiver) = oneshot::channel();
    let hang = write_then_hang(store.clone(), program_id.clone(), timed_out.clone(), "timed-out@example.com", sender);
    let outcome = tokio::time::timeout(Duration::from_millis(200), hang).await;
    assert!(outcome.is_err(), "the transaction only ends by being cancelled");
    assert!(writer_is_clean(&store).await, "cancelling the future rolls its transaction back");
    dropped.push((timed_out, receiver.await.unwrap(), "timed-out@example.com"));

    // Dropped mid-way, by aborting the task that holds it.
    let aborted = key(&program_id, "aborted");
    let (sender, receiver) = oneshot::channel();
    let task = tokio::spawn(write_then_hang(
        store.clone(),
        program_id.clone(),
        aborted.clone(),
        "aborted@example.com",
        sender,
    ));
    let id = receiver.await.unwrap();
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert!(writer_is_clean(&store).await, "aborting the task rolls its transaction back");
    dropped.push((aborted, id, "aborted@example.com"));

    // The next transaction gets the writer, and sees none of it.
    let mut tx = tokio::time::timeout(Duration::from_secs(10), store.begin(Some(&key(&program_id, "next"))))
        .await
        .expect("the writer is free again")
        .unwrap();
    for (lock, id, email) in &dropped {
        assert!(!store.key_in_flight(lock).await.unwrap(), "{}: the key is released", lock.key);
        assert!(store.customer(&program_id, id).await.unwrap().is_none(), "{email}: readers see nothing");
        assert!(tx.customer(&program_id, id).await.unwrap().is_none(), "{email}: the writer sees nothing");
        // Unique emails: inserting again only succeeds because the first insert rolled back.
        let again = tx.insert_customer(&program_id, &customer(email)).await.unwrap();
        assert!(again.is_some(), "{email}: the email is free again");
    }
    tx.commit().await.unwrap();
    assert_eq!(store.customers(&program_id, &Default::default(), &page()).await.unwrap().len(), dropped.len());
    assert!(store.verify(Some(&program_id)).await.unwrap().is_empty());
}

fn page() -> Page {
    Page { limit: 100, starting_after: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transactions_all_land() {
    let (_dir, store, program_id) = fresh_store().await;
    let mut tx = store.begin(None).await.unwrap();
    let shared = tx.insert_customer(&program_id, &customer("shared@example.com")).await.unwrap().unwrap();
    tx.commit().await.unwrap();

    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (store, program_id, customer_id) = (store.clone(), program_id.clone(), shared.id.clone());
            tokio::spawn(async move {
                let mut tx = store.begin(Some(&key(&program_id, &format!("credit-{i}")))).await?;
                let balance = tx.credit(&program_id, &customer_id, 10).await?.expect("the customer exists");
                let entry = NewLedgerEntry::new(&customer_id, 10, balance, LedgerOperation::Earn);
                tx.insert_ledger_entry(&program_id, &entry).await?;
                tx.commit().await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    let balance = store.balance(&program_id, &shared.id).await.unwrap().unwrap();
    assert_eq!((balance.available, balance.lifetime_earned), (500, 500), "50 credits of 10, each once");
    let ledger = store.ledger(&program_id, &shared.id, &page()).await.unwrap();
    assert_eq!(ledger.len(), 50);
    let mut after: Vec<i64> = ledger.iter().map(|entry| entry.balance_after).collect();
    after.sort_unstable();
    assert_eq!(after, (1..=50).map(|n| n * 10).collect::<Vec<_>>(), "each credit saw the one before it");
    assert!(store.verify(Some(&program_id)).await.unwrap().is_empty());
}

/// Under writes that never pause, with readers in the WAL all along, the WAL
/// still starts over again and again instead of growing without bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_starts_over_under_a_steady_stream_of_writes() {
    let (dir, store, program_id) = fresh_store().await;
    let mut tx = store.begin(None).await.unwrap();
    let shared = tx.insert_customer(&program_id, &customer("steady@example.com")).await.unwrap().unwrap();
    tx.commit().await.unwrap();

    // A number of commits rather than a time: a slow machine takes longer, and
    // its WAL gets more chances to start over, not fewer.
    let commits = Arc::new(AtomicU32::new(0));
    let until = tokio::time::Instant::now() + Duration::from_secs(1);
    let done = {
        let commits = commits.clone();
        move || commits.load(Ordering::Relaxed) >= 5000 && tokio::time::Instant::now() >= until
    };
    let writers = (0..4).map(|_| {
        let (store, program_id, customer_id) = (store.clone(), program_id.clone(), shared.id.clone());
        let (commits, done) = (commits.clone(), done.clone());
        tokio::spawn(async move {
            while !done() {
                let mut tx = store.begin(None).await.unwrap();
                let balance = tx.credit(&program_id, &customer_id, 1).await.unwrap().unwrap();
                let entry = NewLedgerEntry::new(&customer_id, 1, balance, LedgerOperation::Earn);
                tx.insert_ledger_entry(&program_id, &entry).await.unwrap();
                tx.commit().await.unwrap();
                commits.fetch_add(1, Ordering::Relaxed);
            }
        })
    });
    let readers = (0..2).map(|_| {
        let (store, program_id, customer_id, done) =
            (store.clone(), program_id.clone(), shared.id.clone(), done.clone());
        tokio::spawn(async move {
            while !done() {
                store.ledger(&program_id, &customer_id, &page()).await.unwrap();
            }
        })
    });
    let tasks: Vec<_> = writers.chain(readers).collect();
    for task in tasks {
        task.await.unwrap();
    }

    // The WAL header's checkpoint sequence number counts the times it started over.
    let wal = std::fs::read(dir.path().join("tally.db-wal")).unwrap();
    let restarts = u32::from_be_bytes(wal[12..16].try_into().unwrap());
    let commits = commits.load(Ordering::Relaxed);
    assert!(restarts >= 3, "the WAL started over {restarts} times in {commits} commits ({} bytes)", wal.len());
    assert!(store.verify(Some(&program_id)).await.unwrap().is_empty());
}

/// A commit whose caller is cancelled while it waits for the group fsync
/// keeps its key in flight until the fsync has ended: until then no replay
/// can read a response that a power cut could still lose.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_commit_keeps_its_key_in_flight_until_the_fsync_ends() {
    let (_dir, store, program_id) = fresh_store().await;
    let lock = key(&program_id, "durable-1");
    let mut tx = store.begin(Some(&lock)).await.unwrap();
    tx.insert_customer(&program_id, &customer("durable@example.com")).await.unwrap();
    let record = NewIdempotencyRecord {
        key: "durable-1".into(),
        method: "POST".into(),
        path: "/api/v1/customers".into(),
        fingerprint: "f".into(),
        status: 201,
        headers: vec![],
        body: b"{}".to_vec(),
        resource_id: None,
        retention_hours: 24,
    };
    tx.save_idempotency_record(&program_id, &record).await.unwrap();

    // Hold the fsync leader's seat, so the commit's durability wait cannot end.
    let leader = store.durable.leader.lock().await;
    let commit = tokio::spawn(async move { tx.commit().await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!commit.is_finished(), "the commit waits for its fsync");
    commit.abort();
    let _ = commit.await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(store.key_in_flight(&lock).await.unwrap(), "cancelled before the fsync: the key is still in flight");
    assert!(store.idempotency_record(&program_id, "durable-1").await.unwrap().is_none());

    drop(leader);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while store.key_in_flight(&lock).await.unwrap() {
        assert!(tokio::time::Instant::now() < deadline, "the fsync ended, so the key must be released");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(store.idempotency_record(&program_id, "durable-1").await.unwrap().is_some(), "durable now, and replayable");
    assert!(writer_is_clean(&store).await);
}
