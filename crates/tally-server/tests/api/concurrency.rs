//! Exactly-once under simultaneous requests: fire many at once, then check the ledger.

use std::sync::Arc;

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, fire_all, serve, spawn_app};

fn redeem_request(app: &TestApp, base: &str, key: String, customer: &str, reward: &str) -> reqwest::RequestBuilder {
    app.client
        .post(format!("{base}/api/v1/redemptions"))
        .bearer_auth(&app.token)
        .header("Idempotency-Key", key)
        .json(&json!({ "customer_id": customer, "reward_id": reward }))
}

async fn fifty_identical_requests_execute_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("race@example.com").await;
    app.earn(&customer, 10_000).await;
    let reward = app.create_reward(100, Some(100)).await;

    let outcomes =
        fire_all(50, |_| redeem_request(&app, &app.address, "same-key".into(), &customer, &reward).send()).await;
    let total: usize = outcomes.values().sum();
    assert_eq!(total, 50);
    assert_eq!(outcomes.get("201/miss"), Some(&1), "exactly one executes: {outcomes:?}");
    for outcome in outcomes.keys() {
        assert!(["201/miss", "201/hit", "409/idempotency_key_in_use"].contains(&outcome.as_str()), "{outcomes:?}");
    }
    assert_eq!(app.balance(&customer).await, 9_900);
    let redeems: Vec<_> = app.ledger(&customer).await.into_iter().filter(|e| e["operation"] == "redeem").collect();
    assert_eq!(redeems.len(), 1);
    assert_eq!(app.reward(&reward).await["stock"], 99);
    app.assert_verified().await;
}

async fn two_hundred_keys_race_for_ten_in_stock(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("stock@example.com").await;
    app.earn(&customer, 100_000).await;
    let reward = app.create_reward(100, Some(10)).await;

    let outcomes =
        fire_all(200, |i| redeem_request(&app, &app.address, format!("stock-{i}"), &customer, &reward).send()).await;
    assert_eq!(outcomes.get("201/miss"), Some(&10), "{outcomes:?}");
    assert_eq!(outcomes.get("422/out_of_stock"), Some(&190), "{outcomes:?}");
    assert_eq!(app.reward(&reward).await["stock"], 0);
    assert_eq!(app.balance(&customer).await, 100_000 - 10 * 100);
    app.assert_verified().await;
}

async fn a_balance_never_goes_below_zero(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("broke@example.com").await;
    app.earn(&customer, 500).await;
    let reward = app.create_reward(100, None).await;

    let outcomes =
        fire_all(30, |i| redeem_request(&app, &app.address, format!("spend-{i}"), &customer, &reward).send()).await;
    assert_eq!(outcomes.get("201/miss"), Some(&5), "{outcomes:?}");
    assert_eq!(outcomes.get("422/insufficient_points"), Some(&25), "{outcomes:?}");
    assert_eq!(app.balance(&customer).await, 0);
    app.assert_verified().await;
}

async fn simultaneous_purchases_with_one_receipt_credit_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("receipt@example.com").await;
    let outcomes = app
        .race(
            20,
            "/api/v1/transactions",
            json!({ "customer_id": customer, "spend_amount_cents": 2500, "currency": "EUR", "external_id": "POS-42" }),
        )
        .await;
    assert_eq!(outcomes.get("201/miss"), Some(&1), "{outcomes:?}");
    assert_eq!(outcomes.get("200/miss"), Some(&19), "{outcomes:?}");
    assert_eq!(app.balance(&customer).await, 25);
    app.assert_verified().await;
}

/// Two `tally` server instances, each with its own connection pool, on one
/// PostgreSQL database: the key's lock is the database's, so one effect.
async fn two_nodes_on_one_database_execute_once() {
    let app = spawn_app(Backend::Postgres).await;
    let url = app.database_url.clone().unwrap();
    let second_store = tally_store_postgres::PgStore::connect(&url, 8).await.unwrap();
    let second_node = serve(Arc::new(second_store)).await;
    let customer = app.create_customer("nodes@example.com").await;
    app.earn(&customer, 10_000).await;
    let reward = app.create_reward(100, None).await;

    let nodes = [app.address.clone(), second_node];
    let outcomes =
        fire_all(50, |i| redeem_request(&app, &nodes[i % 2], "cross-node".into(), &customer, &reward).send()).await;
    assert_eq!(outcomes.get("201/miss"), Some(&1), "{outcomes:?}");
    assert_eq!(app.balance(&customer).await, 9_900);
    app.assert_verified().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_nodes_on_one_database_execute_once() {
    two_nodes_on_one_database_execute_once().await
}

backend_tests!(
    fifty_identical_requests_execute_once,
    two_hundred_keys_race_for_ten_in_stock,
    a_balance_never_goes_below_zero,
    simultaneous_purchases_with_one_receipt_credit_once,
);
