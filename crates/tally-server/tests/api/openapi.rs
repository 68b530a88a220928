//! The OpenAPI document: served at /openapi.json, covers every route of the
//! router, and the committed copy at the repository root is current.
//!
//! To regenerate the committed `openapi.json` after changing the API:
//!
//! ```sh
//! TALLY_WRITE_OPENAPI=1 cargo nextest run -p tally-server --test api openapi::committed_document_is_current
//! ```
//!
//! then review and commit the diff. Without the variable the test compares and
//! fails on any drift.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, body, header, spawn_app};

/// Every route the router serves (besides the operational ones), with its methods.
const ROUTES: &[(&str, &[&str])] = &[
    ("/api/v1/customers", &["get", "post"]),
    ("/api/v1/customers/{id}", &["get"]),
    ("/api/v1/customers/{id}/balance", &["get"]),
    ("/api/v1/customers/{id}/ledger", &["get"]),
    ("/api/v1/customers/{id}/redemptions", &["get"]),
    ("/api/v1/customers/{id}/adjustments", &["post"]),
    ("/api/v1/transactions", &["post"]),
    ("/api/v1/transactions/{id}", &["get"]),
    ("/api/v1/transactions/{id}/void", &["post"]),
    ("/api/v1/rewards", &["get", "post"]),
    ("/api/v1/rewards/{id}", &["get", "patch"]),
    ("/api/v1/redemptions", &["get", "post"]),
    ("/api/v1/redemptions/{id}", &["get"]),
    ("/api/v1/redemptions/{id}/fulfil", &["post"]),
    ("/api/v1/redemptions/{id}/cancel", &["post"]),
    ("/api/v1/coupons/{code}", &["get"]),
    ("/api/v1/coupons/{code}/redeem", &["post"]),
    ("/api/v1/idempotency-keys/{key}", &["get"]),
    ("/api/v1/program", &["get", "patch"]),
    ("/api/v1/stats", &["get"]),
    ("/api/v2/loyalty/rewards/redeem", &["post"]),
    ("/api/v2/loyalty/redemptions/{customer_id}", &["get"]),
];

const HTTP_METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// `path → methods` as the document describes them.
fn documented_operations(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let methods =
                item.as_object().unwrap().keys().filter(|k| HTTP_METHODS.contains(&k.as_str())).cloned().collect();
            (path.clone(), methods)
        })
        .collect()
}

async fn served_document_lists_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    // Public: no token needed to read the description.
    let response = app.client.get(app.url("/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "content-type").unwrap().starts_with("application/json"));
    let text = response.text().await.unwrap();
    assert_eq!(text, tally_server::openapi::document_json(), "the server serves the generated document");
    let doc: Value = serde_json::from_str(&text).unwrap();

    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    assert_eq!(doc["info"]["title"], "Tally");
    assert!(doc["info"]["version"].is_string());
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["type"], "http");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for schema in ["Customer", "Transaction", "Reward", "Redemption", "Problem", "Balance", "LedgerEntry"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "schema {schema} is missing");
    }

    let documented = documented_operations(&doc);
    for (path, methods) in ROUTES {
        let found = documented.get(*path).unwrap_or_else(|| panic!("{path} is not documented"));
        for method in *methods {
            assert!(found.contains(*method), "{} {path} is not documented", method.to_uppercase());
            let operation = &doc["paths"][*path][*method];
            assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
            assert_eq!(operation["security"], json!([{ "bearer": [] }]), "{method} {path} names its auth");
        }
    }
    // And the other way: everything documented is served (no route described that does not exist).
    let expected: BTreeMap<String, BTreeSet<String>> = ROUTES
        .iter()
        .map(|(path, methods)| (path.to_string(), methods.iter().map(|m| m.to_string()).collect()))
        .collect();
    assert_eq!(documented, expected, "the document and the route table differ");
    for (path, methods) in &documented {
        let concrete = path.replace("{id}", "x").replace("{key}", "x").replace("{customer_id}", "x");
        for method in methods {
            let response = app
                .client
                .request(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), app.url(&concrete))
                .bearer_auth(&app.token)
                .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let answer = body(response).await;
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is documented but not served");
            assert_ne!(answer["code"], "route_not_found", "{method} {path} is documented but not served");
            assert!(status.as_u16() < 500, "{method} {path}: {status} {answer}");
        }
    }
}

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi.json")
}

/// Drift check: the committed `openapi.json` is exactly what the code generates.
/// With `TALLY_WRITE_OPENAPI=1` it (re)writes the file instead.
#[test]
fn committed_document_is_current() {
    let generated = tally_server::openapi::document_json();
    assert!(!generated.is_empty());
    let path = committed_path();
    if std::env::var("TALLY_WRITE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, format!("{generated}\n")).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read {}: {e}; generate it with TALLY_WRITE_OPENAPI=1 (see this module's docs)", path.display())
    });
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi.json at the repository root is stale: regenerate it with TALLY_WRITE_OPENAPI=1 \
         (see tests/api/openapi.rs) and commit the result"
    );
}

backend_tests!(served_document_lists_every_route);
