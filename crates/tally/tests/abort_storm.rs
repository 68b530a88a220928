//! Clients that go away mid-request, on two `tally serve` nodes sharing one
//! PostgreSQL database.
//!
//! Many clients send keyed redemptions and purchases and reset their TCP
//! connection right after the request (SO_LINGER 0, then close: an RST, as a
//! mobile client or a load balancer's timeout does), so the server drops
//! handler futures at arbitrary await points, mixed with requests that wait
//! for their answers. Then every intent is retried with its key until it has
//! a final answer. Afterwards: each key that was answered 2xx made exactly one
//! row and each refused key none, no session is left `idle in transaction`,
//! the nodes never logged a transaction-state warning nor answered a 500, and
//! `tally verify` finds nothing.
//!
//! A missing PostgreSQL fails the test (`scratch_database_url` panics), in CI
//! and everywhere else.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tally_test_kit::ServeProcess;
use tokio::io::AsyncWriteExt;

const TALLY: &str = env!("CARGO_BIN_EXE_tally");

fn tally(args: &[&str], database_url: &str) -> String {
    let output = Command::new(TALLY).args(args).env("TALLY_DATABASE_URL", database_url).output().unwrap();
    assert!(output.status.success(), "tally {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// One client intent: a keyed write, retried with its key until answered.
#[derive(Clone)]
struct Intent {
    key: String,
    path: &'static str,
    body: Value,
}

/// Sends `intent` and resets the connection right after the request is
/// written, or `delay` later: the server sees the RST while it works.
async fn send_and_reset(port: u16, token: &str, intent: &Intent, delay: Duration) {
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else { return };
    let body = intent.body.to_string();
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nIdempotency-Key: {}\r\nContent-Length: {}\r\n\r\n{body}",
        intent.path,
        intent.key,
        body.len()
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return;
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    // SO_LINGER 0: closing sends an RST instead of a FIN.
    let _ = stream.set_zero_linger();
    drop(stream);
}

/// Sends `intent` and waits for its answer; `None` when the connection failed.
async fn send(client: &Client, base: &str, token: &str, intent: &Intent) -> Option<StatusCode> {
    let response = client
        .post(format!("{base}{}", intent.path))
        .bearer_auth(token)
        .header("Idempotency-Key", &intent.key)
        .json(&intent.body)
        .send()
        .await
        .ok()?;
    Some(response.status())
}

/// An answer after which the same key would be answered the same way again.
fn is_final(status: StatusCode) -> bool {
    status.is_success()
        || (status.is_client_error() && status != StatusCode::CONFLICT && status != StatusCode::TOO_MANY_REQUESTS)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_resetting_mid_request_leave_no_poisoned_session_and_every_intent_once() {
    let url = tally_store_postgres::scratch::scratch_database_url().await;
    let program = tally(&["program", "create", "abort storm"], &url);
    let token = tally(&["token", "create", "--program", &program], &url);
    // Small pools: a poisoned session is handed on again and again.
    let nodes = [
        ServeProcess::start(TALLY, &url, &["--pg-max-connections", "4"]).await,
        ServeProcess::start(TALLY, &url, &["--pg-max-connections", "4"]).await,
    ];
    let client = Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let base = |i: usize| nodes[i % nodes.len()].url("");
    let setup = |path: &str, body: Value| {
        client.post(nodes[0].url(path)).bearer_auth(&token).header("Idempotency-Key", rand_key()).json(&body).send()
    };
    let lifted = client
        .patch(nodes[0].url("/api/v1/program"))
        .bearer_auth(&token)
        .json(&json!({ "rate_limit_per_minute": 1_000_000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(lifted.status(), StatusCode::OK);

    // Sixteen customers of 300 points each; a reward of 100 points without
    // stock and one of 10 points with 20 in stock, so that both refusals
    // (insufficient points, out of stock) occur.
    let mut customers = Vec::new();
    for i in 0..16 {
        let customer: Value = setup("/api/v1/customers", json!({ "email": format!("c{i}@example.com") }))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = customer["id"].as_str().unwrap().to_owned();
        let earned = setup(
            "/api/v1/transactions",
            json!({ "customer_id": id, "spend_amount_cents": 30_000, "currency": "EUR" }),
        )
        .await
        .unwrap();
        assert_eq!(earned.status(), StatusCode::CREATED);
        customers.push(id);
    }
    let mut rewards = Vec::new();
    for (name, cost, stock) in [("mug", 100, Value::Null), ("pin", 10, json!(20))] {
        let reward: Value = setup("/api/v1/rewards", json!({ "name": name, "cost_points": cost, "stock": stock }))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        rewards.push(reward["id"].as_str().expect("reward id").to_owned());
    }

    // Per customer: eight redemptions (more than 300 points buy) and four
    // small purchases.
    let mut intents = Vec::new();
    for (c, customer) in customers.iter().enumerate() {
        for r in 0..8 {
            intents.push(Intent {
                key: format!("rdm-{c}-{r}"),
                path: "/api/v1/redemptions",
                body: json!({ "customer_id": customer, "reward_id": rewards[r % 2] }),
            });
        }
        for p in 0..4 {
            intents.push(Intent {
                key: format!("txn-{c}-{p}"),
                path: "/api/v1/transactions",
                body: json!({ "customer_id": customer, "spend_amount_cents": 1_000, "currency": "EUR" }),
            });
        }
    }

    // The storm: 24 clients; each attempt is reset mid-request with
    // probability 2/3, or else waits for its answer.
    let queue = Arc::new(Mutex::new(intents.clone()));
    let storm_deadline = Instant::now() + Duration::from_secs(60);
    let workers: Vec<_> = (0..24)
        .map(|w| {
            let (queue, client, token) = (queue.clone(), client.clone(), token.clone());
            let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
            let bases: Vec<String> = (0..nodes.len()).map(base).collect();
            tokio::spawn(async move {
                let mut answered = Vec::new();
                let (mut resets, mut n) = (0usize, w);
                while Instant::now() < storm_deadline {
                    let Some(intent) = queue.lock().unwrap().pop() else { break };
                    let attempts = rand::thread_rng().gen_range(1..=3);
                    for _ in 0..attempts {
                        n += 1;
                        let node = n % ports.len();
                        let (reset, delay_us) = {
                            let mut rng = rand::thread_rng();
                            (rng.gen_bool(2.0 / 3.0), rng.gen_range(0..3_000u64))
                        };
                        if reset {
                            let delay = Duration::from_micros(if delay_us < 1_000 { 0 } else { delay_us });
                            send_and_reset(ports[node], &token, &intent, delay).await;
                            resets += 1;
                        } else if let Some(status) = send(&client, &bases[node], &token, &intent).await {
                            answered.push((intent.key.clone(), status));
                        }
                    }
                }
                (resets, answered)
            })
        })
        .collect();
    let mut resets = 0;
    let mut storm_answers = Vec::new();
    for worker in workers {
        let (r, answered) = worker.await.unwrap();
        resets += r;
        storm_answers.extend(answered);
    }
    assert!(queue.lock().unwrap().is_empty(), "the storm did not get through its intents in time");
    let server_errors: Vec<_> = storm_answers.iter().filter(|(_, s)| *s == StatusCode::INTERNAL_SERVER_ERROR).collect();
    assert!(server_errors.is_empty(), "500s during the storm: {server_errors:?}");

    // Every intent, retried with its key until its answer is final.
    let retry_deadline = Instant::now() + Duration::from_secs(90);
    let mut finals: BTreeMap<String, StatusCode> = BTreeMap::new();
    for (i, intent) in intents.iter().enumerate() {
        let mut attempt = 0;
        let status = loop {
            attempt += 1;
            assert!(attempt <= 50 && Instant::now() < retry_deadline, "{} never got a final answer", intent.key);
            match send(&client, &base(i + attempt), &token, intent).await {
                Some(status) if is_final(status) => break status,
                Some(StatusCode::INTERNAL_SERVER_ERROR) => panic!("{} answered 500 on a retry", intent.key),
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        assert!(
            status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{}: unexpected final answer {status}",
            intent.key
        );
        finals.insert(intent.key.clone(), status);
    }

    // Exactly once: one row per key answered 2xx, none per refused key.
    let db = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT idempotency_key, count(*) FROM redemptions WHERE program_id = $1 AND idempotency_key IS NOT NULL \
         GROUP BY 1 UNION ALL \
         SELECT idempotency_key, count(*) FROM transactions WHERE program_id = $1 AND idempotency_key LIKE 'txn-%' \
         GROUP BY 1",
    )
    .bind(&program)
    .fetch_all(&db)
    .await
    .unwrap();
    let rows: BTreeMap<String, i64> = rows.into_iter().collect();
    for (key, status) in &finals {
        let made = rows.get(key).copied().unwrap_or(0);
        let expected = i64::from(status.is_success());
        assert_eq!(made, expected, "{key} answered {status} but made {made} row(s)");
    }
    assert!(rows.keys().all(|k| finals.contains_key(k)), "rows for keys nobody sent");
    let refused = finals.values().filter(|s| !s.is_success()).count();
    assert!(refused > 0 && refused < finals.len(), "both outcomes occur: {refused} of {} refused", finals.len());

    // No session left inside a transaction (a lost one never leaves that state).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let stuck: Vec<(i32, String)> = sqlx::query_as(
            "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        if stuck.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "sessions left inside a transaction: {stuck:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    for (i, node) in nodes.iter().enumerate() {
        let logs = node.logs();
        for warning in ["there is already a transaction in progress", "no transaction in progress"] {
            assert!(!logs.contains(warning), "node {i} logged {warning:?}: {logs}");
        }
        assert!(!logs.contains("status=500"), "node {i} answered a 500: {logs}");
    }
    let report = tally(&["verify"], &url);
    assert!(report.contains("0 violation(s)"), "{report}");
    eprintln!(
        "abort storm: {} intents ({} refused), {resets} reset attempts, {} answered during the storm",
        finals.len(),
        refused,
        storm_answers.len()
    );
}

fn rand_key() -> String {
    format!("setup-{:016x}", rand::random::<u64>())
}
