//! The key's claim travels with BEGIN as one simple query, its key written as
//! a literal: every key must come back exactly as it went in, and none can
//! change what the query does.

mod common;

use common::*;
use tally_store::{Store, StoreError};

#[tokio::test]
async fn keys_with_quotes_and_backslashes_are_claimed_and_found_as_they_are() {
    let (a, b) = two_nodes(2).await;
    let program = program(&a).await;
    let keys = [
        "plain-8e03978e",
        "it's",
        r"back\slash",
        r"\'",
        r"'); SELECT pg_advisory_lock(1); --",
        "E'x'",
        "$$dollar$$",
        "ünïcødé",
    ];
    for key in keys {
        let lock = lock(&program.id, key);
        let mut tx = a.begin(Some(&lock)).await.unwrap_or_else(|e| panic!("{key:?}: {e:?}"));
        assert!(tx.idempotency_record(&program.id, key).await.unwrap().is_none(), "{key:?}: a fresh key");
        // Held while the transaction runs, on the other node as on this one.
        assert!(matches!(b.begin(Some(&lock)).await, Err(StoreError::KeyInUse)), "{key:?}");
        tx.save_idempotency_record(&program.id, &record(key)).await.unwrap();
        tx.commit().await.unwrap();

        let mut again = b.begin(Some(&lock)).await.unwrap_or_else(|e| panic!("{key:?}: {e:?}"));
        let stored = again.idempotency_record(&program.id, key).await.unwrap();
        let stored = stored.unwrap_or_else(|| panic!("{key:?}: the claim did not find the record"));
        assert_eq!(stored.key, key);
        assert_eq!(stored.body, record(key).body);
        assert_eq!(stored.headers, record(key).headers);
        drop(again);
        released(&a, &lock).await;
    }
    // Nothing else ran: no session holds a lock once every transaction ended.
    // (This database's locks only: other tests' databases share the server.)
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_one(a.pool())
    .await
    .unwrap();
    assert_eq!(held, 0);
}
