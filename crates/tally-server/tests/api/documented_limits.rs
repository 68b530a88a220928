//! The server refuses exactly what the OpenAPI document says it refuses: the
//! cases where the contract tools (schemathesis) found the two apart.

use reqwest::StatusCode;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{Backend, assert_problem, spawn_app};

/// A path parameter that is not UTF-8 once percent-decoded is a problem+json
/// 400 `invalid_path`, not a plain-text answer.
async fn an_undecodable_path_parameter_is_a_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        "/api/v1/customers/%FF",
        "/api/v1/rewards/%C3%28",
        "/api/v1/coupons/%FF/redeem",
        "/api/v1/idempotency-keys/%FE",
    ] {
        let request =
            if path.ends_with("redeem") { app.post(path).header("Idempotency-Key", "k") } else { app.get(path) };
        let response = request.send().await.unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_path").await;
    }
}

/// Lengths count what was sent, as the document's `maxLength` does:
/// surrounding whitespace no longer lets a name past its limit.
async fn length_limits_count_what_was_sent(backend: Backend) {
    let app = spawn_app(backend).await;
    let padded = format!("  {}  ", "x".repeat(199));
    let response = app.post("/api/v1/rewards").json(&json!({ "name": padded, "cost_points": 1 })).send().await.unwrap();
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let fits = format!(" {} ", "x".repeat(198));
    let response = app.post("/api/v1/rewards").json(&json!({ "name": fits, "cost_points": 1 })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);

    let response = app
        .post("/api/v1/customers")
        .json(&json!({ "email": "len@example.com", "name": " ".repeat(201) }))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;

    let customer = app.create_customer("reason@example.com").await;
    let response = app
        .post(&format!("/api/v1/customers/{customer}/adjustments"))
        .header("Idempotency-Key", "adj-long")
        .json(&json!({ "points": 5, "reason": format!("{}\n", "r".repeat(500)) }))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;

    // `external_id` counts characters, not bytes: 255 two-byte characters fit.
    let response = app
        .post("/api/v1/transactions")
        .header("Idempotency-Key", "ext-long")
        .json(&json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EUR",
                       "external_id": "é".repeat(255) }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = app
        .post("/api/v1/transactions")
        .header("Idempotency-Key", "ext-too-long")
        .json(&json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EUR",
                       "external_id": "é".repeat(256) }))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
}

backend_tests!(an_undecodable_path_parameter_is_a_problem, length_limits_count_what_was_sent);
