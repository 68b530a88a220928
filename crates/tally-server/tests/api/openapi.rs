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
    ("/api/v1/customers/{id}/tier-history", &["get"]),
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
    ("/api/v1/events", &["get"]),
    ("/api/v1/events/{id}", &["get"]),
    ("/api/v1/events/{id}/redeliver", &["post"]),
    ("/api/v1/webhook-endpoints", &["get", "post"]),
    ("/api/v1/webhook-endpoints/{id}", &["get", "patch", "delete"]),
    ("/api/v1/webhook-endpoints/{id}/rotate-secret", &["post"]),
    ("/api/v1/webhook-endpoints/{id}/deliveries", &["get"]),
    ("/api/v1/exports/ledger.csv", &["get"]),
    ("/api/v1/exports/customers.csv", &["get"]),
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
            let response = app.call(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), &concrete).await;
            let status = response.status();
            // A download answers CSV, not JSON: served, and nothing else to read here.
            if path.ends_with(".csv") && status == StatusCode::OK {
                continue;
            }
            let answer = body(response).await;
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is documented but not served");
            assert_ne!(answer["code"], "route_not_found", "{method} {path} is documented but not served");
            assert!(status.as_u16() < 500, "{method} {path}: {status} {answer}");
        }
    }
}

/// What a new user's tools need of every operation: its path parameters, a
/// unique operationId, a summary and description, and errors as
/// problem+json with the stable codes they may carry.
#[test]
fn every_operation_is_fully_described() {
    let doc = tally_server::openapi::document();
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let what = format!("{} {path}", method.to_uppercase());
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{what} has no operationId"));
            assert!(ids.insert(id.to_owned()), "operationId {id} is not unique");
            assert!(operation["tags"].as_array().is_some_and(|t| t.len() == 1), "{what} has one tag");
            for field in ["summary", "description"] {
                assert!(operation[field].as_str().is_some_and(|s| s.len() > 10), "{what} has no {field}");
            }
            let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
            let declared: BTreeSet<&str> =
                parameters.iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap()).collect();
            let templated: BTreeSet<&str> =
                path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
            assert_eq!(declared, templated, "{what}: path parameters");
            assert!(parameters.iter().all(|p| p["in"] != "path" || p["required"] == true), "{what}");
            for (status, response) in operation["responses"].as_object().unwrap() {
                let response = match response["$ref"].as_str() {
                    Some(shared) => &doc["components"]["responses"][shared.rsplit('/').next().unwrap()],
                    None => response,
                };
                assert!(response["headers"]["X-Request-Id"].is_object(), "{what} {status}: X-Request-Id");
                if status.starts_with('2') && operation["tags"][0] == "exports" {
                    // A download: CSV, with the file name to save it under.
                    assert!(response["content"]["text/csv"].is_object(), "{what} {status}");
                    assert_eq!(response["headers"]["Content-Disposition"]["required"], true, "{what} {status}");
                    continue;
                }
                if status.starts_with('2') {
                    assert!(response["content"]["application/json"].is_object(), "{what} {status}");
                    continue;
                }
                let schema = &response["content"]["application/problem+json"]["schema"];
                assert_eq!(schema["allOf"][0]["$ref"], "#/components/schemas/Problem", "{what} {status}");
                let codes = schema["allOf"][1]["properties"]["code"]["enum"].as_array();
                assert!(codes.is_some_and(|c| !c.is_empty()), "{what} {status} lists its codes");
            }
            for status in ["401", "429", "500", "503"] {
                assert!(operation["responses"][status].is_object(), "{what} documents {status}");
            }
        }
    }
    let table: BTreeSet<String> = tally_server::openapi::OPERATIONS.iter().map(|o| o.id.to_owned()).collect();
    assert_eq!(ids, table, "the handlers' operationIds and openapi::OPERATIONS differ");
}

/// The idempotency contract as the document tells it: a key on every write,
/// required where points or stock move, replay headers on their answers.
#[test]
fn writes_document_their_idempotency_headers() {
    let doc = tally_server::openapi::document();
    let required = [
        ("/api/v1/transactions", "post"),
        ("/api/v1/redemptions", "post"),
        ("/api/v1/customers/{id}/adjustments", "post"),
        ("/api/v1/coupons/{code}/redeem", "post"),
        ("/api/v2/loyalty/rewards/redeem", "post"),
    ];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if method == "get" {
                continue;
            }
            let parameters = operation["parameters"].as_array().unwrap();
            let header = |name: &str| parameters.iter().find(|p| p["in"] == "header" && p["name"] == name).cloned();
            let key = header("Idempotency-Key").unwrap_or_else(|| panic!("{method} {path} takes a key"));
            assert_eq!(key["required"], required.contains(&(path.as_str(), method.as_str())), "{method} {path}");
            assert!(header("Prefer").is_some(), "{method} {path} takes Prefer");
            let answers = operation["responses"].as_object().unwrap();
            for (status, response) in answers.iter().filter(|(s, _)| s.starts_with('2')) {
                for name in ["Idempotent-Replayed", "X-Idempotency-Lookup", "RateLimit", "RateLimit-Policy"] {
                    assert!(response["headers"][name].is_object(), "{method} {path} {status}: {name}");
                }
                if status == "201" {
                    assert_eq!(response["headers"]["Location"]["required"], true, "{method} {path}");
                }
            }
            assert_eq!(answers["409"]["headers"]["Retry-After"]["$ref"], "#/components/headers/Retry-After");
            assert_eq!(answers["503"]["headers"]["Retry-After"]["required"], true, "{method} {path}");
        }
    }
}

/// The human-readable reference: a page that renders `/openapi.json` with the
/// Redoc bundle served by this server, and may load nothing from elsewhere.
async fn the_reference_is_rendered_from_the_document_with_a_vendored_renderer(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app.client.get(app.url("/docs/api")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(header(&page, "content-type").unwrap().starts_with("text/html"));
    let policy = header(&page, "content-security-policy").expect("a content security policy");
    assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"spec-url="/openapi.json""#), "{html}");
    assert!(html.contains(r#"<script src="/docs/api/redoc.standalone.js"></script>"#), "{html}");
    assert!(!html.contains("http://") && !html.contains("https://"), "the page names no other origin: {html}");

    let script = app.client.get(app.url("/docs/api/redoc.standalone.js")).send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(header(&script, "content-type").unwrap().starts_with("text/javascript"));
    let bundle = script.text().await.unwrap();
    assert!(bundle.len() > 500_000 && bundle.contains("Redoc"), "the Redoc bundle is embedded");
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

backend_tests!(served_document_lists_every_route, the_reference_is_rendered_from_the_document_with_a_vendored_renderer);
