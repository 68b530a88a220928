//! Manual adjustments: signed points with a reason, keyed like every other
//! points-moving write, and never taking a balance below zero.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, fire_all, header, spawn_app};

async fn adjust(app: &TestApp, customer_id: &str, key: &str, payload: Value) -> Response {
    app.post(&format!("/api/v1/customers/{customer_id}/adjustments"))
        .header("Idempotency-Key", key)
        .json(&payload)
        .send()
        .await
        .unwrap()
}

async fn an_adjustment_credits_or_debits_with_its_reason_and_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("adjusted@example.com").await;
    let path = format!("/api/v1/customers/{customer}/adjustments");

    let unkeyed = app.post(&path).json(&json!({ "points": 50, "reason": "goodwill" })).send().await.unwrap();
    let link = header(&unkeyed, "link").unwrap_or_default();
    assert!(link.contains("rel=\"describedby\""), "Link header: {link}");
    assert_problem(unkeyed, StatusCode::BAD_REQUEST, "idempotency_key_missing").await;
    assert!(app.ledger(&customer).await.is_empty());

    let response = adjust(&app, &customer, "adj-1", json!({ "points": 50, "reason": "Late delivery, sorry" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "idempotent-replayed").as_deref(), Some("false"));
    let location = header(&response, "location");
    let first = response.bytes().await.unwrap();
    let credit: Value = serde_json::from_slice(&first).unwrap();
    assert!(credit["id"].as_str().unwrap().starts_with("led_"), "{credit}");
    assert_eq!(location.as_deref(), Some(format!("/api/v1/customers/{customer}/ledger").as_str()));
    assert_eq!(credit["operation"], "adjustment");
    assert_eq!(credit["points"], 50);
    assert_eq!(credit["balance_after"], 50);
    assert_eq!(credit["reason"], "Late delivery, sorry");
    assert!(credit["token_id"].as_str().is_some_and(|t| t.starts_with("tok_")), "{credit}");
    assert_eq!(credit["customer_id"], customer.as_str());
    assert_eq!(credit["transaction_id"], Value::Null);
    assert_eq!(credit["redemption_id"], Value::Null);
    assert_eq!(app.balance(&customer).await, 50);

    // A retry replays; it does not credit again.
    let replay = adjust(&app, &customer, "adj-1", json!({ "points": 50, "reason": "Late delivery, sorry" })).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(header(&replay, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(replay.bytes().await.unwrap(), first);
    let reused = adjust(&app, &customer, "adj-1", json!({ "points": 60, "reason": "Late delivery, sorry" })).await;
    assert_problem(reused, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    assert_eq!(app.balance(&customer).await, 50);
    let record = body(app.get("/api/v1/idempotency-keys/adj-1").send().await.unwrap()).await;
    assert_eq!(record["resource_id"], credit["id"], "{record}");

    let response = adjust(&app, &customer, "adj-2", json!({ "points": -20, "reason": "  duplicate card  " })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let debit = body(response).await;
    assert_eq!(debit["points"], -20);
    assert_eq!(debit["balance_after"], 30);
    assert_eq!(debit["reason"], "duplicate card", "trimmed");
    assert_eq!(debit["token_id"], credit["token_id"]);

    // A debit never takes the balance below zero, whatever the void policy.
    let over = adjust(&app, &customer, "adj-3", json!({ "points": -31, "reason": "too much" })).await;
    assert_problem(over, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;
    app.set_program(json!({ "void_policy": "allow_negative" })).await;
    let over = adjust(&app, &customer, "adj-3", json!({ "points": -31, "reason": "too much" })).await;
    assert_problem(over, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;
    let exact = adjust(&app, &customer, "adj-4", json!({ "points": -30, "reason": "close the account" })).await;
    assert_eq!(exact.status(), StatusCode::CREATED);
    assert_eq!(app.balance(&customer).await, 0);

    let ledger = app.ledger(&customer).await;
    assert_eq!(ledger.len(), 3, "{ledger:?}");
    assert_eq!(ledger[1], debit);
    assert_eq!(ledger[2], credit);
    assert!(ledger.iter().all(|e| e["operation"] == "adjustment" && e["reason"].is_string()));
    app.assert_verified().await;
}

async fn invalid_adjustments_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("strict@example.com").await;
    app.earn(&customer, 10).await;
    let before = (app.full_balance(&customer).await, app.ledger(&customer).await);

    let invalid_field = [
        json!({ "points": 0, "reason": "nothing" }),
        json!({ "points": 5, "reason": "" }),
        json!({ "points": 5, "reason": "   " }),
        json!({ "points": 5, "reason": "line\nbreak" }),
        json!({ "points": 5, "reason": "x".repeat(501) }),
    ];
    for (i, payload) in invalid_field.into_iter().enumerate() {
        let response = adjust(&app, &customer, &format!("f{i}"), payload.clone()).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    }
    let invalid_body = [
        json!({ "points": 5 }),
        json!({ "reason": "no points" }),
        json!({ "points": "5", "reason": "string" }),
        json!({ "points": 1.5, "reason": "fraction" }),
        json!({ "points": 5, "reason": 5 }),
        json!({ "points": 5, "reason": "extra", "customer_id": customer }),
        json!({}),
        json!("5 points"),
        json!(null),
    ];
    for (i, payload) in invalid_body.into_iter().enumerate() {
        let response = adjust(&app, &customer, &format!("b{i}"), payload.clone()).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    let path = format!("/api/v1/customers/{customer}/adjustments");
    for raw in ["{", r#"{"points": 5, "reason": "x""#, "points=5"] {
        let response = app.post_raw(&path, uuid::Uuid::new_v4().to_string(), raw).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
    }
    // Overflow is a 422, never a wrap.
    let min = adjust(&app, &customer, "min", json!({ "points": i64::MIN, "reason": "min" })).await;
    assert_problem(min, StatusCode::UNPROCESSABLE_ENTITY, "points_overflow").await;
    let max = adjust(&app, &customer, "max", json!({ "points": i64::MAX, "reason": "max" })).await;
    assert_problem(max, StatusCode::UNPROCESSABLE_ENTITY, "points_overflow").await;

    // Unknown, malformed and foreign customers are all the same 404.
    let unknown = adjust(&app, "cus_01J00000000000000000000000", "u", json!({ "points": 5, "reason": "x" })).await;
    assert_problem(unknown, StatusCode::NOT_FOUND, "customer_not_found").await;
    for bad_id in ["42", "cus_42", "txn_01J00000000000000000000000", "cus_%27%3B%20drop%20table%20customers"] {
        let response = adjust(&app, bad_id, "m", json!({ "points": 5, "reason": "x" })).await;
        assert_problem(response, StatusCode::NOT_FOUND, "customer_not_found").await;
    }
    let other = app.other_program().await;
    let foreign = adjust(&other, &customer, "theirs", json!({ "points": 5, "reason": "x" })).await;
    assert_problem(foreign, StatusCode::NOT_FOUND, "customer_not_found").await;

    assert_eq!((app.full_balance(&customer).await, app.ledger(&customer).await), before);
    // Refusals recorded nothing: a key used by one is free for the real request.
    let fixed = adjust(&app, &customer, "f0", json!({ "points": 1, "reason": "now right" })).await;
    assert_eq!(fixed.status(), StatusCode::CREATED);
    assert_eq!(app.balance(&customer).await, 11);
    app.assert_verified().await;
}

async fn after_retention_a_retry_still_replays_and_credits_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("late-adjust@example.com").await;
    let payload = json!({ "points": 75, "reason": "birthday bonus" });
    let first = adjust(&app, &customer, "late-adj", payload.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = body(first).await;

    app.expire_idempotency_records().await;
    tally_server::sweeper::sweep_all(app.store.as_ref()).await;
    let gone = app.get("/api/v1/idempotency-keys/late-adj").send().await.unwrap();
    assert_problem(gone, StatusCode::NOT_FOUND, "idempotency_key_not_found").await;

    let late = adjust(&app, &customer, "late-adj", payload.clone()).await;
    assert_eq!(late.status(), StatusCode::OK);
    assert_eq!(header(&late, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(body(late).await, first);
    assert_eq!(app.balance(&customer).await, 75);
    assert_eq!(app.ledger(&customer).await.len(), 1);

    let misuse = adjust(&app, &customer, "late-adj", json!({ "points": 76, "reason": "birthday bonus" })).await;
    assert_problem(misuse, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    assert_eq!(app.balance(&customer).await, 75);
    app.assert_verified().await;
}

async fn simultaneous_debits_never_take_a_balance_below_zero(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("race-adjust@example.com").await;
    app.earn(&customer, 100).await;
    let path = format!("/api/v1/customers/{customer}/adjustments");

    let outcomes = app.race(20, &path, json!({ "points": -10, "reason": "race" })).await;
    assert_eq!(outcomes.get("201/miss"), Some(&10), "{outcomes:?}");
    assert_eq!(outcomes.get("422/insufficient_points"), Some(&10), "{outcomes:?}");
    assert_eq!(app.balance(&customer).await, 0);

    // One key from twenty connections credits once.
    let outcomes = fire_all(20, |_| {
        app.post(&path).header("Idempotency-Key", "one-credit").json(&json!({ "points": 25, "reason": "race" })).send()
    })
    .await;
    assert_eq!(outcomes.get("201/miss"), Some(&1), "{outcomes:?}");
    for outcome in outcomes.keys() {
        assert!(["201/miss", "201/hit", "409/idempotency_key_in_use"].contains(&outcome.as_str()), "{outcomes:?}");
    }
    assert_eq!(app.balance(&customer).await, 25);
    assert_eq!(app.entries(&customer, "adjustment").await.len(), 11);
    app.assert_verified().await;
}

/// A body is a JSON object: an array must not be read as the fields in order,
/// or `[5, "x"]` would credit five points.
async fn a_json_array_is_not_an_adjustment(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("positional@example.com").await;
    for payload in [json!([5, "positional"]), json!([-5, "positional"]), json!([])] {
        let response = adjust(&app, &customer, &uuid::Uuid::new_v4().to_string(), payload).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    assert_eq!(app.balance(&customer).await, 0);
    assert!(app.ledger(&customer).await.is_empty());
}

/// Two programs using the same key never meet, also where the key is looked
/// up on the ledger entry (after retention).
async fn adjustment_keys_are_scoped_to_their_program(backend: Backend) {
    let app = spawn_app(backend).await;
    let other = app.other_program().await;
    let mine = app.create_customer("mine@example.com").await;
    let theirs = other.create_customer("theirs@example.com").await;

    let first = adjust(&app, &mine, "shared-key", json!({ "points": 10, "reason": "mine" })).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = body(first).await;
    let second = adjust(&other, &theirs, "shared-key", json!({ "points": 20, "reason": "theirs" })).await;
    assert_eq!(second.status(), StatusCode::CREATED, "a first attempt in another program is never a duplicate");
    assert_eq!(header(&second, "idempotent-replayed").as_deref(), Some("false"));
    let second = body(second).await;
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["customer_id"], theirs.as_str());

    app.expire_idempotency_records().await;
    let late = adjust(&other, &theirs, "shared-key", json!({ "points": 20, "reason": "theirs" })).await;
    assert_eq!(late.status(), StatusCode::OK);
    assert_eq!(body(late).await, second, "the other program's own entry, never this one's");
    let late = adjust(&app, &mine, "shared-key", json!({ "points": 10, "reason": "mine" })).await;
    assert_eq!(late.status(), StatusCode::OK);
    assert_eq!(body(late).await, first);

    assert_eq!(app.balance(&mine).await, 10);
    assert_eq!(other.balance(&theirs).await, 20);
    app.assert_verified().await;
}

/// A program may turn the key requirement off for legacy clients.
async fn without_the_requirement_a_key_is_optional(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("legacy@example.com").await;
    app.set_program(json!({ "require_idempotency_key": false })).await;
    let path = format!("/api/v1/customers/{customer}/adjustments");
    let response = app.post(&path).json(&json!({ "points": 40, "reason": "legacy till" })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(header(&response, "idempotent-replayed").is_none(), "no key, no lookup");
    let entry = body(response).await;
    assert_eq!(entry["balance_after"], 40);
    assert_eq!(app.balance(&customer).await, 40);
    app.assert_verified().await;
}

backend_tests!(
    an_adjustment_credits_or_debits_with_its_reason_and_token,
    invalid_adjustments_are_refused_and_change_nothing,
    after_retention_a_retry_still_replays_and_credits_once,
    simultaneous_debits_never_take_a_balance_below_zero,
    a_json_array_is_not_an_adjustment,
    adjustment_keys_are_scoped_to_their_program,
    without_the_requirement_a_key_is_optional,
);
