//! The number of round trips a keyed write costs, counted on the wire: the
//! store talks to PostgreSQL through a proxy that counts the queries the
//! client sends, each of which waits for its answer: a simple query ('Q'), or
//! an extended one (its 'Execute', then the 'Sync' that asks for the answer).
//!
//! A redemption, a purchase, an adjustment, a void or a cancel with a fresh key is three: BEGIN with the key's
//! claim, the whole write (one function call), and the record with the COMMIT.
//! Not counted: the bare 'Sync' that sqlx's pool sends as a ping when a
//! connection goes back to it, after the request has its answer.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use tally_core::model::RedemptionStatus;
use tally_store::{
    Adjust, Adjusted, NewReward, Purchase, Purchased, Redeem, Redeemed, ResourceKey, Settle, Settled, SharedReads,
    Store, Void, Voided,
};
use tally_store_postgres::PgStore;
use tally_store_postgres::scratch::scratch_database_url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Forwards connections to `upstream` and counts the queries the client sends.
async fn counting_proxy(upstream: String, queries: Arc<AtomicUsize>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
    let port = listener.local_addr().expect("local addr").port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(&upstream).await.expect("connect to PostgreSQL");
            let queries = queries.clone();
            tokio::spawn(async move {
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(async move { tokio::io::copy(&mut server_read, &mut client_write).await });
                // The startup message is a length that counts itself; every
                // message after it is a type byte and such a length (the
                // connection is opened without SSL, so no SSLRequest first).
                let (mut pending, mut chunk) = (Vec::new(), vec![0u8; 64 * 1024]);
                let (mut started, mut executed) = (false, false);
                loop {
                    let n = match client_read.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    if server_write.write_all(&chunk[..n]).await.is_err() {
                        return;
                    }
                    pending.extend_from_slice(&chunk[..n]);
                    loop {
                        let header = usize::from(started);
                        if pending.len() < header + 4 {
                            break;
                        }
                        let length = &pending[header..header + 4];
                        let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]) as usize;
                        if pending.len() < header + length {
                            break;
                        }
                        match (started, pending[0]) {
                            (false, _) => started = true,
                            (true, b'Q') => {
                                queries.fetch_add(1, Ordering::SeqCst);
                            }
                            (true, b'E') => executed = true,
                            (true, b'S') if executed => {
                                executed = false;
                                queries.fetch_add(1, Ordering::SeqCst);
                            }
                            _ => {}
                        }
                        pending.drain(..header + length);
                    }
                }
            });
        }
    });
    port
}

/// A store whose one connection goes through a counting proxy.
async fn counted_store() -> (PgStore, Arc<AtomicUsize>) {
    let url = scratch_database_url().await;
    let parsed = url::Url::parse(&url).expect("a database URL");
    let upstream = format!("{}:{}", parsed.host_str().expect("host"), parsed.port().unwrap_or(5432));
    let queries = Arc::new(AtomicUsize::new(0));
    let port = counting_proxy(upstream, queries.clone()).await;
    let mut proxied = parsed.clone();
    proxied.set_host(Some("127.0.0.1")).expect("host");
    proxied.set_port(Some(port)).expect("port");
    proxied.query_pairs_mut().append_pair("sslmode", "disable");
    let store = PgStore::connect(proxied.as_str(), 1).await.expect("connect through the proxy");
    (store, queries)
}

fn key(name: &str) -> ResourceKey {
    ResourceKey { key: name.to_owned(), fingerprint: "f".repeat(64) }
}

/// Round trips of `write` (a keyed write run as the executor runs it), after
/// enough runs that every statement is prepared on the connection.
async fn round_trips_of<F, Fut>(queries: &AtomicUsize, mut write: F) -> usize
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for warm_up in 0..8 {
        write(warm_up).await;
    }
    let before = queries.load(Ordering::SeqCst);
    write(8).await;
    queries.load(Ordering::SeqCst) - before
}

#[tokio::test]
async fn keyed_points_moving_writes_are_three_round_trips_each() {
    let (store, queries) = counted_store().await;
    let program = program(&store).await;
    let p = program.id.as_str();
    let customer = customer_with(&store, p, 1_000).await;
    let mut tx = store.begin(None).await.expect("begin");
    let mug = NewReward {
        name: "mug".into(),
        cost_points: 1,
        kind: tally_core::model::RewardKind::Item,
        stock: Some(100),
        active: true,
    };
    let mug = tx.insert_reward(p, &mug).await.expect("insert_reward");
    tx.commit().await.expect("commit");

    let redemption = round_trips_of(&queries, |n| {
        let (store, customer_id, reward_id) = (&store, customer.id.clone(), mug.id.clone());
        async move {
            let name = format!("redeem-{n}");
            let mut tx = store.begin(Some(&lock(p, &name))).await.expect("claim");
            assert!(tx.idempotency_record(p, &name).await.expect("record").is_none(), "a fresh key");
            let wanted = Redeem {
                customer_id,
                reward_id,
                quantity: 1,
                expected_points: None,
                coupon_code: format!("code-{n}"),
                idempotency: Some(key(&name)),
            };
            assert!(matches!(tx.redeem(p, &wanted).await.expect("redeem"), Redeemed::Created(_)));
            tx.commit_with_record(p, Some(&record(&name))).await.expect("commit");
        }
    })
    .await;
    assert_eq!(redemption, 3, "claim, redemption, record with commit");

    let purchase = round_trips_of(&queries, |n| {
        let (store, customer_id) = (&store, customer.id.clone());
        async move {
            let name = format!("purchase-{n}");
            let mut tx = store.begin(Some(&lock(p, &name))).await.expect("claim");
            assert!(tx.idempotency_record(p, &name).await.expect("record").is_none(), "a fresh key");
            let wanted = Purchase {
                customer_id,
                spend_amount_cents: 2500,
                currency: "EUR".into(),
                external_id: Some(format!("receipt-{n}")),
                points: None,
                idempotency: Some(key(&name)),
            };
            assert!(matches!(tx.record_purchase(p, &wanted).await.expect("purchase"), Purchased::Created(_)));
            tx.commit_with_record(p, Some(&record(&name))).await.expect("commit");
        }
    })
    .await;
    assert_eq!(purchase, 3, "claim, purchase, record with commit");

    let token = store.create_token(p, "round-trips-token-hash").await.expect("create_token");
    let adjustment = round_trips_of(&queries, |n| {
        let (store, customer_id, token_id) = (&store, customer.id.clone(), token.clone());
        async move {
            let name = format!("adjust-{n}");
            let mut tx = store.begin(Some(&lock(p, &name))).await.expect("claim");
            assert!(tx.idempotency_record(p, &name).await.expect("record").is_none(), "a fresh key");
            let wanted = Adjust {
                customer_id,
                points: 2,
                reason: "goodwill".into(),
                token_id,
                qualifying: false,
                idempotency: Some(key(&name)),
            };
            assert!(matches!(tx.adjust(p, &wanted).await.expect("adjust"), Adjusted::Created(_)));
            tx.commit_with_record(p, Some(&record(&name))).await.expect("commit");
        }
    })
    .await;
    assert_eq!(adjustment, 3, "claim, adjustment, record with commit");

    // A partial void of each of the nine purchases above (the keyed ones, receipt-0 to -8).
    let purchases: Vec<String> = sqlx::query_scalar("SELECT id FROM transactions WHERE program_id = $1 ORDER BY id")
        .bind(p)
        .fetch_all(store.pool())
        .await
        .expect("purchases");
    let void = round_trips_of(&queries, |n| {
        let (store, transaction_id) = (&store, purchases[n].clone());
        async move {
            let name = format!("void-{n}");
            let mut tx = store.begin(Some(&lock(p, &name))).await.expect("claim");
            assert!(tx.idempotency_record(p, &name).await.expect("record").is_none(), "a fresh key");
            let wanted = Void { transaction_id, amount_cents: Some(500), idempotency: Some(key(&name)) };
            assert!(matches!(tx.void(p, &wanted).await.expect("void"), Voided::Changed(_)));
            tx.commit_with_record(p, Some(&record(&name))).await.expect("commit");
        }
    })
    .await;
    assert_eq!(void, 3, "claim, void, record with commit");

    // A cancel of each of the nine redemptions above: refund, stock back, ledger entry.
    let redemptions: Vec<String> = sqlx::query_scalar("SELECT id FROM redemptions WHERE program_id = $1 ORDER BY id")
        .bind(p)
        .fetch_all(store.pool())
        .await
        .expect("redemptions");
    let cancel = round_trips_of(&queries, |n| {
        let (store, redemption_id) = (&store, redemptions[n].clone());
        async move {
            let name = format!("cancel-{n}");
            let mut tx = store.begin(Some(&lock(p, &name))).await.expect("claim");
            assert!(tx.idempotency_record(p, &name).await.expect("record").is_none(), "a fresh key");
            let wanted = Settle { redemption_id, to: RedemptionStatus::Cancelled, idempotency: Some(key(&name)) };
            assert!(matches!(tx.settle(p, &wanted).await.expect("cancel"), Settled::Changed(_)));
            tx.commit_with_record(p, Some(&record(&name))).await.expect("commit");
        }
    })
    .await;
    assert_eq!(cancel, 3, "claim, cancel, record with commit");

    let after = store.balance(p, &customer.id).await.expect("balance").expect("customer");
    assert_eq!(
        after.available,
        1_000 + 9 * 25 + 9 * 2 - 9 * 5,
        "nine redemptions made and cancelled; nine each of purchases, adjustments, voids"
    );
    assert!(store.verify(Some(p)).await.expect("verify").is_empty());
}
