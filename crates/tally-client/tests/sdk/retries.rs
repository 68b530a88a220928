//! The retry policy end to end, against a scripted stub server that records
//! every request it receives.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tally_client::{Client, IntentState, NewRedemption, NewReward, ResumeOutcome, RetryPolicy};

use crate::helpers::{client, fast_retries, free_port, init_logs};

/// One scripted answer.
#[derive(Clone)]
struct Answer {
    status: u16,
    code: &'static str,
    retry_after: Option<&'static str>,
    /// Wait this long before answering (past the client's timeout: a timeout).
    delay: Duration,
    replayed: bool,
}

fn answer(status: u16, code: &'static str) -> Answer {
    Answer { status, code, retry_after: None, delay: Duration::ZERO, replayed: false }
}

fn created() -> Answer {
    answer(201, "")
}

#[derive(Debug, Clone)]
struct Seen {
    key: Option<String>,
    path: String,
    body: Vec<u8>,
    at: Instant,
}

#[derive(Default)]
struct Stub {
    script: Mutex<VecDeque<Answer>>,
    seen: Mutex<Vec<Seen>>,
}

async fn respond(State(stub): State<Arc<Stub>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    if uri.path() == "/api/v1/program" {
        let program = json!({
            "id": "prg_1", "name": "stub", "points_per_currency_unit": 1, "void_policy": "reject",
            "points_expire_after_days": null, "idempotency_retention_hours": 24, "require_idempotency_key": true,
            "rate_limit_per_minute": 600, "created_at": "2025-01-01T00:00:00Z"
        });
        return axum::Json(program).into_response();
    }
    if uri.path().starts_with("/api/v1/idempotency-keys/") {
        // The stub never stores anything: every key is unknown to it.
        let problem = json!({ "type": "/problems/idempotency_key_not_found", "title": "Not Found", "status": 404,
                              "detail": "no idempotency key with that id in this program", "code": "idempotency_key_not_found" });
        return (StatusCode::NOT_FOUND, [("content-type", "application/problem+json")], problem.to_string())
            .into_response();
    }
    stub.seen.lock().unwrap().push(Seen {
        key: headers.get("idempotency-key").map(|v| v.to_str().unwrap().to_owned()),
        path: uri.path().to_owned(),
        body: body.to_vec(),
        at: Instant::now(),
    });
    let next = stub.script.lock().unwrap().pop_front().unwrap_or_else(created);
    tokio::time::sleep(next.delay).await;
    let status = StatusCode::from_u16(next.status).unwrap();
    let mut response = if status.is_success() {
        let redemption = json!({
            "id": "rdm_01J00000000000000000000000", "customer_id": "cus_1", "reward_id": "rwd_1",
            "quantity": 1, "points_spent": 10, "status": "pending", "created_at": "2025-01-01T00:00:00Z"
        });
        (status, [("content-type", "application/json")], redemption.to_string()).into_response()
    } else {
        let problem = json!({ "type": "/problems/x", "title": "t", "status": next.status, "detail": "scripted", "code": next.code });
        (status, [("content-type", "application/problem+json")], problem.to_string()).into_response()
    };
    response.headers_mut().insert("idempotent-replayed", if next.replayed { "true" } else { "false" }.parse().unwrap());
    if let Some(after) = next.retry_after {
        response.headers_mut().insert("retry-after", after.parse().unwrap());
    }
    response
}

struct Scripted {
    stub: Arc<Stub>,
    address: String,
    client: Client,
    _dir: tempfile::TempDir,
}

async fn scripted(script: Vec<Answer>, retry: RetryPolicy) -> Scripted {
    init_logs();
    let stub = Arc::new(Stub { script: Mutex::new(script.into()), seen: Mutex::default() });
    let app = Router::new().fallback(respond).with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = tempfile::tempdir().unwrap();
    let client = client(&address, "tly_test", &dir.path().join("journal.db"), retry).await;
    Scripted { stub, address, client, _dir: dir }
}

impl Scripted {
    fn seen(&self) -> Vec<Seen> {
        self.stub.seen.lock().unwrap().clone()
    }

    fn push(&self, answers: impl IntoIterator<Item = Answer>) {
        self.stub.script.lock().unwrap().extend(answers);
    }

    async fn redeem(&self) -> tally_client::Result<tally_client::Written<tally_client::model::Redemption>> {
        self.client.redeem(&NewRedemption::new("cus_1", "rwd_1")).await
    }
}

fn one_key(seen: &[Seen]) -> String {
    let key = seen[0].key.clone().expect("every write carries a key");
    assert!(seen.iter().all(|s| s.key.as_deref() == Some(key.as_str())), "every attempt reuses the key");
    assert!(seen.iter().all(|s| s.body == seen[0].body), "every attempt sends the same bytes");
    key
}

#[tokio::test]
async fn server_errors_in_use_and_rate_limits_are_retried_with_the_same_key() {
    let stub = scripted(
        vec![
            answer(500, "internal"),
            answer(503, "idempotency_unavailable"),
            answer(409, "idempotency_key_in_use"),
            Answer { replayed: true, ..answer(201, "") },
        ],
        fast_retries(),
    )
    .await;
    let done = stub.redeem().await.unwrap();
    assert_eq!((done.status, done.replayed, done.attempts), (201, true, 4));
    let seen = stub.seen();
    assert_eq!(seen.len(), 4);
    assert_eq!(one_key(&seen), done.key);
    assert_eq!(seen[0].path, "/api/v1/redemptions");
    let journaled = stub.client.journal().unwrap().intent(&done.key).await.unwrap().unwrap();
    assert_eq!((journaled.state, journaled.attempts, journaled.status), (IntentState::Done, 4, Some(201)));

    // 429 is an accident too.
    stub.push([answer(429, "rate_limited"), created()]);
    assert_eq!(stub.redeem().await.unwrap().attempts, 2);
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for (status, code) in [
        (422, "insufficient_points"),
        (422, "idempotency_key_reused"),
        (400, "idempotency_key_missing"),
        (404, "reward_not_found"),
        (409, "conflict"),
        (401, "unauthorized"),
    ] {
        let stub = scripted(vec![answer(status, code)], fast_retries()).await;
        let error = stub.redeem().await.unwrap_err();
        assert_eq!((error.status(), error.code()), (Some(status), Some(code)));
        assert_eq!(stub.seen().len(), 1, "{status} {code} is an answer, sent once");
        let intent = stub.client.journal().unwrap().intents().await.unwrap().remove(0);
        assert_eq!((intent.state, intent.code.as_deref()), (IntentState::Done, Some(code)), "a final answer");
    }
}

#[tokio::test]
async fn the_back_off_doubles_and_the_client_gives_up_after_max_retries_leaving_the_intent_pending() {
    let policy = RetryPolicy { jitter: 0.0, ..RetryPolicy::scaled(Duration::from_millis(100)) };
    let stub = scripted(vec![answer(503, "storage_unavailable"); 5], policy).await;
    let error = stub.redeem().await.unwrap_err();
    assert!(error.is_pending());
    assert_eq!(error.code(), Some("storage_unavailable"));
    let tally_client::Error::GaveUp { attempts, key: Some(key), .. } = &error else { panic!("{error:?}") };
    assert_eq!(*attempts, 5, "the first send and 4 retries");
    let seen = stub.seen();
    assert_eq!(seen.len(), 5);
    assert_eq!(&one_key(&seen), key);
    let gaps: Vec<u128> = seen.windows(2).map(|w| (w[1].at - w[0].at).as_millis()).collect();
    // Never sooner than the back-off, and not much later (the machine may be busy).
    for (gap, expected) in gaps.iter().zip([100, 200, 400, 800]) {
        assert!(*gap >= expected && *gap < expected + 250, "waits {gaps:?}, expected 100, 200, 400, 800 ms");
    }
    let journal = stub.client.journal().unwrap();
    let pending = journal.pending().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].attempts, pending[0].status), (5, Some(503)));

    // resume() sends it again, same key, same bytes, and settles it.
    stub.push([Answer { replayed: true, ..answer(201, "") }]);
    let report = stub.client.resume().await.unwrap();
    assert_eq!(report.intents.len(), 1);
    assert_eq!(report.intents[0].key, *key);
    assert_eq!(report.intents[0].outcome, ResumeOutcome::Succeeded { status: 201, replayed: true });
    let seen = stub.seen();
    assert_eq!(seen.len(), 6);
    one_key(&seen);
    assert_eq!(journal.pending().await.unwrap(), []);
    assert_eq!(stub.client.resume().await.unwrap().intents, [], "nothing left to do");
}

#[tokio::test]
async fn retry_after_is_honoured_even_when_longer_than_the_back_off() {
    let policy = RetryPolicy {
        jitter: 0.0,
        max_delay: Duration::from_secs(5),
        ..RetryPolicy::scaled(Duration::from_millis(10))
    };
    let stub = scripted(
        vec![Answer { retry_after: Some("1"), ..answer(409, "idempotency_key_in_use") }, created()],
        policy.clone(),
    )
    .await;
    stub.redeem().await.unwrap();
    let seen = stub.seen();
    let waited = seen[1].at - seen[0].at;
    assert!(waited >= Duration::from_secs(1), "waited {waited:?} despite Retry-After: 1");
    assert!(waited < Duration::from_secs(2), "waited {waited:?}");

    // A Retry-After beyond max_delay is not cut short: the client stops and the intent waits for resume().
    let stub = scripted(vec![Answer { retry_after: Some("3600"), ..answer(503, "maintenance") }], policy).await;
    let started = Instant::now();
    let error = stub.redeem().await.unwrap_err();
    assert!(error.is_pending() && started.elapsed() < Duration::from_secs(1));
    assert_eq!(stub.seen().len(), 1);
}

#[tokio::test]
async fn a_timed_out_attempt_is_sent_again_with_the_same_key() {
    init_logs();
    let stub = Arc::new(Stub {
        script: Mutex::new(vec![Answer { delay: Duration::from_secs(2), ..created() }, created()].into()),
        seen: Mutex::default(),
    });
    let app = Router::new().fallback(respond).with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = tempfile::tempdir().unwrap();
    let client = Client::builder(&address, "tly_test")
        .journal(dir.path().join("j.db"))
        .retry(fast_retries())
        .timeout(Duration::from_millis(300))
        .build()
        .await
        .unwrap();
    let done = client.redeem(&NewRedemption::new("cus_1", "rwd_1")).await.unwrap();
    assert_eq!(done.attempts, 2);
    let seen = stub.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    one_key(&seen);
}

#[tokio::test]
async fn each_intent_gets_its_own_v4_key_and_an_unreachable_server_leaves_it_pending() {
    let stub = scripted(vec![created(), created()], fast_retries()).await;
    let first = stub.redeem().await.unwrap();
    let second = stub.redeem().await.unwrap();
    assert_ne!(first.key, second.key, "one key per intent, not per client");
    for key in [&first.key, &second.key] {
        assert_eq!(uuid::Uuid::parse_str(key).unwrap().get_version_num(), 4);
    }

    // Nothing listens on this port: connection refused, retried, then pending.
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.db");
    let offline = client(&format!("http://127.0.0.1:{port}"), "tly_test", &journal, fast_retries()).await;
    let error = offline.redeem(&NewRedemption::new("cus_1", "rwd_1")).await.unwrap_err();
    assert!(matches!(
        &error,
        tally_client::Error::GaveUp { attempts: 5, last: tally_client::Failure::Transport(_), .. }
    ));
    let pending = offline.journal().unwrap().pending().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert!(pending[0].last_error.as_deref().is_some_and(|e| e.starts_with("transport")), "{:?}", pending[0]);

    // Another client with another token leaves that intent alone (no send happens).
    let other = client("http://127.0.0.1:9", "tly_other", &journal, fast_retries()).await;
    let report = other.resume().await.unwrap();
    assert_eq!((report.intents.len(), report.other_scope), (0, 1));
}

#[tokio::test]
async fn resume_does_not_resend_what_the_server_may_have_forgotten() {
    // A reward and a redemption, both left pending by an unreachable server, 25 hours ago.
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.db");
    let port = free_port();
    let offline = client(&format!("http://127.0.0.1:{port}"), "tly_test", &journal, RetryPolicy::never()).await;
    assert!(offline.create_reward(&NewReward::new("Mug", 10)).await.unwrap_err().is_pending());
    assert!(offline.redeem(&NewRedemption::new("cus_1", "rwd_1")).await.unwrap_err().is_pending());
    let day_ago = (chrono::Utc::now() - chrono::Duration::hours(25)).to_rfc3339();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", journal.display())).await.unwrap();
    sqlx::query("UPDATE intents SET created_at = ?").bind(&day_ago).execute(&pool).await.unwrap();

    // The server does not know the reward's key, and the intent is older than any retention
    // could be, so its record may have expired: re-sending could make a second reward. The
    // redemption keeps its key forever, so it is re-sent.
    let stub = scripted(vec![created()], fast_retries()).await;
    let resumer = client(&stub.address, "tly_test", &journal, fast_retries()).await;
    let report = resumer.resume().await.unwrap();
    let outcomes: Vec<_> = report.intents.iter().map(|r| (r.operation.as_str(), r.outcome.clone())).collect();
    assert_eq!(
        outcomes,
        [
            ("reward.create", ResumeOutcome::Stale { age_hours: 25 }),
            ("redemption.create", ResumeOutcome::Succeeded { status: 201, replayed: false }),
        ]
    );
    let seen = stub.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/api/v1/redemptions");
    let pending = resumer.journal().unwrap().pending().await.unwrap();
    assert_eq!(pending.iter().map(|i| i.operation.as_str()).collect::<Vec<_>>(), ["reward.create"]);

    // Younger than the shortest retention, an unknown key never committed: re-sent as usual.
    let recent = chrono::Utc::now().to_rfc3339();
    sqlx::query("UPDATE intents SET created_at = ?").bind(&recent).execute(&pool).await.unwrap();
    let report = resumer.resume().await.unwrap();
    assert!(matches!(report.intents[0].outcome, ResumeOutcome::Succeeded { status: 201, .. }), "{report:?}");
    assert_eq!(stub.seen().len(), 2);
}
