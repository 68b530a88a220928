//! Webhooks: real receivers that fail, stall and say `410 Gone`; every
//! event ends delivered (or its endpoint disabled), every attempt of one
//! event carries its id, and every signature verifies. (An independent
//! implementation checks the signatures too: `tests/contract`.)

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tally_core::webhook_signature::{WebhookSecret, verify};
use tally_server::NodeSettings;
use tally_server::webhooks::{SecretKey, WebhookSettings};
use tally_test_kit::receiver::{Behaviour, Delivery, Receiver};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, body, spawn_app, spawn_app_with};

backend_tests!(
    failing_stalling_and_gone_receivers_end_delivered_or_disabled,
    retry_after_is_honoured,
    redirects_are_not_followed,
    a_rotated_secret_signs_beside_the_new_one_for_the_overlap_only,
    sealed_secrets_are_not_in_the_database,
    endpoints_are_managed_with_the_idempotency_contract,
    private_addresses_are_refused_unless_allowed,
    a_redelivery_sends_the_same_event_again,
);

/// Fast retries and a short timeout, so a test sees a whole schedule.
fn quick(schedule: &str, timeout: Duration) -> NodeSettings {
    NodeSettings {
        webhooks: WebhookSettings {
            retry_schedule: tally_server::webhooks::parse_retry_schedule(schedule).unwrap(),
            timeout,
            allow_private_networks: true,
            poll_interval: Duration::from_millis(25),
            ..WebhookSettings::default()
        },
        ..NodeSettings::default()
    }
}

async fn register(app: &TestApp, url: &str, types: Option<&[&str]>) -> (String, String) {
    let response = app
        .post("/api/v1/webhook-endpoints")
        .json(&json!({"url": url, "event_types": types, "description": "test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let made = body(response).await;
    (made["id"].as_str().unwrap().to_owned(), made["secret"].as_str().unwrap().to_owned())
}

/// Every effect of the test: a customer, purchases, a redemption.
async fn make_effects(app: &TestApp, purchases: usize) -> BTreeSet<String> {
    let customer = app.create_customer(&format!("{}@example.com", uuid::Uuid::new_v4())).await;
    for _ in 0..purchases {
        app.earn(&customer, 10).await;
    }
    let reward = app.create_reward(10, None).await;
    assert_eq!(app.redeem("hook-redeem", &customer, &reward).await.status(), StatusCode::CREATED);
    event_ids(app).await
}

async fn event_ids(app: &TestApp) -> BTreeSet<String> {
    let page = body(app.get("/api/v1/events?limit=100").send().await.unwrap()).await;
    page["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect()
}

async fn wait_for(what: &str, within: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done().await {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The attempts Tally logged for an endpoint, oldest first.
async fn attempts(app: &TestApp, endpoint: &str) -> Vec<Value> {
    let page =
        body(app.get(&format!("/api/v1/webhook-endpoints/{endpoint}/deliveries?limit=100")).send().await.unwrap())
            .await;
    let mut all = page["data"].as_array().unwrap().clone();
    all.reverse();
    all
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Each delivery verifies with `secrets` and carries its event's id in its body.
fn assert_signed(deliveries: &[Delivery], secrets: &[WebhookSecret]) {
    for d in deliveries {
        verify(secrets, &d.webhook_id, &d.timestamp, &d.signature, &d.body, now(), 300)
            .unwrap_or_else(|e| panic!("{} does not verify: {e}", d.webhook_id));
        let event: Value = serde_json::from_slice(&d.body).unwrap();
        assert_eq!(event["id"], d.webhook_id.as_str(), "webhook-id is the event's id");
    }
}

async fn failing_stalling_and_gone_receivers_end_delivered_or_disabled(backend: Backend) {
    let app = spawn_app_with(backend, quick("0s,100ms,200ms,300ms,400ms", Duration::from_millis(500))).await;
    let flaky = Receiver::start(Behaviour::FailHalfOfFirstAttempts).await;
    let stalling = Receiver::start(Behaviour::StallFirstAttempts(Duration::from_millis(1500))).await;
    let gone = Receiver::start(Behaviour::Gone).await;
    let (flaky_id, flaky_secret) = register(&app, &flaky.url, None).await;
    let (stalling_id, stalling_secret) = register(&app, &stalling.url, None).await;
    let (gone_id, _) = register(&app, &gone.url, None).await;
    // A refused request (no such customer) and a rolled-back one make no event.
    let refused = app.redeem("nobody", "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8", "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M").await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let events = make_effects(&app, 6).await;
    assert_eq!(events.len(), 1 + 6 + 1, "a customer, six purchases, a redemption");

    wait_for("every event delivered to the flaky and the stalling receiver", Duration::from_secs(30), async || {
        flaky.accepted_ids() == events && {
            let delivered = attempts(&app, &stalling_id).await;
            let ok: BTreeSet<String> = delivered
                .iter()
                .filter(|a| a["outcome"] == "delivered")
                .map(|a| a["event_id"].as_str().unwrap().to_owned())
                .collect();
            ok == events
        }
    })
    .await;
    // The flaky receiver failed the first attempt of about half the events and got them again.
    let flaky_deliveries = flaky.deliveries();
    assert!(flaky_deliveries.len() > events.len(), "some first attempts failed: {}", flaky_deliveries.len());
    assert!(flaky_deliveries.iter().all(|d| events.contains(&d.webhook_id)), "no event but the committed ones");
    assert_signed(&flaky_deliveries, &[WebhookSecret::parse(&flaky_secret).unwrap()]);
    assert_signed(&stalling.deliveries(), &[WebhookSecret::parse(&stalling_secret).unwrap()]);
    // What Tally logged of the stalled first attempts: timed out, then retried.
    let log = attempts(&app, &stalling_id).await;
    assert!(
        log.iter().any(|a| a["outcome"] == "retrying"
            && a["status_code"].is_null()
            && a["error"].as_str().is_some_and(|e| e.contains("timed out"))),
        "{log:?}"
    );
    assert!(log.iter().all(|a| a["latency_ms"].as_i64().unwrap() >= 0));
    // (The stalling receiver is still asleep on an attempt Tally gave up on
    // when the retry comes: that is a new attempt, not a concurrent one.)
    assert_eq!(flaky.overlaps(), 0, "no delivery twice at the same time");

    // The gone receiver: one 410, and its endpoint is disabled; nothing more is sent to it.
    wait_for("the gone endpoint disabled", Duration::from_secs(10), async || {
        let endpoint = body(app.get(&format!("/api/v1/webhook-endpoints/{gone_id}")).send().await.unwrap()).await;
        endpoint["enabled"] == false
    })
    .await;
    let endpoint = body(app.get(&format!("/api/v1/webhook-endpoints/{gone_id}")).send().await.unwrap()).await;
    assert!(endpoint["disabled_reason"].as_str().unwrap().contains("410"));
    let sent = gone.deliveries().len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(gone.deliveries().len(), sent, "a disabled endpoint is sent nothing");
    assert!(attempts(&app, &gone_id).await.iter().any(|a| a["outcome"] == "endpoint_disabled"));

    // The metrics count the attempts by outcome.
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("tally_webhook_deliveries_total{outcome=\"delivered\"}"), "{metrics}");
    assert!(metrics.contains("tally_webhook_deliveries_total{outcome=\"retrying\"}"));
    let _ = flaky_id;
}

async fn retry_after_is_honoured(backend: Backend) {
    let app = spawn_app_with(backend, quick("0s,50ms,50ms", Duration::from_secs(2))).await;
    let busy = Receiver::start(Behaviour::RetryAfterFirst(1)).await;
    register(&app, &busy.url, Some(&["customer.created"])).await;
    app.create_customer("busy@example.com").await;
    wait_for("a second attempt", Duration::from_secs(10), async || busy.deliveries().len() >= 2).await;
    let deliveries = busy.deliveries();
    assert_eq!(deliveries[0].status, 503);
    assert_eq!(deliveries[1].status, 204);
    let gap = deliveries[1].received_at - deliveries[0].received_at;
    assert!(gap >= Duration::from_millis(950), "Retry-After: 1 waited only {gap:?}");
    assert_eq!(deliveries[0].webhook_id, deliveries[1].webhook_id);
}

async fn redirects_are_not_followed(backend: Backend) {
    let app = spawn_app_with(backend, quick("0s,50ms,50ms", Duration::from_secs(2))).await;
    let moved = Receiver::start(Behaviour::Redirect).await;
    let (endpoint, _) = register(&app, &moved.url, Some(&["customer.created"])).await;
    app.create_customer("moved@example.com").await;
    wait_for("the whole schedule", Duration::from_secs(10), async || {
        attempts(&app, &endpoint).await.iter().any(|a| a["outcome"] == "failed")
    })
    .await;
    let log = attempts(&app, &endpoint).await;
    assert_eq!(log.len(), 3, "three attempts, each a failure: {log:?}");
    assert!(log.iter().all(|a| a["status_code"] == 307), "{log:?}");
    assert!(moved.deliveries().iter().all(|d| !d.redirected), "nothing was sent where the redirect pointed");
    // The queue's gauges are on /metrics (read by every dispatcher every 5 s).
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("tally_webhook_queue_depth") && metrics.contains("tally_webhook_oldest_pending_seconds"));
}

async fn a_rotated_secret_signs_beside_the_new_one_for_the_overlap_only(backend: Backend) {
    let app = spawn_app_with(backend, quick("0s", Duration::from_secs(2))).await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    let (endpoint, old) = register(&app, &receiver.url, Some(&["customer.created"])).await;
    let rotated = app.post(&format!("/api/v1/webhook-endpoints/{endpoint}/rotate-secret")).send().await.unwrap();
    assert_eq!(rotated.status(), StatusCode::OK);
    let new = body(rotated).await["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let (old, new) = (WebhookSecret::parse(&old).unwrap(), WebhookSecret::parse(&new).unwrap());
    app.create_customer("during@example.com").await;
    wait_for("a delivery during the overlap", Duration::from_secs(10), async || receiver.deliveries().len() == 1).await;
    let during = &receiver.deliveries()[0];
    assert_eq!(during.signature.split(' ').count(), 2, "both secrets sign: {}", during.signature);
    assert_signed(std::slice::from_ref(during), std::slice::from_ref(&old));
    assert_signed(std::slice::from_ref(during), std::slice::from_ref(&new));
    // The overlap ends (moved by the database clock): only the new secret signs.
    app.execute_on_backend(
        "UPDATE webhook_endpoints SET previous_secret_until = 0",
        "UPDATE webhook_endpoints SET previous_secret_until = now() - interval '1 second'",
    )
    .await;
    app.create_customer("after@example.com").await;
    wait_for("a delivery after the overlap", Duration::from_secs(10), async || receiver.deliveries().len() == 2).await;
    let after = &receiver.deliveries()[1];
    assert_eq!(after.signature.split(' ').count(), 1);
    assert_signed(std::slice::from_ref(after), std::slice::from_ref(&new));
    let now = chrono::Utc::now().timestamp();
    assert!(verify(&[old], &after.webhook_id, &after.timestamp, &after.signature, &after.body, now, 300).is_err());
}

async fn sealed_secrets_are_not_in_the_database(backend: Backend) {
    let mut node = quick("0s", Duration::from_secs(2));
    node.webhooks.secret_key = Some(SecretKey::parse(&"5a".repeat(32)).unwrap());
    let app = spawn_app_with(backend, node).await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    let (_, secret) = register(&app, &receiver.url, None).await;
    let key_text = secret.trim_start_matches("whsec_").to_owned();
    // Nothing in the endpoints table holds the secret's text (rows would change if it matched).
    let leaked = app
        .execute_on_backend(
            &format!("UPDATE webhook_endpoints SET description = description WHERE secret LIKE '%{key_text}%'"),
            &format!("UPDATE webhook_endpoints SET description = description WHERE secret LIKE '%{key_text}%'"),
        )
        .await;
    assert_eq!(leaked, 0);
    let sealed = app
        .execute_on_backend(
            "UPDATE webhook_endpoints SET description = description WHERE secret LIKE 'sealed:v1:%'",
            "UPDATE webhook_endpoints SET description = description WHERE secret LIKE 'sealed:v1:%'",
        )
        .await;
    assert_eq!(sealed, 1);
    app.create_customer("sealed@example.com").await;
    wait_for("a delivery", Duration::from_secs(10), async || !receiver.deliveries().is_empty()).await;
    assert_signed(&receiver.deliveries(), &[WebhookSecret::parse(&secret).unwrap()]);
}

async fn endpoints_are_managed_with_the_idempotency_contract(backend: Backend) {
    let app = spawn_app_with(backend, quick("0s", Duration::from_secs(2))).await;
    let request = json!({"url": "http://127.0.0.1:9/hook", "event_types": ["points.earned", "customer.created", "points.earned"]});
    let first =
        app.post("/api/v1/webhook-endpoints").header("Idempotency-Key", "whe-1").json(&request).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = body(first).await;
    assert_eq!(first["event_types"], json!(["customer.created", "points.earned"]), "known, once, sorted");
    // A retry with the key replays the same answer, secret included; nothing new is made.
    let again =
        app.post("/api/v1/webhook-endpoints").header("Idempotency-Key", "whe-1").json(&request).send().await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(body(again).await, first);
    let id = first["id"].as_str().unwrap();
    let list = body(app.get("/api/v1/webhook-endpoints").send().await.unwrap()).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(list["data"][0].get("secret").is_none(), "a list never shows a secret");
    let got = body(app.get(&format!("/api/v1/webhook-endpoints/{id}")).send().await.unwrap()).await;
    assert!(got.get("secret").is_none());

    let patched = app
        .patch(&format!("/api/v1/webhook-endpoints/{id}"))
        .json(&json!({"event_types": null, "description": "all of it", "enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    let patched = body(patched).await;
    assert_eq!(patched["event_types"], Value::Null);
    assert_eq!(patched["description"], "all of it");
    assert_eq!(patched["enabled"], false);
    assert_eq!(patched["url"], first["url"]);

    for bad in [
        json!({"url": "http://127.0.0.1:9/", "event_types": []}),
        json!({"url": "http://127.0.0.1:9/", "event_types": ["points.nothing"]}),
        json!({"url": "not a url"}),
        json!({"url": "ftp://127.0.0.1/"}),
        json!({"url": "http://127.0.0.1:9/", "description": "x".repeat(501)}),
    ] {
        let response = app.post("/api/v1/webhook-endpoints").json(&bad).send().await.unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    }
    let other = app.other_program().await;
    assert_problem(
        other.get(&format!("/api/v1/webhook-endpoints/{id}")).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "webhook_endpoint_not_found",
    )
    .await;
    assert_problem(
        other.delete(&format!("/api/v1/webhook-endpoints/{id}")).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "webhook_endpoint_not_found",
    )
    .await;
    assert_problem(
        app.get("/api/v1/webhook-endpoints/whe_bad/deliveries").send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "webhook_endpoint_not_found",
    )
    .await;

    let deleted =
        app.delete(&format!("/api/v1/webhook-endpoints/{id}")).header("Idempotency-Key", "del-1").send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    let replayed =
        app.delete(&format!("/api/v1/webhook-endpoints/{id}")).header("Idempotency-Key", "del-1").send().await.unwrap();
    assert_eq!(replayed.status(), StatusCode::OK, "a retry of the delete replays its answer");
    let fresh =
        app.delete(&format!("/api/v1/webhook-endpoints/{id}")).header("Idempotency-Key", "del-2").send().await.unwrap();
    assert_problem(fresh, StatusCode::NOT_FOUND, "webhook_endpoint_not_found").await;
}

async fn private_addresses_are_refused_unless_allowed(backend: Backend) {
    let app = spawn_app(backend).await;
    // The promise these tests hold Tally to is served with it.
    let docs = app.client.get(app.url("/docs/webhooks")).send().await.unwrap().text().await.unwrap();
    assert!(docs.contains("at least once") && docs.contains("immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h"));
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.7/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0/",
    ] {
        let response = app.post("/api/v1/webhook-endpoints").json(&json!({"url": url})).send().await.unwrap();
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "webhook_url_not_allowed").await;
    }
    // A public address is accepted (nothing is sent to it in this test: no effect is made).
    let public = app.post("/api/v1/webhook-endpoints").json(&json!({"url": "https://93.184.216.34/hook"})).send();
    let public = public.await.unwrap();
    assert_eq!(public.status(), StatusCode::CREATED);
    // Changing it to a private one is refused as well.
    let id = body(public).await["id"].as_str().unwrap().to_owned();
    let moved = app.patch(&format!("/api/v1/webhook-endpoints/{id}")).json(&json!({"url": "http://10.1.1.1/"})).send();
    assert_problem(moved.await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "webhook_url_not_allowed").await;
}

async fn a_redelivery_sends_the_same_event_again(backend: Backend) {
    let app = spawn_app_with(backend, quick("0s", Duration::from_secs(2))).await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    register(&app, &receiver.url, Some(&["customer.created"])).await;
    app.create_customer("again@example.com").await;
    wait_for("the first delivery", Duration::from_secs(10), async || receiver.deliveries().len() == 1).await;
    let id = receiver.deliveries()[0].webhook_id.clone();
    for _ in 0..3 {
        let redelivered =
            app.post(&format!("/api/v1/events/{id}/redeliver")).header("Idempotency-Key", "again-1").send().await;
        let redelivered = body(redelivered.unwrap()).await;
        assert_eq!(redelivered, json!({"event_id": id, "deliveries": 1}));
    }
    wait_for("the redelivery", Duration::from_secs(10), async || receiver.deliveries().len() == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 2, "one key, one redelivery");
    assert_eq!(deliveries[1].webhook_id, id);
    assert_eq!(deliveries[1].body, deliveries[0].body, "the same event, byte for byte");
}
