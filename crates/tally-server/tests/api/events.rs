//! Events: exactly one per effect that committed, none for a refusal, a
//! rollback or a replay — checked against the ledger after storms of
//! duplicates, first attempts racing each other, and clients that vanish
//! mid-request.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, fire_all, spawn_app};

backend_tests!(
    every_effect_emits_one_event_and_nothing_else_does,
    vanished_clients_leave_one_event_per_effect,
    events_list_filters_and_pages,
    events_and_their_reads_refuse_bad_input,
);

/// Every event of the program, oldest first.
async fn all_events(app: &TestApp) -> Vec<Value> {
    let mut events = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(after) => format!("/api/v1/events?limit=100&starting_after={after}"),
            None => "/api/v1/events?limit=100".to_owned(),
        };
        let page = body(app.get(&path).send().await.unwrap()).await;
        let data = page["data"].as_array().unwrap().clone();
        cursor = data.last().map(|e| e["id"].as_str().unwrap().to_owned());
        events.extend(data);
        if page["has_more"] != true {
            break;
        }
    }
    events.reverse();
    events
}

fn count_by_type(events: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for event in events {
        *counts.entry(event["type"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    counts
}

/// Each customer's events are numbered 1, 2, 3, … in order, with no gap or repeat.
fn assert_sequences(events: &[Value]) {
    let mut by_customer: HashMap<String, Vec<i64>> = HashMap::new();
    for event in events {
        let customer = match event["type"].as_str().unwrap() {
            t if t.starts_with("customer.") => event["data"]["id"].as_str().unwrap().to_owned(),
            _ => event["data"]["customer_id"].as_str().unwrap().to_owned(),
        };
        by_customer.entry(customer).or_default().push(event["sequence"].as_i64().unwrap());
    }
    for (customer, mut numbers) in by_customer {
        numbers.sort_unstable();
        let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
        assert_eq!(numbers, expected, "the sequence of {customer}");
    }
}

/// The ledger's entries of one operation, across the given customers.
async fn entries(app: &TestApp, customers: &[&str], operation: &str) -> usize {
    let mut n = 0;
    for customer in customers {
        n += app.entries(customer, operation).await.len();
    }
    n
}

async fn every_effect_emits_one_event_and_nothing_else_does(backend: Backend) {
    let app = spawn_app(backend).await;
    // Ten first upserts of one customer at once: one is made, nine find it.
    let upserts =
        fire_all(10, |_| app.post("/api/v1/customers").json(&json!({"email": "ada@example.com"})).send()).await;
    assert_eq!(upserts.values().sum::<usize>(), 10, "{upserts:?}");
    let found =
        body(app.post("/api/v1/customers").json(&json!({"email": "ada@example.com"})).send().await.unwrap()).await;
    let ada = found["id"].as_str().unwrap().to_owned();
    // Found again unchanged: no event; renamed: one `customer.updated`.
    let renamed = app.post("/api/v1/customers").json(&json!({"email": "ada@example.com", "name": "Ada"})).send();
    assert_eq!(renamed.await.unwrap().status(), StatusCode::OK);
    let bob = app.create_customer("bob@example.com").await;

    // Five purchases, each sent eight times at once with its own key.
    for purchase in 0..5 {
        let key = format!("purchase-{purchase}");
        let order = json!({"customer_id": ada, "spend_amount_cents": 10_000, "currency": "EUR"});
        let outcomes =
            fire_all(8, |_| app.post("/api/v1/transactions").header("Idempotency-Key", &key).json(&order).send()).await;
        assert_eq!(outcomes.get("201/miss"), Some(&1), "{outcomes:?}");
    }
    // A receipt sent again under a new key finds the first purchase: no event.
    let receipt = json!({"customer_id": bob, "spend_amount_cents": 5_000, "currency": "EUR", "external_id": "r-1"});
    for key in ["receipt-a", "receipt-b"] {
        let response = app.post("/api/v1/transactions").header("Idempotency-Key", key).json(&receipt).send().await;
        assert!(response.unwrap().status().is_success());
    }
    // Ada has 500 points; ten redemptions of 150 race: three succeed, seven are refused.
    let reward = app.create_reward(150, None).await;
    let raced = app.race(10, "/api/v1/redemptions", json!({"customer_id": ada, "reward_id": reward})).await;
    assert_eq!(raced.get("201/miss"), Some(&3), "{raced:?}");
    assert_eq!(raced.get("422/insufficient_points"), Some(&7), "{raced:?}");
    let redemptions = body(app.get(&format!("/api/v1/customers/{ada}/redemptions")).send().await.unwrap()).await;
    let ids: Vec<String> =
        redemptions["data"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    // Fulfil one five times under one key, cancel another; cancelling the fulfilled one is refused.
    let fulfil = format!("/api/v1/redemptions/{}/fulfil", ids[0]);
    let fulfilled = fire_all(5, |_| app.post(&fulfil).header("Idempotency-Key", "fulfil-1").send()).await;
    assert_eq!(fulfilled.values().sum::<usize>(), 5, "{fulfilled:?}");
    let cancel = app.post(&format!("/api/v1/redemptions/{}/cancel", ids[1])).header("Idempotency-Key", "cancel-1");
    assert_eq!(cancel.send().await.unwrap().status(), StatusCode::OK);
    let refused = app.post(&format!("/api/v1/redemptions/{}/cancel", ids[0])).header("Idempotency-Key", "cancel-2");
    assert_eq!(refused.send().await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A void sent twice with its key, then again with a new key (refused: already voided).
    let purchases = app.entries(&ada, "earn").await;
    let txn = purchases[0]["transaction_id"].as_str().unwrap().to_owned();
    for key in ["void-1", "void-1", "void-2"] {
        app.post(&format!("/api/v1/transactions/{txn}/void")).header("Idempotency-Key", key).send().await.unwrap();
    }
    // An adjustment four times under one key; one that would go negative, refused.
    let adjust = format!("/api/v1/customers/{bob}/adjustments");
    for _ in 0..4 {
        let response =
            app.post(&adjust).header("Idempotency-Key", "adjust-1").json(&json!({"points": 7, "reason": "goodwill"}));
        assert!(response.send().await.unwrap().status().is_success());
    }
    let negative =
        app.post(&adjust).header("Idempotency-Key", "adjust-2").json(&json!({"points": -1_000, "reason": "x"}));
    assert_eq!(negative.send().await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A voucher's coupon, redeemed twice under one key and once under another (refused).
    let voucher = body(
        app.post("/api/v1/rewards")
            .json(&json!({"name": "Voucher", "cost_points": 10, "kind": "voucher"}))
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let made = body(app.redeem("voucher-1", &bob, &voucher).await).await;
    let code = made["coupon_code"].as_str().unwrap().to_owned();
    for key in ["coupon-1", "coupon-1", "coupon-2"] {
        app.post(&format!("/api/v1/coupons/{code}/redeem")).header("Idempotency-Key", key).send().await.unwrap();
    }
    // Expiry: every dated lot expires, each emitting one `points.expired`.
    app.set_program(json!({"points_expire_after_days": 30})).await;
    app.earn(&bob, 3).await;
    app.make_lots_due().await;
    tally_server::operations::expiry::run_once(app.store.as_ref()).await.unwrap();

    let events = all_events(&app).await;
    let counts = count_by_type(&events);
    let customers = [ada.as_str(), bob.as_str()];
    let expected = BTreeMap::from([
        ("customer.created".to_owned(), 2),
        ("customer.updated".to_owned(), 1),
        ("points.earned".to_owned(), entries(&app, &customers, "earn").await),
        ("points.voided".to_owned(), entries(&app, &customers, "void").await),
        ("points.adjusted".to_owned(), entries(&app, &customers, "adjustment").await),
        ("points.expired".to_owned(), entries(&app, &customers, "expire").await),
        ("redemption.created".to_owned(), entries(&app, &customers, "redeem").await),
        ("redemption.fulfilled".to_owned(), 1),
        ("redemption.cancelled".to_owned(), 1),
        ("coupon.redeemed".to_owned(), 1),
    ]);
    assert_eq!(counts, expected, "one event per effect, as the ledger counts them");
    // The ledger's own counts are what the requests made, not what they tried.
    assert_eq!(expected["points.earned"], 5 + 1 + 1);
    assert_eq!(expected["points.voided"], 1);
    assert_eq!(expected["points.adjusted"], 1);
    assert_eq!(expected["redemption.created"], 3 + 1);
    assert!(expected["points.expired"] >= 1);
    assert_sequences(&events);
    // An event carries the resource as the API answered it, and the key that made it.
    let earned = events.iter().find(|e| e["type"] == "points.earned" && e["idempotency_key"] == "purchase-0").unwrap();
    assert_eq!(earned["data"]["points"], 100);
    assert_eq!(earned["program_id"], app.program_id.as_str());
    let expired = events.iter().find(|e| e["type"] == "points.expired").unwrap();
    assert_eq!(expired["idempotency_key"], Value::Null);
    assert_eq!(expired["data"]["operation"], "expire");
    // And `GET /events/{id}` answers it byte for byte as the list did.
    let one = body(app.get(&format!("/api/v1/events/{}", earned["id"].as_str().unwrap())).send().await.unwrap()).await;
    assert_eq!(&one, earned);
    app.assert_verified().await;
}

async fn vanished_clients_leave_one_event_per_effect(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("gone@example.com").await;
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(3)).build().unwrap();
    // Each purchase: a burst of copies whose clients give up after 3 ms (most
    // vanish mid-request), then one patient retry with the same key.
    for purchase in 0..12 {
        let key = format!("vanish-{purchase}");
        let order = json!({"customer_id": customer, "spend_amount_cents": 100, "currency": "EUR"});
        let burst = (0..6).map(|_| {
            impatient
                .post(app.url("/api/v1/transactions"))
                .bearer_auth(&app.token)
                .header("Idempotency-Key", &key)
                .json(&order)
                .send()
        });
        futures::future::join_all(burst).await;
        let settled = app
            .post("/api/v1/transactions")
            .header("Idempotency-Key", &key)
            .header("Prefer", "wait=10")
            .json(&order)
            .send()
            .await
            .unwrap();
        assert!(settled.status().is_success(), "{:?}", body(settled).await);
    }
    let events = all_events(&app).await;
    let earned = events.iter().filter(|e| e["type"] == "points.earned").count();
    assert_eq!(earned, 12);
    assert_eq!(app.entries(&customer, "earn").await.len(), 12);
    assert_eq!(app.balance(&customer).await, 12);
    assert_sequences(&events);
    app.assert_verified().await;
}

async fn events_list_filters_and_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.create_customer("ada@example.com").await;
    let bob = app.create_customer("bob@example.com").await;
    app.earn(&ada, 5).await;
    app.earn(&bob, 6).await;
    app.earn(&bob, 7).await;
    let page = body(app.get("/api/v1/events?type=points.earned").send().await.unwrap()).await;
    let points: Vec<i64> =
        page["data"].as_array().unwrap().iter().map(|e| e["data"]["points"].as_i64().unwrap()).collect();
    assert_eq!(points, vec![7, 6, 5], "newest first");
    let bobs = body(app.get(&format!("/api/v1/events?customer_id={bob}")).send().await.unwrap()).await;
    let kinds: Vec<&str> = bobs["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["points.earned", "points.earned", "customer.created"]);
    let first = body(app.get("/api/v1/events?limit=2").send().await.unwrap()).await;
    assert_eq!(first["has_more"], true);
    let last = first["data"][1]["id"].as_str().unwrap();
    let rest = body(app.get(&format!("/api/v1/events?limit=10&starting_after={last}")).send().await.unwrap()).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 3);
    assert_eq!(rest["has_more"], false);
    // Another program sees none of them.
    let other = app.other_program().await;
    let theirs = body(other.get("/api/v1/events").send().await.unwrap()).await;
    assert_eq!(theirs["data"].as_array().unwrap().len(), 0);
    let id = first["data"][0]["id"].as_str().unwrap();
    assert_problem(
        other.get(&format!("/api/v1/events/{id}")).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "event_not_found",
    )
    .await;
}

async fn events_and_their_reads_refuse_bad_input(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/api/v1/events/evt_nope", "/api/v1/events/cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8"] {
        assert_problem(app.get(path).send().await.unwrap(), StatusCode::NOT_FOUND, "event_not_found").await;
    }
    let long = "x".repeat(65);
    for query in [format!("type={long}"), "customer_id=%00".to_owned(), "bogus=1".to_owned()] {
        let response = app.get(&format!("/api/v1/events?{query}")).send().await.unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
    let missing = app.post("/api/v1/events/evt_01JDQ61B2C3D4E5F6G7H8J9K0M/redeliver").send().await.unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "event_not_found").await;
}
