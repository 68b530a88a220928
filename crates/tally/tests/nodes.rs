//! Several `tally serve` processes as they run in production: one PostgreSQL
//! database, one Redis, real signals. Each node is its own process, so its
//! `/metrics` counts only what this test sent it.
//!
//! Redis here is a private `redis-server` on a free port, started and killed
//! by the test (never the shared one on 6379).

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tally_store::{KeyLock, NewIdempotencyRecord, Store};
use tally_store_postgres::PgStore;
use tally_test_kit::{Backend, Harness, ProcessGuard, ServeProcess, TestDatabase, free_port, scratch_postgres_url};

const TALLY: &str = env!("CARGO_BIN_EXE_tally");

fn tally(args: &[&str], database_url: &str) -> String {
    let output = Command::new(TALLY).args(args).env("TALLY_DATABASE_URL", database_url).output().unwrap();
    assert!(output.status.success(), "tally {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// `tally verify` finds no violation.
fn assert_verified(database_url: &str) {
    let report = tally(&["verify"], database_url);
    assert!(report.contains("0 violation(s)"), "{report}");
}

/// A program and a token for it, made with the CLI.
fn program_and_token(database_url: &str) -> (String, String) {
    let program = tally(&["program", "create", "nodes test"], database_url);
    let token = tally(&["token", "create", "--program", &program], database_url);
    (program, token)
}

/// A `tally serve` process (see `ServeProcess`), and what these tests ask of one.
struct Node(ServeProcess);

impl std::ops::Deref for Node {
    type Target = ServeProcess;

    fn deref(&self) -> &ServeProcess {
        &self.0
    }
}

impl std::ops::DerefMut for Node {
    fn deref_mut(&mut self) -> &mut ServeProcess {
        &mut self.0
    }
}

impl Node {
    async fn start(database_url: &str, extra: &[&str]) -> Node {
        Node(ServeProcess::start(TALLY, database_url, extra).await)
    }

    fn terminate(&self) {
        // SAFETY: kill(2) on a child this test spawned and has not reaped.
        let result = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        assert_eq!(result, 0, "SIGTERM could not be sent");
    }

    /// Waits for the process to exit on its own.
    async fn exit_status(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the node did not exit within {within:?}: {}", self.logs());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The node's metrics: `name{labels}` → value.
    async fn metrics(&self) -> BTreeMap<String, f64> {
        let text = reqwest::get(self.url("/metrics")).await.unwrap().text().await.unwrap();
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.rsplit_once(' ').map(|(k, v)| (k.to_owned(), v.parse().unwrap())))
            .collect()
    }
}

/// Sends requests (each must succeed) until the node counts through Redis
/// again, for at most 10 s.
async fn back_on_redis(client: &Client, node: &Node, token: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = client.get(node.url("/api/v1/program")).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        if metric(&node.metrics().await, "tally_ratelimit_redis_fallback") == 0.0 {
            return;
        }
        assert!(Instant::now() < deadline, "the node did not go back to Redis: {}", node.logs());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn metric(metrics: &BTreeMap<String, f64>, key: &str) -> f64 {
    metrics.get(key).copied().unwrap_or(0.0)
}

/// A private `redis-server` on a free port, killed when dropped.
struct Redis {
    child: Option<ProcessGuard>,
    port: u16,
}

impl Redis {
    async fn start() -> Redis {
        let mut redis = Redis { child: None, port: free_port() };
        redis.restart().await;
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) on the same port.
    async fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (.ci/run installs it)");
        self.child = Some(child.into());
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    /// SIGSTOP / SIGCONT: a Redis that holds connections open and never answers.
    fn pause(&self, paused: bool) {
        let pid = self.child.as_ref().expect("running").id() as libc::pid_t;
        // SAFETY: kill(2) on a child this test spawned and has not reaped.
        let result = unsafe { libc::kill(pid, if paused { libc::SIGSTOP } else { libc::SIGCONT }) };
        assert_eq!(result, 0);
    }

    /// SIGKILL: the abrupt loss a node must survive.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

async fn set_rate(client: &Client, node: &Node, token: &str, per_minute: i32) {
    let response = client
        .patch(node.url("/api/v1/program"))
        .bearer_auth(token)
        .json(&json!({ "rate_limit_per_minute": per_minute }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// Sends `count` GETs spread round-robin over the nodes, `parallel` at a time;
/// returns the statuses in order of sending and how long it all took.
async fn burst(client: &Client, nodes: &[&Node], token: &str, count: usize, parallel: usize) -> (Vec<u16>, Duration) {
    let started = Instant::now();
    let mut statuses = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(parallel) {
        let requests = chunk.iter().map(|i| {
            let node = nodes[i % nodes.len()];
            client.get(node.url("/api/v1/program")).bearer_auth(token).send()
        });
        for response in join_all(requests).await {
            let response = response.expect("every request is answered");
            if response.status() == StatusCode::TOO_MANY_REQUESTS {
                assert!(response.headers().contains_key("retry-after"));
            }
            assert!(response.headers().contains_key("ratelimit"), "RateLimit on every authenticated response");
            statuses.push(response.status().as_u16());
        }
    }
    (statuses, started.elapsed())
}

/// Three nodes, one Redis: together they allow the policy's burst plus what
/// refills while the test runs — not three times it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_nodes_share_one_rate_limit_through_redis() {
    let url = scratch_postgres_url().await;
    let (program, admin_token) = program_and_token(&url);
    let redis = Redis::start().await;
    let redis_url = redis.url();
    // A generous timeout: on a starved CI machine a slow Redis answer would
    // (rightly) send a node to its local limiter, which is not what this tests.
    let args = ["--redis-url", redis_url.as_str(), "--redis-key-prefix", "shared-test", "--redis-timeout-ms", "3000"];
    let nodes = [Node::start(&url, &args).await, Node::start(&url, &args).await, Node::start(&url, &args).await];
    let client = Client::new();
    // 120 a minute: a burst of 120, then one every 500 ms.
    set_rate(&client, &nodes[0], &admin_token, 120).await;
    // A token of its own, so the bucket starts full (buckets are per token).
    let token = tally(&["token", "create", "--program", &program], &url);

    let node_refs: Vec<&Node> = nodes.iter().collect();
    let (statuses, elapsed) = burst(&client, &node_refs, &token, 300, 20).await;
    let allowed = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    for node in &nodes {
        let m = node.metrics().await;
        assert_eq!(metric(&m, "tally_ratelimit_redis_errors_total"), 0.0, "Redis failed a node: {}", node.logs());
    }
    assert_eq!(allowed + limited, 300, "only 200 or 429: {statuses:?}");
    // GCRA bound: the burst, plus one per 500 ms elapsed, plus one for rounding.
    let refill = (elapsed.as_secs_f64() / 0.5).ceil() as usize;
    assert!(
        (120..=120 + refill + 1).contains(&allowed),
        "allowed {allowed} of 300 in {elapsed:?}: the shared policy allows 120 + {refill}"
    );
    assert!(elapsed < Duration::from_secs(10), "the burst took {elapsed:?}; the bound above would be loose");

    // Each node decided through Redis, and its metrics say so.
    let mut redis_allowed = 0.0;
    let mut redis_limited = 0.0;
    for node in &nodes {
        let m = node.metrics().await;
        redis_allowed += metric(&m, r#"tally_ratelimit_decisions_total{decision="allowed",source="redis"}"#);
        redis_limited += metric(&m, r#"tally_ratelimit_decisions_total{decision="limited",source="redis"}"#);
        assert_eq!(metric(&m, r#"tally_ratelimit_decisions_total{decision="allowed",source="local"}"#), 0.0);
        assert_eq!(metric(&m, "tally_ratelimit_redis_fallback"), 0.0);
    }
    assert_eq!(redis_limited as usize, limited);
    assert_eq!(redis_allowed as usize, allowed + 1, "plus the PATCH");
    eprintln!("shared limit: {allowed} of 300 allowed in {elapsed:?} (policy 120/min, bound 120..={})", 121 + refill);
}

/// Redis dies mid-run: clients see no error, each node limits on its own and
/// says so once; Redis comes back and the nodes share again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn losing_redis_falls_back_to_local_limits_without_errors() {
    let url = scratch_postgres_url().await;
    let (_, token) = program_and_token(&url);
    let mut redis = Redis::start().await;
    let redis_url = redis.url();
    let args = ["--redis-url", redis_url.as_str()];
    let nodes = [Node::start(&url, &args).await, Node::start(&url, &args).await];
    let node_refs: Vec<&Node> = nodes.iter().collect();
    let client = Client::new();

    let (before, _) = burst(&client, &node_refs, &token, 40, 10).await;
    assert!(before.iter().all(|s| *s == 200), "{before:?}");

    redis.kill();
    let started = Instant::now();
    let (during, elapsed) = burst(&client, &node_refs, &token, 100, 10).await;
    assert!(during.iter().all(|s| *s == 200), "Redis down is not the client's problem: {during:?}");
    assert!(elapsed < Duration::from_secs(10), "fallback must be fast; 100 requests took {elapsed:?}");
    for node in &nodes {
        let m = node.metrics().await;
        assert_eq!(metric(&m, "tally_ratelimit_redis_fallback"), 1.0, "{m:?}");
        assert!(metric(&m, r#"tally_ratelimit_decisions_total{decision="allowed",source="local"}"#) > 0.0);
        assert!(metric(&m, r#"tally_ratelimit_decisions_total{decision="allowed",source="redis"}"#) >= 20.0);
        assert!(metric(&m, "tally_ratelimit_redis_errors_total") >= 1.0);
        let logs = node.logs();
        assert_eq!(logs.matches("Redis is unreachable").count(), 1, "logged once per transition:\n{logs}");
    }
    eprintln!("fallback: 100 requests with Redis dead in {elapsed:?} (killed {:?} before)", started.elapsed());

    // Redis is back: within a few retries the nodes count through it again.
    redis.restart().await;
    for node in &nodes {
        back_on_redis(&client, node, &token).await;
        assert_eq!(node.logs().matches("Redis answers again").count(), 1);
    }
}

/// One node, fresh process: every counter is exactly what the requests predict.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_count_exactly_what_the_requests_did() {
    let url = scratch_postgres_url().await;
    let (program, token) = program_and_token(&url);
    let node = Node::start(&url, &["--maintenance-interval-secs", "1", "--pg-max-connections", "4"]).await;
    let client = Client::new();
    let post = |path: &str, key: Option<&str>, body: Value| {
        let mut request = client.post(node.url(path)).bearer_auth(&token).json(&body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send()
    };

    let customer: Value =
        post("/api/v1/customers", None, json!({ "email": "m@example.com" })).await.unwrap().json().await.unwrap();
    let customer = customer["id"].as_str().unwrap().to_owned();
    let purchase = json!({ "customer_id": customer, "spend_amount_cents": 10_000, "currency": "EUR" });
    let statuses = [
        post("/api/v1/transactions", Some("buy-1"), purchase.clone()).await.unwrap().status(), // miss, stored
        post("/api/v1/transactions", Some("buy-1"), purchase.clone()).await.unwrap().status(), // hit
        post(
            "/api/v1/transactions",
            Some("buy-1"),
            json!({ "customer_id": customer, "spend_amount_cents": 1, "currency": "EUR" }),
        )
        .await
        .unwrap()
        .status(), // reused
        post("/api/v1/transactions", None, purchase.clone()).await.unwrap().status(),          // missing
    ];
    assert_eq!(statuses.map(|s| s.as_u16()), [201, 201, 422, 400]);

    // in_use, then waited: the test holds the key the way a first request would.
    let store = PgStore::connect(&url, 2).await.unwrap();
    let lock = KeyLock { program_id: program.clone(), key: "held".into() };
    let mut held = store.begin(Some(&lock)).await.unwrap();
    let body = serde_json::to_vec(&purchase).unwrap();
    let in_use = post("/api/v1/transactions", Some("held"), purchase.clone()).await.unwrap();
    assert_eq!(in_use.status(), StatusCode::CONFLICT);
    let waiter = client
        .post(node.url("/api/v1/transactions"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "held")
        .header("Prefer", "wait=5")
        .header("Content-Type", "application/json")
        .body(body.clone())
        .send();
    let waiter = tokio::spawn(waiter);
    let deadline = Instant::now() + Duration::from_secs(10);
    while metric(&node.metrics().await, "tally_idempotency_waiting") < 1.0 {
        assert!(Instant::now() < deadline, "the retry never started waiting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let record = NewIdempotencyRecord {
        key: "held".into(),
        method: "POST".into(),
        path: "/api/v1/transactions".into(),
        fingerprint: tally_core::fingerprint::fingerprint("POST", "/api/v1/transactions", None, &body),
        status: 201,
        headers: vec![("content-type".into(), "application/json".into())],
        body: b"{}".to_vec(),
        resource_id: None,
        retention_hours: 24,
    };
    held.save_idempotency_record(&program, &record).await.unwrap();
    held.commit().await.unwrap();
    let waited = waiter.await.unwrap().unwrap();
    assert_eq!(waited.headers()["x-idempotency-lookup"], "waited");
    assert_eq!(metric(&node.metrics().await, "tally_idempotency_waiting"), 0.0, "the gauge comes back down");

    let anonymous = client.get(node.url("/api/v1/program")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let m = node.metrics().await;
    let lookups = |outcome: &str| metric(&m, &format!("tally_idempotency_lookups_total{{outcome=\"{outcome}\"}}"));
    assert_eq!(
        ["miss", "hit", "reused", "missing", "in_use", "waited"].map(lookups),
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        "{m:#?}"
    );
    assert_eq!(
        metric(&m, "tally_idempotency_records_stored_total"),
        1.0,
        "only buy-1's response was stored by the node"
    );
    let requests = |route: &str, status: u16| {
        metric(&m, &format!("tally_http_requests_total{{method=\"POST\",route=\"{route}\",status=\"{status}\"}}"))
    };
    assert_eq!(requests("/api/v1/customers", 201), 1.0);
    assert_eq!(requests("/api/v1/transactions", 201), 3.0, "miss, hit, waited");
    assert_eq!(requests("/api/v1/transactions", 422), 1.0);
    assert_eq!(requests("/api/v1/transactions", 400), 1.0);
    assert_eq!(requests("/api/v1/transactions", 409), 1.0);
    assert_eq!(metric(&m, r#"tally_http_requests_total{method="GET",route="/api/v1/program",status="401"}"#), 1.0);
    assert_eq!(
        metric(&m, r#"tally_http_request_duration_seconds_count{method="POST",route="/api/v1/transactions"}"#),
        6.0
    );
    // Seven authenticated requests, each counted once; the 401 had no token to count.
    assert_eq!(metric(&m, r#"tally_ratelimit_decisions_total{decision="allowed",source="local"}"#), 7.0);
    assert_eq!(metric(&m, r#"tally_db_pool_connections{state="max"}"#), 4.0);
    assert!(metric(&m, r#"tally_db_pool_connections{state="open"}"#) >= 1.0);

    // Expire both stored records; the sweeper (every second) deletes them and counts them.
    store.expire_idempotency_records().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let swept = metric(&node.metrics().await, "tally_idempotency_records_swept_total");
        if swept == 2.0 {
            break;
        }
        assert!(swept < 2.0 && Instant::now() < deadline, "swept {swept}, expected 2");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Past retention the purchase still carries its key: a retry replays it
    // (a hit, not a miss), a different body under it is refused (reused).
    let late = post("/api/v1/transactions", Some("buy-1"), purchase.clone()).await.unwrap();
    assert_eq!(late.status(), StatusCode::OK);
    assert_eq!(late.headers()["x-idempotency-lookup"], "hit");
    let other = json!({ "customer_id": customer, "spend_amount_cents": 2, "currency": "EUR" });
    let late_reuse = post("/api/v1/transactions", Some("buy-1"), other).await.unwrap();
    assert_eq!(late_reuse.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let m = node.metrics().await;
    let lookups = |outcome: &str| metric(&m, &format!("tally_idempotency_lookups_total{{outcome=\"{outcome}\"}}"));
    assert_eq!(["miss", "hit", "reused"].map(lookups), [1.0, 2.0, 2.0], "each request counted once: {m:#?}");
}

/// `--log-format json`: one JSON object per line; each request's line names
/// its request id, program, route, status, latency, key and outcome — and no
/// token or body ever appears.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn json_logs_have_one_line_per_request_and_no_secrets() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let db = database.url.as_str();
    let (program, token) = program_and_token(db);
    let mut node = Node::start(db, &["--log-format", "json", "--shutdown-delay-secs", "0"]).await;
    let client = Client::new();
    let created = client
        .post(node.url("/api/v1/customers"))
        .bearer_auth(&token)
        .header("x-request-id", "req-customer")
        .header("Idempotency-Key", "cust-1")
        .json(&json!({ "email": "secret.person@example.com", "name": "Very Private Name" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["x-request-id"], "req-customer");
    let refused = client.get(node.url("/api/v1/program")).bearer_auth("tly_not_a_real_token").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    node.terminate();
    assert!(node.exit_status(Duration::from_secs(15)).await.success());
    let logs = node.logs();
    let lines: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let for_request = |id: &str| -> Vec<&Value> { lines.iter().filter(|l| l["span"]["request_id"] == id).collect() };

    let customer_lines = for_request("req-customer");
    assert_eq!(customer_lines.len(), 1, "one line per request: {customer_lines:?}");
    let line = customer_lines[0];
    assert_eq!(line["message"], "request");
    assert_eq!(line["status"], 201);
    assert!(line["latency_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{line}");
    assert_eq!(line["span"]["route"], "/api/v1/customers");
    assert_eq!(line["span"]["method"], "POST");
    assert_eq!(line["span"]["program"], program.as_str());
    assert_eq!(line["span"]["idempotency_key"], "cust-1");
    assert_eq!(line["span"]["idempotency_lookup"], "miss");

    let unauthorized: Vec<&Value> = lines.iter().filter(|l| l["status"] == 401).collect();
    assert_eq!(unauthorized.len(), 1);
    assert!(unauthorized[0]["span"]["request_id"].as_str().is_some_and(|id| !id.is_empty()), "ids are made");

    for secret in [token.as_str(), "tly_not_a_real_token", "secret.person", "Very Private Name"] {
        assert!(!logs.contains(secret), "{secret:?} leaked into the logs:\n{logs}");
    }
}

/// One outcome of a purchase sent during the shutdown test.
struct Sent {
    key: String,
    status: Option<u16>,
    after_sigterm: bool,
}

/// SIGTERM while requests are in flight and more keep coming: `/readyz` turns
/// 503 first, in-flight requests finish, the process exits 0, and the ledger
/// holds exactly the requests that were answered 2xx — no committed effect
/// lost its response, no answered one is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_loses_no_committed_response() {
    let url = scratch_postgres_url().await;
    let (program, token) = program_and_token(&url);
    // Eight connections: five held requests plus the load.
    let mut node =
        Node::start(&url, &["--shutdown-delay-secs", "2", "--shutdown-grace-secs", "20", "--pg-max-connections", "8"])
            .await;
    let client = Client::new();
    // The load is not about rate limits: lift the token's well above what it sends.
    set_rate(&client, &node, &token, 1_000_000).await;
    let new_customer = |email: &str| {
        client.post(node.url("/api/v1/customers")).bearer_auth(&token).json(&json!({ "email": email })).send()
    };
    let busy: Value = new_customer("busy@example.com").await.unwrap().json().await.unwrap();
    let busy = busy["id"].as_str().unwrap().to_owned();
    let held: Value = new_customer("held@example.com").await.unwrap().json().await.unwrap();
    let held = held["id"].as_str().unwrap().to_owned();
    let purchase = |customer: &str| json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EUR" });

    // Five purchases the database holds mid-transaction (a row lock on their
    // customer): certainly in flight when the signal arrives.
    let store = PgStore::connect(&url, 2).await.unwrap();
    let mut row_lock = store.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM customers WHERE id = $1 FOR UPDATE").bind(&held).execute(&mut *row_lock).await.unwrap();
    let in_flight: Vec<_> = (0..5)
        .map(|i| {
            let request = client
                .post(node.url("/api/v1/transactions"))
                .bearer_auth(&token)
                .header("Idempotency-Key", format!("held-{i}"))
                .json(&purchase(&held))
                .send();
            tokio::spawn(request)
        })
        .collect();
    for i in 0..5 {
        let lock = KeyLock { program_id: program.clone(), key: format!("held-{i}") };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !store.key_in_flight(&lock).await.unwrap() {
            assert!(Instant::now() < deadline, "held-{i} never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // Load: workers send purchases with fresh keys until the node stops answering.
    let sigterm_sent = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..6)
        .map(|w| {
            let client = Client::new();
            let url = node.url("/api/v1/transactions");
            let (token, body, sigterm_sent) = (token.clone(), purchase(&busy), sigterm_sent.clone());
            tokio::spawn(async move {
                let mut sent = Vec::new();
                let mut failures = 0;
                let deadline = Instant::now() + Duration::from_secs(30);
                for i in 0.. {
                    if failures >= 3 || Instant::now() > deadline {
                        break;
                    }
                    let key = format!("load-{w}-{i}");
                    let after_sigterm = sigterm_sent.load(Ordering::SeqCst);
                    let answer =
                        client.post(&url).bearer_auth(&token).header("Idempotency-Key", &key).json(&body).send().await;
                    let status = match answer {
                        Ok(response) => Some(response.status().as_u16()),
                        Err(_) => {
                            failures += 1;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            None
                        }
                    };
                    sent.push(Sent { key, status, after_sigterm });
                }
                sent
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(700)).await;
    node.terminate();
    sigterm_sent.store(true, Ordering::SeqCst);
    let signalled = Instant::now();

    // Unready at once, while still serving.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let readyz = Client::new().get(node.url("/readyz")).send().await.unwrap();
    assert_eq!(readyz.status(), StatusCode::SERVICE_UNAVAILABLE);
    let problem: Value = readyz.json().await.unwrap();
    assert_eq!(problem["code"], "draining");

    // After the delay the port closes, but the held requests are still running.
    let closes = signalled + Duration::from_millis(2500);
    tokio::time::sleep(closes.saturating_duration_since(Instant::now())).await;
    assert!(Client::new().get(node.url("/healthz")).send().await.is_err(), "no longer accepting");
    assert!(in_flight.iter().all(|r| !r.is_finished()), "the held requests are still in flight");
    assert!(node.child.try_wait().unwrap().is_none(), "the node waits for them");

    row_lock.commit().await.unwrap();
    for request in in_flight {
        let response = request.await.unwrap().expect("an in-flight request gets its response");
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let status = node.exit_status(Duration::from_secs(20)).await;
    assert!(status.success(), "exit status {status:?}: {}", node.logs());
    assert!(signalled.elapsed() < Duration::from_secs(20));

    let sent: Vec<Sent> = join_all(workers).await.into_iter().flat_map(Result::unwrap).collect();
    let answered: BTreeSet<&str> =
        sent.iter().filter(|s| s.status.is_some_and(|c| (200..300).contains(&c))).map(|s| s.key.as_str()).collect();
    let unexpected: Vec<_> = sent.iter().filter(|s| s.status.is_some_and(|c| c != 201)).map(|s| s.status).collect();
    assert!(unexpected.is_empty(), "every answered purchase is a 201: {unexpected:?}");
    assert!(answered.len() >= 10, "the load ran: {} answered", answered.len());
    assert!(
        sent.iter().any(|s| s.after_sigterm && s.status == Some(201)),
        "requests sent during the drain delay were still served"
    );

    let committed: Vec<String> =
        sqlx::query_scalar("SELECT idempotency_key FROM transactions WHERE program_id = $1 AND customer_id = $2")
            .bind(&program)
            .bind(&busy)
            .fetch_all(store.pool())
            .await
            .unwrap();
    let committed: BTreeSet<&str> = committed.iter().map(String::as_str).collect();
    assert_eq!(committed, answered, "committed effects and delivered responses are the same set");
    let held_count: i64 = sqlx::query_scalar("SELECT count(*) FROM transactions WHERE customer_id = $1")
        .bind(&held)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(held_count, 5);
    assert_verified(&url);
    eprintln!(
        "shutdown: {} purchases answered, {} refused connections, exited {:?} after SIGTERM",
        answered.len(),
        sent.iter().filter(|s| s.status.is_none()).count(),
        signalled.elapsed()
    );
}

/// The drain is bounded: a request still running when the grace period ends
/// is cut off, the node exits 0 anyway, and the cut request leaves no effect
/// (its transaction never committed), so its retry runs afresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_outliving_the_grace_period_is_cut_off_without_effect() {
    let url = scratch_postgres_url().await;
    let (program, token) = program_and_token(&url);
    let mut node = Node::start(&url, &["--shutdown-delay-secs", "0", "--shutdown-grace-secs", "1"]).await;
    let client = Client::new();
    let customer: Value = client
        .post(node.url("/api/v1/customers"))
        .bearer_auth(&token)
        .json(&json!({ "email": "stuck@example.com" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let customer = customer["id"].as_str().unwrap().to_owned();

    let store = PgStore::connect(&url, 2).await.unwrap();
    let mut row_lock = store.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM customers WHERE id = $1 FOR UPDATE")
        .bind(&customer)
        .execute(&mut *row_lock)
        .await
        .unwrap();
    let stuck = client
        .post(node.url("/api/v1/transactions"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "stuck")
        .json(&json!({ "customer_id": customer, "spend_amount_cents": 100, "currency": "EUR" }))
        .send();
    let stuck = tokio::spawn(stuck);
    let lock = KeyLock { program_id: program.clone(), key: "stuck".into() };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !store.key_in_flight(&lock).await.unwrap() {
        assert!(Instant::now() < deadline, "the request never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let signalled = Instant::now();
    node.terminate();
    let status = node.exit_status(Duration::from_secs(10)).await;
    assert!(status.success(), "exit 0 after the grace period: {status:?}");
    assert!(signalled.elapsed() >= Duration::from_secs(1), "the grace period was given");
    assert!(node.logs().contains("shutdown grace period over"), "{}", node.logs());
    assert!(stuck.await.unwrap().is_err(), "the cut-off request got no response");

    // Let the orphaned statement run: with no COMMIT ever sent, it must not count.
    row_lock.commit().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let purchases: i64 = sqlx::query_scalar("SELECT count(*) FROM transactions WHERE customer_id = $1")
        .bind(&customer)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(purchases, 0, "a request cut off before its commit left no effect");
    assert!(store.idempotency_record(&program, "stuck").await.unwrap().is_none(), "and did not consume its key");
    assert_verified(&url);
}

/// A Redis that hangs (stopped, connections open, no answers) costs each
/// request at most the timeout once, then the node limits locally until Redis
/// answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hung_redis_costs_at_most_its_timeout() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let db = database.url.as_str();
    let (_, token) = program_and_token(db);
    let redis = Redis::start().await;
    let redis_url = redis.url();
    let node = Node::start(db, &["--redis-url", redis_url.as_str(), "--redis-timeout-ms", "300"]).await;
    let client = Client::new();
    let (before, _) = burst(&client, &[&node], &token, 5, 1).await;
    assert_eq!(before, [200; 5]);

    redis.pause(true);
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        let response = client.get(node.url("/api/v1/program")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        slowest = slowest.max(started.elapsed());
    }
    assert!(slowest >= Duration::from_millis(300), "the first request waited for Redis: {slowest:?}");
    assert!(slowest < Duration::from_secs(2), "no request waits much past the timeout: {slowest:?}");
    let m = node.metrics().await;
    assert_eq!(metric(&m, "tally_ratelimit_redis_fallback"), 1.0);
    assert!(metric(&m, r#"tally_ratelimit_decisions_total{decision="allowed",source="local"}"#) >= 19.0);
    assert_eq!(node.logs().matches("Redis is unreachable").count(), 1, "{}", node.logs());

    redis.pause(false);
    back_on_redis(&client, &node, &token).await;
}
