//! The redemption lifecycle: `pending` → `fulfilled` or `cancelled`, each only
//! once, a cancel refunding points and stock in the same transaction.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, fire_all, header, spawn_app};

async fn step(app: &TestApp, redemption_id: &str, action: &str, key: Option<&str>) -> Response {
    let mut request = app.post(&format!("/api/v1/redemptions/{redemption_id}/{action}")).json(&json!({}));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

/// A customer with 1000 points who redeemed two units of a 150-point reward (5 in stock).
async fn pending_redemption(app: &TestApp, email: &str) -> (String, String, Value) {
    let customer = app.create_customer(email).await;
    app.earn(&customer, 1000).await;
    let reward = app.create_reward(150, Some(5)).await;
    let response = app
        .post("/api/v1/redemptions")
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&json!({ "customer_id": customer, "reward_id": reward, "quantity": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let redemption = body(response).await;
    assert_eq!(redemption["status"], "pending");
    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["available"], 700);
    assert_eq!(balance["pending"], 300);
    assert_eq!(app.reward(&reward).await["stock"], 3);
    (customer, reward, redemption)
}

async fn fulfil_moves_a_pending_redemption_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward, redemption) = pending_redemption(&app, "fulfil@example.com").await;
    let id = redemption["id"].as_str().unwrap();

    let response = step(&app, id, "fulfil", Some("ship-1")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "idempotent-replayed").as_deref(), Some("false"));
    let first = response.bytes().await.unwrap();
    let fulfilled: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(fulfilled["status"], "fulfilled");
    assert_eq!(fulfilled["id"], id);
    assert_eq!(fulfilled["points_spent"], 300);
    assert_eq!(fulfilled["quantity"], 2);
    assert_eq!(app.redemption(id).await, fulfilled);

    // Fulfilling keeps the points spent and the stock taken; nothing is pending any more.
    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["available"], 700);
    assert_eq!(balance["pending"], 0);
    assert_eq!(balance["lifetime_spent"], 300);
    assert_eq!(app.reward(&reward).await["stock"], 3);
    assert_eq!(app.ledger(&customer).await.len(), 2, "fulfilling moves no points");

    let replay = step(&app, id, "fulfil", Some("ship-1")).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(header(&replay, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(replay.bytes().await.unwrap(), first);

    let again = step(&app, id, "fulfil", Some("ship-2")).await;
    assert_problem(again, StatusCode::UNPROCESSABLE_ENTITY, "already_fulfilled").await;
    let unkeyed = step(&app, id, "fulfil", None).await;
    assert_problem(unkeyed, StatusCode::UNPROCESSABLE_ENTITY, "already_fulfilled").await;
    let cancel = step(&app, id, "cancel", Some("too-late")).await;
    assert_problem(cancel, StatusCode::UNPROCESSABLE_ENTITY, "already_fulfilled").await;

    assert_eq!(app.redemption(id).await, fulfilled);
    assert_eq!(app.balance(&customer).await, 700);
    assert_eq!(app.reward(&reward).await["stock"], 3);
    assert_eq!(app.ledger(&customer).await.len(), 2);
    app.assert_verified().await;
}

async fn cancel_refunds_points_and_stock_together(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward, redemption) = pending_redemption(&app, "cancel@example.com").await;
    let id = redemption["id"].as_str().unwrap();

    // A bare POST, without a body, is accepted too.
    let response = app.post(&format!("/api/v1/redemptions/{id}/cancel")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cancelled = body(response).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["id"], id);
    assert_eq!(cancelled["points_spent"], 300);
    assert_eq!(app.redemption(id).await, cancelled);

    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["available"], 1000);
    assert_eq!(balance["pending"], 0);
    assert_eq!(app.reward(&reward).await["stock"], 5);
    let ledger = app.ledger(&customer).await;
    assert_eq!(ledger.len(), 3, "{ledger:?}");
    assert_eq!(ledger[0]["operation"], "refund");
    assert_eq!(ledger[0]["points"], 300);
    assert_eq!(ledger[0]["balance_after"], 1000);
    assert_eq!(ledger[0]["redemption_id"], id);
    assert_eq!(ledger[1]["operation"], "redeem");
    assert_eq!(ledger[1]["redemption_id"], id);

    let again = step(&app, id, "cancel", Some("again")).await;
    assert_problem(again, StatusCode::UNPROCESSABLE_ENTITY, "already_cancelled").await;
    let fulfil = step(&app, id, "fulfil", Some("ship")).await;
    assert_problem(fulfil, StatusCode::UNPROCESSABLE_ENTITY, "already_cancelled").await;
    assert_eq!(app.redemption(id).await, cancelled);
    assert_eq!(app.balance(&customer).await, 1000);
    assert_eq!(app.reward(&reward).await["stock"], 5);
    assert_eq!(app.ledger(&customer).await.len(), 3);

    // The refunded points and stock are usable again; an unlimited reward stays unlimited.
    let unlimited = app.create_reward(1000, None).await;
    let all_in = app.redeemed(&customer, &unlimited).await;
    assert_eq!(app.balance(&customer).await, 0);
    let cancelled = body(step(&app, all_in["id"].as_str().unwrap(), "cancel", Some("undo")).await).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(app.reward(&unlimited).await["stock"], Value::Null);
    assert_eq!(app.balance(&customer).await, 1000);
    app.assert_verified().await;
}

async fn pending_counts_only_pending_redemptions(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("pending@example.com").await;
    app.earn(&customer, 100).await;
    let reward = app.create_reward(10, None).await;
    let a = app.redeemed(&customer, &reward).await;
    let b = app.redeemed(&customer, &reward).await;
    let c = app.redeemed(&customer, &reward).await;
    assert_eq!(app.full_balance(&customer).await["pending"], 30);
    assert_eq!(step(&app, a["id"].as_str().unwrap(), "fulfil", None).await.status(), StatusCode::OK);
    assert_eq!(app.full_balance(&customer).await["pending"], 20);
    assert_eq!(step(&app, b["id"].as_str().unwrap(), "cancel", None).await.status(), StatusCode::OK);
    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["pending"], 10);
    assert_eq!(balance["available"], 80);
    let listed = body(app.get(&format!("/api/v1/customers/{customer}/redemptions")).send().await.unwrap()).await;
    let statuses: Vec<_> = listed["data"].as_array().unwrap().iter().map(|r| r["status"].clone()).collect();
    assert_eq!(statuses, [json!("pending"), json!("cancelled"), json!("fulfilled")], "newest first");
    assert_eq!(listed["data"][0]["id"], c["id"]);
    app.assert_verified().await;
}

async fn unknown_foreign_and_malformed_moves_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward, redemption) = pending_redemption(&app, "untouched@example.com").await;
    let id = redemption["id"].as_str().unwrap();
    let other = app.other_program().await;

    for action in ["fulfil", "cancel"] {
        let unknown = step(&app, "rdm_01J00000000000000000000000", action, Some("u")).await;
        assert_problem(unknown, StatusCode::NOT_FOUND, "redemption_not_found").await;
        for bad_id in ["7", "rdm_7", "rwd_01J00000000000000000000000", "rdm_%22%20OR%20%221%22%3D%221"] {
            let response = step(&app, bad_id, action, Some("m")).await;
            assert_problem(response, StatusCode::NOT_FOUND, "redemption_not_found").await;
        }
        let foreign = step(&other, id, action, Some("theirs")).await;
        assert_problem(foreign, StatusCode::NOT_FOUND, "redemption_not_found").await;

        let path = format!("/api/v1/redemptions/{id}/{action}");
        for raw in ["{", "not json", "{}}"] {
            let response = app.post_raw(&path, uuid::Uuid::new_v4().to_string(), raw).await;
            assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
        }
        for payload in [json!({ "status": "fulfilled" }), json!({ "refund": true }), json!("cancel"), json!(null)] {
            let response = app.post(&path).json(&payload).send().await.unwrap();
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        }
        let wrong_method = app.client.put(app.url(&path)).bearer_auth(&app.token).send().await.unwrap();
        assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
        let anonymous = app.client.post(app.url(&path)).json(&json!({})).send().await.unwrap();
        assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    assert_eq!(app.redemption(id).await, redemption, "still pending");
    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["available"], 700);
    assert_eq!(balance["pending"], 300);
    assert_eq!(app.reward(&reward).await["stock"], 3);
    assert_eq!(app.ledger(&customer).await.len(), 2);
    app.assert_verified().await;
}

async fn simultaneous_fulfils_fulfil_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward, redemption) = pending_redemption(&app, "race-fulfil@example.com").await;
    let id = redemption["id"].as_str().unwrap().to_owned();

    let outcomes = app.race(20, &format!("/api/v1/redemptions/{id}/fulfil"), json!({})).await;
    assert_eq!(outcomes.get("200/miss"), Some(&1), "{outcomes:?}");
    assert_eq!(outcomes.get("422/already_fulfilled"), Some(&19), "{outcomes:?}");
    assert_eq!(app.redemption(&id).await["status"], "fulfilled");
    assert_eq!(app.balance(&customer).await, 700);
    assert_eq!(app.reward(&reward).await["stock"], 3);
    app.assert_verified().await;
}

async fn simultaneous_cancels_refund_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward, redemption) = pending_redemption(&app, "race-cancel@example.com").await;
    let id = redemption["id"].as_str().unwrap().to_owned();

    let outcomes = app.race(20, &format!("/api/v1/redemptions/{id}/cancel"), json!({})).await;
    assert_eq!(outcomes.get("200/miss"), Some(&1), "{outcomes:?}");
    assert_eq!(outcomes.get("422/already_cancelled"), Some(&19), "{outcomes:?}");
    assert_eq!(app.balance(&customer).await, 1000);
    assert_eq!(app.entries(&customer, "refund").await.len(), 1);
    assert_eq!(app.reward(&reward).await["stock"], 5);
    app.assert_verified().await;
}

async fn fulfil_and_cancel_racing_leave_one_winner(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward, redemption) = pending_redemption(&app, "race-both@example.com").await;
    let id = redemption["id"].as_str().unwrap().to_owned();

    let outcomes = fire_all(20, |i| {
        let action = if i % 2 == 0 { "fulfil" } else { "cancel" };
        app.post(&format!("/api/v1/redemptions/{id}/{action}"))
            .header("Idempotency-Key", format!("{action}-{i}"))
            .json(&json!({}))
            .send()
    })
    .await;
    assert_eq!(outcomes.get("200/miss"), Some(&1), "{outcomes:?}");
    let status = app.redemption(&id).await["status"].as_str().unwrap().to_owned();
    let loser = format!("422/already_{status}");
    assert_eq!(outcomes.get(&loser), Some(&19), "{status}: {outcomes:?}");
    let (balance, stock) = if status == "cancelled" { (1000, 5) } else { (700, 3) };
    assert_eq!(app.balance(&customer).await, balance);
    assert_eq!(app.reward(&reward).await["stock"], stock);
    app.assert_verified().await;
}

backend_tests!(
    fulfil_moves_a_pending_redemption_once,
    cancel_refunds_points_and_stock_together,
    pending_counts_only_pending_redemptions,
    unknown_foreign_and_malformed_moves_change_nothing,
    simultaneous_fulfils_fulfil_once,
    simultaneous_cancels_refund_once,
    fulfil_and_cancel_racing_leave_one_winner,
);
