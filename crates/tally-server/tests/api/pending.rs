//! Pending points: with `points_pending_days`, a purchase's points wait out a
//! holding period before they can be spent; a void within it takes them back
//! first; the release job makes them available exactly once, however many
//! runs (on however many nodes, cancelled or not) see them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tally_server::operations::jobs::Job;
use tally_server::operations::release::run_once;
use tally_store::Store;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, cancelled_runs, simultaneous_runs, spawn_app};

backend_tests!(
    a_held_purchase_is_pending_then_released_once,
    voids_in_the_holding_period_take_the_pending_points_first,
    a_void_after_the_release_debits_the_balance,
    pending_settings_are_checked_and_apply_to_later_purchases,
    simultaneous_release_runs_release_each_purchase_once,
    cancelled_release_runs_leave_the_rest_for_the_next,
);

async fn release(store: &dyn Store) -> u64 {
    run_once(store).await.expect("the release run succeeds")
}

async fn a_held_purchase_is_pending_then_released_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let program = app.set_program(json!({ "points_pending_days": 14, "points_expire_after_days": 30 })).await;
    assert_eq!(program["points_pending_days"], 14);
    let customer = app.create_customer("held@example.com").await;
    let before = Utc::now();
    let txn = app.purchase(&customer, 2500, None).await;
    assert_eq!(txn["points"], 25, "the purchase says what it earned");

    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["available"], 0, "{balance}");
    assert_eq!(balance["pending_earned"], 25);
    assert_eq!(balance["pending"], 0, "`pending` stays the points held by pending redemptions");
    assert_eq!(balance["lifetime_earned"], 0, "lifetime_earned counts points once they are available");
    assert_eq!(balance["expiring_soon"], 0, "pending points do not expire; their expiry counts from release");
    assert_eq!(balance["next_release"]["points"], 25);
    let at: DateTime<Utc> = balance["next_release"]["at"].as_str().unwrap().parse().unwrap();
    let days = (at - before).num_seconds() as f64 / 86_400.0;
    assert!((13.99..14.01).contains(&days), "released 14 days after the purchase: {at}");
    let earned = app.entries(&customer, "earn").await;
    assert_eq!((earned[0]["points"].clone(), earned[0]["pending_points"].clone()), (json!(0), json!(25)));
    assert_eq!(earned[0]["balance_after"], 0);

    // Pending points cannot be spent.
    let reward = app.create_reward(10, None).await;
    let refused = app.redeem("too-early", &customer, &reward).await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;
    assert_eq!(release(app.store.as_ref()).await, 0, "nothing is due within the period");
    app.assert_verified().await;

    assert_eq!(app.make_holds_due().await, 1);
    assert_eq!(release(app.store.as_ref()).await, 1);
    let balance = app.full_balance(&customer).await;
    assert_eq!((balance["available"].clone(), balance["pending_earned"].clone()), (json!(25), json!(0)), "{balance}");
    assert_eq!(balance["next_release"], Value::Null);
    assert_eq!(balance["lifetime_earned"], 25);
    assert_eq!(balance["expiring_soon"], 25, "a 30-day expiry, counted from the release");
    let released = app.entries(&customer, "release").await;
    assert_eq!(released.len(), 1, "{released:?}");
    assert_eq!(released[0]["points"], 25);
    assert_eq!(released[0]["pending_points"], -25);
    assert_eq!(released[0]["balance_after"], 25);
    assert_eq!(released[0]["transaction_id"], txn["id"]);
    assert_eq!(release(app.store.as_ref()).await, 0, "a purchase is released once");
    assert_eq!(app.entries(&customer, "release").await.len(), 1);

    // One `points.released` event, carrying the ledger entry.
    let events = body(app.get("/api/v1/events?type=points.released").send().await.unwrap()).await;
    let events = events["data"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["data"]["customer_id"], customer.as_str());
    assert_eq!(events[0]["idempotency_key"], Value::Null, "a job's effect has no key");
    assert_eq!(events[0]["data"], released[0]);

    app.redeemed(&customer, &reward).await;
    assert_eq!(app.balance(&customer).await, 15);
    app.assert_verified().await;
}

async fn voids_in_the_holding_period_take_the_pending_points_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("void-held@example.com").await;
    app.earn(&customer, 100).await; // available at once: no holding period yet
    app.set_program(json!({ "points_pending_days": 7 })).await;
    let txn = app.purchase(&customer, 5000, None).await;
    let id = txn["id"].as_str().unwrap();
    assert_eq!(app.full_balance(&customer).await["pending_earned"], 50);

    // 40 % of the spend: 20 points, all of them still pending.
    let voided = body(app.void(id, Some("void-part"), json!({ "amount_cents": 2000 })).await).await;
    assert_eq!(voided["voided_points"], 20, "{voided}");
    let balance = app.full_balance(&customer).await;
    assert_eq!((balance["available"].clone(), balance["pending_earned"].clone()), (json!(100), json!(30)));
    assert_eq!(balance["next_release"]["points"], 30);
    let entry = &app.entries(&customer, "void").await[0];
    assert_eq!((entry["points"].clone(), entry["pending_points"].clone()), (json!(0), json!(-20)), "{entry}");
    assert_eq!(entry["balance_after"], 100);

    // The customer spends all 100 available: a void of pending points needs none of them.
    let reward = app.create_reward(100, None).await;
    app.redeemed(&customer, &reward).await;
    let rest = app.void(id, Some("void-rest"), json!({})).await;
    assert_eq!(rest.status(), StatusCode::OK, "the pending points pay for the void, not the balance");
    let balance = app.full_balance(&customer).await;
    assert_eq!((balance["available"].clone(), balance["pending_earned"].clone()), (json!(0), json!(0)));
    assert_eq!(balance["next_release"], Value::Null);
    // The replay answers as the first void did and takes nothing more.
    let replay = app.void(id, Some("void-rest"), json!({})).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(app.full_balance(&customer).await["pending_earned"], 0);

    // An emptied lot is never released.
    app.make_holds_due().await;
    assert_eq!(release(app.store.as_ref()).await, 0);
    assert!(app.entries(&customer, "release").await.is_empty());
    app.assert_verified().await;
}

async fn a_void_after_the_release_debits_the_balance(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_program(json!({ "points_pending_days": 30 })).await;
    let customer = app.create_customer("void-late@example.com").await;
    let txn = app.purchase(&customer, 4000, None).await;
    let id = txn["id"].as_str().unwrap();
    let part = app.void(id, Some("while-pending"), json!({ "amount_cents": 1000 })).await; // 10 of 40
    assert_eq!(part.status(), StatusCode::OK);
    app.make_holds_due().await;
    assert_eq!(release(app.store.as_ref()).await, 1);
    let released = app.entries(&customer, "release").await;
    assert_eq!(released[0]["points"], 30, "only what the void left is released");
    assert_eq!(app.balance(&customer).await, 30);

    // After the release, a void is a debit like any other: refused once spent.
    let reward = app.create_reward(25, None).await;
    app.redeemed(&customer, &reward).await;
    let refused = app.void(id, Some("too-late"), json!({})).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;
    assert!(problem["detail"].as_str().unwrap().contains("30"), "{problem}");
    let cancelled = app.post(&format!("/api/v1/redemptions/{}/cancel", only_redemption(&app, &customer).await));
    assert_eq!(cancelled.json(&json!({})).send().await.unwrap().status(), StatusCode::OK);
    let voided = body(app.void(id, Some("in-time"), json!({})).await).await;
    assert_eq!(voided["status"], "voided");
    let balance = app.full_balance(&customer).await;
    assert_eq!((balance["available"].clone(), balance["pending_earned"].clone()), (json!(0), json!(0)));
    let last = &app.entries(&customer, "void").await[0];
    assert_eq!((last["points"].clone(), last["pending_points"].clone()), (json!(-30), json!(0)), "{last}");
    app.assert_verified().await;
}

/// The customer's one redemption.
async fn only_redemption(app: &TestApp, customer: &str) -> String {
    let list = body(app.get(&format!("/api/v1/customers/{customer}/redemptions")).send().await.unwrap()).await;
    list["data"][0]["id"].as_str().unwrap().to_owned()
}

async fn pending_settings_are_checked_and_apply_to_later_purchases(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(body(app.get("/api/v1/program").send().await.unwrap()).await["points_pending_days"], 0);
    let before = app.get("/api/v1/program").send().await.unwrap().text().await.unwrap();
    for days in [-1, 366] {
        let response = app.patch("/api/v1/program").json(&json!({ "points_pending_days": days })).send().await;
        assert_problem(response.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    }
    for payload in [json!({ "points_pending_days": "7" }), json!({ "points_pending_days": 1.5 })] {
        let response = app.patch("/api/v1/program").json(&payload).send().await.unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    assert_eq!(app.get("/api/v1/program").send().await.unwrap().text().await.unwrap(), before);

    let customer = app.create_customer("settings@example.com").await;
    app.purchase(&customer, 1000, None).await;
    assert_eq!(app.balance(&customer).await, 10, "no holding period: available at once");
    app.set_program(json!({ "points_pending_days": 365 })).await;
    app.purchase(&customer, 2000, None).await;
    app.set_program(json!({ "points_pending_days": 0 })).await;
    app.purchase(&customer, 500, Some(7)).await;
    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["available"], 17, "points earned before and after the period was set are available");
    assert_eq!(balance["pending_earned"], 20, "turning the period off does not release what is held");
    app.assert_verified().await;
}

/// Customers with one or two held purchases each, all due.
async fn customers_with_due_holds(app: &TestApp, count: usize) -> (Vec<String>, u64) {
    app.set_program(json!({ "points_pending_days": 10 })).await;
    let mut customers = Vec::new();
    let mut holds = 0;
    for i in 0..count {
        let customer = app.create_customer(&format!("hold-{i}@example.com")).await;
        app.purchase(&customer, 1000, None).await;
        holds += 1;
        if i % 2 == 0 {
            app.purchase(&customer, 500, None).await;
            holds += 1;
        }
        customers.push(customer);
    }
    assert_eq!(app.make_holds_due().await, holds);
    (customers, holds)
}

async fn assert_each_hold_released_once(app: &TestApp, customers: &[String]) {
    for (i, customer) in customers.iter().enumerate() {
        let released = app.entries(customer, "release").await;
        assert_eq!(released.len(), if i % 2 == 0 { 2 } else { 1 }, "{customer}: {released:?}");
        let balance = app.full_balance(customer).await;
        assert_eq!(balance["available"], if i % 2 == 0 { 15 } else { 10 }, "{customer}");
        assert_eq!(balance["pending_earned"], 0, "{customer}");
    }
    assert!(app.store.due_releases(1000).await.unwrap().is_empty());
    let events = body(app.get("/api/v1/events?type=points.released&limit=100").send().await.unwrap()).await;
    let released: usize = customers.iter().enumerate().map(|(i, _)| if i % 2 == 0 { 2 } else { 1 }).sum();
    assert_eq!(events["data"].as_array().unwrap().len(), released, "one event per release");
    app.assert_verified().await;
}

async fn simultaneous_release_runs_release_each_purchase_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customers, holds) = customers_with_due_holds(&app, 15).await;
    let store = app.store.clone();
    assert_eq!(simultaneous_runs(&[store.clone(), store], 1, Job::Release).await, holds);
    assert_eq!(release(app.store.as_ref()).await, 0);
    assert_each_hold_released_once(&app, &customers).await;
}

/// Runs dropped a few milliseconds in (a node stopping, a deploy) release
/// some purchases whole and leave the rest whole: the next run finds exactly
/// what they did not do.
async fn cancelled_release_runs_leave_the_rest_for_the_next(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customers, holds) = customers_with_due_holds(&app, 30).await;
    cancelled_runs(&app.store, Job::Release).await;
    // A dropped run's last commit may still land after this count (its
    // outcome was unknown to the run), so the next run finds at most as many.
    let left = app.store.due_releases(1000).await.unwrap().len() as u64;
    assert!(left <= holds);
    assert!(release(app.store.as_ref()).await <= left, "the last run releases only what was left");
    assert_each_hold_released_once(&app, &customers).await;
}

/// Two server instances, each with its own pool, run the release job on one
/// PostgreSQL database at the same time: every purchase is released once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_nodes_release_each_purchase_once() {
    let app = spawn_app(Backend::Postgres).await;
    let url = app.database_url.clone().unwrap();
    let second: Arc<dyn Store> = Arc::new(tally_store_postgres::PgStore::connect(&url, 8).await.unwrap());
    let (customers, holds) = customers_with_due_holds(&app, 40).await;
    let released = simultaneous_runs(&[app.store.clone(), second], 3, Job::Release).await;
    assert_eq!(released, holds, "each purchase taken by exactly one run");
    assert_each_hold_released_once(&app, &customers).await;
}
