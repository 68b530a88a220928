//! Rate limits per token on one node (the in-process limiter). Several nodes
//! sharing a limit through Redis are tested with real processes in
//! `crates/tally/tests/nodes.rs`.

use reqwest::StatusCode;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, header, spawn_app};

/// `"token";r=5;t=10` → 5.
fn remaining(response: &reqwest::Response) -> u32 {
    let value = header(response, "ratelimit").expect("a RateLimit header");
    let r = value.split(';').find_map(|p| p.strip_prefix("r=")).unwrap_or_else(|| panic!("no r= in {value}"));
    r.parse().unwrap()
}

async fn set_rate(app: &TestApp, per_minute: i32) {
    let response =
        app.patch("/api/v1/program").json(&json!({ "rate_limit_per_minute": per_minute })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

async fn every_authenticated_response_says_where_the_limit_stands(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.get("/api/v1/program").send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(header(&first, "ratelimit-policy").as_deref(), Some("\"token\";q=600;w=60"), "the default policy");
    assert_eq!(header(&first, "ratelimit").as_deref(), Some("\"token\";r=599;t=1"), "a fresh token has its quota");

    // Refusals by the handler carry them too: the request was counted.
    let missing = app.get("/api/v1/customers/cus_00000000000000000000000000").send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(header(&missing, "ratelimit").is_some());

    // No token, nothing counted and nothing to report; operational routes are not limited.
    let anonymous = app.client.get(app.url("/api/v1/program")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(header(&anonymous, "ratelimit").is_none() && header(&anonymous, "ratelimit-policy").is_none());
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(header(&response, "ratelimit").is_none(), "{path} is not rate limited");
    }
}

async fn a_token_over_its_programs_rate_gets_429_and_nothing_runs(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("limited@example.com").await;
    // One request every 10 s after a burst of 6: the test cannot refill by accident.
    set_rate(&app, 6).await;

    for expected in (0..6).rev() {
        let response = app.get(&format!("/api/v1/customers/{customer}/balance")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "ratelimit-policy").as_deref(), Some("\"token\";q=6;w=60"));
        assert_eq!(remaining(&response), expected);
    }

    let refused = app
        .post("/api/v1/transactions")
        .header("Idempotency-Key", "over-the-limit")
        .json(&json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR" }))
        .send()
        .await
        .unwrap();
    let retry_after: u64 = header(&refused, "retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=10).contains(&retry_after), "one request per 10 s: retry after {retry_after} s");
    assert_eq!(remaining(&refused), 0);
    assert_eq!(header(&refused, "ratelimit-policy").as_deref(), Some("\"token\";q=6;w=60"));
    let problem = assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert!(problem["detail"].as_str().unwrap().contains("6 requests per minute"), "{problem}");

    // Nothing ran: no points, and the key was not consumed.
    let balance = app.store.balance(&app.program_id, &customer).await.unwrap().unwrap();
    assert_eq!(balance.available, 0);
    assert!(app.store.idempotency_record(&app.program_id, "over-the-limit").await.unwrap().is_none());

    // The limit is the token's: another program's token on the same node is not affected.
    let other = app.other_program().await;
    assert_eq!(other.get("/api/v1/program").send().await.unwrap().status(), StatusCode::OK);
}

/// The OpenAPI document tells generated clients about the 429 and `Prefer: wait`.
#[tokio::test]
async fn the_openapi_document_describes_the_429_and_prefer_wait() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc: serde_json::Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let limited = &doc["components"]["responses"]["RateLimited"];
    assert!(limited["headers"]["Retry-After"].is_object() && limited["headers"]["RateLimit"].is_object(), "{limited}");
    let mut writes = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            assert_eq!(
                operation["responses"]["429"]["$ref"], "#/components/responses/RateLimited",
                "{method} {path} documents the 429"
            );
            if ["post", "patch", "put"].contains(&method.as_str()) {
                writes += 1;
                let parameters = operation["parameters"].as_array().expect("parameters");
                assert!(parameters.iter().any(|p| p["name"] == "Prefer" && p["in"] == "header"), "{method} {path}");
            }
        }
    }
    assert!(writes >= 6, "the writes were checked: {writes}");
}

/// Every documented API operation is behind the limiter, whatever it answers:
/// a route added outside the middleware would show here.
#[tokio::test]
async fn every_api_operation_is_counted() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc: serde_json::Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete: String =
            path.split('/').map(|s| if s.starts_with('{') { "x_unknown" } else { s }).collect::<Vec<_>>().join("/");
        for method in item.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.call(method.clone(), &concrete).await;
            assert_ne!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            assert!(header(&response, "ratelimit").is_some(), "{method} {concrete} answered without RateLimit");
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} operations");
}

backend_tests!(
    every_authenticated_response_says_where_the_limit_stands,
    a_token_over_its_programs_rate_gets_429_and_nothing_runs,
);
