//! `Prefer: wait=N`: a request that meets its key in flight waits for the
//! first to finish and replays its response, instead of answering 409.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tally_store::{KeyLock, NewIdempotencyRecord};

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, header, serve, spawn_app};

async fn funded_customer(app: &TestApp) -> (String, String) {
    let customer = app.create_customer(&format!("{}@example.com", uuid::Uuid::new_v4())).await;
    app.earn(&customer, 500).await;
    let reward = app.create_reward(100, None).await;
    (customer, reward)
}

fn redeem_waiting(app: &TestApp, base: &str, key: &str, body: &[u8], prefer: &str) -> reqwest::RequestBuilder {
    app.client
        .post(format!("{base}/api/v1/redemptions"))
        .bearer_auth(&app.token)
        .header("Idempotency-Key", key)
        .header("Prefer", prefer)
        .header("Content-Type", "application/json")
        .body(body.to_vec())
}

/// Returns once `base` reports a request waiting for its key (`Prefer: wait`),
/// so a test releases the key only after the retry is certainly waiting.
async fn until_waiting(app: &TestApp, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = app.client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
        let waiting = text
            .lines()
            .find_map(|l| l.strip_prefix("tally_idempotency_waiting "))
            .map_or(0.0, |v| v.trim().parse::<f64>().unwrap());
        if waiting >= 1.0 {
            return;
        }
        assert!(Instant::now() < deadline, "no request started waiting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The test plays the first request: it holds the key, then commits a stored
/// response under it. The waiter must return exactly that response.
async fn a_waiting_retry_replays_what_the_first_request_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app).await;
    let request = serde_json::to_vec(&json!({ "customer_id": customer, "reward_id": reward })).unwrap();
    let lock = KeyLock { program_id: app.program_id.clone(), key: "held".into() };
    let mut first = app.store.begin(Some(&lock)).await.unwrap();

    let started = Instant::now();
    let waiter = tokio::spawn(redeem_waiting(&app, &app.address, "held", &request, "wait=5").send());
    until_waiting(&app, &app.address).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiter.is_finished(), "the retry waits instead of answering 409");

    let stored = br#"{"id":"rdm_from_the_first_request"}"#;
    let record = NewIdempotencyRecord {
        key: "held".into(),
        method: "POST".into(),
        path: "/api/v1/redemptions".into(),
        fingerprint: tally_core::fingerprint::fingerprint("POST", "/api/v1/redemptions", None, &request),
        status: 201,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("location".into(), "/api/v1/redemptions/rdm_from_the_first_request".into()),
        ],
        body: stored.to_vec(),
        resource_id: Some("rdm_from_the_first_request".into()),
        retention_hours: 24,
    };
    first.save_idempotency_record(&app.program_id, &record).await.unwrap();
    first.commit().await.unwrap();

    let response = waiter.await.unwrap().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "x-idempotency-lookup").as_deref(), Some("waited"));
    assert_eq!(header(&response, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(header(&response, "location").as_deref(), Some("/api/v1/redemptions/rdm_from_the_first_request"));
    assert_eq!(response.bytes().await.unwrap().as_ref(), stored, "the first request's body, byte for byte");
    assert_eq!(app.balance(&customer).await, 500, "the waiter executed nothing");
}

/// The first request ends without a stored response (it failed): the waiter
/// then runs the request itself, exactly as a later retry would.
async fn when_the_first_request_fails_the_waiter_executes_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app).await;
    let request = serde_json::to_vec(&json!({ "customer_id": customer, "reward_id": reward })).unwrap();
    let lock = KeyLock { program_id: app.program_id.clone(), key: "fails".into() };
    let first = app.store.begin(Some(&lock)).await.unwrap();

    let waiter = tokio::spawn(redeem_waiting(&app, &app.address, "fails", &request, "wait=5").send());
    until_waiting(&app, &app.address).await;
    assert!(!waiter.is_finished());
    drop(first);

    let response = waiter.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "x-idempotency-lookup").as_deref(), Some("miss"));
    assert_eq!(header(&response, "idempotent-replayed").as_deref(), Some("false"));
    assert_eq!(app.balance(&customer).await, 400);
}

/// The wait is bounded: when the key is still held at the deadline, 409 as without it.
async fn a_wait_that_runs_out_answers_409(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, reward) = funded_customer(&app).await;
    let request = serde_json::to_vec(&json!({ "customer_id": customer, "reward_id": reward })).unwrap();
    let lock = KeyLock { program_id: app.program_id.clone(), key: "long".into() };
    let held = app.store.begin(Some(&lock)).await.unwrap();

    let started = Instant::now();
    let response = redeem_waiting(&app, &app.address, "long", &request, "wait=2").send().await.unwrap();
    let waited = started.elapsed();
    assert!(header(&response, "retry-after").is_some());
    assert_problem(response, StatusCode::CONFLICT, "idempotency_key_in_use").await;
    assert!(waited >= Duration::from_secs(2), "waited {waited:?}, asked for 2 s");
    assert!(waited < Duration::from_secs(5), "waited {waited:?}, asked for 2 s");

    // Without the preference the answer does not wait.
    let started = Instant::now();
    let response = app.redeem("long", &customer, &reward).await;
    assert_problem(response, StatusCode::CONFLICT, "idempotency_key_in_use").await;
    assert!(started.elapsed() < Duration::from_millis(1500));
    drop(held);
}

/// Two server instances on one PostgreSQL database. The first request really
/// runs on node A and is held mid-transaction by a row lock the test takes on
/// the customer; the retry reaches node B with `Prefer: wait=5` and must come
/// back with node A's response once A commits — one debit in all.
async fn a_waiting_retry_on_another_node_gets_the_first_nodes_response() {
    let app = spawn_app(Backend::Postgres).await;
    let url = app.database_url.clone().unwrap();
    let node_b = serve(Arc::new(tally_store_postgres::PgStore::connect(&url, 4).await.unwrap())).await;
    let (customer, reward) = funded_customer(&app).await;
    let request = serde_json::to_vec(&json!({ "customer_id": customer, "reward_id": reward })).unwrap();

    let blocker = sqlx::PgPool::connect(&url).await.unwrap();
    let mut row_lock = blocker.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM customers WHERE id = $1 FOR UPDATE")
        .bind(&customer)
        .execute(&mut *row_lock)
        .await
        .unwrap();

    let first = app
        .post("/api/v1/redemptions")
        .header("Idempotency-Key", "cross")
        .header("Content-Type", "application/json")
        .body(request.clone())
        .send();
    let first = tokio::spawn(first);
    let lock = KeyLock { program_id: app.program_id.clone(), key: "cross".into() };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app.store.key_in_flight(&lock).await.unwrap() {
        assert!(Instant::now() < deadline, "the first request never claimed its key");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let retry = tokio::spawn(redeem_waiting(&app, &node_b, "cross", &request, "wait=5").send());
    until_waiting(&app, &node_b).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!first.is_finished(), "the first request is held by the row lock");
    assert!(!retry.is_finished(), "the retry on node B waits for node A");

    row_lock.commit().await.unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(header(&first, "x-idempotency-lookup").as_deref(), Some("miss"));
    let first_location = header(&first, "location");
    let first_body = first.bytes().await.unwrap();

    let retry = retry.await.unwrap().unwrap();
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(header(&retry, "x-idempotency-lookup").as_deref(), Some("waited"));
    assert_eq!(header(&retry, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(header(&retry, "location"), first_location);
    assert_eq!(retry.bytes().await.unwrap(), first_body, "node B returns node A's response byte for byte");

    assert_eq!(app.balance(&customer).await, 400, "one debit");
    let redeems = app.ledger(&customer).await.into_iter().filter(|e| e["operation"] == "redeem").count();
    assert_eq!(redeems, 1);
    app.assert_verified().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_waiting_retry_on_another_node_gets_the_first_nodes_response() {
    a_waiting_retry_on_another_node_gets_the_first_nodes_response().await
}

backend_tests!(
    a_waiting_retry_replays_what_the_first_request_stored,
    when_the_first_request_fails_the_waiter_executes_it,
    a_wait_that_runs_out_answers_409,
);
