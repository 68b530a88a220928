//! `tally webhooks listen` as a process, against a real `tally serve` on a
//! database of its own, on SQLite and on PostgreSQL: the command registers
//! its loopback endpoint on the server, the server's dispatcher delivers the
//! events that real API requests make, the command verifies and prints them,
//! and the endpoint is gone from the server after SIGTERM or Ctrl-C. No stub:
//! what the command sends and what the server answers are the real thing.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tally_core::webhook_signature::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, WebhookSecret, sign};
use tally_test_kit::{Backend, ProcessGuard, ServeProcess, TestDatabase, backend_tests};

const TALLY: &str = env!("CARGO_BIN_EXE_tally");
/// A valid secret that is not the endpoint's: what a forger might sign with.
const OTHER_SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// How long any one wait of these tests may take before it fails.
const PATIENCE: Duration = Duration::from_secs(20);
/// Fast retries, so a delivery that failed once does not stall a test.
const RETRIES: [&str; 2] = ["--webhook-retry-schedule", "0s,200ms,500ms"];
const ALLOW_LOOPBACK: &str = "--webhooks-allow-private-networks";

fn tally(args: &[&str], database_url: &str) -> String {
    let output = Command::new(TALLY).args(args).env("TALLY_DATABASE_URL", database_url).output().unwrap();
    assert!(output.status.success(), "tally {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A `tally serve` on a fresh database, with a program and a token for it
/// made with the CLI.
struct Server {
    serve: ServeProcess,
    token: String,
    http: Client,
    // Last: the database (and its directory) outlives the server.
    database: TestDatabase,
}

impl Server {
    async fn start(backend: Backend, extra: &[&str]) -> Server {
        let database = TestDatabase::new(backend).await;
        let program = tally(&["program", "create", "webhooks listen test"], &database.url);
        let token = tally(&["token", "create", "--program", &program], &database.url);
        let serve = ServeProcess::start(TALLY, &database.url, extra).await;
        let http = Client::builder().timeout(PATIENCE).build().unwrap();
        Server { serve, token, http, database }
    }

    /// A server that accepts loopback endpoints and retries quickly.
    async fn allowing_loopback(backend: Backend) -> Server {
        Server::start(backend, &[ALLOW_LOOPBACK, RETRIES[0], RETRIES[1]]).await
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.http.get(self.serve.url(path)).bearer_auth(&self.token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    /// A keyed POST that must answer 201; the resource it made.
    async fn create(&self, path: &str, key: &str, body: Value) -> Value {
        let response = self
            .http
            .post(self.serve.url(path))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {answer}");
        answer
    }

    /// The program's endpoints on the server.
    async fn endpoints(&self) -> Vec<Value> {
        self.get("/api/v1/webhook-endpoints").await["data"].as_array().unwrap().clone()
    }

    /// The program's events on the server, by id.
    async fn events(&self) -> BTreeMap<String, Value> {
        let listed = self.get("/api/v1/events?limit=100").await;
        assert_eq!(listed["has_more"], false, "{listed}");
        listed["data"].as_array().unwrap().iter().map(|e| (e["id"].as_str().unwrap().to_owned(), e.clone())).collect()
    }

    /// Waits until the server's log of `endpoint`'s attempts has one for each
    /// of `event_ids`; the attempts, by event id.
    async fn attempts_for(&self, endpoint: &str, event_ids: &[&str]) -> BTreeMap<String, Vec<Value>> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let listed = self.get(&format!("/api/v1/webhook-endpoints/{endpoint}/deliveries?limit=100")).await;
            let mut attempts: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for attempt in listed["data"].as_array().unwrap() {
                attempts.entry(attempt["event_id"].as_str().unwrap().to_owned()).or_default().push(attempt.clone());
            }
            if event_ids.iter().all(|id| attempts.contains_key(*id)) {
                return attempts;
            }
            assert!(Instant::now() < deadline, "attempts for {event_ids:?} never all logged: {listed:#}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A customer, a purchase (`buy-1`: 25 points), a reward and its
    /// redemption (`redeem-1`), through the API: the events
    /// `customer.created`, `points.earned` and `redemption.created`.
    /// The transaction and the redemption made.
    async fn tour(&self) -> (Value, Value) {
        let customer = self.create("/api/v1/customers", "customer-1", json!({ "email": "ada@example.com" })).await;
        let customer = customer["id"].as_str().unwrap();
        let purchase = json!({ "customer_id": customer, "spend_amount_cents": 2599, "currency": "EUR" });
        let transaction = self.create("/api/v1/transactions", "buy-1", purchase).await;
        let reward = self.create("/api/v1/rewards", "reward-1", json!({ "name": "Mug", "cost_points": 20 })).await;
        let redemption = json!({ "customer_id": customer, "reward_id": reward["id"] });
        let redemption = self.create("/api/v1/redemptions", "redeem-1", redemption).await;
        (transaction, redemption)
    }
}

/// A running `tally webhooks listen`, its output read on threads.
struct Listen {
    child: ProcessGuard,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

impl Listen {
    fn spawn(server: &Server, extra: &[&str]) -> Listen {
        let mut child: ProcessGuard = Command::new(TALLY)
            .args(["webhooks", "listen", "--port", "0", "--url", &server.serve.base])
            .args(extra)
            .env("TALLY_TOKEN", &server.token)
            .env_remove("TALLY_URL")
            .current_dir(server.database.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
            .into();
        let stdout = lines_of(child.stdout.take().unwrap());
        let stderr = lines_of(child.stderr.take().unwrap());
        Listen { child, stdout, stderr }
    }

    /// Waits for the ready lines; the URL it listens on, the endpoint's id,
    /// and all the lines.
    fn ready(&self) -> (String, String, Vec<String>) {
        let startup = read_until(&self.stdout, |line| line.starts_with("Ctrl-C to stop"));
        assert_eq!(startup.last().unwrap(), "Ctrl-C to stop (the endpoint is deleted then)");
        let url = startup[0].strip_prefix("listening on ").unwrap_or_else(|| panic!("{startup:#?}")).to_owned();
        let port: u16 =
            url.strip_prefix("http://127.0.0.1:").and_then(|p| p.strip_suffix('/')).unwrap().parse().unwrap();
        assert_ne!(port, 0);
        let endpoint = startup[1]
            .strip_prefix("endpoint ")
            .and_then(|rest| rest.split_once(" receives "))
            .unwrap_or_else(|| panic!("{startup:#?}"))
            .0
            .to_owned();
        assert!(endpoint.starts_with("whe_"), "{startup:#?}");
        (url, endpoint, startup)
    }

    /// The next verified delivery printed: its first line, split into
    /// (time, type, webhook-id), and its body.
    fn next_delivery(&self) -> ((String, String, String), Value) {
        let printed = read_until(&self.stdout, |line| line == "}");
        let words: Vec<&str> = printed[0].split(' ').collect();
        assert!(words.len() == 4 && words[3] == "verified", "{printed:#?}");
        let at = chrono::DateTime::parse_from_rfc3339(words[0]).unwrap_or_else(|e| panic!("{e}: {printed:#?}"));
        let age = chrono::Utc::now().signed_duration_since(at);
        assert!(age < chrono::TimeDelta::seconds(60) && age > chrono::TimeDelta::seconds(-5), "{printed:#?}");
        let body = serde_json::from_str(&printed[1..].join("\n")).unwrap_or_else(|e| panic!("{e}: {printed:#?}"));
        ((words[0].to_owned(), words[1].to_owned(), words[2].to_owned()), body)
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on a child this test spawned and has not reaped.
        assert_eq!(unsafe { libc::kill(self.child.id() as libc::pid_t, signal) }, 0);
    }

    /// Waits for the process to exit; its status and the rest of its stdout
    /// and stderr.
    async fn exit(self) -> (ExitStatus, Vec<String>, Vec<String>) {
        let Listen { mut child, stdout, stderr } = self;
        let status = tokio::task::spawn_blocking(move || {
            let status = child.wait().unwrap();
            drop(child);
            status
        });
        let status = tokio::time::timeout(PATIENCE, status).await.expect("listen exits").unwrap();
        // The pipes close with the process: these end.
        (status, stdout.iter().collect(), stderr.iter().collect())
    }
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
    let deadline = Instant::now() + PATIENCE;
    loop {
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
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

/// Every printed line that starts a delivery (`<time> <type> <id> verified`).
fn delivery_lines(lines: &[String]) -> Vec<&String> {
    lines.iter().filter(|l| l.ends_with(" verified") && l.contains(" evt_")).collect()
}

/// The tour: a purchase and a redemption through the API arrive, verified,
/// as the server lists them; the server logs each attempt as delivered, 204.
async fn the_tour_prints_each_event_the_api_makes_verified(backend: Backend) {
    let server = Server::allowing_loopback(backend).await;
    let listen = Listen::spawn(&server, &["--print-secret"]);
    let (url, endpoint, startup) = listen.ready();
    assert_eq!(startup.len(), 4, "{startup:#?}");
    assert_eq!(startup[1], format!("endpoint {endpoint} receives every event type"));
    let secret = startup[2].strip_prefix("secret ").unwrap_or_else(|| panic!("{startup:#?}"));
    WebhookSecret::parse(secret).unwrap();

    // As registered on the server.
    let endpoints = server.endpoints().await;
    assert_eq!(endpoints.len(), 1, "{endpoints:#?}");
    assert_eq!(endpoints[0]["id"], endpoint.as_str());
    assert_eq!(endpoints[0]["url"], url.as_str());
    assert_eq!(endpoints[0]["description"], "tally webhooks listen");
    assert_eq!(endpoints[0]["enabled"], true);
    assert!(endpoints[0].get("secret").is_none(), "{:#}", endpoints[0]);

    let (transaction, redemption) = server.tour().await;

    // Three events, in whatever order the dispatcher sends them.
    let mut printed: BTreeMap<String, (String, Value)> = BTreeMap::new();
    for _ in 0..3 {
        let ((_, kind, webhook_id), body) = listen.next_delivery();
        assert_eq!(body["id"], webhook_id.as_str(), "{body:#}");
        assert_eq!(body["type"], kind.as_str(), "{body:#}");
        assert!(webhook_id.starts_with("evt_"), "{webhook_id}");
        assert!(printed.insert(kind.clone(), (webhook_id, body)).is_none(), "{kind} printed twice");
    }
    assert_eq!(
        printed.keys().map(String::as_str).collect::<Vec<_>>(),
        ["customer.created", "points.earned", "redemption.created"]
    );
    let earned = &printed["points.earned"].1;
    assert_eq!(earned["data"], transaction, "the transaction as the API answered it");
    assert_eq!(earned["data"]["points"], 25);
    assert_eq!(earned["idempotency_key"], "buy-1");
    let redeemed = &printed["redemption.created"].1;
    assert_eq!(redeemed["data"], redemption, "the redemption as the API answered it");
    assert_eq!(redeemed["idempotency_key"], "redeem-1");
    assert_eq!(printed["customer.created"].1["sequence"], 1);
    assert_eq!(earned["sequence"], 2);
    assert_eq!(redeemed["sequence"], 3);

    // What was printed is what the server lists, byte for byte as JSON.
    let events = server.events().await;
    assert_eq!(events.len(), 3, "{events:#?}");
    for (kind, (id, body)) in &printed {
        assert_eq!(events.get(id), Some(body), "{kind} {id}");
    }

    // The server logged each delivery as delivered, answered 204, at the first attempt.
    let ids: Vec<&str> = printed.values().map(|(id, _)| id.as_str()).collect();
    let attempts = server.attempts_for(&endpoint, &ids).await;
    assert_eq!(attempts.len(), 3, "{attempts:#?}");
    for (kind, (id, _)) in &printed {
        let attempts = &attempts[id];
        assert_eq!(attempts.len(), 1, "{kind}: {attempts:#?}");
        assert_eq!(attempts[0]["event_type"], kind.as_str());
        assert_eq!(attempts[0]["attempt"], 1);
        assert_eq!(attempts[0]["outcome"], "delivered", "{kind}: {attempts:#?}");
        assert_eq!(attempts[0]["status_code"], 204, "{kind}: {attempts:#?}");
    }

    listen.signal(libc::SIGTERM);
    let (status, rest, errors) = listen.exit().await;
    assert!(status.success(), "{status:?}: {errors:#?}");
    assert_eq!(rest, [format!("deleted endpoint {endpoint}")]);
    assert!(errors.is_empty(), "{errors:#?}");
}

/// `--events points.earned`: the endpoint receives that type only. A second
/// listener for every type, on the same server, shows that the other events
/// were sent meanwhile.
async fn events_limits_what_is_printed_to_those_types(backend: Backend) {
    let server = Server::allowing_loopback(backend).await;
    let only = Listen::spawn(&server, &["--events", "points.earned"]);
    let (_, only_endpoint, startup) = only.ready();
    assert_eq!(startup[1], format!("endpoint {only_endpoint} receives points.earned"));
    // No --print-secret: the secret stays off the screen.
    assert!(!startup.iter().any(|line| line.contains("whsec_")), "{startup:#?}");
    let every = Listen::spawn(&server, &[]);
    let (_, every_endpoint, _) = every.ready();
    let registered = server.endpoints().await;
    let types: BTreeMap<&str, &Value> =
        registered.iter().map(|e| (e["id"].as_str().unwrap(), &e["event_types"])).collect();
    assert_eq!(types[only_endpoint.as_str()], &json!(["points.earned"]));
    assert_eq!(types[every_endpoint.as_str()], &Value::Null);

    server.tour().await;
    // A second purchase after the redemption: the last event made.
    let customer = server.events().await.into_values().find(|e| e["type"] == "customer.created").unwrap();
    let purchase = json!({ "customer_id": customer["data"]["id"], "spend_amount_cents": 1000, "currency": "EUR" });
    server.create("/api/v1/transactions", "buy-2", purchase).await;

    // The listener for every type gets all four, and the server logs them delivered.
    let all: Vec<String> = (0..4).map(|_| every.next_delivery().1["id"].as_str().unwrap().to_owned()).collect();
    let ids: Vec<&str> = all.iter().map(String::as_str).collect();
    server.attempts_for(&every_endpoint, &ids).await;
    let events = server.events().await;
    assert_eq!(events.len(), 4, "{events:#?}");
    let earned: Vec<&str> =
        events.values().filter(|e| e["type"] == "points.earned").map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(earned.len(), 2);

    // The filtered one: both purchases, nothing else.
    let mut got = Vec::new();
    for _ in 0..2 {
        let ((_, kind, id), _) = only.next_delivery();
        assert_eq!(kind, "points.earned");
        got.push(id);
    }
    got.sort();
    let mut expected: Vec<String> = earned.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(got, expected);
    let attempts = server.attempts_for(&only_endpoint, &earned).await;
    assert_eq!(attempts.len(), 2, "only the points.earned events were sent: {attempts:#?}");

    for listen in [only, every] {
        listen.signal(libc::SIGTERM);
        let (status, rest, errors) = listen.exit().await;
        assert!(status.success(), "{status:?}: {errors:#?}");
        assert!(delivery_lines(&rest).is_empty(), "nothing more was printed: {rest:#?}");
        assert_eq!(rest.len(), 1, "{rest:#?}");
        assert!(rest[0].starts_with("deleted endpoint whe_"), "{rest:#?}");
    }
    assert!(server.endpoints().await.is_empty());
}

/// A delivery signed with another secret, or with the right one over another
/// body, is answered 400 and reported on stderr; one signed with the secret
/// the server made is printed.
async fn a_forged_delivery_is_refused_with_a_400_and_a_line_on_stderr(backend: Backend) {
    let server = Server::allowing_loopback(backend).await;
    let listen = Listen::spawn(&server, &["--print-secret"]);
    let (url, endpoint, startup) = listen.ready();
    let secret = WebhookSecret::parse(startup[2].strip_prefix("secret ").unwrap()).unwrap();
    assert_eq!(server.endpoints().await.len(), 1);

    let body = json!({
        "id": "evt_01JFORGED", "type": "points.earned", "timestamp": "2026-01-01T00:00:00Z",
        "program_id": "prg_01J", "data": { "customer_id": "cus_01J", "points": 120000 },
        "idempotency_key": null, "sequence": 1
    })
    .to_string();
    let now = chrono::Utc::now().timestamp();
    let post = |signature: String, body: String| {
        server
            .http
            .post(&url)
            .header("content-type", "application/json")
            .header(HEADER_ID, "evt_01JFORGED")
            .header(HEADER_TIMESTAMP, now.to_string())
            .header(HEADER_SIGNATURE, signature)
            .body(body)
            .send()
    };

    let forged = sign(&WebhookSecret::parse(OTHER_SECRET).unwrap(), "evt_01JFORGED", now, body.as_bytes());
    assert_eq!(post(forged, body.clone()).await.unwrap().status(), StatusCode::BAD_REQUEST);
    let refused = read_until(&listen.stderr, |line| line.starts_with("refused delivery"));
    assert_eq!(
        refused.last().unwrap(),
        "refused delivery evt_01JFORGED: no v1 signature in webhook-signature matches a secret \
         (wrong secret, or the body was changed)"
    );

    // The right secret over another body is a forgery too.
    let signed = sign(&secret, "evt_01JFORGED", now, body.as_bytes());
    let tampered = body.replace("120000", "1200000");
    assert_eq!(post(signed.clone(), tampered).await.unwrap().status(), StatusCode::BAD_REQUEST);
    let refused = read_until(&listen.stderr, |line| line.starts_with("refused delivery"));
    assert!(refused.last().unwrap().starts_with("refused delivery evt_01JFORGED: no v1 signature"), "{refused:#?}");

    // The same delivery signed with the endpoint's secret is printed.
    assert_eq!(post(signed, body.clone()).await.unwrap().status(), StatusCode::NO_CONTENT);
    let ((_, kind, id), printed) = listen.next_delivery();
    assert_eq!((kind.as_str(), id.as_str()), ("points.earned", "evt_01JFORGED"));
    assert_eq!(printed, serde_json::from_str::<Value>(&body).unwrap());

    listen.signal(libc::SIGTERM);
    let (status, rest, errors) = listen.exit().await;
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, [format!("deleted endpoint {endpoint}")]);
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(server.endpoints().await.is_empty());
}

/// SIGTERM or SIGINT: exit 0, and the endpoint is gone from the server.
async fn stopped_by(backend: Backend, signal: libc::c_int) {
    let server = Server::allowing_loopback(backend).await;
    let listen = Listen::spawn(&server, &[]);
    let (_, endpoint, startup) = listen.ready();
    assert_eq!(startup[1], format!("endpoint {endpoint} receives every event type"));
    let endpoints = server.endpoints().await;
    assert_eq!(endpoints.iter().map(|e| e["id"].as_str().unwrap()).collect::<Vec<_>>(), [endpoint.as_str()]);

    listen.signal(signal);
    let (status, rest, errors) = listen.exit().await;
    assert!(status.success(), "{status:?}: {errors:#?}");
    assert_eq!(rest, [format!("deleted endpoint {endpoint}")]);
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(server.endpoints().await.is_empty(), "{:#?}", server.endpoints().await);
    let gone = server
        .http
        .get(server.serve.url(&format!("/api/v1/webhook-endpoints/{endpoint}")))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

async fn sigterm_deletes_the_endpoint_and_exits_0(backend: Backend) {
    stopped_by(backend, libc::SIGTERM).await;
}

async fn ctrl_c_deletes_the_endpoint_and_exits_0(backend: Backend) {
    stopped_by(backend, libc::SIGINT).await;
}

/// A server without `--webhooks-allow-private-networks` refuses the loopback
/// URL: the command says why, hints at the flag, exits 1, leaves nothing.
async fn a_server_refusing_loopback_urls_gets_a_hint_and_exit_1(backend: Backend) {
    let server = Server::start(backend, &[RETRIES[0], RETRIES[1]]).await;
    let listen = Listen::spawn(&server, &[]);
    let (status, stdout, stderr) = listen.exit().await;
    assert_eq!(status.code(), Some(1), "{stdout:#?} {stderr:#?}");
    assert!(stderr.iter().any(|l| l.contains("422 webhook_url_not_allowed")), "{stderr:#?}");
    assert!(
        stderr.iter().any(|l| l.starts_with("hint: ") && l.contains("tally serve --webhooks-allow-private-networks")),
        "{stderr:#?}"
    );
    // Only the listening line: no endpoint was created, so none is deleted.
    assert_eq!(stdout.len(), 1, "{stdout:#?}");
    assert!(stdout[0].starts_with("listening on http://127.0.0.1:"), "{stdout:#?}");
    assert!(server.endpoints().await.is_empty());
}

backend_tests!(
    worker_threads = 2;
    the_tour_prints_each_event_the_api_makes_verified,
    events_limits_what_is_printed_to_those_types,
    a_forged_delivery_is_refused_with_a_400_and_a_line_on_stderr,
    sigterm_deletes_the_endpoint_and_exits_0,
    ctrl_c_deletes_the_endpoint_and_exits_0,
    a_server_refusing_loopback_urls_gets_a_hint_and_exit_1,
);

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
