//! `GET /metrics` and request ids, in process. The metrics recorder is global
//! to the process and other tests share it, so these cases check what must be
//! there; exact counts are checked against a real `tally serve` process in
//! `crates/tally/tests/nodes.rs`.

use reqwest::StatusCode;

use crate::backend_tests;
use crate::helpers::{Backend, header, spawn_app};

async fn metrics_are_prometheus_text_labelled_by_route_template(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("metrics@example.com").await;
    let balance = app.get(&format!("/api/v1/customers/{customer}/balance")).send().await.unwrap();
    assert_eq!(balance.status(), StatusCode::OK);

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    for expected in [
        r#"tally_http_requests_total{method="GET",route="/api/v1/customers/{id}/balance",status="200"}"#,
        r#"tally_http_requests_total{method="POST",route="/api/v1/customers",status="201"}"#,
        r#"tally_http_request_duration_seconds_bucket{method="GET",route="/api/v1/customers/{id}/balance",le="0.005"}"#,
        r#"tally_ratelimit_decisions_total{decision="allowed",source="local"}"#,
        r#"tally_db_pool_connections{state="max"}"#,
        r#"tally_db_pool_connections{state="in_use"}"#,
        "# TYPE tally_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
    assert!(!text.contains(&customer), "raw paths (with ids) never become labels");
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let chosen = app.get("/api/v1/program").header("x-request-id", "trace-me-42").send().await.unwrap();
    assert_eq!(header(&chosen, "x-request-id").as_deref(), Some("trace-me-42"), "a client's id is echoed");

    let generated = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = header(&generated, "x-request-id").expect("an id is made when the client sends none");
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let another = app.client.get(app.url("/nowhere")).send().await.unwrap();
    assert_eq!(another.status(), StatusCode::NOT_FOUND);
    assert_ne!(header(&another, "x-request-id"), Some(id), "one id per request");
}

backend_tests!(metrics_are_prometheus_text_labelled_by_route_template, every_response_carries_a_request_id);
