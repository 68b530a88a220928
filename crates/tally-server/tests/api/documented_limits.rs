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

/// Found by schemathesis on PostgreSQL, which refuses a NUL in text: ids in
/// bodies and list cursors that are no ids never reach a query, and answer as
/// the document says (404 for an unknown id, 400 for a bad cursor), not 500.
async fn a_nul_in_an_id_or_a_cursor_is_refused_not_a_server_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("nul@example.com").await;
    let reward = app.create_reward(10, None).await;
    let response = app
        .post("/api/v1/transactions")
        .header("Idempotency-Key", "nul-buy")
        .json(&json!({ "customer_id": "cus_\u{0}", "spend_amount_cents": 100, "currency": "EUR" }))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "customer_not_found").await;
    for (i, (customer_id, reward_id, code)) in
        [(customer.as_str(), "rwd_\u{0}x", "reward_not_found"), ("\u{0}", reward.as_str(), "customer_not_found")]
            .into_iter()
            .enumerate()
    {
        for path in ["/api/v1/redemptions", "/api/v2/loyalty/rewards/redeem"] {
            let response = app
                .post(path)
                .header("Idempotency-Key", format!("nul-redeem-{i}-{path}"))
                .json(&json!({ "customer_id": customer_id, "reward_id": reward_id }))
                .send()
                .await
                .unwrap();
            assert_problem(response, StatusCode::NOT_FOUND, code).await;
        }
    }
    for list in ["ledger", "redemptions"] {
        let response =
            app.get(&format!("/api/v1/customers/{customer}/{list}?starting_after=%00%C3%AAu")).send().await.unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
    for list in ["/api/v1/customers", "/api/v1/rewards"] {
        let response = app.get(&format!("{list}?starting_after=a%00")).send().await.unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
    app.assert_verified().await;
}

backend_tests!(
    an_undecodable_path_parameter_is_a_problem,
    length_limits_count_what_was_sent,
    a_nul_in_an_id_or_a_cursor_is_refused_not_a_server_error,
);
