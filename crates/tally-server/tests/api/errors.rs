//! Bad input gets a problem+json 4xx with a stable code, and changes nothing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, header, spawn_app};

/// Everything a refused request could have touched.
#[derive(Debug, PartialEq)]
struct Snapshot {
    balance: Value,
    ledger: Vec<Value>,
    customers: Value,
    rewards: Value,
    program: Value,
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    body(response).await
}

async fn snapshot(app: &TestApp, customer_id: &str) -> Snapshot {
    Snapshot {
        balance: get_json(app, &format!("/api/v1/customers/{customer_id}/balance")).await,
        ledger: app.ledger(customer_id).await,
        customers: get_json(app, "/api/v1/customers?limit=100").await,
        rewards: get_json(app, "/api/v1/rewards?limit=100").await,
        program: get_json(app, "/api/v1/program").await,
    }
}

/// A program with one customer who has earned points and spent some.
async fn seeded(backend: Backend) -> (TestApp, String, Snapshot) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("victim@example.com").await;
    app.earn(&customer, 120).await;
    let reward = app.create_reward(20, Some(5)).await;
    let response = app.redeem(&uuid::Uuid::new_v4().to_string(), &customer, &reward).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let before = snapshot(&app, &customer).await;
    assert_eq!(before.balance["available"], 100);
    assert_eq!(before.ledger.len(), 2);
    (app, customer, before)
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn malformed_and_mistyped_bodies_are_refused(backend: Backend) {
    let (app, customer, before) = seeded(backend).await;

    let truncated = [r#"{"customer_id": "#, "{", r#"{"spend_amount_cents": "ten", "#, "[1,2"];
    let not_json = ["not json", r#"{"a":1}}"#, r#"{"email": 'x'}"#, "\u{0}", "{\"email\": \"\u{1}\"}"];
    for raw in truncated.into_iter().chain(not_json) {
        let response = app.post_raw("/api/v1/transactions", key(), raw).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
        let response =
            app.post("/api/v1/customers").header("Content-Type", "application/json").body(raw).send().await.unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
    }

    let mistyped = [
        json!({ "customer_id": customer, "spend_amount_cents": "1000", "currency": "EUR" }),
        json!({ "customer_id": customer, "spend_amount_cents": 10.5, "currency": "EUR" }),
        json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": 978 }),
        json!({ "customer_id": 42, "spend_amount_cents": 1000, "currency": "EUR" }),
        json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR", "points": "9" }),
        json!({ "customer_id": customer, "spend_amount_cents": 1000 }),
        json!({ "spend_amount_cents": 1000, "currency": "EUR" }),
        json!([customer, 1000, "EUR"]),
        json!("a string"),
        json!(null),
    ];
    for payload in mistyped {
        let response =
            app.post("/api/v1/transactions").header("Idempotency-Key", key()).json(&payload).send().await.unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    // A number beyond i64 is a wrong type, not a wrapped value.
    let response = app
        .post_raw(
            "/api/v1/transactions",
            key(),
            format!(r#"{{"customer_id":"{customer}","spend_amount_cents":99999999999999999999999,"currency":"EUR"}}"#),
        )
        .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;

    let unknown_field = [
        (
            "/api/v1/transactions",
            json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR", "bonus": 1 }),
        ),
        ("/api/v1/customers", json!({ "email": "new@example.com", "admin": true })),
        ("/api/v1/rewards", json!({ "name": "Coffee", "cost_points": 1, "price": 2 })),
        ("/api/v1/redemptions", json!({ "customer_id": customer, "reward_id": "rwd_x", "points": 0 })),
    ];
    for (path, payload) in unknown_field {
        let response = app.post(path).header("Idempotency-Key", key()).json(&payload).send().await.unwrap();
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        assert!(problem["detail"].as_str().unwrap().contains("unknown field"), "{path}: {problem}");
    }
    let response =
        app.patch("/api/v1/program").json(&json!({ "points_per_currency_unit": 2, "x": 1 })).send().await.unwrap();
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;

    assert_eq!(snapshot(&app, &customer).await, before);
}

async fn oversized_and_non_json_bodies_are_refused(backend: Backend) {
    let (app, customer, before) = seeded(backend).await;

    // The raw-socket requests below send a declared or streamed body past
    // 1 MiB and then stop writing: the server must answer 413 without
    // reading more. (A client that keeps pushing a body the server will not
    // read may see the connection reset before it reads the 413.)
    let purchase = format!(r#"{{"customer_id":"{customer}","spend_amount_cents":1000,"currency":"EUR"}}"#);
    let oversized_key = key();
    let declared = format!(
        "POST /api/v1/transactions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Idempotency-Key: {oversized_key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{purchase}",
        app.token,
        1024 * 1024 + 1
    );
    let (status, headers, problem) = raw_exchange(&app, declared.into_bytes()).await;
    assert_eq!(status, 413, "{headers}\n{problem}");
    assert!(headers.to_ascii_lowercase().contains("content-type: application/problem+json"), "{headers}");
    assert_eq!(problem["code"], "payload_too_large");

    // No Content-Length: a chunked body that grows past the limit.
    let mut chunked = format!(
        "POST /api/v1/customers HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.token
    )
    .into_bytes();
    let mut padded = r#"{"email":"big@example.com"}"#.to_owned();
    padded.push_str(&" ".repeat(1024 * 1024 + 1 - padded.len()));
    chunked.extend_from_slice(format!("{:x}\r\n{padded}\r\n", padded.len()).as_bytes());
    let (status, headers, problem) = raw_exchange(&app, chunked).await;
    assert_eq!(status, 413, "{headers}\n{problem}");
    assert_eq!(problem["code"], "payload_too_large");

    // Nothing was stored under the key.
    let response = app.get(&format!("/api/v1/idempotency-keys/{oversized_key}")).send().await.unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "idempotency_key_not_found").await;

    for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data"] {
        let response = app
            .post("/api/v1/transactions")
            .header("Idempotency-Key", key())
            .header("Content-Type", content_type)
            .body(format!(r#"{{"customer_id":"{customer}","spend_amount_cents":1000,"currency":"EUR"}}"#))
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    }

    assert_eq!(snapshot(&app, &customer).await, before);

    // Exactly 1 MiB is still accepted: the limit is the limit.
    let mut fits = format!(r#"{{"customer_id":"{customer}","spend_amount_cents":1000,"currency":"EUR"}}"#);
    fits.push_str(&" ".repeat(1024 * 1024 - fits.len()));
    let response = app.post_raw("/api/v1/transactions", key(), fits).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(app.balance(&customer).await, 110);
}

/// Writes `request` on a fresh connection, then reads the response until the
/// server closes: `(status, header block, JSON body)`.
async fn raw_exchange(app: &TestApp, request: Vec<u8>) -> (u16, String, Value) {
    let address = app.address.strip_prefix("http://").unwrap().to_owned();
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        stream.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
        stream.write_all(&request).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no header end: {text}"));
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{head}"));
        let body = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
        (status, head.to_owned(), body)
    })
    .await
    .unwrap()
}

async fn missing_or_invalid_credentials_are_unauthorized(backend: Backend) {
    let (app, customer, before) = seeded(backend).await;
    let purchase = json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR" });
    let bad_headers: Vec<Option<String>> = vec![
        None,
        Some(String::new()),
        Some("Bearer".to_owned()),
        Some("Bearer ".to_owned()),
        Some("Bearer tly_000000000000000000000000000000000000000000000000".to_owned()),
        Some(format!("Bearer {}x", app.token)),
        Some(format!("Basic {}", app.token)),
        Some(app.token.clone()),
        Some("Bearer ' OR 1=1 --".to_owned()),
        Some(format!("Bearer {}", "a".repeat(4096))),
        Some("garbage garbage garbage".to_owned()),
    ];
    for value in &bad_headers {
        let requests = [
            app.client.get(app.url(&format!("/api/v1/customers/{customer}/balance"))),
            app.client.get(app.url("/api/v1/customers")),
            app.client.post(app.url("/api/v1/transactions")).header("Idempotency-Key", key()).json(&purchase),
            app.client.patch(app.url("/api/v1/program")).json(&json!({ "points_per_currency_unit": 50 })),
        ];
        for request in requests {
            let request = match value {
                Some(v) => request.header("Authorization", v),
                None => request,
            };
            let response = request.send().await.unwrap();
            assert_eq!(header(&response, "www-authenticate").as_deref(), Some("Bearer"), "{value:?}");
            let problem = assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
            assert!(!problem.to_string().contains(&app.token), "the problem does not echo the token");
        }
    }
    // A non-UTF-8 header value.
    let response = app
        .client
        .get(app.url("/api/v1/customers"))
        .header("Authorization", reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap())
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;

    assert_eq!(snapshot(&app, &customer).await, before);
}

async fn unknown_routes_and_wrong_methods_are_problems(backend: Backend) {
    let (app, customer, before) = seeded(backend).await;

    // (`GET /` is the console's redirect, see console.rs.)
    for path in ["/api/v1/nope", "/nope", "/api/v3/customers", "/api/v1/customers/x/y/z", "/api/v1", "/console/nope"] {
        let response = app.get(path).send().await.unwrap();
        assert_problem(response, StatusCode::NOT_FOUND, "route_not_found").await;
        let response = app.post(path).json(&json!({})).send().await.unwrap();
        assert_problem(response, StatusCode::NOT_FOUND, "route_not_found").await;
    }
    // Unauthenticated, too: a missing route is not a secret.
    let response = app.client.get(app.url("/api/v1/nope")).send().await.unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "route_not_found").await;

    // A 405 names the methods the route does take (RFC 9110: `Allow`).
    let wrong = [
        (Method::DELETE, "/api/v1/customers".to_owned(), "POST"),
        (Method::PUT, format!("/api/v1/customers/{customer}"), "GET"),
        (Method::POST, format!("/api/v1/customers/{customer}/balance"), "GET"),
        (Method::DELETE, format!("/api/v1/customers/{customer}/ledger"), "GET"),
        (Method::GET, "/api/v1/transactions".to_owned(), "POST"),
        (Method::DELETE, "/api/v1/redemptions".to_owned(), "POST"),
        (Method::DELETE, "/api/v1/rewards".to_owned(), "GET"),
        (Method::PUT, "/api/v1/rewards/rwd_x".to_owned(), "PATCH"),
        (Method::POST, "/api/v1/program".to_owned(), "PATCH"),
        (Method::GET, "/api/v2/loyalty/rewards/redeem".to_owned(), "POST"),
        (Method::POST, "/healthz".to_owned(), "GET"),
    ];
    for (method, path, allowed) in wrong {
        let response = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&app.token)
            .json(&json!({ "customer_id": customer }))
            .send()
            .await
            .unwrap();
        let allow = header(&response, "allow").unwrap_or_default();
        assert!(allow.split(',').any(|m| m.trim() == allowed), "{method} {path}: Allow = {allow:?}");
        assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    }

    assert_eq!(snapshot(&app, &customer).await, before);
}

async fn hostile_path_ids_are_not_found(backend: Backend) {
    let (app, customer, before) = seeded(backend).await;
    let long = "cus_".to_owned() + &"A".repeat(10_000);
    let hostile = [
        "'; drop table customers; --",
        "\" OR \"1\"=\"1",
        "cus_' OR '1'='1",
        long.as_str(),
        "cus_ü🦀漢字",
        "%00",
        "..%2F..%2Fetc%2Fpasswd",
        "cus_01ARZ3NDEKTSV4RRFFQ69G5FAV%27",
    ];
    let routes = [
        ("/api/v1/customers/", "", "customer_not_found"),
        ("/api/v1/customers/", "/balance", "customer_not_found"),
        ("/api/v1/customers/", "/ledger", "customer_not_found"),
        ("/api/v1/customers/", "/redemptions", "customer_not_found"),
        ("/api/v1/transactions/", "", "transaction_not_found"),
        ("/api/v1/rewards/", "", "reward_not_found"),
        ("/api/v1/redemptions/", "", "redemption_not_found"),
    ];
    for id in hostile {
        let segment: String = url_encode(id);
        for (prefix, suffix, code) in routes {
            let path = format!("{prefix}{segment}{suffix}");
            let response = app.get(&path).send().await.unwrap();
            let status = response.status();
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            let problem = body(response).await;
            assert_eq!(problem["code"], code, "{path}: {problem}");
            let text = problem.to_string().to_lowercase();
            assert!(!text.contains("sql") && !text.contains("drop table"), "{path}: {problem}");
        }
        let response =
            app.patch(&format!("/api/v1/rewards/{segment}")).json(&json!({ "active": false })).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    // The tables are all still there.
    assert_eq!(snapshot(&app, &customer).await, before);
    app.assert_verified().await;
}

/// Percent-encodes everything but unreserved characters.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            // Keep an already encoded sequence as it is.
            b'%' => "%".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn bad_pagination_is_invalid_query(backend: Backend) {
    let (app, customer, before) = seeded(backend).await;
    let lists = [
        "/api/v1/customers".to_owned(),
        "/api/v1/rewards".to_owned(),
        format!("/api/v1/customers/{customer}/ledger"),
        format!("/api/v1/customers/{customer}/redemptions"),
    ];
    for list in &lists {
        for query in ["limit=0", "limit=101", "limit=abc", "limit=-1", "limit=1.5", "limit=99999999999", "bogus=1"] {
            let response = app.get(&format!("{list}?{query}")).send().await.unwrap();
            assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
        }
        for query in ["limit=1", "limit=100"] {
            let response = app.get(&format!("{list}?{query}")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{list}?{query}");
        }
    }
    assert_eq!(snapshot(&app, &customer).await, before);
}

async fn program_settings_out_of_range_are_refused(backend: Backend) {
    let (app, customer, before) = seeded(backend).await;
    let out_of_range = [
        ("idempotency_retention_hours", json!({ "idempotency_retention_hours": 0 })),
        ("idempotency_retention_hours", json!({ "idempotency_retention_hours": 721 })),
        ("idempotency_retention_hours", json!({ "idempotency_retention_hours": -1 })),
        ("rate_limit_per_minute", json!({ "rate_limit_per_minute": 0 })),
        ("rate_limit_per_minute", json!({ "rate_limit_per_minute": -5 })),
        ("points_per_currency_unit", json!({ "points_per_currency_unit": -1 })),
        ("points_per_currency_unit", json!({ "points_per_currency_unit": 1_000_001 })),
        ("points_expire_after_days", json!({ "points_expire_after_days": 0 })),
        ("points_expire_after_days", json!({ "points_expire_after_days": 3651 })),
        // One bad field spoils the whole patch.
        ("idempotency_retention_hours", json!({ "points_per_currency_unit": 5, "idempotency_retention_hours": 721 })),
    ];
    for (field, payload) in out_of_range {
        let response = app.patch("/api/v1/program").json(&payload).send().await.unwrap();
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert!(problem["detail"].as_str().unwrap().contains(field), "{payload}: {problem}");
    }
    for payload in [json!({ "void_policy": "sometimes" }), json!({ "require_idempotency_key": "no" })] {
        let response = app.patch("/api/v1/program").json(&payload).send().await.unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    assert_eq!(snapshot(&app, &customer).await, before);

    // The edges of the ranges are accepted.
    for payload in [json!({ "idempotency_retention_hours": 1 }), json!({ "idempotency_retention_hours": 720 })] {
        let response = app.patch("/api/v1/program").json(&payload).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{payload}");
        assert_eq!(body(response).await["idempotency_retention_hours"], payload["idempotency_retention_hours"]);
    }
    let response =
        app.patch("/api/v1/program").json(&json!({ "rate_limit_per_minute": 1_000_000 })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let program = get_json(&app, "/api/v1/program").await;
    assert_eq!(program["idempotency_retention_hours"], 720);
    assert_eq!(program["rate_limit_per_minute"], 1_000_000);
    assert_eq!(program["points_per_currency_unit"], before.program["points_per_currency_unit"]);
}

async fn health_and_readiness(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await["status"], "ok");

    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let ready = body(response).await;
    assert_eq!(ready["status"], "ready");
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(ready["storage"], expected);
}

backend_tests!(
    malformed_and_mistyped_bodies_are_refused,
    oversized_and_non_json_bodies_are_refused,
    missing_or_invalid_credentials_are_unauthorized,
    unknown_routes_and_wrong_methods_are_problems,
    hostile_path_ids_are_not_found,
    bad_pagination_is_invalid_query,
    program_settings_out_of_range_are_refused,
    health_and_readiness,
);
