//! Purchases: the earning rule, the points override, `external_id` dedupe,
//! validation and overflow, and reading a transaction back.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, header, spawn_app};

/// POSTs a purchase with a fresh idempotency key.
async fn purchase(app: &TestApp, payload: Value) -> Response {
    purchase_with_key(app, &uuid::Uuid::new_v4().to_string(), payload).await
}

async fn purchase_with_key(app: &TestApp, key: &str, payload: Value) -> Response {
    app.post("/api/v1/transactions").header("Idempotency-Key", key).json(&payload).send().await.unwrap()
}

async fn set_rate(app: &TestApp, rate: i64) {
    let response =
        app.patch("/api/v1/program").json(&json!({ "points_per_currency_unit": rate })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await["points_per_currency_unit"], rate);
}

async fn full_balance(app: &TestApp, customer_id: &str) -> Value {
    let response = app.get(&format!("/api/v1/customers/{customer_id}/balance")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

async fn points_follow_the_earning_rule(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("earner@example.com").await;
    set_rate(&app, 3).await;

    // floor(1999 × 3 / 100) = floor(59.97) = 59
    let response =
        purchase(&app, json!({ "customer_id": customer, "spend_amount_cents": 1999, "currency": "EUR" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "idempotent-replayed").as_deref(), Some("false"));
    let location = header(&response, "location");
    let first = body(response).await;
    let first_id = first["id"].as_str().unwrap().to_owned();
    assert!(first_id.starts_with("txn_"), "{first_id}");
    assert_eq!(location.as_deref(), Some(format!("/api/v1/transactions/{first_id}").as_str()));
    assert_eq!(first["points"], 59);
    assert_eq!(first["customer_id"], customer.as_str());
    assert_eq!(first["spend_amount_cents"], 1999);
    assert_eq!(first["currency"], "EUR");
    assert_eq!(first["external_id"], Value::Null);

    // floor(33 × 3 / 100) = floor(0.99) = 0, and the currency is normalised.
    let response =
        purchase(&app, json!({ "customer_id": customer, "spend_amount_cents": 33, "currency": "usd" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let second = body(response).await;
    assert_eq!(second["points"], 0);
    assert_eq!(second["currency"], "USD");

    // floor(10_000 × 3 / 100) = 300
    let response =
        purchase(&app, json!({ "customer_id": customer, "spend_amount_cents": 10_000, "currency": "EUR" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let third = body(response).await;
    assert_eq!(third["points"], 300);

    let balance = full_balance(&app, &customer).await;
    assert_eq!(balance["available"], 359);
    assert_eq!(balance["lifetime_earned"], 359);
    assert_eq!(balance["lifetime_spent"], 0);

    let ledger = app.ledger(&customer).await;
    assert_eq!(ledger.len(), 3, "{ledger:?}");
    // Newest first.
    assert_eq!(ledger[0]["transaction_id"], third["id"]);
    assert_eq!(ledger[0]["points"], 300);
    assert_eq!(ledger[0]["balance_after"], 359);
    assert_eq!(ledger[1]["transaction_id"], second["id"]);
    assert_eq!(ledger[1]["points"], 0);
    assert_eq!(ledger[1]["balance_after"], 59);
    assert_eq!(ledger[2]["transaction_id"], first_id.as_str());
    assert_eq!(ledger[2]["points"], 59);
    assert_eq!(ledger[2]["balance_after"], 59);
    for entry in &ledger {
        assert_eq!(entry["operation"], "earn");
        assert_eq!(entry["customer_id"], customer.as_str());
        assert_eq!(entry["redemption_id"], Value::Null);
        assert!(entry["id"].as_str().unwrap().starts_with("led_"));
    }
    app.assert_verified().await;
}

async fn points_override_replaces_the_rule(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("promo@example.com").await;

    let response =
        purchase(&app, json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EUR", "points": 500 }))
            .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let txn = body(response).await;
    assert_eq!(txn["points"], 500, "the override wins over the rule's 1 point");

    let response =
        purchase(&app, json!({ "customer_id": customer, "spend_amount_cents": 5000, "currency": "EUR", "points": 0 }))
            .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(body(response).await["points"], 0, "an override of zero is honoured, not the rule's 50");

    assert_eq!(app.balance(&customer).await, 500);
    let ledger = app.ledger(&customer).await;
    assert_eq!(ledger.len(), 2);
    assert_eq!(ledger[1]["transaction_id"], txn["id"]);
    assert_eq!(ledger[1]["points"], 500);
    assert_eq!(ledger[1]["operation"], "earn");
}

async fn external_id_returns_the_first_transaction(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("receipt@example.com").await;
    let payload =
        json!({ "customer_id": customer, "spend_amount_cents": 2500, "currency": "EUR", "external_id": "POS-1-0001" });

    let response = purchase(&app, payload.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let first = body(response).await;
    assert_eq!(first["external_id"], "POS-1-0001");
    assert_eq!(first["points"], 25);

    // Same receipt, another key: the first purchase, not a second one.
    let response = purchase(&app, payload.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let second = body(response).await;
    assert_eq!(second, first);

    // Same receipt with other numbers: still the first purchase, unchanged.
    let response = purchase(
        &app,
        json!({ "customer_id": customer, "spend_amount_cents": 9900, "currency": "EUR", "external_id": "POS-1-0001" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let third = body(response).await;
    assert_eq!(third["id"], first["id"]);
    assert_eq!(third["points"], 25);

    assert_eq!(app.balance(&customer).await, 25, "points credited once");
    let ledger = app.ledger(&customer).await;
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0]["transaction_id"], first["id"]);

    // Another receipt number is another purchase.
    let response = purchase(
        &app,
        json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EUR", "external_id": "POS-1-0002" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_ne!(body(response).await["id"], first["id"]);
    assert_eq!(app.balance(&customer).await, 26);

    // external_id is unique per program: another program may use the same one.
    let other = app.other_program().await;
    let theirs = other.create_customer("receipt@example.com").await;
    let response = purchase(
        &other,
        json!({ "customer_id": theirs, "spend_amount_cents": 2500, "currency": "EUR", "external_id": "POS-1-0001" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_ne!(body(response).await["id"], first["id"]);
    assert_eq!(other.balance(&theirs).await, 25);
    assert_eq!(app.balance(&customer).await, 26);
    app.assert_verified().await;
}

async fn unknown_customer_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("bystander@example.com").await;
    app.earn(&customer, 10).await;
    let ledger_before = app.ledger(&customer).await;

    let key = uuid::Uuid::new_v4().to_string();
    for id in ["cus_01ARZ3NDEKTSV4RRFFQ69G5FAV", "nobody", ""] {
        let response = purchase_with_key(
            &app,
            &key,
            json!({ "customer_id": id, "spend_amount_cents": 1000, "currency": "EUR", "external_id": "R-404" }),
        )
        .await;
        assert_problem(response, StatusCode::NOT_FOUND, "customer_not_found").await;
    }
    // A customer of another program is as unknown as a missing one.
    let other = app.other_program().await;
    let response =
        purchase(&other, json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR" })).await;
    assert_problem(response, StatusCode::NOT_FOUND, "customer_not_found").await;

    assert_eq!(app.balance(&customer).await, 10);
    assert_eq!(app.ledger(&customer).await, ledger_before);
    // The refusal recorded nothing: neither the key nor the external_id is used up.
    let response = purchase_with_key(
        &app,
        &key,
        json!({ "customer_id": customer, "spend_amount_cents": 1000, "currency": "EUR", "external_id": "R-404" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(app.balance(&customer).await, 20);
}

async fn invalid_purchases_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("invalid@example.com").await;
    let cases = [
        (json!({ "customer_id": customer, "spend_amount_cents": -1, "currency": "EUR" }), "spend_amount_cents"),
        (json!({ "customer_id": customer, "spend_amount_cents": i64::MIN, "currency": "EUR" }), "spend_amount_cents"),
        (json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EURO" }), "currency"),
        (json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "E1R" }), "currency"),
        (json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "" }), "currency"),
        (json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "€€€" }), "currency"),
        (json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EUR", "points": -5 }), "points"),
        (
            json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EUR", "external_id": "" }),
            "external_id",
        ),
        (
            json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EUR", "external_id": "x".repeat(256) }),
            "external_id",
        ),
    ];
    for (payload, field) in cases {
        let response = purchase(&app, payload.clone()).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert!(problem["detail"].as_str().unwrap().contains(field), "{payload}: {problem}");
    }
    assert_eq!(app.balance(&customer).await, 0);
    assert!(app.ledger(&customer).await.is_empty());
}

async fn overflowing_points_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("whale@example.com").await;
    app.earn(&customer, 10).await;
    let ledger_before = app.ledger(&customer).await;
    set_rate(&app, 1000).await;

    // i64::MAX × 1000 / 100 does not fit in 64 bits.
    let response =
        purchase(&app, json!({ "customer_id": customer, "spend_amount_cents": i64::MAX, "currency": "EUR" })).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "points_overflow").await;

    // The points fit, but the balance would not.
    let key = uuid::Uuid::new_v4().to_string();
    let response = purchase_with_key(
        &app,
        &key,
        json!({ "customer_id": customer, "spend_amount_cents": 1, "currency": "EUR", "points": i64::MAX }),
    )
    .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "points_overflow").await;

    let balance = full_balance(&app, &customer).await;
    assert_eq!(balance["available"], 10);
    assert_eq!(balance["lifetime_earned"], 10);
    assert_eq!(app.ledger(&customer).await, ledger_before);

    // Right up to the limit is fine (the refused attempt did not consume its key).
    let response = purchase_with_key(
        &app,
        &key,
        json!({ "customer_id": customer, "spend_amount_cents": 1, "currency": "EUR", "points": i64::MAX - 10 }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(app.balance(&customer).await, i64::MAX);
    // One more point overflows.
    let response =
        purchase(&app, json!({ "customer_id": customer, "spend_amount_cents": 0, "currency": "EUR", "points": 1 }))
            .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "points_overflow").await;
    assert_eq!(app.balance(&customer).await, i64::MAX);
    assert_eq!(app.ledger(&customer).await.len(), 2);
    app.assert_verified().await;
}

async fn transaction_can_be_read_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("reader@example.com").await;
    let response = purchase(
        &app,
        json!({ "customer_id": customer, "spend_amount_cents": 4321, "currency": "GBP", "external_id": "order-77" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created = body(response).await;
    let id = created["id"].as_str().unwrap();

    let response = app.get(&format!("/api/v1/transactions/{id}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, created);

    for unknown in ["txn_01ARZ3NDEKTSV4RRFFQ69G5FAV", "txn_bad", customer.as_str()] {
        let response = app.get(&format!("/api/v1/transactions/{unknown}")).send().await.unwrap();
        assert_problem(response, StatusCode::NOT_FOUND, "transaction_not_found").await;
    }
    let other = app.other_program().await;
    let response = other.get(&format!("/api/v1/transactions/{id}")).send().await.unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "transaction_not_found").await;
}

backend_tests!(
    points_follow_the_earning_rule,
    points_override_replaces_the_rule,
    external_id_returns_the_first_transaction,
    unknown_customer_is_refused_and_changes_nothing,
    invalid_purchases_are_refused,
    overflowing_points_are_refused,
    transaction_can_be_read_back,
);
