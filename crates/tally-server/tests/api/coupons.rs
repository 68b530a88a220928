//! Coupons: a voucher's redemption issues a single-use code; redeeming it
//! fulfils the redemption; a cancelled redemption's coupon is void.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, fire_all, header, spawn_app};

const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

async fn use_coupon(app: &TestApp, code: &str, key: Option<&str>) -> Response {
    let mut request = app.post(&format!("/api/v1/coupons/{code}/redeem")).json(&json!({}));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

async fn cancel(app: &TestApp, redemption_id: &str) -> Response {
    app.post(&format!("/api/v1/redemptions/{redemption_id}/cancel")).json(&json!({})).send().await.unwrap()
}

/// A customer with 500 points who redeemed a 100-point voucher (10 in stock).
async fn voucher_redemption(app: &TestApp, email: &str) -> (String, String, Value, String) {
    let customer = app.create_customer(email).await;
    app.earn(&customer, 500).await;
    let voucher = app.create_voucher(100, Some(10)).await;
    let redemption = app.redeemed(&customer, &voucher).await;
    let code = redemption["coupon_code"].as_str().expect("a voucher's redemption carries a coupon").to_owned();
    (customer, voucher, redemption, code)
}

async fn a_voucher_issues_a_coupon_that_is_used_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, voucher, redemption, code) = voucher_redemption(&app, "voucher@example.com").await;
    let redemption_id = redemption["id"].as_str().unwrap();
    assert_eq!(code.len(), 26, "{code}");
    assert!(code.chars().all(|c| CROCKFORD.contains(c)), "{code}");
    assert_eq!(redemption["status"], "pending");
    assert_eq!(app.redemption(redemption_id).await["coupon_code"], code.as_str());

    // An item's redemption has no coupon.
    let item = app.create_reward(10, None).await;
    assert_eq!(app.redeemed(&customer, &item).await["coupon_code"], Value::Null);

    let coupon = app.coupon(&code).await;
    assert!(coupon["id"].as_str().unwrap().starts_with("cpn_"), "{coupon}");
    assert_eq!(coupon["code"], code.as_str());
    assert_eq!(coupon["status"], "active");
    assert_eq!(coupon["redemption_id"], redemption_id);
    assert_eq!(coupon["customer_id"], customer.as_str());
    assert_eq!(coupon["reward_id"], voucher.as_str());
    assert_eq!(coupon["redeemed_at"], Value::Null);
    assert_eq!(app.coupon(&code.to_lowercase()).await, coupon, "codes are case-insensitive");

    // Using it moves stock-like value, so it needs a key.
    let unkeyed = use_coupon(&app, &code, None).await;
    assert_problem(unkeyed, StatusCode::BAD_REQUEST, "idempotency_key_missing").await;
    assert_eq!(app.coupon(&code).await, coupon);

    let response = use_coupon(&app, &code.to_lowercase(), Some("till-1")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "idempotent-replayed").as_deref(), Some("false"));
    let first = response.bytes().await.unwrap();
    let used: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(used["status"], "redeemed");
    assert_eq!(used["code"], code.as_str());
    assert_eq!(used["id"], coupon["id"]);
    assert!(used["redeemed_at"].is_string(), "{used}");
    assert_eq!(app.coupon(&code).await, used);

    // Its use is the fulfilment.
    assert_eq!(app.redemption(redemption_id).await["status"], "fulfilled");
    let balance = app.full_balance(&customer).await;
    assert_eq!(balance["available"], 390);
    assert_eq!(balance["pending"], 10, "only the item's redemption is still pending");

    // A retry is the same request: the same path, so the same spelling of the code.
    let replay = use_coupon(&app, &code.to_lowercase(), Some("till-1")).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(header(&replay, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(replay.bytes().await.unwrap(), first);
    let second = use_coupon(&app, &code, Some("till-2")).await;
    assert_problem(second, StatusCode::UNPROCESSABLE_ENTITY, "already_redeemed").await;

    // A used coupon's redemption cannot be cancelled for a refund.
    let refund = cancel(&app, redemption_id).await;
    assert_problem(refund, StatusCode::UNPROCESSABLE_ENTITY, "already_fulfilled").await;
    assert_eq!(app.coupon(&code).await, used);
    assert_eq!(app.balance(&customer).await, 390);
    assert_eq!(app.reward(&voucher).await["stock"], 9);
    assert_eq!(app.entries(&customer, "refund").await.len(), 0);
    app.assert_verified().await;
}

async fn a_cancelled_redemptions_coupon_is_void(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, voucher, redemption, code) = voucher_redemption(&app, "void-coupon@example.com").await;
    let redemption_id = redemption["id"].as_str().unwrap();

    let response = cancel(&app, redemption_id).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await["status"], "cancelled");
    let coupon = app.coupon(&code).await;
    assert_eq!(coupon["status"], "void");
    assert_eq!(coupon["redeemed_at"], Value::Null);
    assert_eq!(app.balance(&customer).await, 500);
    assert_eq!(app.reward(&voucher).await["stock"], 10);

    let used = use_coupon(&app, &code, Some("after-cancel")).await;
    assert_problem(used, StatusCode::UNPROCESSABLE_ENTITY, "coupon_void").await;
    assert_eq!(app.coupon(&code).await, coupon);
    assert_eq!(app.redemption(redemption_id).await["status"], "cancelled");
    assert_eq!(app.balance(&customer).await, 500);
    app.assert_verified().await;
}

async fn a_coupon_of_a_redemption_fulfilled_by_hand_can_still_be_used_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, _, redemption, code) = voucher_redemption(&app, "by-hand@example.com").await;
    let redemption_id = redemption["id"].as_str().unwrap();
    let fulfilled =
        app.post(&format!("/api/v1/redemptions/{redemption_id}/fulfil")).json(&json!({})).send().await.unwrap();
    assert_eq!(fulfilled.status(), StatusCode::OK);
    assert_eq!(app.coupon(&code).await["status"], "active", "handing over the voucher is not using it");

    let used = use_coupon(&app, &code, Some("hand")).await;
    assert_eq!(used.status(), StatusCode::OK);
    assert_eq!(body(used).await["status"], "redeemed");
    let again = use_coupon(&app, &code, Some("hand-2")).await;
    assert_problem(again, StatusCode::UNPROCESSABLE_ENTITY, "already_redeemed").await;
    assert_eq!(app.redemption(redemption_id).await["status"], "fulfilled");
    assert_eq!(app.balance(&customer).await, 400);
    app.assert_verified().await;
}

async fn unknown_hostile_and_foreign_codes_are_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, _, redemption, code) = voucher_redemption(&app, "hostile@example.com").await;
    let long = "A".repeat(10_000);
    let hostile = [
        "00000000000000000000000000",
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        "%27%3B%20drop%20table%20coupons%3B%20--",
        "%27%20OR%20%271%27%3D%271",
        long.as_str(),
        "%C3%BC%F0%9F%A6%80",
        "%00",
        "..%2F..%2Fetc%2Fpasswd",
        "%20%20",
        "%25",
    ];
    let near_misses = [format!("{code}%27"), format!("{code}0"), format!("%20{code}"), code[..25].to_owned()];
    for raw in hostile.iter().copied().chain(near_misses.iter().map(String::as_str)) {
        let response = app.get(&format!("/api/v1/coupons/{raw}")).send().await.unwrap();
        let problem = assert_problem(response, StatusCode::NOT_FOUND, "coupon_not_found").await;
        let text = problem.to_string().to_lowercase();
        assert!(!text.contains("sql") && !text.contains("drop table"), "{raw}: {problem}");
        let response = use_coupon(&app, raw, Some(&uuid::Uuid::new_v4().to_string())).await;
        assert_problem(response, StatusCode::NOT_FOUND, "coupon_not_found").await;
    }

    // Another program cannot see or use the coupon.
    let other = app.other_program().await;
    let seen = other.get(&format!("/api/v1/coupons/{code}")).send().await.unwrap();
    assert_problem(seen, StatusCode::NOT_FOUND, "coupon_not_found").await;
    let stolen = use_coupon(&other, &code, Some("steal")).await;
    assert_problem(stolen, StatusCode::NOT_FOUND, "coupon_not_found").await;

    // Bad bodies on the redeem route are refused before anything happens.
    let path = format!("/api/v1/coupons/{code}/redeem");
    let malformed = app.post_raw(&path, "malformed", "{").await;
    assert_problem(malformed, StatusCode::BAD_REQUEST, "malformed_json").await;
    for payload in [json!({ "customer_id": customer }), json!("use"), json!(null)] {
        let response = app
            .post(&path)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&payload)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    let bad_key = use_coupon(&app, &code, Some("bad key with spaces")).await;
    assert_problem(bad_key, StatusCode::BAD_REQUEST, "idempotency_key_invalid").await;

    let coupon = app.coupon(&code).await;
    assert_eq!(coupon["status"], "active");
    assert_eq!(app.redemption(redemption["id"].as_str().unwrap()).await["status"], "pending");
    assert_eq!(app.balance(&customer).await, 400);
    app.assert_verified().await;
}

async fn a_coupon_used_from_twenty_connections_is_used_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, _, redemption, code) = voucher_redemption(&app, "race-coupon@example.com").await;

    let outcomes = app.race(20, &format!("/api/v1/coupons/{code}/redeem"), json!({})).await;
    assert_eq!(outcomes.get("200/miss"), Some(&1), "{outcomes:?}");
    assert_eq!(outcomes.get("422/already_redeemed"), Some(&19), "{outcomes:?}");
    assert_eq!(app.coupon(&code).await["status"], "redeemed");
    assert_eq!(app.redemption(redemption["id"].as_str().unwrap()).await["status"], "fulfilled");
    assert_eq!(app.balance(&customer).await, 400);
    app.assert_verified().await;
}

/// Using the coupon and cancelling its redemption at the same moment: one of
/// them wins, the other is refused with an answer (422), never a server error.
async fn using_a_coupon_while_its_redemption_is_cancelled_leaves_one_winner(backend: Backend) {
    let app = spawn_app(backend).await;
    for round in 0..5 {
        let (customer, voucher, redemption, code) =
            voucher_redemption(&app, &format!("race-use-cancel-{round}@example.com")).await;
        let id = redemption["id"].as_str().unwrap().to_owned();
        let outcomes = fire_all(20, |i| {
            let request = if i % 2 == 0 {
                app.post(&format!("/api/v1/coupons/{code}/redeem"))
            } else {
                app.post(&format!("/api/v1/redemptions/{id}/cancel"))
            };
            request.header("Idempotency-Key", format!("{round}-{i}")).json(&json!({})).send()
        })
        .await;
        assert_eq!(outcomes.get("200/miss"), Some(&1), "round {round}: {outcomes:?}");
        let coupon = app.coupon(&code).await["status"].as_str().unwrap().to_owned();
        let status = app.redemption(&id).await["status"].as_str().unwrap().to_owned();
        if coupon == "redeemed" {
            assert_eq!(status, "fulfilled");
            assert_eq!(outcomes.get("422/already_redeemed"), Some(&9), "round {round}: {outcomes:?}");
            assert_eq!(outcomes.get("422/already_fulfilled"), Some(&10), "round {round}: {outcomes:?}");
            assert_eq!(app.balance(&customer).await, 400);
            assert_eq!(app.reward(&voucher).await["stock"], 9);
        } else {
            assert_eq!((coupon.as_str(), status.as_str()), ("void", "cancelled"));
            assert_eq!(outcomes.get("422/coupon_void"), Some(&10), "round {round}: {outcomes:?}");
            assert_eq!(outcomes.get("422/already_cancelled"), Some(&9), "round {round}: {outcomes:?}");
            assert_eq!(app.balance(&customer).await, 500);
            assert_eq!(app.reward(&voucher).await["stock"], 10);
        }
    }
    app.assert_verified().await;
}

backend_tests!(
    a_voucher_issues_a_coupon_that_is_used_once,
    a_cancelled_redemptions_coupon_is_void,
    a_coupon_of_a_redemption_fulfilled_by_hand_can_still_be_used_once,
    unknown_hostile_and_foreign_codes_are_not_found,
    a_coupon_used_from_twenty_connections_is_used_once,
    using_a_coupon_while_its_redemption_is_cancelled_leaves_one_winner,
);
