//! Tiers: qualifying points lift a customer in the purchase's transaction,
//! purchases earn at the multiplier of the tier held when they are recorded
//! (kept through replays and later changes), and the tier review moves a
//! customer down once their points leave the period — once per customer,
//! however many runs (on however many nodes, cancelled or not) see them.

use std::sync::Arc;

use chrono::{Datelike, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tally_server::operations::jobs::Job;
use tally_server::operations::tier_review::run_once;
use tally_store::Store;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, cancelled_runs, header, simultaneous_runs, spawn_app};

backend_tests!(
    tier_settings_are_checked,
    a_purchase_lifts_the_tier_and_later_purchases_earn_more,
    the_multiplier_stays_with_the_purchase_through_replays,
    qualifying_adjustments_count_and_others_do_not,
    the_review_moves_a_customer_down_once_points_leave_the_period,
    a_calendar_year_starts_again_in_january,
    a_void_lowers_the_tier_at_the_next_review,
    simultaneous_reviews_change_each_customer_once,
    cancelled_reviews_leave_the_rest_for_the_next,
    tier_history_pages_and_refuses_unknown_customers,
    qualifying_points_past_the_points_range_hold_at_the_limit,
);

fn silver_and_gold() -> Value {
    json!({ "tiers": [
        { "name": "Silver", "threshold_points": 100, "earn_multiplier_percent": 125 },
        { "name": "Gold", "threshold_points": 300, "earn_multiplier_percent": 150 },
    ] })
}

async fn review(store: &dyn Store) -> u64 {
    run_once(store).await.expect("the tier review succeeds")
}

async fn customer(app: &TestApp, id: &str) -> Value {
    let response = app.get(&format!("/api/v1/customers/{id}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

async fn history(app: &TestApp, id: &str) -> Vec<Value> {
    let response = app.get(&format!("/api/v1/customers/{id}/tier-history")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await["data"].as_array().unwrap().clone()
}

async fn keyed_purchase(app: &TestApp, key: &str, customer_id: &str, cents: i64) -> reqwest::Response {
    app.post("/api/v1/transactions")
        .header("Idempotency-Key", key)
        .json(&json!({ "customer_id": customer_id, "spend_amount_cents": cents, "currency": "EUR" }))
        .send()
        .await
        .unwrap()
}

async fn tier_settings_are_checked(backend: Backend) {
    let app = spawn_app(backend).await;
    let program = body(app.get("/api/v1/program").send().await.unwrap()).await;
    assert_eq!((program["tiers"].clone(), program["tier_period"].clone()), (json!([]), json!("rolling_365_days")));
    let before = app.get("/api/v1/program").send().await.unwrap().text().await.unwrap();
    let tier = |name: &str, threshold: i64, multiplier: i64| json!({ "name": name, "threshold_points": threshold, "earn_multiplier_percent": multiplier });
    let refused = [
        json!([tier("Silver", 100, 125), tier("Gold", 100, 150)]),
        json!([tier("Gold", 300, 150), tier("Silver", 100, 125)]),
        json!([tier("Silver", 100, 125), tier(" Silver ", 200, 150)]),
        json!([tier("", 100, 125)]),
        json!([tier(&"x".repeat(51), 100, 125)]),
        json!([tier("Zero", 0, 125)]),
        json!([tier("Less", 100, 99)]),
        json!([tier("Much", 100, 1001)]),
        json!((1..=11).map(|n| tier(&format!("T{n}"), n * 10, 100)).collect::<Vec<_>>()),
    ];
    for tiers in refused {
        let response = app.patch("/api/v1/program").json(&json!({ "tiers": tiers })).send().await.unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    }
    for payload in [
        json!({ "tiers": [{ "name": "Silver", "threshold_points": 100 }] }),
        json!({ "tiers": [{ "name": "Silver", "threshold_points": 100, "earn_multiplier_percent": 125, "x": 1 }] }),
        json!({ "tiers": "Silver" }),
        json!({ "tier_period": "monthly" }),
    ] {
        let response = app.patch("/api/v1/program").json(&payload).send().await.unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    assert_eq!(app.get("/api/v1/program").send().await.unwrap().text().await.unwrap(), before);

    let c = app.create_customer("plain@example.com").await;
    assert_eq!(customer(&app, &c).await["tier"], Value::Null, "no tiers: no tier");
    assert_eq!(app.full_balance(&c).await["tier"], Value::Null);
    let program =
        app.set_program(json!({ "tiers": [tier(" Silver ", 100, 125)], "tier_period": "calendar_year" })).await;
    assert_eq!(program["tiers"], json!([tier("Silver", 100, 125)]), "names are kept trimmed");
    assert_eq!(program["tier_period"], "calendar_year");
    let shown = customer(&app, &c).await["tier"].clone();
    let expected = json!({ "name": null, "since": null, "qualifying_points": 0,
                           "next": { "name": "Silver", "points_needed": 100 } });
    assert_eq!(shown, expected);
    assert_eq!(app.full_balance(&c).await["tier"], expected);
    assert_eq!(app.set_program(json!({ "tiers": [] })).await["tiers"], json!([]));
    assert_eq!(customer(&app, &c).await["tier"], Value::Null);
}

async fn a_purchase_lifts_the_tier_and_later_purchases_earn_more(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_program(silver_and_gold()).await;
    let c = app.create_customer("climber@example.com").await;
    let first = app.purchase(&c, 8000, None).await;
    assert_eq!((first["points"].clone(), first["tier"].clone()), (json!(80), Value::Null));
    assert_eq!(first["earn_multiplier_percent"], 100);
    let tier = customer(&app, &c).await["tier"].clone();
    assert_eq!(tier["qualifying_points"], 80);
    assert_eq!(tier["next"], json!({ "name": "Silver", "points_needed": 20 }));
    assert!(history(&app, &c).await.is_empty());

    // This purchase reaches Silver; it earned at the tier held when it was recorded (none).
    let response = keyed_purchase(&app, "reaches-silver", &c, 3000).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let second = body(response).await;
    assert_eq!((second["points"].clone(), second["tier"].clone()), (json!(30), Value::Null));
    let changes = history(&app, &c).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["from_tier"], Value::Null);
    assert_eq!(changes[0]["to_tier"], "Silver");
    assert_eq!(changes[0]["reason"], "upgrade");
    assert_eq!(changes[0]["qualifying_points"], 110);
    assert_eq!(changes[0]["transaction_id"], second["id"]);
    let tier = customer(&app, &c).await["tier"].clone();
    assert_eq!(tier["name"], "Silver");
    assert!(tier["since"].is_string(), "{tier}");
    assert_eq!(tier["qualifying_points"], 110);
    assert_eq!(tier["next"], json!({ "name": "Gold", "points_needed": 190 }));
    assert_eq!(app.full_balance(&c).await["tier"], tier);

    // One `tier.changed` event with the change, carrying the purchase's key.
    let events = body(app.get("/api/v1/events?type=tier.changed").send().await.unwrap()).await;
    let events = events["data"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["data"], changes[0]);
    assert_eq!(events[0]["idempotency_key"], "reaches-silver");

    // At Silver a purchase earns 125 %: floor(40 × 1.25) = 50.
    let third = app.purchase(&c, 4000, None).await;
    assert_eq!((third["points"].clone(), third["tier"].clone()), (json!(50), json!("Silver")));
    assert_eq!(third["earn_multiplier_percent"], 125);
    // Points given by the client are taken as they are.
    let given = app.purchase(&c, 1000, Some(7)).await;
    assert_eq!((given["points"].clone(), given["earn_multiplier_percent"].clone()), (json!(7), json!(100)));
    // 200 × 1.25 = 250 more: 417 qualifying reaches Gold, one change, named by its purchase.
    let fifth = app.purchase(&c, 20_000, None).await;
    assert_eq!(fifth["points"], 250);
    let changes = history(&app, &c).await;
    assert_eq!(changes.len(), 2);
    assert_eq!((changes[0]["from_tier"].clone(), changes[0]["to_tier"].clone()), (json!("Silver"), json!("Gold")));
    assert_eq!(changes[0]["qualifying_points"], 80 + 30 + 50 + 7 + 250);
    assert_eq!(customer(&app, &c).await["tier"]["next"], Value::Null, "Gold is the top");
    assert_eq!(app.balance(&c).await, 80 + 30 + 50 + 7 + 250);
    app.assert_verified().await;
}

async fn the_multiplier_stays_with_the_purchase_through_replays(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_program(silver_and_gold()).await;
    let c = app.create_customer("replayed@example.com").await;
    app.purchase(&c, 10_000, None).await; // Silver
    let response = keyed_purchase(&app, "at-silver", &c, 4000).await;
    let first = response.bytes().await.unwrap();
    let made: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(made["points"], 50);

    // The tier and the program change between the first send and its retries.
    app.purchase(&c, 20_000, None).await; // Gold
    assert_eq!(customer(&app, &c).await["tier"]["name"], "Gold");
    app.set_program(json!({ "tiers": [
        { "name": "Silver", "threshold_points": 100, "earn_multiplier_percent": 300 },
        { "name": "Gold", "threshold_points": 300, "earn_multiplier_percent": 400 },
    ] }))
    .await;
    let replay = keyed_purchase(&app, "at-silver", &c, 4000).await;
    assert_eq!(header(&replay, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(replay.bytes().await.unwrap(), first, "the stored answer, byte for byte");
    // After the stored answer expired, the key still finds its purchase: as it was made.
    app.expire_idempotency_records().await;
    let late = keyed_purchase(&app, "at-silver", &c, 4000).await;
    assert_eq!(late.status(), StatusCode::OK);
    let late = body(late).await;
    assert_eq!((late["id"].clone(), late["points"].clone()), (made["id"].clone(), json!(50)));
    assert_eq!(late["earn_multiplier_percent"], 125);
    let earned = app.entries(&c, "earn").await;
    assert_eq!(earned.len(), 3, "one purchase per key: {earned:?}");
    // The next new purchase earns at the new rate of the tier now held.
    assert_eq!(app.purchase(&c, 1000, None).await["points"], 40);
    app.assert_verified().await;
}

async fn qualifying_adjustments_count_and_others_do_not(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_program(silver_and_gold()).await;
    let c = app.create_customer("adjusted@example.com").await;
    let adjust = |key: &'static str, payload: Value| {
        app.post(&format!("/api/v1/customers/{c}/adjustments")).header("Idempotency-Key", key).json(&payload).send()
    };
    let plain = adjust("plain", json!({ "points": 500, "reason": "migration" })).await.unwrap();
    assert_eq!(plain.status(), StatusCode::CREATED);
    assert_eq!(body(plain).await["qualifying_points"], 0);
    assert_eq!(customer(&app, &c).await["tier"]["name"], Value::Null, "an adjustment does not qualify by default");
    let counted = adjust("counted", json!({ "points": 120, "reason": "purchase at a partner", "qualifying": true }))
        .await
        .unwrap();
    assert_eq!(counted.status(), StatusCode::CREATED);
    assert_eq!(body(counted).await["qualifying_points"], 120);
    let tier = customer(&app, &c).await["tier"].clone();
    assert_eq!((tier["name"].clone(), tier["qualifying_points"].clone()), (json!("Silver"), json!(120)));
    let changes = history(&app, &c).await;
    assert_eq!((changes.len(), changes[0]["transaction_id"].clone()), (1, Value::Null));
    let bad = adjust("bad", json!({ "points": 5, "reason": "x", "qualifying": "yes" })).await.unwrap();
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    app.assert_verified().await;
}

/// Three customers: Gold (300), Silver (150) and one below Silver (50).
async fn three_customers(app: &TestApp) -> [String; 3] {
    app.set_program(silver_and_gold()).await;
    let gold = app.create_customer("gold@example.com").await;
    let silver = app.create_customer("silver@example.com").await;
    let none = app.create_customer("none@example.com").await;
    app.purchase(&gold, 30_000, None).await;
    app.purchase(&silver, 15_000, None).await;
    app.purchase(&none, 5000, None).await;
    assert_eq!(customer(app, &gold).await["tier"]["name"], "Gold");
    assert_eq!(customer(app, &silver).await["tier"]["name"], "Silver");
    [gold, silver, none]
}

async fn the_review_moves_a_customer_down_once_points_leave_the_period(backend: Backend) {
    let app = spawn_app(backend).await;
    let [gold, silver, none] = three_customers(&app).await;
    assert_eq!(review(app.store.as_ref()).await, 0, "everyone holds the tier their points reach");
    app.age_ledger(200).await;
    app.make_tier_reviews_due().await;
    assert_eq!(review(app.store.as_ref()).await, 0, "200 days ago is within the 365");

    // Gold's points drop below Silver's threshold too: one change, to what is reached.
    app.purchase(&gold, 12_000, None).await; // 120 × 1.5 = 180, today
    app.age_ledger(200).await;
    app.make_tier_reviews_due().await;
    assert_eq!(review(app.store.as_ref()).await, 2);
    let down = history(&app, &gold).await;
    assert_eq!(down.len(), 2, "{down:?}");
    assert_eq!((down[0]["from_tier"].clone(), down[0]["to_tier"].clone()), (json!("Gold"), json!("Silver")));
    assert_eq!((down[0]["reason"].clone(), down[0]["qualifying_points"].clone()), (json!("downgrade"), json!(180)));
    let down = history(&app, &silver).await;
    assert_eq!((down[0]["to_tier"].clone(), down[0]["qualifying_points"].clone()), (Value::Null, json!(0)));
    let tier = customer(&app, &silver).await["tier"].clone();
    assert_eq!(
        tier,
        json!({ "name": null, "since": null, "qualifying_points": 0,
                             "next": { "name": "Silver", "points_needed": 100 } })
    );
    assert_eq!(customer(&app, &none).await["tier"]["qualifying_points"], 0, "counted again, though unchanged");
    assert!(history(&app, &none).await.is_empty());
    let events = body(app.get("/api/v1/events?type=tier.changed&limit=100").send().await.unwrap()).await;
    let downgrades: Vec<_> =
        events["data"].as_array().unwrap().iter().filter(|e| e["data"]["reason"] == "downgrade").collect();
    assert_eq!(downgrades.len(), 2);
    assert!(downgrades.iter().all(|e| e["idempotency_key"].is_null()));

    assert_eq!(review(app.store.as_ref()).await, 0, "reviewed today: not again");
    app.make_tier_reviews_due().await;
    assert_eq!(review(app.store.as_ref()).await, 0, "due again, but nothing left to change");
    assert_eq!(history(&app, &gold).await.len(), 2);
    app.assert_verified().await;
}

async fn a_calendar_year_starts_again_in_january(backend: Backend) {
    let app = spawn_app(backend).await;
    let calendar = app.other_program().await;
    for program in [&app, &calendar] {
        program.set_program(silver_and_gold()).await;
    }
    calendar.set_program(json!({ "tier_period": "calendar_year" })).await;
    let rolling = app.create_customer("rolling@example.com").await;
    let yearly = calendar.create_customer("yearly@example.com").await;
    app.purchase(&rolling, 15_000, None).await;
    calendar.purchase(&yearly, 15_000, None).await;
    // Into last year, but less than 365 days ago.
    let into_last_year = Utc::now().ordinal() as i32 + 1;
    app.age_ledger(into_last_year.min(364)).await;
    app.make_tier_reviews_due().await;
    review(app.store.as_ref()).await;
    if into_last_year < 365 {
        assert_eq!(customer(&app, &rolling).await["tier"]["name"], "Silver", "within the rolling 365 days");
    }
    assert_eq!(customer(&calendar, &yearly).await["tier"]["name"], Value::Null, "last year's points do not count");
    assert_eq!(history(&calendar, &yearly).await[0]["reason"], "downgrade");
    app.assert_verified().await;
    calendar.assert_verified().await;
}

async fn a_void_lowers_the_tier_at_the_next_review(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_program(silver_and_gold()).await;
    let c = app.create_customer("returned@example.com").await;
    let txn = app.purchase(&c, 12_000, None).await;
    assert_eq!(customer(&app, &c).await["tier"]["name"], "Silver");
    let voided = app.void(txn["id"].as_str().unwrap(), Some("return"), json!({ "amount_cents": 6000 })).await;
    assert_eq!(voided.status(), StatusCode::OK);
    let entry = &app.entries(&c, "void").await[0];
    assert_eq!(entry["qualifying_points"], -60);
    assert_eq!(customer(&app, &c).await["tier"]["name"], "Silver", "a void does not downgrade by itself");
    assert_eq!(review(app.store.as_ref()).await, 1, "the review does");
    let tier = customer(&app, &c).await["tier"].clone();
    assert_eq!((tier["name"].clone(), tier["qualifying_points"].clone()), (Value::Null, json!(60)));
    app.assert_verified().await;
}

/// Customers at Silver whose points all left the period, due for review.
async fn customers_due_for_a_downgrade(app: &TestApp, count: usize) -> Vec<String> {
    app.set_program(silver_and_gold()).await;
    let mut customers = Vec::new();
    for i in 0..count {
        let c = app.create_customer(&format!("fading-{i}@example.com")).await;
        app.purchase(&c, 15_000, None).await;
        customers.push(c);
    }
    app.age_ledger(400).await;
    customers
}

async fn assert_each_downgraded_once(app: &TestApp, customers: &[String]) {
    for c in customers {
        let changes = history(app, c).await;
        assert_eq!(changes.len(), 2, "{c}: an upgrade and one downgrade: {changes:?}");
        assert_eq!(changes[0]["reason"], "downgrade");
        assert_eq!(customer(app, c).await["tier"]["name"], Value::Null);
    }
    assert!(app.store.due_tier_reviews(1000).await.unwrap().is_empty(), "everyone was reviewed");
    let events = body(app.get("/api/v1/events?type=tier.changed&limit=100").send().await.unwrap()).await;
    assert_eq!(events["data"].as_array().unwrap().len(), 2 * customers.len(), "one event per change");
    app.assert_verified().await;
}

async fn simultaneous_reviews_change_each_customer_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let customers = customers_due_for_a_downgrade(&app, 15).await;
    let store = app.store.clone();
    assert_eq!(simultaneous_runs(&[store.clone(), store], 1, Job::TierReview).await, customers.len() as u64);
    assert_eq!(review(app.store.as_ref()).await, 0);
    assert_each_downgraded_once(&app, &customers).await;
}

/// Runs dropped a few milliseconds in change some customers and leave the
/// rest for the next run, which changes exactly those.
async fn cancelled_reviews_leave_the_rest_for_the_next(backend: Backend) {
    let app = spawn_app(backend).await;
    let customers = customers_due_for_a_downgrade(&app, 30).await;
    cancelled_runs(&app.store, Job::TierReview).await;
    let left = app.store.due_tier_reviews(1000).await.unwrap().len() as u64;
    assert!(review(app.store.as_ref()).await <= left, "the last run changes only who was left");
    assert_each_downgraded_once(&app, &customers).await;
}

async fn tier_history_pages_and_refuses_unknown_customers(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_program(silver_and_gold()).await;
    let c = app.create_customer("pages@example.com").await;
    app.purchase(&c, 10_000, None).await;
    app.purchase(&c, 20_000, None).await;
    let page = body(app.get(&format!("/api/v1/customers/{c}/tier-history?limit=1")).send().await.unwrap()).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert_eq!(page["has_more"], true);
    assert_eq!(page["data"][0]["to_tier"], "Gold", "newest first");
    let missing = app.get("/api/v1/customers/cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8/tier-history").send().await.unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "customer_not_found").await;
    let other = app.other_program().await;
    let theirs = other.get(&format!("/api/v1/customers/{c}/tier-history")).send().await.unwrap();
    assert_problem(theirs, StatusCode::NOT_FOUND, "customer_not_found").await;
    let bad = app.get("/api/v1/customers/not-an-id/tier-history").send().await.unwrap();
    assert_problem(bad, StatusCode::NOT_FOUND, "customer_not_found").await;
}

/// Held and available points together can pass the points range: the count
/// holds at the limit instead of failing the purchase.
async fn qualifying_points_past_the_points_range_hold_at_the_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_program(silver_and_gold()).await;
    app.set_program(json!({ "points_pending_days": 1 })).await;
    let c = app.create_customer("huge@example.com").await;
    app.purchase(&c, 100, Some(i64::MAX)).await;
    app.set_program(json!({ "points_pending_days": 0 })).await;
    app.purchase(&c, 100, Some(i64::MAX)).await;
    let tier = customer(&app, &c).await["tier"].clone();
    assert_eq!((tier["name"].clone(), tier["qualifying_points"].clone()), (json!("Gold"), json!(i64::MAX)));
    app.assert_verified().await;
}

/// Two server instances, each with its own pool, review one PostgreSQL
/// database at the same time: every customer changes tier once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_nodes_review_each_customer_once() {
    let app = spawn_app(Backend::Postgres).await;
    let url = app.database_url.clone().unwrap();
    let second: Arc<dyn Store> = Arc::new(tally_store_postgres::PgStore::connect(&url, 8).await.unwrap());
    let customers = customers_due_for_a_downgrade(&app, 40).await;
    let changed = simultaneous_runs(&[app.store.clone(), second], 3, Job::TierReview).await;
    assert_eq!(changed, customers.len() as u64, "each customer changed by exactly one run");
    assert_each_downgraded_once(&app, &customers).await;
}
