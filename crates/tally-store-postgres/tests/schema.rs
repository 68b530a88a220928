//! What the PostgreSQL schema and error mapping guarantee on their own,
//! beyond the shared conformance suite.

mod common;

use common::*;
use tally_store::{NewIdempotencyRecord, Store, StoreError};

#[tokio::test]
async fn the_ledger_refuses_updates_deletes_and_truncation() {
    let store = store().await;
    let program = program(&store).await;
    customer_with(&store, &program.id, 10).await;

    for sql in [
        "UPDATE ledger_entries SET points = points + 1",
        "DELETE FROM ledger_entries",
        "TRUNCATE ledger_entries CASCADE",
    ] {
        match store.execute_raw(sql).await {
            Err(StoreError::Other(message)) => assert!(message.contains("append-only"), "{sql}: {message}"),
            other => panic!("{sql} must be refused, got {other:?}"),
        }
    }
    assert_eq!(store.execute_raw("SELECT 1 FROM ledger_entries").await.unwrap(), 1);
}

#[tokio::test]
async fn database_errors_map_to_the_store_vocabulary() {
    let store = store().await;
    let program = program(&store).await;

    let duplicate = format!("INSERT INTO programs (id, name) VALUES ('{}', 'twin')", program.id);
    assert!(matches!(store.execute_raw(&duplicate).await, Err(StoreError::Conflict("unique"))));
    assert!(matches!(store.execute_raw("SELECT 9223372036854775807::bigint + 1").await, Err(StoreError::OutOfRange)));
    assert!(matches!(store.execute_raw("SELECT 1 / 0").await, Err(StoreError::Other(_))));
    // The server ending a session (a restart, a failover) is worth a retry.
    assert!(matches!(
        store.execute_raw("SELECT pg_terminate_backend(pg_backend_pid())").await,
        Err(StoreError::Unavailable(_))
    ));
    store.ping().await.expect("the pool replaces the lost connection");

    store.pool().close().await;
    assert!(matches!(store.ping().await, Err(StoreError::Unavailable(_))));
}

#[tokio::test]
async fn timestamps_and_expiry_come_from_the_database_clock() {
    let store = store().await;
    let program = program(&store).await;
    let db_now: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT now()").fetch_one(store.pool()).await.unwrap();
    assert!((db_now - program.created_at).abs() < chrono::TimeDelta::seconds(5));

    let mut tx = store.begin(None).await.unwrap();
    tx.save_idempotency_record(&program.id, &NewIdempotencyRecord { retention_hours: 1, ..record("k1") })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let saved = store.idempotency_record(&program.id, "k1").await.unwrap().expect("saved");
    assert_eq!(saved.expires_at - saved.created_at, chrono::TimeDelta::hours(1));
    assert_eq!(saved.headers, record("k1").headers, "JSONB keeps the pairs in order");

    // A minute before expiry by the database's clock it still replays; a second after, it is gone.
    store.execute_raw("UPDATE idempotency_records SET expires_at = now() + interval '1 minute'").await.unwrap();
    assert!(store.idempotency_record(&program.id, "k1").await.unwrap().is_some());
    store.execute_raw("UPDATE idempotency_records SET expires_at = now() - interval '1 second'").await.unwrap();
    assert!(store.idempotency_record(&program.id, "k1").await.unwrap().is_none());
}

#[tokio::test]
async fn a_live_record_is_never_overwritten() {
    let store = store().await;
    let program = program(&store).await;

    let mut tx = store.begin(None).await.unwrap();
    tx.save_idempotency_record(&program.id, &record("k1")).await.unwrap();
    tx.commit().await.unwrap();

    // Only reachable if a caller bypassed the key lock; it must fail, not replace.
    let mut tx = store.begin(None).await.unwrap();
    let second = tx.save_idempotency_record(&program.id, &record("k1")).await;
    assert!(matches!(second, Err(StoreError::RecordExists)), "{second:?}");
}

#[tokio::test]
async fn ids_sort_bytewise_whatever_the_database_collation() {
    let store = store().await;
    let id_columns: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, collation_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' \
           AND (column_name = 'id' OR column_name LIKE '%\\_id') \
           AND data_type = 'text'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    // Text ids only: a collation is a property of text (the deliveries' own
    // numbers, BIGSERIAL, sort as numbers whatever the database's collation).
    assert!(id_columns.len() > 10, "{id_columns:?}");
    for (table, column, collation) in id_columns {
        if column == "external_id" {
            continue;
        }
        assert_eq!(collation.as_deref(), Some("C"), "{table}.{column}");
    }
}
