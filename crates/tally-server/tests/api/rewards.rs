//! The rewards catalog: create, get, list, PATCH semantics and validation.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, header, list_ids, spawn_app, walk_pages};

async fn create(app: &TestApp, payload: Value) -> Response {
    app.post("/api/v1/rewards").json(&payload).send().await.unwrap()
}

async fn patch(app: &TestApp, id: &str, payload: Value) -> Response {
    app.patch(&format!("/api/v1/rewards/{id}")).json(&payload).send().await.unwrap()
}

async fn list(app: &TestApp, query: &[(&str, &str)]) -> (Vec<String>, bool) {
    list_ids(app, "/api/v1/rewards", query).await
}

async fn create_applies_defaults_and_get_returns_it(backend: Backend) {
    let app = spawn_app(backend).await;

    let response = create(&app, json!({ "name": "  Free coffee ", "cost_points": 150 })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = header(&response, "location");
    let reward = body(response).await;
    let id = reward["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("rwd_"), "{id}");
    assert_eq!(location.as_deref(), Some(format!("/api/v1/rewards/{id}").as_str()));
    assert_eq!(reward["name"], "Free coffee");
    assert_eq!(reward["cost_points"], 150);
    assert_eq!(reward["kind"], "item");
    assert_eq!(reward["active"], true);
    assert_eq!(reward["stock"], Value::Null);
    assert!(reward["created_at"].is_string() && reward["updated_at"].is_string());

    let response = app.get(&format!("/api/v1/rewards/{id}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, reward);

    let response = create(
        &app,
        json!({ "name": "10 € voucher", "cost_points": 0, "kind": "voucher", "stock": 3, "active": false }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let voucher = body(response).await;
    assert_eq!(voucher["name"], "10 € voucher");
    assert_eq!(voucher["cost_points"], 0);
    assert_eq!(voucher["kind"], "voucher");
    assert_eq!(voucher["stock"], 3);
    assert_eq!(voucher["active"], false);

    for unknown in ["rwd_01ARZ3NDEKTSV4RRFFQ69G5FAV", "rwd_nope", "cus_01ARZ3NDEKTSV4RRFFQ69G5FAV"] {
        let response = app.get(&format!("/api/v1/rewards/{unknown}")).send().await.unwrap();
        assert_problem(response, StatusCode::NOT_FOUND, "reward_not_found").await;
        let response = patch(&app, unknown, json!({ "active": false })).await;
        assert_problem(response, StatusCode::NOT_FOUND, "reward_not_found").await;
    }

    // Another program sees none of it.
    let other = app.other_program().await;
    let response = other.get(&format!("/api/v1/rewards/{id}")).send().await.unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "reward_not_found").await;
    let response = patch(&other, &id, json!({ "cost_points": 1 })).await;
    assert_problem(response, StatusCode::NOT_FOUND, "reward_not_found").await;
    let (ids, _) = list(&other, &[]).await;
    assert!(ids.is_empty());
    assert_eq!(app.reward(&id).await, reward, "the other program's PATCH changed nothing");
}

async fn list_paginates_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(app.create_reward(10 * (i + 1), None).await);
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    let (all, has_more) = list(&app, &[]).await;
    assert_eq!(all, newest_first);
    assert!(!has_more);

    let (walked, pages) = walk_pages(&app, "/api/v1/rewards", 2).await;
    assert_eq!(pages, 3);
    assert_eq!(walked, newest_first);

    // A page that ends exactly at the oldest item says nothing more follows.
    let (page, has_more) = list(&app, &[("limit", "5")]).await;
    assert_eq!(page, newest_first);
    assert!(!has_more);
    let (page, has_more) = list(&app, &[("limit", "1"), ("starting_after", &newest_first[3])]).await;
    assert_eq!(page, newest_first[4..]);
    assert!(!has_more);
}

async fn patch_semantics(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app.create_reward(100, None).await;
    let original = app.reward(&id).await;
    assert_eq!(original["stock"], Value::Null);

    // A number sets the stock.
    let response = patch(&app, &id, json!({ "stock": 5 })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let patched = body(response).await;
    assert_eq!(patched["stock"], 5);
    assert_eq!(patched["cost_points"], 100);
    assert_eq!(patched["name"], original["name"]);
    assert_eq!(patched["active"], true);
    assert_eq!(app.reward(&id).await["stock"], 5);

    // Absent leaves it.
    let response = patch(&app, &id, json!({ "cost_points": 250, "name": "Espresso" })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let patched = body(response).await;
    assert_eq!(patched["stock"], 5);
    assert_eq!(patched["cost_points"], 250);
    assert_eq!(patched["name"], "Espresso");

    // An empty patch changes nothing.
    let response = patch(&app, &id, json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let unchanged = body(response).await;
    for field in ["id", "name", "cost_points", "kind", "stock", "active", "created_at"] {
        assert_eq!(unchanged[field], patched[field], "{field}");
    }

    // Null makes it unlimited.
    let response = patch(&app, &id, json!({ "stock": null })).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await["stock"], Value::Null);
    let stored = app.reward(&id).await;
    assert_eq!(stored["stock"], Value::Null);
    assert_eq!(stored["cost_points"], 250);

    // Zero is a real (empty) stock, not unlimited.
    let response = patch(&app, &id, json!({ "stock": 0 })).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.reward(&id).await["stock"], 0);

    // Deactivate, and back.
    let response = patch(&app, &id, json!({ "active": false })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let inactive = body(response).await;
    assert_eq!(inactive["active"], false);
    assert_eq!(inactive["stock"], 0);
    assert_eq!(app.reward(&id).await["active"], false);
    let response = patch(&app, &id, json!({ "active": true })).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.reward(&id).await["active"], true);
}

async fn invalid_rewards_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let invalid_field = [
        json!({ "name": "Coffee", "cost_points": -1 }),
        json!({ "name": "Coffee", "cost_points": 10, "stock": -1 }),
        json!({ "name": "", "cost_points": 10 }),
        json!({ "name": "   ", "cost_points": 10 }),
        json!({ "name": "x".repeat(201), "cost_points": 10 }),
        json!({ "name": "line\nbreak", "cost_points": 10 }),
    ];
    for payload in invalid_field {
        let response = create(&app, payload.clone()).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    }
    let invalid_body = [
        json!({ "name": "Coffee", "cost_points": 10, "colour": "brown" }),
        json!({ "name": "Coffee", "cost_points": 10, "kind": "service" }),
        json!({ "name": "Coffee", "cost_points": "10" }),
        json!({ "name": "Coffee" }),
        json!({ "cost_points": 10 }),
        json!({ "name": "Coffee", "cost_points": 10, "active": "yes" }),
    ];
    for payload in invalid_body {
        let response = create(&app, payload.clone()).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    let (ids, _) = list(&app, &[]).await;
    assert!(ids.is_empty(), "refused creations made nothing: {ids:?}");

    let id = app.create_reward(100, Some(4)).await;
    let before = app.reward(&id).await;
    for payload in [
        json!({ "cost_points": -5 }),
        json!({ "stock": -1 }),
        json!({ "name": "" }),
        json!({ "name": "  " }),
        json!({ "stock": 1, "cost_points": -1 }),
    ] {
        let response = patch(&app, &id, payload).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    }
    for payload in
        [json!({ "colour": "brown" }), json!({ "kind": "voucher" }), json!({ "stock": "many" }), json!({ "active": 1 })]
    {
        let response = patch(&app, &id, payload.clone()).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    assert_eq!(app.reward(&id).await, before, "refused patches changed nothing");
}

async fn inactive_reward_cannot_be_redeemed(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("inactive@example.com").await;
    app.earn(&customer, 500).await;
    let reward = app.create_reward(100, Some(3)).await;
    let response = patch(&app, &reward, json!({ "active": false })).await;
    assert_eq!(response.status(), StatusCode::OK);

    let key = uuid::Uuid::new_v4().to_string();
    let response = app.redeem(&key, &customer, &reward).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "reward_inactive").await;
    assert_eq!(app.balance(&customer).await, 500);
    assert_eq!(app.reward(&reward).await["stock"], 3);
    assert_eq!(app.ledger(&customer).await.len(), 1);

    // Reactivated, the same key now redeems: the refusal consumed nothing.
    let response = patch(&app, &reward, json!({ "active": true })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.redeem(&key, &customer, &reward).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(app.balance(&customer).await, 400);
    assert_eq!(app.reward(&reward).await["stock"], 2);

    // A reward created inactive is refused the same way.
    let response = create(&app, json!({ "name": "Hidden", "cost_points": 1, "active": false })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let hidden = body(response).await["id"].as_str().unwrap().to_owned();
    let response = app.redeem(&uuid::Uuid::new_v4().to_string(), &customer, &hidden).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "reward_inactive").await;
    assert_eq!(app.balance(&customer).await, 400);
    app.assert_verified().await;
}

backend_tests!(
    create_applies_defaults_and_get_returns_it,
    list_paginates_newest_first,
    patch_semantics,
    invalid_rewards_are_refused,
    inactive_reward_cannot_be_redeemed,
);
