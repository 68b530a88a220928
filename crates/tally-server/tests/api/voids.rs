//! Voiding purchases: the reversing ledger entry, `already_voided`, the void
//! policy, partial voids in proportion, refusals, and simultaneous voids.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{Backend, assert_problem, body, header, spawn_app};

async fn a_full_void_reverses_the_purchase_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("void@example.com").await;
    app.earn(&customer, 100).await;
    let txn = app.purchase(&customer, 2500, None).await;
    let id = txn["id"].as_str().unwrap();
    assert_eq!(txn["points"], 25);
    assert_eq!(txn["status"], "completed");
    assert_eq!(txn["voided_amount_cents"], 0);
    assert_eq!(txn["voided_points"], 0);

    let response = app.void(id, Some("void-1"), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "idempotent-replayed").as_deref(), Some("false"));
    let first = response.bytes().await.unwrap();
    let voided: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(voided["id"], id);
    assert_eq!(voided["status"], "voided");
    assert_eq!(voided["voided_amount_cents"], 2500);
    assert_eq!(voided["voided_points"], 25);
    assert_eq!(voided["points"], 25, "the purchase keeps what it earned; the void is a separate entry");
    assert_eq!(app.transaction(id).await, voided);

    assert_eq!(app.balance(&customer).await, 100);
    let ledger = app.ledger(&customer).await;
    assert_eq!(ledger.len(), 3, "{ledger:?}");
    assert_eq!(ledger[0]["operation"], "void");
    assert_eq!(ledger[0]["points"], -25);
    assert_eq!(ledger[0]["balance_after"], 100);
    assert_eq!(ledger[0]["transaction_id"], id);
    assert_eq!(ledger[0]["customer_id"], customer.as_str());
    assert_eq!(ledger[0]["redemption_id"], Value::Null);
    assert_eq!(ledger[1]["operation"], "earn");
    assert_eq!(ledger[1]["transaction_id"], id);

    // The same key is a replay of the first answer, byte for byte.
    let replay = app.void(id, Some("void-1"), json!({})).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(header(&replay, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(replay.bytes().await.unwrap(), first);
    // The same key with another request is not.
    let reused = app.void(id, Some("void-1"), json!({ "amount_cents": 100 })).await;
    assert_problem(reused, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;

    // Another key, or none, is a second void: refused.
    let second = app.void(id, Some("void-2"), json!({})).await;
    assert_problem(second, StatusCode::UNPROCESSABLE_ENTITY, "already_voided").await;
    let unkeyed = app.void(id, None, json!({})).await;
    assert_problem(unkeyed, StatusCode::UNPROCESSABLE_ENTITY, "already_voided").await;
    let partial = app.void(id, Some("void-3"), json!({ "amount_cents": 1 })).await;
    assert_problem(partial, StatusCode::UNPROCESSABLE_ENTITY, "already_voided").await;

    assert_eq!(app.balance(&customer).await, 100);
    assert_eq!(app.entries(&customer, "void").await.len(), 1);
    assert_eq!(app.transaction(id).await, voided);
    app.assert_verified().await;
}

async fn voiding_spent_points_is_refused_under_the_reject_policy(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(body(app.get("/api/v1/program").send().await.unwrap()).await["void_policy"], "reject");
    let customer = app.create_customer("spender@example.com").await;
    let txn = app.purchase(&customer, 1000, None).await;
    let id = txn["id"].as_str().unwrap();
    let reward = app.create_reward(8, None).await;
    app.redeemed(&customer, &reward).await;
    assert_eq!(app.balance(&customer).await, 2);

    let refused = app.void(id, Some("too-much"), json!({})).await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;
    // Nothing changed, and nothing was recorded: the same key runs afresh.
    assert_eq!(app.transaction(id).await, txn);
    assert_eq!(app.balance(&customer).await, 2);
    assert_eq!(app.ledger(&customer).await.len(), 2);
    let again = app.void(id, Some("too-much"), json!({})).await;
    assert_problem(again, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;

    // A part that the balance covers is fine: 200 of 1000 cents is 2 of 10 points.
    let part = app.void(id, Some("part"), json!({ "amount_cents": 200 })).await;
    assert_eq!(part.status(), StatusCode::OK);
    let part = body(part).await;
    assert_eq!(part["status"], "partially_voided");
    assert_eq!(part["voided_amount_cents"], 200);
    assert_eq!(part["voided_points"], 2);
    assert_eq!(app.balance(&customer).await, 0);
    // The next point is not there.
    let more = app.void(id, Some("more"), json!({ "amount_cents": 100 })).await;
    assert_problem(more, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;
    assert_eq!(app.transaction(id).await, part);
    assert_eq!(app.balance(&customer).await, 0);
    assert_eq!(app.entries(&customer, "void").await.len(), 1);
    app.assert_verified().await;
}

async fn allow_negative_takes_the_balance_below_zero_and_earning_repays_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let program = app.set_program(json!({ "void_policy": "allow_negative" })).await;
    assert_eq!(program["void_policy"], "allow_negative");
    let customer = app.create_customer("debtor@example.com").await;
    let txn = app.purchase(&customer, 10_000, None).await;
    let id = txn["id"].as_str().unwrap();
    let reward = app.create_reward(80, None).await;
    app.redeemed(&customer, &reward).await;
    assert_eq!(app.balance(&customer).await, 20);

    let response = app.void(id, Some("refund"), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await["voided_points"], 100);
    assert_eq!(app.balance(&customer).await, -80);
    let void = &app.entries(&customer, "void").await[0];
    assert_eq!(void["points"], -100);
    assert_eq!(void["balance_after"], -80);
    app.assert_verified().await;

    // A negative balance spends nothing.
    let broke = app.redeem("while-negative", &customer, &app.create_reward(1, None).await).await;
    assert_problem(broke, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;

    // Later earning pays the debt first: -80 + 50 = -30, then -30 + 100 = 70.
    app.earn(&customer, 50).await;
    assert_eq!(app.balance(&customer).await, -30);
    app.earn(&customer, 100).await;
    assert_eq!(app.balance(&customer).await, 70);
    let ledger = app.ledger(&customer).await;
    assert_eq!(ledger[0]["balance_after"], 70);
    assert_eq!(ledger[1]["balance_after"], -30);
    app.assert_verified().await;

    // What is left after the debt is spendable, to the last point and not beyond.
    let seventy = app.create_reward(70, None).await;
    app.redeemed(&customer, &seventy).await;
    assert_eq!(app.balance(&customer).await, 0);
    let over = app.redeem("one-more", &customer, &seventy).await;
    assert_problem(over, StatusCode::UNPROCESSABLE_ENTITY, "insufficient_points").await;
    assert_eq!(app.balance(&customer).await, 0);
    app.assert_verified().await;
}

async fn partial_voids_take_back_points_in_proportion(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("partial@example.com").await;

    // Half the spend takes back half the points.
    let txn = app.purchase(&customer, 5000, None).await;
    let id = txn["id"].as_str().unwrap();
    let half = body(app.void(id, Some("half"), json!({ "amount_cents": 2500 })).await).await;
    assert_eq!(half["status"], "partially_voided");
    assert_eq!(half["voided_amount_cents"], 2500);
    assert_eq!(half["voided_points"], 25);
    assert_eq!(app.balance(&customer).await, 25);
    let rest = body(app.void(id, Some("rest"), json!({})).await).await;
    assert_eq!(rest["status"], "voided");
    assert_eq!(rest["voided_amount_cents"], 5000);
    assert_eq!(rest["voided_points"], 50);
    assert_eq!(app.balance(&customer).await, 0);

    // 333 points on 1000 cents, voided in 333 + 333 + 334 cents. The purchase
    // has lost floor(333 × voided / 1000) after each void, so the voids take
    // floor(110.889) = 110, floor(221.778) − 110 = 111 and 333 − 221 = 112:
    // exactly 333 in total, no point created or lost by rounding.
    let odd = app.purchase(&customer, 1000, Some(333)).await;
    let id = odd["id"].as_str().unwrap();
    let mut taken = Vec::new();
    for (i, (cents, voided_cents, voided_points, status)) in
        [(333, 333, 110, "partially_voided"), (333, 666, 221, "partially_voided"), (334, 1000, 333, "voided")]
            .into_iter()
            .enumerate()
    {
        let response = app.void(id, Some(&format!("third-{i}")), json!({ "amount_cents": cents })).await;
        assert_eq!(response.status(), StatusCode::OK);
        let after = body(response).await;
        assert_eq!(after["voided_amount_cents"], voided_cents, "{after}");
        assert_eq!(after["voided_points"], voided_points, "{after}");
        assert_eq!(after["status"], status, "{after}");
        assert_eq!(app.transaction(id).await, after);
        taken.push(-app.ledger(&customer).await[0]["points"].as_i64().unwrap());
    }
    assert_eq!(taken, [110, 111, 112]);
    assert_eq!(taken.iter().sum::<i64>(), 333);
    assert_eq!(app.balance(&customer).await, 0);
    let voids = app.entries(&customer, "void").await;
    assert_eq!(voids.len(), 5);
    assert!(voids[..3].iter().all(|e| e["transaction_id"] == id));
    let again = app.void(id, Some("fourth"), json!({ "amount_cents": 1 })).await;
    assert_problem(again, StatusCode::UNPROCESSABLE_ENTITY, "already_voided").await;

    // A void too small to take a whole point takes none yet, and the next one
    // catches up: 1 cent of 1000 cents × 10 points is 0.01 points.
    let small = app.purchase(&customer, 1000, None).await;
    let id = small["id"].as_str().unwrap();
    let tiny = body(app.void(id, Some("tiny"), json!({ "amount_cents": 1 })).await).await;
    assert_eq!(tiny["voided_amount_cents"], 1);
    assert_eq!(tiny["voided_points"], 0);
    assert_eq!(app.balance(&customer).await, 10);
    let up_to_half = body(app.void(id, Some("to-half"), json!({ "amount_cents": 499 })).await).await;
    assert_eq!(up_to_half["voided_points"], 5);
    assert_eq!(app.balance(&customer).await, 5);
    app.assert_verified().await;
}

async fn void_amounts_beyond_the_purchase_or_not_positive_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("amounts@example.com").await;
    let txn = app.purchase(&customer, 1000, None).await;
    let id = txn["id"].as_str().unwrap();

    let over = app.void(id, Some("over"), json!({ "amount_cents": 1001 })).await;
    assert_problem(over, StatusCode::UNPROCESSABLE_ENTITY, "void_exceeds_purchase").await;
    for amount in [0, -1, -1000, i64::MIN] {
        let response = app.void(id, Some(&format!("bad-{amount}")), json!({ "amount_cents": amount })).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert!(problem["detail"].as_str().unwrap().contains("amount_cents"), "{problem}");
    }
    let huge = app.void(id, Some("huge"), json!({ "amount_cents": i64::MAX })).await;
    assert_problem(huge, StatusCode::UNPROCESSABLE_ENTITY, "void_exceeds_purchase").await;
    assert_eq!(app.transaction(id).await, txn);
    assert_eq!(app.balance(&customer).await, 10);

    let part = body(app.void(id, Some("600"), json!({ "amount_cents": 600 })).await).await;
    assert_eq!(part["voided_points"], 6);
    let over = app.void(id, Some("401"), json!({ "amount_cents": 401 })).await;
    let problem = assert_problem(over, StatusCode::UNPROCESSABLE_ENTITY, "void_exceeds_purchase").await;
    assert!(problem["detail"].as_str().unwrap().contains("400"), "says what is left: {problem}");
    // With part of the spend voided, the largest amount still exceeds what is left (and does not overflow).
    let huge = app.void(id, Some("huge-after-part"), json!({ "amount_cents": i64::MAX })).await;
    assert_problem(huge, StatusCode::UNPROCESSABLE_ENTITY, "void_exceeds_purchase").await;
    assert_eq!(app.transaction(id).await, part);
    let last = body(app.void(id, Some("400"), json!({ "amount_cents": 400 })).await).await;
    assert_eq!(last["status"], "voided");
    assert_eq!(last["voided_points"], 10);
    assert_eq!(app.balance(&customer).await, 0);
    app.assert_verified().await;
}

async fn unknown_foreign_and_malformed_voids_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("intact@example.com").await;
    let txn = app.purchase(&customer, 1000, None).await;
    let id = txn["id"].as_str().unwrap();

    let unknown = app.void("txn_01J00000000000000000000000", Some("u"), json!({})).await;
    assert_problem(unknown, StatusCode::NOT_FOUND, "transaction_not_found").await;
    for bad_id in ["123", "txn_123", "cus_01J00000000000000000000000", "txn_%27%20OR%201%3D1"] {
        let response = app.void(bad_id, Some("m"), json!({})).await;
        assert_problem(response, StatusCode::NOT_FOUND, "transaction_not_found").await;
    }
    let other = app.other_program().await;
    let foreign = other.void(id, Some("theirs"), json!({})).await;
    assert_problem(foreign, StatusCode::NOT_FOUND, "transaction_not_found").await;

    let path = format!("/api/v1/transactions/{id}/void");
    for raw in ["{", r#"{"amount_cents": }"#, "not json", r#"{"amount_cents": 1}}"#] {
        let response = app.post_raw(&path, uuid::Uuid::new_v4().to_string(), raw).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
    }
    for payload in [
        json!({ "amount_cents": "500" }),
        json!({ "amount_cents": 10.5 }),
        json!({ "amount_cents": true }),
        json!({ "amount_cents": 500, "reason": "refund" }),
        json!({ "points": 5 }),
        json!("all"),
        json!(null),
    ] {
        let response = app.void(id, Some(&uuid::Uuid::new_v4().to_string()), payload.clone()).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    let response = app.post_raw(&path, "big-number", r#"{"amount_cents": 99999999999999999999999}"#).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    let response = app.post(&path).header("Content-Type", "text/plain").body("amount_cents=5").send().await.unwrap();
    assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;

    assert_eq!(app.transaction(id).await, txn);
    assert_eq!(app.balance(&customer).await, 10);
    assert_eq!(app.ledger(&customer).await.len(), 1);
    app.assert_verified().await;
}

async fn simultaneous_voids_take_the_points_back_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("race-void@example.com").await;
    app.earn(&customer, 1000).await;
    let txn = app.purchase(&customer, 10_000, None).await;
    let id = txn["id"].as_str().unwrap().to_owned();

    let outcomes = app.race(20, &format!("/api/v1/transactions/{id}/void"), json!({})).await;
    assert_eq!(outcomes.get("200/miss"), Some(&1), "{outcomes:?}");
    assert_eq!(outcomes.get("422/already_voided"), Some(&19), "{outcomes:?}");
    assert_eq!(app.balance(&customer).await, 1000);
    assert_eq!(app.entries(&customer, "void").await.len(), 1);
    let after = app.transaction(&id).await;
    assert_eq!(after["status"], "voided");
    assert_eq!(after["voided_points"], 100);
    app.assert_verified().await;
}

async fn simultaneous_partial_voids_never_take_more_than_the_purchase(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("race-part@example.com").await;
    app.earn(&customer, 1000).await;
    let txn = app.purchase(&customer, 1000, Some(333)).await;
    let id = txn["id"].as_str().unwrap().to_owned();

    // Twenty voids of 100 cents race for a purchase of 1000: ten fit.
    let outcomes = app.race(20, &format!("/api/v1/transactions/{id}/void"), json!({ "amount_cents": 100 })).await;
    assert_eq!(outcomes.get("200/miss"), Some(&10), "{outcomes:?}");
    assert_eq!(outcomes.get("422/already_voided"), Some(&10), "{outcomes:?}");
    let after = app.transaction(&id).await;
    assert_eq!(after["status"], "voided");
    assert_eq!(after["voided_amount_cents"], 1000);
    assert_eq!(after["voided_points"], 333);
    let voids = app.entries(&customer, "void").await;
    assert_eq!(voids.len(), 10);
    assert_eq!(voids.iter().map(|e| e["points"].as_i64().unwrap()).sum::<i64>(), -333);
    assert_eq!(app.balance(&customer).await, 1000);
    app.assert_verified().await;
}

/// A partial void moves points, so its key must keep deduplicating after the
/// stored response expired ("for money-like effects the guarantee does not
/// expire"): the late retry must not take the points back a second time.
async fn a_keyed_partial_void_retried_after_retention_takes_points_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("late-void@example.com").await;
    let txn = app.purchase(&customer, 10_000, None).await;
    let id = txn["id"].as_str().unwrap();
    let first = app.void(id, Some("late-void"), json!({ "amount_cents": 2500 })).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first = body(first).await;
    assert_eq!(first["voided_points"], 25);

    app.expire_idempotency_records().await;
    let late = app.void(id, Some("late-void"), json!({ "amount_cents": 2500 })).await;
    let status = late.status();
    let replayed = header(&late, "idempotent-replayed");
    let late = body(late).await;
    assert_eq!(app.balance(&customer).await, 75, "the retry of one intent took points twice: {late}");
    assert_eq!(app.entries(&customer, "void").await.len(), 1);
    assert_eq!(status, StatusCode::OK, "{late}");
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(late["voided_amount_cents"], 2500, "{late}");
    app.assert_verified().await;
}

/// A body is a JSON object: `[100]` must not be read as `amount_cents` by position.
async fn a_json_array_is_not_a_void(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("positional-void@example.com").await;
    let txn = app.purchase(&customer, 1000, None).await;
    let id = txn["id"].as_str().unwrap();
    for payload in [json!([100]), json!([null]), json!([])] {
        let response = app.void(id, Some(&uuid::Uuid::new_v4().to_string()), payload).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    assert_eq!(app.transaction(id).await, txn);
    assert_eq!(app.balance(&customer).await, 10);
}

backend_tests!(
    a_full_void_reverses_the_purchase_once,
    voiding_spent_points_is_refused_under_the_reject_policy,
    allow_negative_takes_the_balance_below_zero_and_earning_repays_it,
    partial_voids_take_back_points_in_proportion,
    void_amounts_beyond_the_purchase_or_not_positive_are_refused,
    unknown_foreign_and_malformed_voids_change_nothing,
    simultaneous_voids_take_the_points_back_once,
    simultaneous_partial_voids_never_take_more_than_the_purchase,
    a_keyed_partial_void_retried_after_retention_takes_points_once,
    a_json_array_is_not_a_void,
);
