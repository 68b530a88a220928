//! What the operator console reads beyond the resource routes: the program's
//! overview (`GET /api/v1/stats`), the program-wide redemption queue
//! (`GET /api/v1/redemptions?status=`), and the console's own pages.

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, header, spawn_app};

async fn stats(app: &TestApp) -> Value {
    let response = app.get("/api/v1/stats").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

async fn queue(app: &TestApp, query: &str) -> Value {
    let response = app.get(&format!("/api/v1/redemptions?{query}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    body(response).await
}

fn ids(list: &Value) -> Vec<String> {
    list["data"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

async fn stats_follow_every_write_of_the_program(backend: Backend) {
    let app = spawn_app(backend).await;
    let empty = stats(&app).await;
    assert_eq!(empty["customers"], 0);
    assert_eq!(empty["points_outstanding"], 0);
    assert_eq!(empty["redemptions_pending"], 0);
    assert_eq!(empty["redemptions_today"], 0);
    assert_eq!(empty["purchases_today"], 0);
    assert_eq!(empty["count_limit"], 100_000);
    let day: chrono::DateTime<chrono::Utc> = empty["day_started_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(day.time(), chrono::NaiveTime::MIN, "the start of a UTC day: {day}");
    assert!(chrono::Utc::now() - day < chrono::Duration::days(1) + chrono::Duration::minutes(5));

    let ada = app.create_customer("ada@example.com").await;
    let bob = app.create_customer("bob@example.com").await;
    // An upsert that finds the customer counts nothing.
    let again = app.post("/api/v1/customers").json(&json!({ "email": "ADA@example.com" })).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    app.earn(&ada, 500).await;
    app.earn(&bob, 300).await;
    let reward = app.create_reward(100, None).await;
    let first = app.redeemed(&ada, &reward).await;
    let second = app.redeemed(&bob, &reward).await;
    let now = stats(&app).await;
    assert_eq!(now["customers"], 2);
    assert_eq!(now["points_outstanding"], 600, "800 earned, 200 spent");
    assert_eq!(now["redemptions_pending"], 2);
    assert_eq!(now["redemptions_today"], 2);
    assert_eq!(now["purchases_today"], 2);

    // A replayed write changes no counter.
    let key = "stats-replay";
    assert_eq!(app.redeem(key, &ada, &reward).await.status(), StatusCode::CREATED);
    assert_eq!(app.redeem(key, &ada, &reward).await.status(), StatusCode::CREATED);
    // A refused one neither (its transaction rolled back).
    let costly = app.create_reward(1_000_000, None).await;
    assert_problem(
        app.redeem("too-dear", &ada, &costly).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "insufficient_points",
    )
    .await;
    let now = stats(&app).await;
    assert_eq!(now["redemptions_today"], 3);
    assert_eq!(now["points_outstanding"], 500);

    // Cancelling refunds points and leaves the queue; fulfilling leaves it too.
    let cancelled = app
        .post(&format!("/api/v1/redemptions/{}/cancel", first["id"].as_str().unwrap()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), StatusCode::OK);
    let fulfilled = app
        .post(&format!("/api/v1/redemptions/{}/fulfil", second["id"].as_str().unwrap()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(fulfilled.status(), StatusCode::OK);
    let adjusted = app
        .post(&format!("/api/v1/customers/{bob}/adjustments"))
        .header("Idempotency-Key", "stats-adjust")
        .json(&json!({ "points": -50, "reason": "correction" }))
        .send()
        .await
        .unwrap();
    assert_eq!(adjusted.status(), StatusCode::CREATED);
    let now = stats(&app).await;
    assert_eq!(now["redemptions_pending"], 1);
    assert_eq!(now["points_outstanding"], 550, "500 + 100 refunded - 50 adjusted");
    assert_eq!(now["customers"], 2);

    // Folding the counted changes into the totals (a background task of every
    // node) changes no number, and a fold with nothing left moves nothing.
    tally_server::counters::fold_all(app.store.as_ref()).await;
    assert_eq!(stats(&app).await, now);
    assert_eq!(tally_server::counters::fold_all(app.store.as_ref()).await, 0);
    app.earn(&ada, 10).await;
    let later = stats(&app).await;
    assert_eq!(later["points_outstanding"], 560, "folded totals plus the changes since");
    assert_eq!(later["purchases_today"], 3);
    app.earn(&ada, 0).await; // a purchase that earns nothing still counts as one
    tally_server::counters::fold_all(app.store.as_ref()).await;
    let folded = stats(&app).await;
    assert_eq!(folded["points_outstanding"], 560);
    assert_eq!(folded["purchases_today"], 4);
    assert_eq!(app.balance(&ada).await + app.balance(&bob).await, 560);

    // The sum is the customers' balances, as the balance route tells them.

    // Another program sees its own numbers only.
    let other = app.other_program().await;
    let theirs = stats(&other).await;
    assert_eq!(theirs["customers"], 0);
    assert_eq!(theirs["points_outstanding"], 0);
    assert_eq!(theirs["redemptions_pending"], 0);
    assert_eq!(theirs["purchases_today"], 0);
    app.assert_verified().await;
}

async fn stats_need_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.client.get(app.url("/api/v1/stats")).send().await.unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

async fn the_pending_queue_pages_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.create_customer("queue-ada@example.com").await;
    let bob = app.create_customer("queue-bob@example.com").await;
    app.earn(&ada, 1000).await;
    app.earn(&bob, 1000).await;
    let reward = app.create_reward(10, None).await;
    let mut made = Vec::new();
    for i in 0..5 {
        let customer = if i % 2 == 0 { &ada } else { &bob };
        made.push(app.redeemed(customer, &reward).await["id"].as_str().unwrap().to_owned());
    }
    let fulfilled = &made[1];
    let response = app.post(&format!("/api/v1/redemptions/{fulfilled}/fulfil")).json(&json!({})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let pending: Vec<String> = made.iter().rev().filter(|id| *id != fulfilled).cloned().collect();
    let page1 = queue(&app, "status=pending&limit=3").await;
    assert_eq!(ids(&page1), pending[..3].to_vec(), "newest first, across customers");
    assert_eq!(page1["has_more"], true);
    for r in page1["data"].as_array().unwrap() {
        assert_eq!(r["status"], "pending");
    }
    let page2 = queue(&app, &format!("status=pending&limit=3&starting_after={}", pending[2])).await;
    assert_eq!(ids(&page2), pending[3..].to_vec());
    assert_eq!(page2["has_more"], false);

    let done = queue(&app, "status=fulfilled").await;
    assert_eq!(ids(&done), vec![fulfilled.clone()]);
    assert_eq!(done["data"][0]["status"], "fulfilled");
    assert_eq!(ids(&queue(&app, "status=cancelled").await), Vec::<String>::new());

    // Another program's queue is its own.
    let other = app.other_program().await;
    assert_eq!(ids(&queue(&other, "status=pending").await), Vec::<String>::new());
}

async fn the_queue_needs_a_known_status(backend: Backend) {
    let app = spawn_app(backend).await;
    for query in ["", "?status=", "?status=lost", "?status=PENDING"] {
        let response = app.get(&format!("/api/v1/redemptions{query}")).send().await.unwrap();
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
        assert!(problem["detail"].as_str().unwrap().contains("pending, fulfilled, cancelled"), "{problem}");
    }
    let response = app.get("/api/v1/redemptions?status=pending&limit=0").send().await.unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    let response = app.get("/api/v1/redemptions?status=pending&bogus=1").send().await.unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
}

async fn the_console_is_served_with_a_strict_policy(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    let root = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(root.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&root, "location").as_deref(), Some("/console"));

    let page = client.get(app.url("/console")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(header(&page, "content-type").as_deref(), Some("text/html; charset=utf-8"));
    let csp = header(&page, "content-security-policy").unwrap();
    for directive in ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(header(&page, "x-content-type-options").as_deref(), Some("nosniff"));
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<script src="/console/assets/app.js" defer></script>"#), "{html}");
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing from another origin");

    for (asset, content_type) in [
        ("app.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ] {
        let response = client.get(app.url(&format!("/console/assets/{asset}"))).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        assert_eq!(header(&response, "content-type").as_deref(), Some(content_type), "{asset}");
        assert!(header(&response, "content-security-policy").is_some(), "{asset}");
    }
    let missing = client.get(app.url("/console/assets/nope.js")).send().await.unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "route_not_found").await;
}

/// `tally verify` checks the overview's counters against the rows they count,
/// and a disagreement is a violation.
async fn verify_finds_counters_that_disagree(backend: Backend) {
    let database = tally_test_kit::TestDatabase::new(backend).await;
    let store = database.open(2).await.shared();
    let program = store.create_program("counted", &Default::default()).await.unwrap();
    let mut tx = store.begin(None).await.unwrap();
    let new = tally_store::NewCustomer { email: Some("counted@example.com".into()), phone: None, name: None };
    let customer = tx.insert_customer(&program.id, &new).await.unwrap().unwrap();
    tx.credit(&program.id, &customer.id, 40).await.unwrap().unwrap();
    tx.insert_ledger_entry(
        &program.id,
        &tally_store::NewLedgerEntry::new(&customer.id, 40, 40, tally_core::model::LedgerOperation::Adjustment),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.verify(None).await.unwrap(), vec![], "counters agree");
    assert_eq!(store.program_stats(&program.id).await.unwrap().points_outstanding, 40);

    // Five points that no customer holds.
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.url)).await.unwrap();
            sqlx::query("UPDATE program_counters SET points_outstanding = points_outstanding + 5")
                .execute(&pool)
                .await
                .unwrap();
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
            sqlx::query("INSERT INTO program_counter_changes (program_id, day, points) VALUES ($1, current_date, 5)")
                .bind(&program.id)
                .execute(&pool)
                .await
                .unwrap();
        }
    }
    let violations = store.verify(Some(&program.id)).await.unwrap();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].program_id, program.id);
    assert!(violations[0].problem.starts_with("program counters differ from its customers"), "{violations:?}");
    assert!(violations[0].problem.contains("points 40; counted 1, 45"), "{violations:?}");
}

/// Every balance fits in 64 bits; their sum need not. The overview then holds
/// at the limit, and no write fails for it.
async fn points_outstanding_past_64_bits_hold_at_the_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    for email in ["whale-1@example.com", "whale-2@example.com"] {
        let customer = app.create_customer(email).await;
        let response = app
            .post("/api/v1/transactions")
            .header("Idempotency-Key", format!("whale-{email}"))
            .json(
                &json!({ "customer_id": customer, "spend_amount_cents": 1, "currency": "EUR", "points": i64::MAX - 1 }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    tally_server::counters::fold_all(app.store.as_ref()).await;
    let now = stats(&app).await;
    assert_eq!(now["customers"], 2);
    assert_eq!(now["points_outstanding"], i64::MAX);
    assert_eq!(now["purchases_today"], 2);
    app.assert_verified().await;
}

backend_tests!(
    stats_follow_every_write_of_the_program,
    stats_need_a_token,
    the_pending_queue_pages_newest_first,
    the_queue_needs_a_known_status,
    the_console_is_served_with_a_strict_policy,
    verify_finds_counters_that_disagree,
    points_outstanding_past_64_bits_hold_at_the_limit,
);
