//! Each row of the idempotency contract's table, over HTTP.

use reqwest::StatusCode;
use serde_json::json;
use tally_store::KeyLock;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, header, spawn_app};

async fn funded_customer(app: &TestApp, points: i64) -> (String, String) {
    let customer = app.create_customer(&format!("{}@example.com", uuid::Uuid::new_v4())).await;
    app.earn(&customer, points).await;
    let reward = app.create_reward(100, None).await;
    (customer, reward)
}

fn redeem_entries(ledger: &[serde_json::Value]) -> usize {
    ledger.iter().filter(|e| e["operation"] == "redeem").count()
}

async fn first_time_is_a_miss_and_a_retry_replays_byte_for_byte(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app, 500).await;

    let first = app.redeem("key-1", &customer, &reward).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(header(&first, "idempotent-replayed").as_deref(), Some("false"));
    assert_eq!(header(&first, "x-idempotency-lookup").as_deref(), Some("miss"));
    let location = header(&first, "location").unwrap();
    let first_body = first.bytes().await.unwrap();

    let retry = app.redeem("key-1", &customer, &reward).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(header(&retry, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(header(&retry, "x-idempotency-lookup").as_deref(), Some("hit"));
    assert_eq!(header(&retry, "location").as_deref(), Some(location.as_str()));
    assert_eq!(header(&retry, "content-type").as_deref(), Some("application/json"));
    assert_eq!(retry.bytes().await.unwrap(), first_body);

    assert_eq!(app.balance(&customer).await, 400);
    assert_eq!(redeem_entries(&app.ledger(&customer).await), 1);
}

async fn quoted_bare_and_alias_headers_name_the_same_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app, 500).await;
    let send = |name: &'static str, value: &'static str| {
        app.post("/api/v1/redemptions")
            .header(name, value)
            .json(&json!({ "customer_id": customer, "reward_id": reward }))
            .send()
    };
    let first = send("Idempotency-Key", "8e03978e-40d5-43e8-bc93-6894a57f9324").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let quoted = send("Idempotency-Key", "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"").await.unwrap();
    assert_eq!(header(&quoted, "idempotent-replayed").as_deref(), Some("true"));
    let alias = send("X-Idempotency-Key", "8e03978e-40d5-43e8-bc93-6894a57f9324").await.unwrap();
    assert_eq!(header(&alias, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(app.balance(&customer).await, 400);

    let both = app
        .post("/api/v1/redemptions")
        .header("Idempotency-Key", "a")
        .header("X-Idempotency-Key", "b")
        .json(&json!({ "customer_id": customer, "reward_id": reward }))
        .send()
        .await
        .unwrap();
    assert_problem(both, StatusCode::BAD_REQUEST, "idempotency_key_invalid").await;
    assert_eq!(app.balance(&customer).await, 400);
}

async fn hostile_keys_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app, 500).await;
    let too_long = "k".repeat(256);
    for bad in ["\"\"", too_long.as_str(), "has space", "\"a\"b\"", "tab\there"] {
        let response = app.redeem(bad, &customer, &reward).await;
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, "idempotency_key_invalid").await;
        assert!(problem["detail"].as_str().unwrap().contains("255"), "detail says what is allowed");
    }
    let non_ascii = app
        .post("/api/v1/redemptions")
        .header("Idempotency-Key", reqwest::header::HeaderValue::from_bytes("clé".as_bytes()).unwrap())
        .json(&json!({ "customer_id": customer, "reward_id": reward }))
        .send()
        .await
        .unwrap();
    assert_problem(non_ascii, StatusCode::BAD_REQUEST, "idempotency_key_invalid").await;
    assert_eq!(app.balance(&customer).await, 500);
    assert_eq!(redeem_entries(&app.ledger(&customer).await), 0);
}

async fn a_missing_key_is_a_400_never_a_409(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app, 500).await;
    let routes = [
        ("/api/v1/redemptions", json!({ "customer_id": customer, "reward_id": reward })),
        ("/api/v1/transactions", json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EUR" })),
        ("/api/v2/loyalty/rewards/redeem", json!({ "customer_id": customer, "reward_id": reward })),
    ];
    for (path, payload) in &routes {
        for _ in 0..2 {
            let response = app.post(path).json(payload).send().await.unwrap();
            let link = header(&response, "link").unwrap_or_default();
            assert!(link.contains("rel=\"describedby\""), "{path}: Link header: {link}");
            let problem = assert_problem(response, StatusCode::BAD_REQUEST, "idempotency_key_missing").await;
            assert!(problem["detail"].as_str().unwrap().contains("Idempotency-Key"));
        }
    }
    assert_eq!(app.balance(&customer).await, 500);

    // A program may turn the requirement off for legacy clients; natural keys still dedupe.
    let patched = app.patch("/api/v1/program").json(&json!({ "require_idempotency_key": false })).send().await.unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    let purchase =
        json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR", "external_id": "r-1" });
    let first = app.post("/api/v1/transactions").json(&purchase).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(header(&first, "idempotent-replayed").is_none(), "no key, no lookup");
    let again = app.post("/api/v1/transactions").json(&purchase).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(app.balance(&customer).await, 510);
}

async fn a_reused_key_with_another_request_is_a_422(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app, 500).await;
    let other_reward = app.create_reward(50, None).await;
    assert_eq!(app.redeem("k", &customer, &reward).await.status(), StatusCode::CREATED);

    let different_body = app.redeem("k", &customer, &other_reward).await;
    let problem = assert_problem(different_body, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    assert!(problem["detail"].as_str().unwrap().contains("POST /api/v1/redemptions"), "{problem}");

    let different_route = app
        .post("/api/v1/transactions")
        .header("Idempotency-Key", "k")
        .json(&json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EUR" }))
        .send()
        .await
        .unwrap();
    assert_problem(different_route, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;

    // Reordered keys and new whitespace are the same request.
    let reordered = app
        .post_raw(
            "/api/v1/redemptions",
            "k",
            format!("{{\n  \"reward_id\" : \"{reward}\",\n  \"customer_id\" : \"{customer}\"\n}}"),
        )
        .await;
    assert_eq!(header(&reordered, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(app.balance(&customer).await, 400);
}

async fn refusals_record_nothing_so_a_retry_runs_afresh(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app, 50).await;
    let refused = app.redeem("retry-me", &customer, &reward).await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;
    let lookup = app.get("/api/v1/idempotency-keys/retry-me").send().await.unwrap();
    assert_problem(lookup, StatusCode::NOT_FOUND, "idempotency_key_not_found").await;

    app.earn(&customer, 100).await;
    let retried = app.redeem("retry-me", &customer, &reward).await;
    assert_eq!(retried.status(), StatusCode::CREATED);
    assert_eq!(header(&retried, "x-idempotency-lookup").as_deref(), Some("miss"));
    assert_eq!(app.balance(&customer).await, 50);
}

async fn keys_are_scoped_to_their_program(backend: Backend) {
    let app = spawn_app(backend).await;
    let other = app.other_program().await;
    let (customer, reward) = funded_customer(&app, 500).await;
    let (other_customer, other_reward) = funded_customer(&other, 500).await;
    assert_eq!(app.redeem("shared", &customer, &reward).await.status(), StatusCode::CREATED);
    let theirs = other.redeem("shared", &other_customer, &other_reward).await;
    assert_eq!(theirs.status(), StatusCode::CREATED);
    assert_eq!(header(&theirs, "x-idempotency-lookup").as_deref(), Some("miss"));
    assert_eq!(other.balance(&other_customer).await, 400);

    let mine = app.get("/api/v1/idempotency-keys/shared").send().await.unwrap();
    let mine = body(mine).await;
    let theirs = body(other.get("/api/v1/idempotency-keys/shared").send().await.unwrap()).await;
    assert_ne!(mine["resource_id"], theirs["resource_id"]);
}

async fn the_key_record_shows_what_it_made(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app, 500).await;
    let made = body(app.redeem("seen", &customer, &reward).await).await;
    let info = body(app.get("/api/v1/idempotency-keys/seen").send().await.unwrap()).await;
    assert_eq!(info["state"], "completed");
    assert_eq!(info["method"], "POST");
    assert_eq!(info["path"], "/api/v1/redemptions");
    assert_eq!(info["status"], 201);
    assert_eq!(info["resource_id"], made["id"]);
    let first_seen = chrono::DateTime::parse_from_rfc3339(info["first_seen_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(info["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - first_seen).num_minutes(), 24 * 60, "default retention is 24 h");

    let other = app.other_program().await;
    let hidden = other.get("/api/v1/idempotency-keys/seen").send().await.unwrap();
    assert_problem(hidden, StatusCode::NOT_FOUND, "idempotency_key_not_found").await;
}

async fn a_key_in_flight_answers_409_with_retry_after(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app, 500).await;
    // Hold the key's lock the way a first request still executing would.
    let lock = KeyLock { program_id: app.program_id.clone(), key: "busy".into() };
    let held = app.store.begin(Some(&lock)).await.unwrap();

    let info = body(app.get("/api/v1/idempotency-keys/busy").send().await.unwrap()).await;
    assert_eq!(info["state"], "in_flight");
    let response = app.redeem("busy", &customer, &reward).await;
    assert!(header(&response, "retry-after").is_some());
    assert_problem(response, StatusCode::CONFLICT, "idempotency_key_in_use").await;

    drop(held);
    let after = app.redeem("busy", &customer, &reward).await;
    assert_eq!(after.status(), StatusCode::CREATED, "the lock ends with its transaction");
    assert_eq!(app.balance(&customer).await, 400);
}

async fn after_retention_a_points_moving_retry_still_replays(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app, 500).await;
    let first = body(app.redeem("late", &customer, &reward).await).await;
    let purchase = json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR" });
    let bought =
        app.post("/api/v1/transactions").header("Idempotency-Key", "late-buy").json(&purchase).send().await.unwrap();
    let bought = body(bought).await;

    app.expire_idempotency_records().await;
    // The funding purchase, the redemption and the purchase above.
    assert_eq!(tally_server::sweeper::sweep_all(app.store.as_ref()).await, 3);
    let gone = app.get("/api/v1/idempotency-keys/late").send().await.unwrap();
    assert_problem(gone, StatusCode::NOT_FOUND, "idempotency_key_not_found").await;

    let late = app.redeem("late", &customer, &reward).await;
    assert_eq!(late.status(), StatusCode::OK);
    assert_eq!(header(&late, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(body(late).await["id"], first["id"]);
    let late_buy =
        app.post("/api/v1/transactions").header("Idempotency-Key", "late-buy").json(&purchase).send().await.unwrap();
    assert_eq!(late_buy.status(), StatusCode::OK);
    assert_eq!(body(late_buy).await["id"], bought["id"]);
    assert_eq!(app.balance(&customer).await, 410, "500 - 100 + 10, each once");

    let other_reward = app.create_reward(10, None).await;
    let misuse = app.redeem("late", &customer, &other_reward).await;
    assert_problem(misuse, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    app.assert_verified().await;
}

async fn unreachable_storage_answers_503_and_attempts_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app, 500).await;
    app.close_storage().await;
    let response = app.redeem("down", &customer, &reward).await;
    assert!(header(&response, "retry-after").is_some());
    // Authentication reads storage too, so the refusal may come from there
    // (`storage_unavailable`) or from the key claim (`idempotency_unavailable`):
    // either way a 503 with Retry-After, never a 500 and never an attempt.
    let problem = body(response).await;
    assert_eq!(problem["status"], 503);
    assert!(
        ["storage_unavailable", "idempotency_unavailable"].contains(&problem["code"].as_str().unwrap()),
        "{problem}"
    );
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
}

backend_tests!(
    first_time_is_a_miss_and_a_retry_replays_byte_for_byte,
    quoted_bare_and_alias_headers_name_the_same_key,
    hostile_keys_are_refused_and_change_nothing,
    a_missing_key_is_a_400_never_a_409,
    a_reused_key_with_another_request_is_a_422,
    refusals_record_nothing_so_a_retry_runs_afresh,
    keys_are_scoped_to_their_program,
    the_key_record_shows_what_it_made,
    a_key_in_flight_answers_409_with_retry_after,
    after_retention_a_points_moving_retry_still_replays,
    unreachable_storage_answers_503_and_attempts_nothing,
);
