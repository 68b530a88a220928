use reqwest::StatusCode;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{Backend, assert_problem, body, header, spawn_app};

async fn a_redemption_debits_points_and_stock_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("ada@example.com").await;
    app.earn(&customer, 1000).await;
    let reward = app.create_reward(150, Some(5)).await;

    let response = app
        .post("/api/v1/redemptions")
        .header("Idempotency-Key", "r1")
        .json(&json!({ "customer_id": customer, "reward_id": reward, "quantity": 3 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = header(&response, "location").unwrap();
    let redemption = body(response).await;
    assert_eq!(redemption["points_spent"], 450);
    assert_eq!(redemption["quantity"], 3);
    assert_eq!(redemption["status"], "pending");
    assert!(redemption["id"].as_str().unwrap().starts_with("rdm_"));
    assert_eq!(location, format!("/api/v1/redemptions/{}", redemption["id"].as_str().unwrap()));

    assert_eq!(app.balance(&customer).await, 550);
    assert_eq!(app.reward(&reward).await["stock"], 2);
    let balance = body(app.get(&format!("/api/v1/customers/{customer}/balance")).send().await.unwrap()).await;
    assert_eq!(balance["pending"], 450);
    assert_eq!(balance["lifetime_spent"], 450);
    assert_eq!(balance["lifetime_earned"], 1000);

    let ledger = app.ledger(&customer).await;
    assert_eq!(ledger[0]["operation"], "redeem", "newest first");
    assert_eq!(ledger[0]["points"], -450);
    assert_eq!(ledger[0]["balance_after"], 550);
    assert_eq!(ledger[0]["redemption_id"], redemption["id"]);

    let fetched = body(app.get(&location).send().await.unwrap()).await;
    assert_eq!(fetched, redemption);
    let listed = body(app.get(&format!("/api/v1/customers/{customer}/redemptions")).send().await.unwrap()).await;
    assert_eq!(listed["data"][0], redemption);
    assert_eq!(listed["has_more"], false);
}

async fn refused_redemptions_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("bob@example.com").await;
    app.earn(&customer, 100).await;
    let pricey = app.create_reward(150, None).await;
    let scarce = app.create_reward(10, Some(1)).await;
    let unknown_reward = "rwd_01J00000000000000000000000";
    let unknown_customer = "cus_01J00000000000000000000000";

    assert_problem(app.redeem("a", &customer, &pricey).await, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points")
        .await;
    assert_problem(app.redeem("b", &customer, unknown_reward).await, StatusCode::NOT_FOUND, "reward_not_found").await;
    assert_problem(app.redeem("c", unknown_customer, &scarce).await, StatusCode::NOT_FOUND, "customer_not_found").await;
    for quantity in [0, -1, 1001] {
        let response = app
            .post("/api/v1/redemptions")
            .header("Idempotency-Key", format!("q{quantity}"))
            .json(&json!({ "customer_id": customer, "reward_id": scarce, "quantity": quantity }))
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    }
    let huge = app
        .post("/api/v1/redemptions")
        .header("Idempotency-Key", "huge")
        .json(&json!({ "customer_id": customer, "reward_id": scarce, "quantity": 2 }))
        .send()
        .await
        .unwrap();
    assert_problem(huge, StatusCode::UNPROCESSABLE_ENTITY, "out_of_stock").await;

    assert_eq!(app.balance(&customer).await, 100);
    assert_eq!(app.reward(&scarce).await["stock"], 1);
    assert_eq!(app.ledger(&customer).await.len(), 1, "only the purchase");
    app.assert_verified().await;
}

async fn another_programs_redemption_is_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("eve@example.com").await;
    app.earn(&customer, 100).await;
    let reward = app.create_reward(10, None).await;
    let made = body(app.redeem("mine", &customer, &reward).await).await;
    let other = app.other_program().await;
    let id = made["id"].as_str().unwrap();
    assert_problem(
        other.get(&format!("/api/v1/redemptions/{id}")).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "redemption_not_found",
    )
    .await;
    assert_problem(other.redeem("theirs", &customer, &reward).await, StatusCode::NOT_FOUND, "reward_not_found").await;
    assert_eq!(app.balance(&customer).await, 90);
}

async fn the_v2_compatibility_pair_maps_onto_redemptions(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("v2@example.com").await;
    app.earn(&customer, 500).await;
    let reward = app.create_reward(200, None).await;
    let redeem = |key: &'static str, points: i64| {
        app.post("/api/v2/loyalty/rewards/redeem")
            .header("Idempotency-Key", key)
            .json(&json!({ "customer_id": customer, "reward_id": reward, "points_amount": points, "redemption_type": "reward", "metadata": { "channel": "app" } }))
            .send()
    };
    let mismatch = redeem("v2-a", 150).await.unwrap();
    assert_problem(mismatch, StatusCode::UNPROCESSABLE_ENTITY, "points_amount_mismatch").await;
    assert_eq!(app.balance(&customer).await, 500, "a client is never charged a price it did not expect");

    let first = redeem("v2-b", 200).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let made = body(first).await;
    assert_eq!(made["points_amount"], 200);
    assert_eq!(made["customer_id"], customer.as_str());
    let replay = redeem("v2-b", 200).await.unwrap();
    assert_eq!(header(&replay, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(body(replay).await, made);
    assert_eq!(app.balance(&customer).await, 300);

    let listed = body(app.get(&format!("/api/v2/loyalty/redemptions/{customer}")).send().await.unwrap()).await;
    assert_eq!(listed["redemptions"][0]["redemption_id"], made["redemption_id"]);
    assert_eq!(listed["redemptions"].as_array().unwrap().len(), 1);
    let v1 = body(
        app.get(&format!("/api/v1/redemptions/{}", made["redemption_id"].as_str().unwrap())).send().await.unwrap(),
    )
    .await;
    assert_eq!(v1["points_spent"], 200);
}

backend_tests!(
    a_redemption_debits_points_and_stock_once,
    refused_redemptions_change_nothing,
    another_programs_redemption_is_not_found,
    the_v2_compatibility_pair_maps_onto_redemptions,
);
