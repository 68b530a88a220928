//! Customers: upsert by natural key (email, phone), get, list, balance, ledger,
//! tenant isolation, and concurrent first upserts.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, header, list_ids, spawn_app, walk_pages};

async fn upsert(app: &TestApp, payload: Value) -> (StatusCode, Value) {
    let response = app.post("/api/v1/customers").json(&payload).send().await.unwrap();
    let status = response.status();
    (status, body(response).await)
}

/// Lists customers with the given query pairs and returns `(ids, has_more)`.
async fn list(app: &TestApp, query: &[(&str, &str)]) -> (Vec<String>, bool) {
    list_ids(app, "/api/v1/customers", query).await
}

async fn upsert_creates_then_finds_by_email_case_insensitively(backend: Backend) {
    let app = spawn_app(backend).await;

    let response =
        app.post("/api/v1/customers").json(&json!({ "email": "Ada@Example.COM", "name": "Ada" })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = header(&response, "location");
    let created = body(response).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("cus_"), "{id}");
    assert_eq!(location.as_deref(), Some(format!("/api/v1/customers/{id}").as_str()));
    assert_eq!(created["email"], "ada@example.com");
    assert_eq!(created["name"], "Ada");
    assert_eq!(created["phone"], Value::Null);
    assert!(created["created_at"].is_string());

    let (status, found) = upsert(&app, json!({ "email": "  ada@EXAMPLE.com ", "name": "Ada Lovelace" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["id"], id.as_str());
    assert_eq!(found["email"], "ada@example.com");
    assert_eq!(found["name"], "Ada Lovelace", "the name is updated on re-upsert");
    // Same body shape for 201 and 200.
    let mut created_keys: Vec<_> = created.as_object().unwrap().keys().collect();
    let mut found_keys: Vec<_> = found.as_object().unwrap().keys().collect();
    created_keys.sort();
    found_keys.sort();
    assert_eq!(created_keys, found_keys);

    let response = app.get(&format!("/api/v1/customers/{id}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let fetched = body(response).await;
    assert_eq!(fetched["id"], id.as_str());
    assert_eq!(fetched["name"], "Ada Lovelace");

    let (ids, has_more) = list(&app, &[]).await;
    assert_eq!(ids, vec![id]);
    assert!(!has_more);
}

async fn upsert_finds_by_phone_in_another_format(backend: Backend) {
    let app = spawn_app(backend).await;

    let (status, created) = upsert(&app, json!({ "phone": "+49 151 1234-5678", "name": "Grace" })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["phone"], "+4915112345678");
    assert_eq!(created["email"], Value::Null);
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, found) = upsert(&app, json!({ "phone": "+4915112345678", "name": "Grace Hopper" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["id"], id.as_str());
    assert_eq!(found["name"], "Grace Hopper");

    let (status, found) = upsert(&app, json!({ "phone": "+49 (151) 12345.678" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["id"], id.as_str());

    // A different number is a different customer.
    let (status, other) = upsert(&app, json!({ "phone": "+4915112345679" })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(other["id"], id.as_str());

    // Filter by phone, written either way.
    for phone in ["+49 151 1234-5678", "+4915112345678"] {
        let (ids, has_more) = list(&app, &[("phone", phone)]).await;
        assert_eq!(ids, vec![id.clone()], "{phone}");
        assert!(!has_more);
    }
}

async fn upsert_requires_a_valid_contact(backend: Backend) {
    let app = spawn_app(backend).await;

    for payload in [json!({}), json!({ "name": "Nobody" }), json!({ "email": null, "phone": null, "name": "X" })] {
        let response = app.post("/api/v1/customers").json(&payload).send().await.unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "contact_required").await;
    }
    for email in ["", "ada", "@example.com", "ada@", "ada@example", "a b@example.com", "a@b@c.com"] {
        let response = app.post("/api/v1/customers").json(&json!({ "email": email })).send().await.unwrap();
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert!(problem["detail"].as_str().unwrap().contains("email"), "{problem}");
    }
    for phone in ["015112345678", "+49abc1234567", "+123", "+0151123456789", "+1234567890123456", ""] {
        let response = app.post("/api/v1/customers").json(&json!({ "phone": phone })).send().await.unwrap();
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert!(problem["detail"].as_str().unwrap().contains("phone"), "{problem}");
    }
    // A valid email does not excuse a bad phone.
    let response = app
        .post("/api/v1/customers")
        .json(&json!({ "email": "ok@example.com", "phone": "not a phone" }))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;

    let (ids, _) = list(&app, &[]).await;
    assert!(ids.is_empty(), "refused upserts created nobody: {ids:?}");
}

async fn get_and_list_filter_by_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.create_customer("ada@example.com").await;
    let bob = app.create_customer("bob@example.com").await;
    assert_ne!(ada, bob);

    let (ids, has_more) = list(&app, &[("email", "ADA@example.com")]).await;
    assert_eq!(ids, vec![ada.clone()]);
    assert!(!has_more);
    let (ids, _) = list(&app, &[("email", "bob@example.com")]).await;
    assert_eq!(ids, vec![bob.clone()]);
    let (ids, _) = list(&app, &[("email", "nobody@example.com")]).await;
    assert!(ids.is_empty());

    let response = app.get("/api/v1/customers").query(&[("email", "not-an-email")]).send().await.unwrap();
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;

    let response = app.get(&format!("/api/v1/customers/{bob}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let customer = body(response).await;
    assert_eq!(customer["id"], bob.as_str());
    assert_eq!(customer["email"], "bob@example.com");
}

async fn list_paginates_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(app.create_customer(&format!("page{i}@example.com")).await);
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    let (all, has_more) = list(&app, &[]).await;
    assert_eq!(all, newest_first);
    assert!(!has_more);

    let (first, has_more) = list(&app, &[("limit", "2")]).await;
    assert_eq!(first, newest_first[..2]);
    assert!(has_more);

    let (walked, pages) = walk_pages(&app, "/api/v1/customers", 2).await;
    assert_eq!(pages, 3);
    assert_eq!(walked, newest_first);

    // Exactly a full last page: has_more is false.
    let (page, has_more) = list(&app, &[("limit", "5")]).await;
    assert_eq!(page.len(), 5);
    assert!(!has_more);
    let (page, has_more) = list(&app, &[("limit", "4")]).await;
    assert_eq!(page, newest_first[..4]);
    assert!(has_more);
    // After the oldest there is nothing.
    let (page, has_more) = list(&app, &[("starting_after", &created[0])]).await;
    assert!(page.is_empty());
    assert!(!has_more);
}

async fn unknown_and_malformed_ids_are_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let real = app.create_customer("real@example.com").await;
    let unknown = "cus_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    assert_ne!(real, unknown);
    for id in [unknown, "cus_notaulid", "not-an-id", "rwd_01ARZ3NDEKTSV4RRFFQ69G5FAV"] {
        for suffix in ["", "/balance", "/ledger"] {
            let response = app.get(&format!("/api/v1/customers/{id}{suffix}")).send().await.unwrap();
            assert_problem(response, StatusCode::NOT_FOUND, "customer_not_found").await;
        }
    }
}

async fn customers_of_another_program_are_invisible(backend: Backend) {
    let app = spawn_app(backend).await;
    let other = app.other_program().await;
    let id = app.create_customer("tenant@example.com").await;
    app.earn(&id, 7).await;

    for suffix in ["", "/balance", "/ledger"] {
        let response = other.get(&format!("/api/v1/customers/{id}{suffix}")).send().await.unwrap();
        let problem = assert_problem(response, StatusCode::NOT_FOUND, "customer_not_found").await;
        assert!(!problem.to_string().contains("tenant@example.com"));
    }
    let (ids, _) = list(&other, &[]).await;
    assert!(ids.is_empty(), "{ids:?}");
    let (ids, _) = list(&other, &[("email", "tenant@example.com")]).await;
    assert!(ids.is_empty(), "{ids:?}");

    // The other program upserting the same email gets its own, new customer.
    let (status, theirs) = upsert(&other, json!({ "email": "tenant@example.com" })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(theirs["id"], id.as_str());
    assert_eq!(other.balance(theirs["id"].as_str().unwrap()).await, 0);

    // Nothing leaked across: the first program still sees only its own.
    let (ids, _) = list(&app, &[]).await;
    assert_eq!(ids, vec![id.clone()]);
    assert_eq!(app.balance(&id).await, 7);
}

async fn balance_and_ledger_of_a_new_customer(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app.create_customer("fresh@example.com").await;
    let response = app.get(&format!("/api/v1/customers/{id}/balance")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let balance = body(response).await;
    assert_eq!(balance["customer_id"], id.as_str());
    for field in ["available", "pending", "lifetime_earned", "lifetime_spent", "expiring_soon"] {
        assert_eq!(balance[field], 0, "{field}: {balance}");
    }
    let response = app.get(&format!("/api/v1/customers/{id}/ledger")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let ledger = body(response).await;
    assert_eq!(ledger["data"], json!([]));
    assert_eq!(ledger["has_more"], false);
}

async fn concurrent_first_upserts_make_one_customer(backend: Backend) {
    let app = spawn_app(backend).await;
    let requests = (0..20).map(|i| {
        app.post("/api/v1/customers").json(&json!({ "email": "Rush@Example.com", "name": format!("r{i}") })).send()
    });
    let responses = futures::future::join_all(requests).await;
    let mut created = 0;
    let mut found = 0;
    let mut ids = HashSet::new();
    for response in responses {
        let response = response.unwrap();
        let status = response.status();
        let customer = body(response).await;
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => found += 1,
            other => panic!("unexpected {other}: {customer}"),
        }
        ids.insert(customer["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(created, 1, "exactly one request creates the customer");
    assert_eq!(found, 19);
    assert_eq!(ids.len(), 1, "every request answers with the same customer: {ids:?}");
    let (listed, has_more) = list(&app, &[]).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(!has_more);
    assert!(ids.contains(&listed[0]));
    let (listed, _) = list(&app, &[("email", "rush@example.com")]).await;
    assert_eq!(listed.len(), 1);
}

backend_tests!(
    upsert_creates_then_finds_by_email_case_insensitively,
    upsert_finds_by_phone_in_another_format,
    upsert_requires_a_valid_contact,
    get_and_list_filter_by_email,
    list_paginates_newest_first,
    unknown_and_malformed_ids_are_not_found,
    customers_of_another_program_are_invisible,
    balance_and_ledger_of_a_new_customer,
    concurrent_first_upserts_make_one_customer,
);
