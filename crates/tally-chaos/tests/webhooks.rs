//! Webhooks from a cluster under faults: three `tally serve` nodes on a
//! private PostgreSQL share one delivery queue while writers make effects
//! through all of them; during the deliveries one node is killed with SIGKILL
//! (and later restarted) and PostgreSQL is stopped abruptly and started again.
//! At the end every event is delivered at least once, none was sent twice at
//! the same time, and the distinct `webhook-id`s are exactly the events, one
//! per effect in the ledger. A second test holds a node's reports up until
//! its lease has run out, and checks it then sends nothing it no longer holds.
//!
//! The nodes are the `tally` binary, found next to `tally-chaos` (see
//! `tests/chaos.rs` for why; `cargo nextest run --workspace` builds it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tally_chaos::cluster::{Guarded, Node, Postgres, cli, free_port, tally_beside};
use tally_core::webhook_signature::{WebhookSecret, verify};
use tally_test_kit::receiver::{Behaviour, Receiver};
use tally_test_kit::wait_until_ready;

const TALLY_CHAOS: &str = env!("CARGO_BIN_EXE_tally-chaos");

/// Ten attempts over about 13 s: a delivery outlasts the PostgreSQL outage
/// and the killed node's leases (a failed attempt that could not be recorded
/// does not use one up).
const RETRY_SCHEDULE: &str = "0s,200ms,500ms,1s,1s,2s,2s,2s,2s,2s";
/// A lease is 2 × this + 5 s: 7 s.
const TIMEOUT_SECS: &str = "1";
const WRITERS: usize = 4;
/// How long the writers write; the faults happen in between.
const WRITING: Duration = Duration::from_secs(12);
const KILL_AT: Duration = Duration::from_secs(3);
const PG_STOP_AT: Duration = Duration::from_secs(6);
const PG_DOWN_FOR: Duration = Duration::from_secs(1);
const RESTART_KILLED_AT: Duration = Duration::from_secs(8);
/// After the writes: the killed node's leases (7 s) run out and what they
/// held is sent by another node, with room for a slow machine.
const DRAIN_WITHIN: Duration = Duration::from_secs(40);
/// The receiver takes this long over every answer, so that a second sender of
/// one event, if there were one, would overlap the first.
const ANSWER_DELAY: Duration = Duration::from_millis(150);

/// The cluster's API, through whichever node answers.
#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    bases: Arc<Vec<String>>,
    token: Arc<String>,
}

impl Api {
    fn post(&self, node: usize, path: &str) -> reqwest::RequestBuilder {
        let base = &self.bases[node % self.bases.len()];
        self.http.post(format!("{base}{path}")).bearer_auth(&*self.token).timeout(Duration::from_secs(5))
    }

    /// Sends a write until it gets a final answer, to the next node after each
    /// failure (a killed node, PostgreSQL down, a 503, the key still held by
    /// the first attempt), always with the same body and key: a retry is safe.
    /// A final answer is a 2xx or a refusal that will not change.
    async fn write(&self, first_node: usize, path: &str, key: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let deadline = Instant::now() + Duration::from_secs(45);
        for attempt in 0.. {
            let mut request = self.post(first_node + attempt, path).json(body);
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            if let Ok(response) = request.send().await {
                let status = response.status();
                let retry = status.is_server_error()
                    || status == StatusCode::CONFLICT
                    || status == StatusCode::TOO_MANY_REQUESTS;
                if !retry && let Ok(answer) = response.json::<Value>().await {
                    return (status, answer);
                }
            }
            assert!(Instant::now() < deadline, "no final answer to POST {path} (key {key:?}) within 45 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        unreachable!()
    }

    /// Every item of a list, following `starting_after` (the nodes are all up by then).
    async fn all(&self, path: &str) -> Vec<Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{}{path}{separator}limit=100", self.bases[0]);
            if let Some(after) = &cursor {
                url.push_str(&format!("&starting_after={after}"));
            }
            let response = self.http.get(url).bearer_auth(&*self.token).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "GET {path}");
            let page: Value = response.json().await.unwrap();
            let data = page["data"].as_array().unwrap().clone();
            cursor = data.last().map(|item| item["id"].as_str().unwrap().to_owned());
            items.extend(data);
            if page["has_more"] != true {
                return items;
            }
        }
    }
}

/// What one writer was told: the customers and purchase keys answered 2xx,
/// and any refusal (there should be none).
#[derive(Default)]
struct Written {
    customers: Vec<String>,
    purchase_keys: Vec<String>,
    refused: Vec<String>,
}

/// A new customer every fifth write, purchases for the latest one between:
/// through every node in turn, each purchase with a key of its own.
async fn writer(api: Api, w: usize, stop: Arc<AtomicBool>) -> Written {
    let mut written = Written::default();
    let mut customer = String::new();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let node = w + i;
        if i % 5 == 0 {
            let body = json!({ "email": format!("w{w}-c{i}@chaos.example") });
            match api.write(node, "/api/v1/customers", None, &body).await {
                (status, made) if status.is_success() => {
                    customer = made["id"].as_str().unwrap().to_owned();
                    written.customers.push(customer.clone());
                }
                (status, problem) => {
                    written.refused.push(format!("customer w{w}-c{i}: {status} {problem}"));
                    return written;
                }
            }
        } else {
            let key = format!("w{w}-p{i}");
            let body = json!({ "customer_id": customer, "spend_amount_cents": 1_000, "currency": "EUR" });
            match api.write(node, "/api/v1/transactions", Some(&key), &body).await {
                (status, _) if status.is_success() => written.purchase_keys.push(key),
                (status, problem) => written.refused.push(format!("purchase {key}: {status} {problem}")),
            }
        }
        i += 1;
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    written
}

/// Deliveries leased right now, by any node: proof that the kill and the
/// outage happen during deliveries, not between them.
async fn leased_now(database_url: &str) -> i64 {
    let Ok(db) = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(database_url).await else {
        return -1;
    };
    let leased = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries WHERE leased_until > now()")
        .fetch_one(&db)
        .await
        .unwrap_or(-1);
    db.close().await;
    leased
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A private PostgreSQL (never the shared one) with one program and its token.
struct Private {
    // Stopped before its directory is removed: fields drop in this order.
    pg: Postgres,
    tally: PathBuf,
    dir: tempfile::TempDir,
    database_url: String,
    token: String,
}

impl Private {
    fn start() -> Private {
        let tally = tally_beside(Path::new(TALLY_CHAOS)).unwrap();
        let dir = tempfile::Builder::new().prefix("tally-webhook-chaos-").tempdir().unwrap();
        let mut pg = Postgres::init(dir.path()).unwrap();
        pg.start().unwrap();
        let database_url = pg.url();
        cli(&tally, &["migrate"], &database_url).unwrap();
        let program = cli(&tally, &["program", "create", "webhook-chaos"], &database_url).unwrap();
        let token = cli(&tally, &["token", "create", "--program", &program], &database_url).unwrap();
        Private { tally, dir, pg, database_url, token }
    }

    /// `tally serve` with `args`, ready.
    async fn node(&self, index: usize, args: &[&str]) -> Node {
        let log = self.dir.path().join(format!("node{index}.log"));
        let mut node = Node { index, port: free_port().unwrap(), process: Guarded(None), log };
        node.spawn(&self.tally, &self.database_url, args).unwrap();
        assert!(wait_until_ready(&node.base(), Duration::from_secs(30)).await, "node {index} did not start");
        node
    }

    fn api(&self, nodes: &[&Node]) -> Api {
        Api {
            http: reqwest::Client::new(),
            bases: Arc::new(nodes.iter().map(|n| n.base()).collect()),
            token: Arc::new(self.token.clone()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_survive_a_killed_node_and_a_postgres_restart() {
    let started = Instant::now();
    let mut private = Private::start();
    let database_url = private.database_url.clone();
    let tally = private.tally.clone();

    let serve_args = [
        "--webhooks-allow-private-networks",
        "--webhook-timeout-secs",
        TIMEOUT_SECS,
        "--webhook-retry-schedule",
        RETRY_SCHEDULE,
    ];
    let http = reqwest::Client::new();
    let mut nodes = Vec::new();
    for index in 0..3 {
        nodes.push(private.node(index, &serve_args).await);
    }
    let api = private.api(&nodes.iter().collect::<Vec<_>>());
    let patch = http
        .patch(format!("{}/api/v1/program", api.bases[0]))
        .bearer_auth(&*api.token)
        .json(&json!({ "rate_limit_per_minute": 1_000_000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), StatusCode::OK);

    // The receiver fails half the first attempts, so there are retries from the start.
    let receiver = Receiver::start_slow(Behaviour::FailHalfOfFirstAttempts, ANSWER_DELAY).await;
    let (status, endpoint) = api.write(0, "/api/v1/webhook-endpoints", None, &json!({ "url": receiver.url })).await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");
    let secret = WebhookSecret::parse(endpoint["secret"].as_str().unwrap()).unwrap();

    // The writers, and the faults while they write.
    let stop = Arc::new(AtomicBool::new(false));
    let writing_since = Instant::now();
    let writers: Vec<_> = (0..WRITERS).map(|w| tokio::spawn(writer(api.clone(), w, stop.clone()))).collect();
    let at = |offset: Duration| tokio::time::sleep_until((writing_since + offset).into());

    at(KILL_AT).await;
    let leased_at_kill = leased_now(&database_url).await;
    let delivered_before_kill = receiver.deliveries().len();
    let victim = 2;
    nodes[victim].process.kill().await;

    at(PG_STOP_AT).await;
    let leased_at_stop = leased_now(&database_url).await;
    let outage = Instant::now();
    tokio::task::block_in_place(|| private.pg.stop());
    tokio::time::sleep(PG_DOWN_FOR).await;
    tokio::task::block_in_place(|| private.pg.start()).unwrap();
    for node in nodes.iter().filter(|n| n.index != victim) {
        assert!(
            wait_until_ready(&node.base(), Duration::from_secs(30)).await,
            "node {} not ready after the PostgreSQL restart",
            node.index
        );
    }
    let back_after = outage.elapsed();

    at(RESTART_KILLED_AT).await;
    nodes[victim].spawn(&tally, &database_url, &serve_args).unwrap();
    assert!(
        wait_until_ready(&nodes[victim].base(), Duration::from_secs(30)).await,
        "the killed node did not come back"
    );

    at(WRITING).await;
    stop.store(true, Ordering::Relaxed);
    let mut written = Written::default();
    for writer in writers {
        let w = writer.await.expect("a writer panicked");
        written.customers.extend(w.customers);
        written.purchase_keys.extend(w.purchase_keys);
        written.refused.extend(w.refused);
    }
    let writes_ended = Instant::now();
    assert!(written.refused.is_empty(), "writes refused: {:?}", written.refused);

    // What committed, by the database's own account: the events, and the
    // effects in the ledger (customers made, purchases' earn entries).
    let events = api.all("/api/v1/events").await;
    let event_ids: BTreeSet<String> = events.iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(event_ids.len(), events.len(), "event ids are unique");
    let customers = api.all("/api/v1/customers").await;
    let mut earns = Vec::new();
    for customer in &customers {
        let id = customer["id"].as_str().unwrap();
        for entry in api.all(&format!("/api/v1/customers/{id}/ledger")).await {
            assert_eq!(entry["operation"], "earn", "only purchases were made: {entry}");
            earns.push(entry.clone());
        }
    }
    let effects = customers.len() + earns.len();
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for event in &events {
        *by_type.entry(event["type"].as_str().unwrap()).or_default() += 1;
    }
    assert_eq!(
        by_type,
        BTreeMap::from([("customer.created", customers.len()), ("points.earned", earns.len())]),
        "one event per effect"
    );
    // Every purchase answered 2xx has its one event (a purchase whose answer
    // was lost may have one too: it committed).
    let mut earned_keys: BTreeMap<&str, usize> = BTreeMap::new();
    for event in events.iter().filter(|e| e["type"] == "points.earned") {
        *earned_keys.entry(event["idempotency_key"].as_str().expect("a purchase's key")).or_default() += 1;
    }
    assert!(earned_keys.values().all(|&n| n == 1), "one event per key: {earned_keys:?}");
    for key in &written.purchase_keys {
        assert!(earned_keys.contains_key(key.as_str()), "purchase {key} was answered 2xx but has no event");
    }
    let made: BTreeSet<&str> = customers.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(written.customers.iter().all(|c| made.contains(c.as_str())), "every customer answered is listed");

    // Wait for the queue to drain: every event accepted by the receiver and
    // every delivery recorded as delivered (the killed node's leases run out first).
    let db = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&database_url).await.unwrap();
    let undelivered = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM webhook_deliveries WHERE state <> 'delivered'")
            .fetch_one(&db)
            .await
            .unwrap()
    };
    let drain_deadline = writes_ended + DRAIN_WITHIN;
    loop {
        let missing = event_ids.difference(&receiver.accepted_ids()).count();
        let pending = undelivered().await;
        if missing == 0 && pending == 0 {
            break;
        }
        assert!(
            Instant::now() < drain_deadline,
            "{missing} event(s) not accepted, {pending} delivery(ies) not delivered {} s after the writes",
            DRAIN_WITHIN.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let drained_in = writes_ended.elapsed();
    let failed: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries WHERE state = 'failed'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(failed, 0, "no delivery ran out of attempts");
    let attempts_recorded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM webhook_attempts").fetch_one(&db).await.unwrap();
    db.close().await;

    // The receiver's side: the distinct webhook-ids are the events, each an
    // event's id, signed, carrying that event; never two at once.
    let deliveries = receiver.deliveries();
    assert_eq!(receiver.accepted_ids(), event_ids, "the accepted webhook-ids are exactly the events");
    assert_eq!(receiver.accepted_ids().len(), effects, "as many webhook-ids as effects");
    let mut accepted_times: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &deliveries {
        assert!(event_ids.contains(&d.webhook_id), "{} is not an event", d.webhook_id);
        let event: Value = serde_json::from_slice(&d.body).unwrap();
        assert_eq!(event["id"], d.webhook_id.as_str(), "the body is the event of its webhook-id");
        verify(std::slice::from_ref(&secret), &d.webhook_id, &d.timestamp, &d.signature, &d.body, unix_now(), 600)
            .unwrap_or_else(|e| panic!("{} does not verify: {e}", d.webhook_id));
        if (200..300).contains(&d.status) {
            *accepted_times.entry(&d.webhook_id).or_default() += 1;
        }
    }
    assert_eq!(receiver.overlaps(), 0, "no event sent twice at the same time");

    let verified = tokio::task::block_in_place(|| cli(&tally, &["verify"], &database_url)).unwrap();
    let verified = verified.lines().last().unwrap_or_default().to_owned();
    for node in &mut nodes {
        node.process.kill().await;
    }
    tokio::task::block_in_place(|| private.pg.stop());

    let again = accepted_times.values().filter(|&&n| n > 1).count();
    eprintln!(
        "webhook chaos: {effects} effects ({} customers, {} purchases; {} purchases answered 2xx) in {:.1} s of writes; \
         {} deliveries received, {} accepted, {again} event(s) accepted again after an unrecorded attempt; \
         {attempts_recorded} attempts recorded; {leased_at_kill} leased at the kill ({delivered_before_kill} received before it), \
         {leased_at_stop} at the PostgreSQL stop, nodes back {} ms after it; drained {:.1} s after the writes; \
         overlaps 0; {verified}; {:.1} s in all",
        customers.len(),
        earns.len(),
        written.purchase_keys.len(),
        (writes_ended - writing_since).as_secs_f64(),
        deliveries.len(),
        deliveries.iter().filter(|d| (200..300).contains(&d.status)).count(),
        back_after.as_millis(),
        drained_in.as_secs_f64(),
        started.elapsed().as_secs_f64(),
    );
}

/// A node leases a batch of deliveries and sends it a slot at a time; the
/// rest of the batch waits behind reports that may be slow (PostgreSQL
/// coming back, connections in use). A delivery whose turn comes after its
/// lease has run out belongs to whichever node leases it next and must not be
/// sent by the first. Here the reports of the first sends are held up by a
/// lock until the lease is over and a second node has sent what was left:
/// when the first node's slots free up, it sends nothing more, and every
/// event reaches the receiver once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_delivery_is_not_sent_once_its_lease_has_run_out() {
    let private = Private::start();
    // A lease of 2 × 0.2 + 5 = 5.4 s; connections enough for every held-up report.
    let args = [
        "--webhooks-allow-private-networks",
        "--webhook-timeout-secs",
        "0.2",
        "--webhook-retry-schedule",
        RETRY_SCHEDULE,
        "--pg-max-connections",
        "40",
    ];
    let first = private.node(0, &args).await;
    let api = private.api(&[&first]);
    let receiver = Receiver::start(Behaviour::Accept).await;
    for i in 0..24 {
        let (status, _) =
            api.write(0, "/api/v1/customers", None, &json!({ "email": format!("c{i}@lease.example") })).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, endpoint) = api.write(0, "/api/v1/webhook-endpoints", None, &json!({ "url": receiver.url })).await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");

    let db = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&private.database_url).await.unwrap();
    // Every report waits for this lock (it records the attempt's row), with its delivery's row locked.
    let mut lock = db.begin().await.unwrap();
    sqlx::query("LOCK TABLE webhook_attempts IN EXCLUSIVE MODE").execute(&mut *lock).await.unwrap();
    // The 24 events' deliveries, due at once: the node leases them in one batch.
    let queued = sqlx::query(
        "INSERT INTO webhook_deliveries (program_id, endpoint_id, event_id) \
         SELECT program_id, $1, id FROM events",
    )
    .bind(endpoint["id"].as_str().unwrap())
    .execute(&db)
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(queued, 24);
    let leased_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sent_first = receiver.deliveries().len();
    assert!(
        (1..24).contains(&sent_first),
        "some of the batch sent, the rest waiting for a slot behind the held-up reports: {sent_first} sent"
    );

    // A second node leases the rest once the lease has run out, and sends it.
    let second = private.node(1, &args).await;
    let deadline = leased_at + Duration::from_secs(20);
    while receiver.accepted_ids().len() < 24 {
        assert!(
            Instant::now() < deadline,
            "the second node did not send the rest: {:?}",
            receiver.accepted_ids().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(leased_at.elapsed() > Duration::from_millis(5_400), "sent again only after the lease");

    // The reports go through; the first node's slots free up.
    lock.rollback().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries WHERE state <> 'delivered'")
            .fetch_one(&db)
            .await
            .unwrap();
        if pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{pending} delivery(ies) not delivered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for the first node to send what it no longer holds, if it would.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut times: BTreeMap<String, usize> = BTreeMap::new();
    for d in receiver.deliveries() {
        *times.entry(d.webhook_id).or_default() += 1;
    }
    let twice: Vec<_> = times.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent again by a node whose lease had run out: {twice:?}");
    assert_eq!(times.len(), 24);
    assert_eq!(receiver.overlaps(), 0);
    db.close().await;
    drop((first, second));
}
