//! Points expiry: earned points form lots, spending takes the oldest first,
//! and a lot past its date leaves the balance exactly once, however many
//! expiry runs (on however many nodes) see it.

use std::sync::Arc;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tally_server::operations::expiry::run_once;
use tally_server::operations::jobs::Job;
use tally_store::Store;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, simultaneous_runs, spawn_app};

async fn expire(store: &dyn Store) -> u64 {
    run_once(store).await.expect("the expiry run succeeds")
}

async fn expiring_soon_counts_the_points_due_within_thirty_days(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("soon@example.com").await;
    app.earn(&customer, 40).await;
    assert_eq!(app.full_balance(&customer).await["expiring_soon"], 0, "no expiry rule yet");

    let program = app.set_program(json!({ "points_expire_after_days": 30 })).await;
    assert_eq!(program["points_expire_after_days"], 30);
    app.earn(&customer, 100).await;
    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["available"], 140);
    assert_eq!(balance["expiring_soon"], 100, "30 days is within the 30-day window");

    app.set_program(json!({ "points_expire_after_days": 365 })).await;
    app.earn(&customer, 50).await;
    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["available"], 190);
    assert_eq!(balance["expiring_soon"], 100, "a year away is not soon");
    let fresh = app.create_customer("later@example.com").await;
    app.earn(&fresh, 70).await;
    assert_eq!(app.full_balance(&fresh).await["expiring_soon"], 0);

    let program = app.set_program(json!({ "points_expire_after_days": null })).await;
    assert_eq!(program["points_expire_after_days"], Value::Null);
    app.earn(&customer, 5).await;
    assert_eq!(app.full_balance(&customer).await["expiring_soon"], 100);

    // Spending takes the oldest lot first: the 40 that never expire, then 20 of the 100.
    let reward = app.create_reward(60, None).await;
    app.redeemed(&customer, &reward).await;
    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["available"], 135);
    assert_eq!(balance["expiring_soon"], 80);

    // Nothing is due yet.
    assert_eq!(expire(app.store.as_ref()).await, 0);
    assert_eq!(app.balance(&customer).await, 135);
    assert!(app.entries(&customer, "expire").await.is_empty());
    app.assert_verified().await;
}

async fn out_of_range_expiry_settings_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.get("/api/v1/program").send().await.unwrap().text().await.unwrap();
    for days in [0, -1, 3651] {
        let response = app.patch("/api/v1/program").json(&json!({ "points_expire_after_days": days })).send().await;
        assert_problem(response.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    }
    for payload in [json!({ "points_expire_after_days": "30" }), json!({ "points_expire_after_days": 1.5 })] {
        let response = app.patch("/api/v1/program").json(&payload).send().await.unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    let response = app.patch("/api/v1/program").json(&json!({ "void_policy": "negative" })).send().await.unwrap();
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    assert_eq!(app.get("/api/v1/program").send().await.unwrap().text().await.unwrap(), before);
}

async fn due_lots_expire_oldest_first_and_only_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_program(json!({ "points_expire_after_days": 30 })).await;
    let customer = app.create_customer("fifo@example.com").await;
    app.earn(&customer, 100).await; // lot 1
    app.earn(&customer, 50).await; // lot 2
    let reward = app.create_reward(80, None).await;
    app.redeemed(&customer, &reward).await;
    // Oldest first: lot 1 keeps 20, lot 2 all its 50.
    assert_eq!(app.full_balance(&customer).await["expiring_soon"], 70);

    // A program without expiry is never touched.
    let other = app.other_program().await;
    let keeper = other.create_customer("keeper@example.com").await;
    other.earn(&keeper, 30).await;

    assert_eq!(app.make_oldest_lot_due(&customer).await, 1);
    assert_eq!(expire(app.store.as_ref()).await, 1);
    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["available"], 50, "only what lot 1 still held expired");
    assert_eq!(balance["expiring_soon"], 50);
    assert_eq!(balance["lifetime_earned"], 150);
    let ledger = app.ledger(&customer).await;
    assert_eq!(ledger[0]["operation"], "expire");
    assert_eq!(ledger[0]["points"], -20);
    assert_eq!(ledger[0]["balance_after"], 50);
    assert_eq!(ledger[0]["transaction_id"], Value::Null);
    assert_eq!(ledger[0]["redemption_id"], Value::Null);
    assert_eq!(expire(app.store.as_ref()).await, 0, "a lot expires once");
    assert_eq!(app.balance(&customer).await, 50);
    app.assert_verified().await;

    app.make_lots_due().await;
    assert_eq!(expire(app.store.as_ref()).await, 1, "lot 1 is empty now; only lot 2 is left");
    assert_eq!(app.balance(&customer).await, 0);
    let expired = app.entries(&customer, "expire").await;
    assert_eq!(expired.len(), 2);
    assert_eq!(expired[0]["points"], -50);
    assert_eq!(expired[0]["balance_after"], 0);
    assert_eq!(expire(app.store.as_ref()).await, 0);
    assert_eq!(app.entries(&customer, "expire").await.len(), 2);
    assert_eq!(app.full_balance(&customer).await["expiring_soon"], 0);

    let broke = app.redeem("after-expiry", &customer, &reward).await;
    assert_problem(broke, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;
    assert_eq!(other.balance(&keeper).await, 30);
    assert!(other.entries(&keeper, "expire").await.is_empty());

    // New points start a new lot with its own date.
    app.earn(&customer, 10).await;
    assert_eq!(expire(app.store.as_ref()).await, 0);
    assert_eq!(app.balance(&customer).await, 10);
    app.assert_verified().await;
    other.assert_verified().await;
}

async fn spent_points_never_expire(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_program(json!({ "points_expire_after_days": 30 })).await;
    let customer = app.create_customer("spent@example.com").await;
    app.earn(&customer, 100).await;
    let reward = app.create_reward(100, None).await;
    let redemption = app.redeemed(&customer, &reward).await;
    app.make_lots_due().await;
    assert_eq!(expire(app.store.as_ref()).await, 0);
    assert!(app.entries(&customer, "expire").await.is_empty());

    // A cancel refunds the points into a new lot; the old, due one stays empty.
    let id = redemption["id"].as_str().unwrap();
    let cancelled = app.post(&format!("/api/v1/redemptions/{id}/cancel")).json(&json!({})).send().await.unwrap();
    assert_eq!(cancelled.status(), StatusCode::OK);
    assert_eq!(app.balance(&customer).await, 100);
    assert_eq!(expire(app.store.as_ref()).await, 0);
    assert_eq!(app.balance(&customer).await, 100);
    app.assert_verified().await;
}

/// Customers with two due lots each (10 and 5 points); every third one has
/// already spent 12, which empties lot 1 and leaves 3 in lot 2. Returns the
/// customers with their number of non-empty lots and the total.
async fn customers_with_due_lots(app: &TestApp, count: usize) -> (Vec<(String, usize)>, u64) {
    app.set_program(json!({ "points_expire_after_days": 30 })).await;
    let reward = app.create_reward(12, None).await;
    let mut customers = Vec::new();
    let mut lots = 0;
    for i in 0..count {
        let customer = app.create_customer(&format!("due-{i}@example.com")).await;
        app.earn(&customer, 10).await;
        app.earn(&customer, 5).await;
        let live = if i % 3 == 0 {
            app.redeemed(&customer, &reward).await;
            1
        } else {
            2
        };
        lots += live as u64;
        customers.push((customer, live));
    }
    app.make_lots_due().await;
    (customers, lots)
}

async fn assert_each_lot_expired_once(app: &TestApp, customers: &[(String, usize)]) {
    for (i, (customer, live)) in customers.iter().enumerate() {
        assert_eq!(app.balance(customer).await, 0, "{customer}");
        let expired = app.entries(customer, "expire").await;
        assert_eq!(expired.len(), *live, "{customer}: {expired:?}");
        let total: i64 = expired.iter().map(|e| e["points"].as_i64().unwrap()).sum();
        assert_eq!(total, if i % 3 == 0 { -3 } else { -15 }, "{customer}");
    }
    assert!(app.store.due_lots(1000).await.unwrap().is_empty());
    app.assert_verified().await;
}

async fn simultaneous_expiry_runs_expire_each_lot_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customers, lots) = customers_with_due_lots(&app, 15).await;

    let store = app.store.clone();
    assert_eq!(simultaneous_runs(&[store.clone(), store], 1, Job::Expiry).await, lots);
    assert_eq!(expire(app.store.as_ref()).await, 0);
    assert_each_lot_expired_once(&app, &customers).await;
}

/// Spending and expiry racing for the same lots: each point leaves once,
/// either spent or expired.
async fn spending_while_lots_expire_counts_each_point_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_program(json!({ "points_expire_after_days": 30 })).await;
    let reward = app.create_reward(7, None).await;
    let mut customers = Vec::new();
    for i in 0..10 {
        let customer = app.create_customer(&format!("spend-race-{i}@example.com")).await;
        app.earn(&customer, 10).await;
        app.earn(&customer, 5).await;
        customers.push(customer);
    }
    app.make_lots_due().await;

    let expiry = {
        let store = app.store.clone();
        tokio::spawn(async move { run_once(store.as_ref()).await.unwrap() })
    };
    let keys: Vec<String> = customers.iter().map(|customer| format!("spend-{customer}")).collect();
    let spends = customers.iter().zip(&keys).map(|(customer, key)| app.redeem(key, customer, &reward));
    let spent = join_all(spends).await;
    expiry.await.unwrap();
    expire(app.store.as_ref()).await;

    for (customer, response) in customers.iter().zip(spent) {
        let status = response.status();
        assert!(status == StatusCode::CREATED || status == StatusCode::UNPROCESSABLE_ENTITY, "{customer}: {status}");
        let redeemed: i64 = app.entries(customer, "redeem").await.iter().map(|e| e["points"].as_i64().unwrap()).sum();
        let expired: i64 = app.entries(customer, "expire").await.iter().map(|e| e["points"].as_i64().unwrap()).sum();
        assert_eq!(redeemed, if status == StatusCode::CREATED { -7 } else { 0 }, "{customer}");
        assert_eq!(redeemed + expired, -15, "{customer}: every point leaves once");
        assert_eq!(app.balance(customer).await, 0, "{customer}");
    }
    app.assert_verified().await;
}

/// Two server instances, each with its own pool, run expiry on one PostgreSQL
/// database at the same time: every lot expires exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_nodes_expire_each_lot_once() {
    let app = spawn_app(Backend::Postgres).await;
    let url = app.database_url.clone().unwrap();
    let second: Arc<dyn Store> = Arc::new(tally_store_postgres::PgStore::connect(&url, 8).await.unwrap());
    let (customers, lots) = customers_with_due_lots(&app, 40).await;

    let expired = simultaneous_runs(&[app.store.clone(), second], 3, Job::Expiry).await;
    assert_eq!(expired, lots, "each lot taken by exactly one run");
    assert_each_lot_expired_once(&app, &customers).await;
}

backend_tests!(
    expiring_soon_counts_the_points_due_within_thirty_days,
    out_of_range_expiry_settings_are_refused,
    due_lots_expire_oldest_first_and_only_once,
    spent_points_never_expire,
    simultaneous_expiry_runs_expire_each_lot_once,
    spending_while_lots_expire_counts_each_point_once,
);
