//! The edges of the promise: writes that must not double on retry, retries
//! that must not be refused, and settings that must not be lost — each once
//! found broken, each on both backends and, where it matters, through two
//! nodes sharing one database.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, header, serve, spawn_app};

/// A second server on the same database: on PostgreSQL a node of its own
/// (its own pool, so its own cached copies and sessions); on SQLite, which
/// is one process's file, a second server over the same store.
async fn second_node(app: &TestApp) -> String {
    match &app.database_url {
        Some(url) => serve(Arc::new(tally_store_postgres::PgStore::connect(url, 8).await.unwrap())).await,
        None => serve(app.store.clone()).await,
    }
}

async fn post_on(app: &TestApp, node: &str, path: &str, key: Option<&str>, payload: Value) -> reqwest::Response {
    let mut request = app.client.post(format!("{node}{path}")).bearer_auth(&app.token).json(&payload);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

async fn patch_on(app: &TestApp, node: &str, payload: Value) -> Value {
    let response =
        app.client.patch(format!("{node}/api/v1/program")).bearer_auth(&app.token).json(&payload).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{payload}");
    body(response).await
}

/// A partial void is no state change a repeat would find done, so it needs
/// a key; a full void's repeat is refused by the purchase's state.
async fn a_partial_void_needs_a_key_and_a_full_one_cannot_double(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("void-key@example.com").await;
    let purchase = app.purchase(&customer, 10_000, None).await;
    let id = purchase["id"].as_str().unwrap();
    assert_eq!(app.balance(&customer).await, 100);

    for _ in 0..2 {
        let unkeyed = app.void(id, None, json!({ "amount_cents": 2500 })).await;
        let problem = assert_problem(unkeyed, StatusCode::BAD_REQUEST, "idempotency_key_missing").await;
        assert!(problem["detail"].as_str().unwrap().contains("Idempotency-Key"), "{problem}");
    }
    assert_eq!(app.balance(&customer).await, 100, "a refused partial void takes nothing");
    assert!(app.entries(&customer, "void").await.is_empty());

    // With a key, the same partial void twice takes 25 points once.
    for _ in 0..2 {
        assert_eq!(app.void(id, Some("partial-1"), json!({ "amount_cents": 2500 })).await.status(), StatusCode::OK);
    }
    assert_eq!(app.balance(&customer).await, 75);

    // A full void without a key works, and its repeat cannot take more.
    assert_eq!(app.void(id, None, json!({})).await.status(), StatusCode::OK);
    assert_problem(app.void(id, None, json!({})).await, StatusCode::UNPROCESSABLE_ENTITY, "already_voided").await;
    assert_eq!(app.balance(&customer).await, 0);
    assert_eq!(app.entries(&customer, "void").await.len(), 2);
    app.assert_verified().await;
}

/// Fulfil, cancel and a coupon's use keep their key on the row they change:
/// retried after the stored response expired, they replay (200, `hit`)
/// instead of answering `already_…` for a change that did happen.
async fn state_changes_replay_after_their_records_expire(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("moves@example.com").await;
    app.earn(&customer, 1_000).await;
    let item = app.create_reward(100, Some(10)).await;
    let voucher = app.create_voucher(100, Some(10)).await;
    let to_fulfil = app.redeemed(&customer, &item).await["id"].as_str().unwrap().to_owned();
    let to_cancel = app.redeemed(&customer, &item).await["id"].as_str().unwrap().to_owned();
    let code = app.redeemed(&customer, &voucher).await["coupon_code"].as_str().unwrap().to_owned();
    let fulfil = format!("/api/v1/redemptions/{to_fulfil}/fulfil");
    let cancel = format!("/api/v1/redemptions/{to_cancel}/cancel");
    let use_coupon = format!("/api/v1/coupons/{code}/redeem");

    let mut first = Vec::new();
    for (path, key) in [(&fulfil, "kf"), (&cancel, "kx"), (&use_coupon, "kc")] {
        let response = post_on(&app, &app.address, path, Some(key), json!({})).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&response, "x-idempotency-lookup").as_deref(), Some("miss"));
        first.push(body(response).await);
    }
    assert_eq!(app.balance(&customer).await, 800, "1,000 − 3 × 100 + the cancelled 100");
    app.expire_idempotency_records().await;

    for (i, (path, key)) in [(&fulfil, "kf"), (&cancel, "kx"), (&use_coupon, "kc")].into_iter().enumerate() {
        let retry = post_on(&app, &app.address, path, Some(key), json!({})).await;
        assert_eq!(retry.status(), StatusCode::OK, "{path}: {:?}", retry.text().await);
        let retry = post_on(&app, &app.address, path, Some(key), json!({})).await;
        assert_eq!(header(&retry, "idempotent-replayed").as_deref(), Some("true"), "{path}");
        assert_eq!(header(&retry, "x-idempotency-lookup").as_deref(), Some("hit"), "{path}");
        let replayed = body(retry).await;
        assert_eq!(replayed["id"], first[i]["id"]);
        assert_eq!(replayed["status"], first[i]["status"], "{path}");
    }
    assert_eq!(app.balance(&customer).await, 800, "the cancel refunded once");
    assert_eq!(app.entries(&customer, "refund").await.len(), 1);
    assert_eq!(app.reward(&item).await["stock"], 9, "the cancelled unit came back once");

    // Another key for a change already made is still refused …
    let other = post_on(&app, &app.address, &fulfil, Some("kf-2"), json!({})).await;
    assert_problem(other, StatusCode::UNPROCESSABLE_ENTITY, "already_fulfilled").await;
    let other = post_on(&app, &app.address, &use_coupon, Some("kc-2"), json!({})).await;
    assert_problem(other, StatusCode::UNPROCESSABLE_ENTITY, "already_redeemed").await;
    // … and the fulfil's key sent to cancel the same redemption is another request.
    let swapped =
        post_on(&app, &app.address, &format!("/api/v1/redemptions/{to_fulfil}/cancel"), Some("kf"), json!({})).await;
    assert_problem(swapped, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    app.assert_verified().await;
}

/// Past retention a key is recognised by what it made on the route it made
/// it on. Sent to another route, it is a new request there (documented in
/// `docs/idempotency.md`): the record that would have named the first use is
/// gone, and a key is one client's name for one intent.
async fn an_expired_key_sent_to_another_route_is_a_new_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("cross-route@example.com").await;
    let adjust = format!("/api/v1/customers/{customer}/adjustments");
    let adjusted =
        post_on(&app, &app.address, &adjust, Some("k-adj"), json!({ "points": 5, "reason": "goodwill" })).await;
    assert_eq!(adjusted.status(), StatusCode::CREATED);
    let purchase = json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR" });

    let within = post_on(&app, &app.address, "/api/v1/transactions", Some("k-adj"), purchase.clone()).await;
    assert_problem(within, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    app.expire_idempotency_records().await;
    let past = post_on(&app, &app.address, "/api/v1/transactions", Some("k-adj"), purchase.clone()).await;
    assert_eq!(past.status(), StatusCode::CREATED);
    // The key's live record names the purchase now: the adjustment, retried,
    // is told the key was reused, and is not applied a second time.
    let again = post_on(&app, &app.address, &adjust, Some("k-adj"), json!({ "points": 5, "reason": "goodwill" })).await;
    assert_problem(again, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    assert_eq!(app.balance(&customer).await, 15, "5 adjusted + 10 earned");
    app.assert_verified().await;
}

/// `PATCH /program` changes only the fields it names, against the row in the
/// database: concurrent patches of different fields both land, and a patch
/// through a node whose cached copy of the program is older undoes nothing.
async fn program_patches_never_undo_each_other(backend: Backend) {
    let app = spawn_app(backend).await;
    let node_b = second_node(&app).await;
    // Both nodes read (and cache) the program as it is now.
    for node in [&app.address, &node_b] {
        let response = app.client.get(format!("{node}/api/v1/program")).bearer_auth(&app.token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    patch_on(&app, &app.address, json!({ "points_per_currency_unit": 5 })).await;
    let after_b = patch_on(&app, &node_b, json!({ "void_policy": "allow_negative" })).await;
    assert_eq!(after_b["points_per_currency_unit"], 5, "{after_b}");
    assert_eq!(after_b["void_policy"], "allow_negative");

    // A purchase through the node that did not make the change earns at the new rate at once.
    let customer = app.create_customer("rate@example.com").await;
    let bought = post_on(
        &app,
        &node_b,
        "/api/v1/transactions",
        Some("rate-1"),
        json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR" }),
    )
    .await;
    assert_eq!(bought.status(), StatusCode::CREATED);
    assert_eq!(body(bought).await["points"], 50, "10 units at 5 points each");

    for round in 0..10 {
        let rate = 10 + round;
        let retention = 24 + round;
        let (a, b) = tokio::join!(
            patch_on(&app, &app.address, json!({ "points_per_currency_unit": rate })),
            patch_on(&app, &node_b, json!({ "idempotency_retention_hours": retention })),
        );
        let (a, b) = (a, b);
        let now = app.get("/api/v1/program").send().await.unwrap();
        let now = body(now).await;
        assert_eq!(now["points_per_currency_unit"], rate, "round {round}: {a} {b} {now}");
        assert_eq!(now["idempotency_retention_hours"], retention, "round {round}: {now}");
        assert_eq!(now["void_policy"], "allow_negative", "round {round}: {now}");
    }
}

/// A refused write ends its transaction before the refusal is sent: a retry
/// through another node right after the answer never meets its own key in
/// flight (it gets the same refusal, not 409).
async fn a_retry_right_after_a_refusal_is_never_in_use(backend: Backend) {
    let app = spawn_app(backend).await;
    let node_b = second_node(&app).await;
    let customer = app.create_customer("refused@example.com").await;
    let reward = app.create_reward(100, None).await;
    let redeem = json!({ "customer_id": customer, "reward_id": reward });
    for i in 0..60 {
        let key = format!("refused-{i}");
        let (first, second) = if i % 2 == 0 { (&app.address, &node_b) } else { (&node_b, &app.address) };
        let refused = post_on(&app, first, "/api/v1/redemptions", Some(&key), redeem.clone()).await;
        assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;
        let retry = post_on(&app, second, "/api/v1/redemptions", Some(&key), redeem.clone()).await;
        assert_problem(retry, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;
    }
    app.earn(&customer, 100).await;
    let paid = post_on(&app, &node_b, "/api/v1/redemptions", Some("refused-0"), redeem).await;
    assert_eq!(paid.status(), StatusCode::CREATED, "a refusal never consumes its key");
    app.assert_verified().await;
}

/// Two `Idempotency-Key` values that differ are refused; a structured-field
/// key with parameters names the key inside its quotes.
async fn repeated_and_parameterised_key_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("headers@example.com").await;
    let purchase = json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR" });
    let send = |keys: &[&str]| {
        let mut request = app.post("/api/v1/transactions").json(&purchase);
        for key in keys {
            request = request.header("Idempotency-Key", *key);
        }
        request.send()
    };
    let two = send(&["k-one", "k-two"]).await.unwrap();
    let problem = assert_problem(two, StatusCode::BAD_REQUEST, "idempotency_key_invalid").await;
    assert!(problem["detail"].as_str().unwrap().contains("more than one"), "{problem}");
    assert_eq!(app.balance(&customer).await, 0, "nothing executed");

    let first = send(&["\"p5\";x=1"]).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let same = send(&["p5", "\"p5\""]).await.unwrap();
    assert_eq!(same.status(), StatusCode::CREATED);
    assert_eq!(header(&same, "x-idempotency-lookup").as_deref(), Some("hit"), "the same key, replayed");
    let shown = app.get("/api/v1/idempotency-keys/p5").send().await.unwrap();
    assert_eq!(shown.status(), StatusCode::OK);
    assert_eq!(app.balance(&customer).await, 10);
}

/// The table of `docs/idempotency.md` that says which requests need a key is
/// the server's behaviour, row by row: each request, sent without a key, is
/// refused with 400 `idempotency_key_missing` exactly where the table says
/// `required`, and every write route of the API has a row.
async fn the_published_key_table_is_what_the_server_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("table@example.com").await;
    app.earn(&customer, 1_000).await;
    let reward = app.create_reward(10, None).await;
    let voucher = app.create_voucher(10, None).await;
    let code = app.redeemed(&customer, &voucher).await["coupon_code"].as_str().unwrap().to_owned();
    let to_fulfil = app.redeemed(&customer, &reward).await["id"].as_str().unwrap().to_owned();
    let to_cancel = app.redeemed(&customer, &reward).await["id"].as_str().unwrap().to_owned();
    let purchase = app.purchase(&customer, 10_000, None).await["id"].as_str().unwrap().to_owned();
    let buy = json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR" });
    let redeem = json!({ "customer_id": customer, "reward_id": reward });
    let mut rows: Vec<(&str, reqwest::Method, String, Value)> = vec![
        ("POST /api/v1/transactions", reqwest::Method::POST, "/api/v1/transactions".into(), buy),
        ("POST /api/v1/redemptions", reqwest::Method::POST, "/api/v1/redemptions".into(), redeem.clone()),
        ("POST /api/v2/loyalty/rewards/redeem", reqwest::Method::POST, "/api/v2/loyalty/rewards/redeem".into(), redeem),
        (
            "POST /api/v1/customers/{id}/adjustments",
            reqwest::Method::POST,
            format!("/api/v1/customers/{customer}/adjustments"),
            json!({ "points": 5, "reason": "table" }),
        ),
        (
            "POST /api/v1/coupons/{code}/redeem",
            reqwest::Method::POST,
            format!("/api/v1/coupons/{code}/redeem"),
            json!({}),
        ),
        (
            "POST /api/v1/transactions/{id}/void with amount_cents",
            reqwest::Method::POST,
            format!("/api/v1/transactions/{purchase}/void"),
            json!({ "amount_cents": 100 }),
        ),
        (
            "POST /api/v1/transactions/{id}/void without amount_cents",
            reqwest::Method::POST,
            format!("/api/v1/transactions/{purchase}/void"),
            json!({}),
        ),
        (
            "POST /api/v1/redemptions/{id}/fulfil",
            reqwest::Method::POST,
            format!("/api/v1/redemptions/{to_fulfil}/fulfil"),
            json!({}),
        ),
        (
            "POST /api/v1/redemptions/{id}/cancel",
            reqwest::Method::POST,
            format!("/api/v1/redemptions/{to_cancel}/cancel"),
            json!({}),
        ),
        (
            "POST /api/v1/customers",
            reqwest::Method::POST,
            "/api/v1/customers".into(),
            json!({ "email": "t2@example.com" }),
        ),
        (
            "POST /api/v1/rewards",
            reqwest::Method::POST,
            "/api/v1/rewards".into(),
            json!({ "name": "Tea", "cost_points": 5 }),
        ),
        (
            "PATCH /api/v1/rewards/{id}",
            reqwest::Method::PATCH,
            format!("/api/v1/rewards/{reward}"),
            json!({ "name": "Tea" }),
        ),
        (
            "PATCH /api/v1/program",
            reqwest::Method::PATCH,
            "/api/v1/program".into(),
            json!({ "points_per_currency_unit": 1 }),
        ),
    ];

    // Webhook routes: an endpoint subscribed to a type this test never emits,
    // at a public address (nothing is sent to it), and an event to redeliver.
    let endpoint = app
        .post("/api/v1/webhook-endpoints")
        .json(&json!({ "url": "https://93.184.216.34/hook", "event_types": ["points.expired"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(endpoint.status(), StatusCode::CREATED);
    let endpoint = body(endpoint).await["id"].as_str().unwrap().to_owned();
    let event = body(app.get("/api/v1/events?limit=1").send().await.unwrap()).await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    rows.extend([
        (
            "POST /api/v1/webhook-endpoints",
            reqwest::Method::POST,
            "/api/v1/webhook-endpoints".into(),
            json!({ "url": "https://93.184.216.34/other", "event_types": ["points.expired"] }),
        ),
        (
            "PATCH /api/v1/webhook-endpoints/{id}",
            reqwest::Method::PATCH,
            format!("/api/v1/webhook-endpoints/{endpoint}"),
            json!({ "description": "table" }),
        ),
        (
            "POST /api/v1/webhook-endpoints/{id}/rotate-secret",
            reqwest::Method::POST,
            format!("/api/v1/webhook-endpoints/{endpoint}/rotate-secret"),
            json!({}),
        ),
        (
            "POST /api/v1/events/{id}/redeliver",
            reqwest::Method::POST,
            format!("/api/v1/events/{event}/redeliver"),
            json!({}),
        ),
        // Last: it removes the endpoint the rows above use.
        (
            "DELETE /api/v1/webhook-endpoints/{id}",
            reqwest::Method::DELETE,
            format!("/api/v1/webhook-endpoints/{endpoint}"),
            json!({}),
        ),
    ]);

    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/idempotency.md")).unwrap();
    let table =
        docs.split("<!-- key-table: begin -->").nth(1).unwrap().split("<!-- key-table: end -->").next().unwrap();
    let published: std::collections::BTreeMap<String, String> = table
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (cells[1].replace('`', ""), cells[2].to_owned())
        })
        .collect();
    let tested: std::collections::BTreeSet<String> = rows.iter().map(|(label, ..)| label.to_string()).collect();
    assert_eq!(published.keys().cloned().collect::<std::collections::BTreeSet<_>>(), tested, "one row per request");
    let document: Value = serde_json::from_str(&tally_server::openapi::document_json()).unwrap();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in
            operations.as_object().unwrap().keys().filter(|m| ["post", "patch", "delete"].contains(&m.as_str()))
        {
            let route = format!("{} {path}", method.to_uppercase());
            assert!(tested.iter().any(|label| label.starts_with(&route)), "{route} has no row in the key table");
        }
    }

    for (label, method, path, payload) in rows {
        let response = app.client.request(method, app.url(&path)).bearer_auth(&app.token).json(&payload).send().await;
        let response = response.unwrap();
        let status = response.status();
        let answer = body(response).await;
        let refused = status == StatusCode::BAD_REQUEST && answer["code"] == "idempotency_key_missing";
        let required = published[label] == "required";
        assert_eq!(
            refused, required,
            "{label}: the table says {}, the server answered {status} {answer}",
            published[label]
        );
        if !required {
            assert!(status.is_success(), "{label}: a keyless request of an optional route runs: {status} {answer}");
        }
    }
}

backend_tests!(
    the_published_key_table_is_what_the_server_does,
    a_partial_void_needs_a_key_and_a_full_one_cannot_double,
    state_changes_replay_after_their_records_expire,
    an_expired_key_sent_to_another_route_is_a_new_request,
    program_patches_never_undo_each_other,
    a_retry_right_after_a_refusal_is_never_in_use,
    repeated_and_parameterised_key_headers,
);
