//! The key lock across nodes: two `PgStore`s with their own pools on one
//! database stand in for two servers behind a load balancer.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use tally_store::{SharedReads, Store, StoreError};
use tally_store_postgres::PgStore;

#[tokio::test]
async fn a_key_held_on_one_node_is_in_use_on_the_other_until_commit() {
    let (a, b) = two_nodes(4).await;
    let program = program(&a).await;
    let key = lock(&program.id, "k1");

    let tx = a.begin(Some(&key)).await.expect("first begin takes the lock");
    assert!(matches!(b.begin(Some(&key)).await, Err(StoreError::KeyInUse)));
    assert!(matches!(a.begin(Some(&key)).await, Err(StoreError::KeyInUse)), "same node, other connection");
    assert!(a.key_in_flight(&key).await.unwrap());
    assert!(b.key_in_flight(&key).await.unwrap());

    tx.commit().await.unwrap();
    // No waiting: an xact lock is gone by the time COMMIT has answered.
    assert!(!b.key_in_flight(&key).await.unwrap());
    let again = b.begin(Some(&key)).await.expect("free after commit");
    again.commit().await.unwrap();
}

#[tokio::test]
async fn a_dropped_transaction_releases_the_key() {
    let (a, b) = two_nodes(4).await;
    let program = program(&a).await;
    let key = lock(&program.id, "k1");

    let tx = a.begin(Some(&key)).await.unwrap();
    drop(tx);
    released(&b, &key).await;
    let again = b.begin(Some(&key)).await.expect("free after rollback");
    drop(again);
}

#[tokio::test]
async fn a_retry_on_the_same_node_never_meets_its_own_dropped_attempt() {
    let node = store().await;
    let program = program(&node).await;
    let key = lock(&program.id, "k1");

    // A refused request drops its transaction, and its client may retry at
    // once: the rollback in transit must not answer that retry with a 409.
    for _ in 0..100 {
        let attempt = node.begin(Some(&key)).await.expect("the retry runs");
        drop(attempt);
        assert!(!node.key_in_flight(&key).await.unwrap(), "a dropped attempt is not in flight");
    }
}

#[tokio::test]
async fn other_keys_and_other_programs_are_not_blocked() {
    let (a, b) = two_nodes(4).await;
    let p1 = program(&a).await;
    let p2 = program(&a).await;

    let _held = a.begin(Some(&lock(&p1.id, "k1"))).await.unwrap();
    let other_key = b.begin(Some(&lock(&p1.id, "k2"))).await.expect("another key of the same program");
    let other_program = b.begin(Some(&lock(&p2.id, "k1"))).await.expect("the same key in another program");
    let unkeyed = b.begin(None).await.expect("a transaction without a key");
    assert!(!b.key_in_flight(&lock(&p2.id, "k3")).await.unwrap());
    drop((other_key, other_program, unkeyed));
}

#[tokio::test]
async fn asking_whether_a_key_is_in_flight_never_takes_it() {
    let (a, b) = two_nodes(4).await;
    let program = program(&a).await;
    let key = lock(&program.id, "k1");

    // A status poll racing a first attempt must not turn it into a 409.
    let poller = {
        let b = b.clone();
        let key = key.clone();
        tokio::spawn(async move {
            for _ in 0..200 {
                b.key_in_flight(&key).await.unwrap();
            }
        })
    };
    for _ in 0..50 {
        let tx = a.begin(Some(&key)).await.expect("never refused because of the poller");
        tx.commit().await.unwrap();
    }
    poller.await.unwrap();
}

#[tokio::test]
async fn a_node_that_dies_mid_request_leaves_no_lock_and_no_effect() {
    let (a, b) = two_nodes(4).await;
    let program = program(&a).await;
    let customer = customer_with(&a, &program.id, 100).await;
    let key = lock(&program.id, "k1");

    let mut tx = a.begin(Some(&key)).await.unwrap();
    tx.debit(&program.id, &customer.id, 60).await.unwrap().expect("covered");
    tx.save_idempotency_record(&program.id, &record("k1")).await.unwrap();

    // Node a "crashes": its session is cut off by the server.
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_locks \
         WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND pid <> pg_backend_pid()) t",
    )
    .fetch_one(b.pool())
    .await
    .unwrap();
    assert_eq!(killed, 1);

    let deadline = Instant::now() + Duration::from_secs(5);
    while b.key_in_flight(&key).await.unwrap() {
        assert!(Instant::now() < deadline, "lock outlived its session");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let err = tx.commit().await.expect_err("the session is gone");
    assert!(matches!(err, StoreError::Unavailable(_)), "retry-safe error, got {err:?}");

    assert_eq!(b.balance(&program.id, &customer.id).await.unwrap().unwrap().available, 100);
    assert!(b.idempotency_record(&program.id, "k1").await.unwrap().is_none());
    let retry = b.begin(Some(&key)).await.expect("the retry runs afresh on the other node");
    drop(retry);
}

/// Fifty clients send one request with one key to two nodes at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_attempts_across_two_nodes_execute_exactly_once() {
    let (a, b) = two_nodes(25).await;
    let program = program(&a).await;
    let customer = customer_with(&a, &program.id, 100).await;
    let key = lock(&program.id, "k1");

    let committed = Arc::new(AtomicUsize::new(0));
    let in_use = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let node: PgStore = if i % 2 == 0 { a.clone() } else { b.clone() };
        let (program_id, customer_id, key) = (program.id.clone(), customer.id.clone(), key.clone());
        let (committed, in_use, barrier) = (committed.clone(), in_use.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            // What the server does: claim the key, replay if it already has a
            // response, else execute and record, all in one transaction.
            let mut tx = match node.begin(Some(&key)).await {
                Ok(tx) => tx,
                Err(StoreError::KeyInUse) => {
                    in_use.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Err(e) => panic!("begin: {e}"),
            };
            if tx.idempotency_record(&program_id, &key.key).await.unwrap().is_some() {
                return;
            }
            let Some(balance) = tx.debit(&program_id, &customer_id, 70).await.unwrap() else {
                panic!("a second execution reached the debit");
            };
            tx.insert_ledger_entry(&program_id, &spend(&customer_id, 70, balance)).await.unwrap();
            // Hold the key a little, as a real request would, so the others
            // meet it rather than arriving after the commit.
            tokio::time::sleep(Duration::from_millis(50)).await;
            tx.save_idempotency_record(&program_id, &record(&key.key)).await.unwrap();
            tx.commit().await.unwrap();
            committed.fetch_add(1, Ordering::Relaxed);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }

    assert_eq!(committed.load(Ordering::Relaxed), 1);
    assert!(in_use.load(Ordering::Relaxed) > 0, "the lock was never contended; the test proved nothing");
    let balance = a.balance(&program.id, &customer.id).await.unwrap().unwrap();
    assert_eq!(balance.available, 30);
    assert_eq!(balance.lifetime_spent, 70);
    assert!(a.idempotency_record(&program.id, "k1").await.unwrap().is_some());
    assert_eq!(a.verify(Some(&program.id)).await.unwrap(), vec![]);
    assert!(!a.key_in_flight(&key).await.unwrap());
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable_quickly() {
    let started = Instant::now();
    // Port 1 on loopback: nothing listens, so every connection attempt is refused.
    let result = PgStore::connect("postgres://postgres@127.0.0.1:1/tally", 2).await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "got {:?}", result.err());
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}
