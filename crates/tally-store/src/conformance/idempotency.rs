//! Cases 5–7: stored idempotency records and their sweep, the key's in-flight lock,
//! and the exactly-once race between claims of one key.

use std::sync::Arc;
use std::time::Duration;

use tally_core::model::{IdempotencyRecord, LedgerEntry, LedgerOperation};
use tokio::sync::Barrier;

use super::Harness;
use super::support::*;
use crate::{KeyLock, NewIdempotencyRecord, Store, StoreError, StoreResult};

// ---------------------------------------------------------------------------
// 5. idempotency records
// ---------------------------------------------------------------------------

pub async fn idempotency_records<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let p = program.id.as_str();
    let key = unique("key");

    // Every byte value, invalid UTF-8 and CRLF: the body is replayed byte for byte.
    let body: Vec<u8> = (0..=255u8).chain(*b"{\"id\": \"rdm_1\"}\r\n").collect();
    let first = record(&key, 201, body, Some("rdm_01J0000000000000000000000"));

    let mut tx = store.begin(None).await.expect("begin");
    assert!(tx.idempotency_record(p, &key).await.expect("idempotency_record").is_none());
    tx.save_idempotency_record(p, &first).await.expect("save_idempotency_record");
    let in_tx = tx.idempotency_record(p, &key).await.expect("idempotency_record").expect("visible in its transaction");
    assert_record(&in_tx, &first);
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
    match tx.save_idempotency_record(p, &second).await {
        Err(StoreError::RecordExists) => {}
        other => panic!("saving over a live record must be RecordExists, got {other:?}"),
    }
    drop(tx);
    let kept = store.idempotency_record(p, &key).await.expect("idempotency_record");
    assert_eq!(kept.as_ref(), Some(&stored), "the refused save left the first record intact");

    // The same key string in another program is another key.
    let mut tx = store.begin(None).await.expect("begin");
    tx.save_idempotency_record(&other.id, &second).await.expect("same key, other program");
    tx.commit().await.expect("commit");
    let theirs = store.idempotency_record(&other.id, &key).await.expect("idempotency_record").expect("saved");
    assert_record(&theirs, &second);
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
    let replacement = NewIdempotencyRecord { retention_hours: 1, ..replacement };
    tx.save_idempotency_record(p, &replacement).await.expect("saving over an expired record replaces it");
    tx.commit().await.expect("commit");
    let replaced = store.idempotency_record(p, &key).await.expect("idempotency_record").expect("replacement");
    assert_record(&replaced, &replacement);

    // Start the batch count from an empty sweep: exactly the two records above are expired.
    store.expire_idempotency_records().await;
    assert_eq!(store.sweep_expired_keys(100).await.expect("sweep"), 2, "both expired records are swept");
    assert_eq!(store.sweep_expired_keys(100).await.expect("sweep"), 0, "nothing is left to sweep");

    let keys: Vec<String> = (0..5).map(|_| unique("key")).collect();
    let mut tx = store.begin(None).await.expect("begin");
    for k in &keys {
        tx.save_idempotency_record(p, &record(k, 201, b"{}".to_vec(), None)).await.expect("save");
    }
    tx.commit().await.expect("commit");
    assert_eq!(store.sweep_expired_keys(2).await.expect("sweep"), 0, "live records are never swept");
    store.expire_idempotency_records().await;
    // Small batches keep each delete short; storage stays bounded by repeating them.
    let swept: Vec<u64> = sweep_repeatedly(&*store, 4, 2).await;
    assert_eq!(swept, vec![2, 2, 1, 0], "sweep deletes at most `batch` expired records per call");

    // A swept key is simply unused.
    let mut tx = store.begin(None).await.expect("begin");
    tx.save_idempotency_record(p, &first).await.expect("a swept key can be saved again");
    tx.commit().await.expect("commit");
    let again = store.idempotency_record(p, &key).await.expect("idempotency_record").expect("saved again");
    assert_record(&again, &first);
}

/// Runs `times` sweeps of `batch` one after another and returns their counts.
pub(super) async fn sweep_repeatedly<S: Store>(store: &S, times: usize, batch: u32) -> Vec<u64> {
    let mut counts = Vec::with_capacity(times);
    for _ in 0..times {
        counts.push(store.sweep_expired_keys(batch).await.expect("sweep"));
    }
    counts
}

pub(super) fn assert_record(stored: &IdempotencyRecord, saved: &NewIdempotencyRecord) {
    let retention_hours = saved.retention_hours;
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

pub(super) async fn in_flight<S: Store>(store: &S, lock: &KeyLock) -> bool {
    store.key_in_flight(lock).await.expect("key_in_flight")
}

// ---------------------------------------------------------------------------
// 7. exactly-once race
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Attempt {
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
pub(super) async fn attempt_keyed_debit<S: Store>(
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
    tx.save_idempotency_record(p, &NewIdempotencyRecord { retention_hours, ..response }).await?;
    tx.commit().await?;
    Ok(Attempt::Executed)
}
