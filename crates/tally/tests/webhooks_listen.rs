//! `tally webhooks listen` as a process, against a stub of the
//! webhook-endpoints routes that answers as the API contract says (201 with
//! the endpoint and its secret; 204 on delete; 422 `webhook_url_not_allowed`
//! for a loopback URL the server does not allow). The stub records what the
//! command sent, so the registration, the keys and the clean-up are checked;
//! a test against a real `tally serve` belongs beside the server's routes.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use serde_json::{Value, json};
use tally_core::webhook_signature::{WebhookSecret, sign};
use tally_test_kit::ProcessGuard;

const TALLY: &str = env!("CARGO_BIN_EXE_tally");
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN: &str = "tly_stub_token";

/// One request the stub received.
#[derive(Debug, Clone)]
struct Seen {
    method: &'static str,
    path: String,
    key: Option<String>,
    authorization: Option<String>,
    body: Value,
}

#[derive(Default)]
struct Stub {
    seen: Mutex<Vec<Seen>>,
    /// Answer the registration as a server without `--webhooks-allow-private-networks`.
    refuse_loopback: bool,
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

async fn create(State(stub): State<Arc<Stub>>, headers: HeaderMap, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    stub.seen.lock().unwrap().push(Seen {
        method: "POST",
        path: "/api/v1/webhook-endpoints".into(),
        key: header(&headers, "idempotency-key"),
        authorization: header(&headers, "authorization"),
        body: body.clone(),
    });
    if stub.refuse_loopback {
        let problem = json!({
            "type": "/problems/webhook_url_not_allowed", "title": "Unprocessable Entity", "status": 422,
            "detail": "the URL resolves to a loopback address", "code": "webhook_url_not_allowed"
        });
        return (StatusCode::UNPROCESSABLE_ENTITY, [("content-type", "application/problem+json")], problem.to_string())
            .into_response();
    }
    let endpoint = json!({
        "id": "whe_01JSTUB", "url": body["url"], "event_types": body.get("event_types").cloned().unwrap_or(Value::Null),
        "description": body["description"], "enabled": true,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "secret": SECRET
    });
    (StatusCode::CREATED, [("content-type", "application/json")], endpoint.to_string()).into_response()
}

async fn remove(State(stub): State<Arc<Stub>>, Path(id): Path<String>, headers: HeaderMap) -> StatusCode {
    stub.seen.lock().unwrap().push(Seen {
        method: "DELETE",
        path: format!("/api/v1/webhook-endpoints/{id}"),
        key: header(&headers, "idempotency-key"),
        authorization: header(&headers, "authorization"),
        body: Value::Null,
    });
    StatusCode::NO_CONTENT
}

/// The stub on a port of its own; its base URL.
async fn start_stub(stub: Arc<Stub>) -> String {
    let app = Router::new()
        .route("/api/v1/webhook-endpoints", post(create))
        .route("/api/v1/webhook-endpoints/{id}", delete(remove))
        .with_state(stub);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn spawn_listen(base: &str, extra: &[&str]) -> ProcessGuard {
    Command::new(TALLY)
        .args(["webhooks", "listen", "--port", "0", "--url", base, "--max-retries", "0"])
        .args(extra)
        .env("TALLY_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
        .into()
}

/// Lines of a pipe, read on a thread so the test can wait with a deadline.
fn lines_of(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Lines up to and including the first one for which `until` holds.
fn read_until(lines: &mpsc::Receiver<String>, until: impl Fn(&str) -> bool) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match lines.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => {
                let done = until(&line);
                seen.push(line);
                if done {
                    return seen;
                }
            }
            Err(e) => panic!("{e}; the lines so far: {seen:#?}"),
        }
    }
}

fn is_uuid_v4(key: &str) -> bool {
    let bytes = key.as_bytes();
    key.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| bytes[i] == b'-')
        && bytes[14] == b'4'
        && key.bytes().enumerate().all(|(i, b)| [8, 13, 18, 23].contains(&i) || b.is_ascii_hexdigit())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_registers_prints_verified_deliveries_refuses_forgeries_and_deletes_on_sigterm() {
    let stub = Arc::new(Stub::default());
    let base = start_stub(stub.clone()).await;
    let mut child = spawn_listen(&base, &["--events", "points.earned,redemption.created", "--print-secret"]);
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());

    let startup = read_until(&stdout, |line| line.starts_with("Ctrl-C to stop"));
    let url = startup[0].strip_prefix("listening on ").unwrap_or_else(|| panic!("{startup:#?}")).to_owned();
    let port: u16 = url.strip_prefix("http://127.0.0.1:").and_then(|p| p.strip_suffix('/')).unwrap().parse().unwrap();
    assert_ne!(port, 0);
    assert_eq!(startup[1], "endpoint whe_01JSTUB receives points.earned, redemption.created");
    assert_eq!(startup[2], format!("secret {SECRET}"));

    let registered = stub.seen.lock().unwrap()[0].clone();
    assert_eq!(registered.method, "POST");
    assert_eq!(registered.authorization.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
    assert!(registered.key.as_deref().is_some_and(is_uuid_v4), "{:?}", registered.key);
    assert_eq!(
        registered.body,
        json!({ "url": url, "event_types": ["points.earned", "redemption.created"], "description": "tally webhooks listen" })
    );

    // A delivery as the dispatcher sends it: signed over the exact body bytes.
    let event = json!({
        "id": "evt_01JSTUBEVENT", "type": "points.earned", "timestamp": "2026-01-01T00:00:00Z",
        "program_id": "prg_01J", "data": { "customer_id": "cus_01J", "points": 120 },
        "idempotency_key": "k-1", "sequence": 1
    });
    let body = event.to_string();
    let now = chrono::Utc::now().timestamp();
    let signature = sign(&WebhookSecret::parse(SECRET).unwrap(), "evt_01JSTUBEVENT", now, body.as_bytes());
    let http = reqwest::Client::new();
    let deliver = |body: String| {
        http.post(&url)
            .header("content-type", "application/json")
            .header("webhook-id", "evt_01JSTUBEVENT")
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", &signature)
            .body(body)
            .send()
    };
    assert_eq!(deliver(body.clone()).await.unwrap().status(), 204);
    let printed = read_until(&stdout, |line| line == "}");
    let at = chrono::DateTime::from_timestamp(now, 0).unwrap().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(printed[0], format!("{at} points.earned evt_01JSTUBEVENT verified"));
    assert_eq!(serde_json::from_str::<Value>(&printed[1..].join("\n")).unwrap(), event);

    // The same signature over another body is a forgery.
    let forged = body.replace("120", "120000");
    assert_eq!(deliver(forged).await.unwrap().status(), 400);
    let refused = read_until(&stderr, |line| line.starts_with("refused delivery"));
    assert!(refused.last().unwrap().starts_with("refused delivery evt_01JSTUBEVENT: no v1 signature"), "{refused:#?}");

    // SIGTERM: the endpoint is deleted, with a key of its own, and the exit is clean.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) }, 0);
    let status = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        drop(child);
        status
    });
    let status = tokio::time::timeout(Duration::from_secs(20), status).await.expect("listen exits on SIGTERM").unwrap();
    assert!(status.success(), "{status:?}");
    let seen = stub.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:#?}");
    assert_eq!((seen[1].method, seen[1].path.as_str()), ("DELETE", "/api/v1/webhook-endpoints/whe_01JSTUB"));
    assert!(seen[1].key.as_deref().is_some_and(is_uuid_v4), "{:?}", seen[1].key);
    assert_ne!(seen[1].key, registered.key);
    assert_eq!(seen[1].authorization, registered.authorization);
    let rest: Vec<String> = stdout.iter().collect();
    assert_eq!(rest, ["deleted endpoint whe_01JSTUB"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_deletes_the_endpoint_too() {
    let stub = Arc::new(Stub::default());
    let base = start_stub(stub.clone()).await;
    let mut child = spawn_listen(&base, &[]);
    let stdout = lines_of(child.stdout.take().unwrap());
    let startup = read_until(&stdout, |line| line.starts_with("Ctrl-C to stop"));
    assert_eq!(startup[1], "endpoint whe_01JSTUB receives every event type");
    // No --print-secret: the secret stays off the screen.
    assert!(!startup.iter().any(|line| line.contains("whsec_")), "{startup:#?}");
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    let status = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        drop(child);
        status
    });
    let status = tokio::time::timeout(Duration::from_secs(20), status).await.expect("listen exits on SIGINT").unwrap();
    assert!(status.success(), "{status:?}; after {startup:#?}: {:#?}", stdout.iter().collect::<Vec<_>>());
    let seen = stub.seen.lock().unwrap().clone();
    assert_eq!(seen.iter().map(|s| s.method).collect::<Vec<_>>(), ["POST", "DELETE"], "{seen:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_loopback_url_gets_a_hint_about_the_server_flag() {
    let stub = Arc::new(Stub { refuse_loopback: true, ..Stub::default() });
    let base = start_stub(stub.clone()).await;
    let mut child = spawn_listen(&base, &[]);
    let (stdout, stderr) = (lines_of(child.stdout.take().unwrap()), lines_of(child.stderr.take().unwrap()));
    let status = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        drop(child);
        status
    });
    let status = tokio::time::timeout(Duration::from_secs(20), status).await.expect("listen gives up").unwrap();
    assert_eq!(status.code(), Some(1));
    let errors: Vec<String> = stderr.iter().collect();
    assert!(errors.iter().any(|l| l.contains("422 webhook_url_not_allowed")), "{errors:#?}");
    assert!(errors.iter().any(|l| l.contains("--webhooks-allow-private-networks")), "{errors:#?}");
    // Only the listening line: no endpoint was created, so none is deleted.
    assert_eq!(stdout.iter().count(), 1);
    let seen = stub.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:#?}");
    // Every event type: the field is left out rather than sent empty.
    assert!(seen[0].body.get("event_types").is_none(), "{:?}", seen[0].body);
}

#[test]
fn listen_help_names_its_flags_and_the_server_flag_it_needs() {
    let output = Command::new(TALLY).args(["webhooks", "listen", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in ["--port <PORT>", "--events <TYPE,TYPE>", "--print-secret", "--url <URL>", "--token <TOKEN>"] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    assert!(help.contains("--webhooks-allow-private-networks"), "{help}");
    assert!(help.contains("<type> <webhook-id> verified"), "{help}");
    let listed = Command::new(TALLY).arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("webhooks"));
    // --port is required (0 asks for any free port).
    let missing = Command::new(TALLY).args(["webhooks", "listen", "--token", "t"]).output().unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--port <PORT>"));
}
