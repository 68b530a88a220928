//! `tally-chaos run`: a private PostgreSQL and Redis, three `tally serve` nodes,
//! SDK clients writing journaled purchases and redemptions (with duplicates),
//! while nodes are killed with SIGKILL and restarted and PostgreSQL is
//! restarted once. At the end every journaled intent is checked against the
//! database: each took effect exactly once, or (refused) not at all.

use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use rand::Rng;
use serde::de::DeserializeOwned;
use sqlx::Row;
use tally_client::{
    Client, IntentState, NewCustomer, NewRedemption, NewReward, NewTransaction, ProgramPatch, RetryPolicy,
    WriteRequest, ops,
};
use tokio::process::{Child, Command};
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Args, Debug, Clone)]
pub struct ChaosArgs {
    /// Nodes killed with SIGKILL (and restarted) during the run.
    #[arg(long, default_value_t = 20)]
    kills: u32,
    /// How long the clients write, in seconds.
    #[arg(long, default_value_t = 90)]
    duration_secs: u64,
    /// Concurrent SDK clients, each with its own journal.
    #[arg(long, default_value_t = 6)]
    clients: usize,
    /// `tally serve` nodes.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Skip the PostgreSQL restart.
    #[arg(long)]
    no_pg_restart: bool,
    /// Keep the temporary directory (databases, journals, node logs) afterwards.
    #[arg(long)]
    keep_dir: bool,
    /// The `tally` binary to run as the nodes and for administration. By
    /// default the one next to this executable: cargo builds both into the same
    /// `target/<profile>/`, and `cargo install` puts both in one bin directory.
    /// Not looked up on PATH, so a run never tests some other installed version
    /// by accident.
    #[arg(long, env = "TALLY_BIN")]
    tally: Option<PathBuf>,
}

impl ChaosArgs {
    fn tally(&self) -> anyhow::Result<PathBuf> {
        if let Some(path) = &self.tally {
            anyhow::ensure!(path.is_file(), "--tally {}: no such file", path.display());
            return Ok(path.clone());
        }
        let here = std::env::current_exe().context("the path of this executable")?;
        let beside = here.with_file_name(format!("tally{}", std::env::consts::EXE_SUFFIX));
        anyhow::ensure!(
            beside.is_file(),
            "no tally binary next to {} (build it: `cargo build -p tally`), or pass --tally / TALLY_BIN",
            here.display()
        );
        Ok(beside)
    }
}

/// What the SDK's own log events reveal: every retry, and why.
#[derive(Default)]
struct Seen {
    retries: AtomicU64,
    status_5xx: AtomicU64,
    transport: AtomicU64,
}

struct CountLayer(Arc<Seen>);

#[derive(Default)]
struct Fields {
    outcome: Option<String>,
    failure: Option<String>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "outcome" => self.outcome = Some(value.to_owned()),
            "failure" => self.failure = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "outcome" => self.outcome = Some(format!("{value:?}")),
            "failure" => self.failure = Some(format!("{value:?}")),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for CountLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: tracing_subscriber::layer::Context<'_, S>) {
        if !event.metadata().target().starts_with("tally_client") {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let (Some(outcome), Some(failure)) = (fields.outcome, fields.failure) else { return };
        if outcome.trim_matches('"') == "retry" {
            self.0.retries.fetch_add(1, Ordering::Relaxed);
        }
        if failure.starts_with("transport") {
            self.0.transport.fetch_add(1, Ordering::Relaxed);
        } else if failure.starts_with('5') {
            self.0.status_5xx.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Logs for the person running it (warnings of the harness only); the SDK's
/// per-attempt warnings are counted, not printed.
fn init_logging(seen: Arc<Seen>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tally_client=error,sqlx=error"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter);
    tracing_subscriber::registry().with(fmt).with(CountLayer(seen)).init();
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `pg_ctl`, `initdb`: from `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin.
fn pg_bindir() -> anyhow::Result<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(out) = std::process::Command::new("pg_config").arg("--bindir").output() {
        candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    if let Ok(dirs) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = dirs.filter_map(|d| d.ok()).map(|d| d.path().join("bin")).collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev());
    }
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .context("no PostgreSQL server binaries (initdb, pg_ctl) found")
}

fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A PostgreSQL cluster of our own, in a temporary directory, on a free port.
struct Postgres {
    bindir: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres: bool,
    running: bool,
}

impl Postgres {
    fn command(&self, program: &str) -> std::process::Command {
        let binary = self.bindir.join(program);
        if self.as_postgres {
            let mut command = std::process::Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(binary);
            command
        } else {
            std::process::Command::new(binary)
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        // The server pg_ctl starts must not inherit our pipes (output() would
        // wait for it to exit): its output goes to the -l log file.
        let output = self.command(program).args(args).stdin(Stdio::null()).output()?;
        if !output.status.success() {
            bail!(
                "{program} {args:?} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    fn init(dir: &Path) -> anyhow::Result<Postgres> {
        let bindir = pg_bindir()?;
        let data = dir.join("pg");
        std::fs::create_dir_all(&data)?;
        let as_postgres = is_root();
        if as_postgres {
            // initdb refuses to run as root: the cluster belongs to `postgres`.
            let status = std::process::Command::new("chown").arg("postgres:").arg(&data).status()?;
            anyhow::ensure!(status.success(), "chown postgres {}", data.display());
        }
        let pg = Postgres { bindir, data, port: free_port()?, as_postgres, running: false };
        let data = pg.data.to_string_lossy().into_owned();
        pg.run("initdb", &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"])?;
        Ok(pg)
    }

    fn start(&mut self) -> anyhow::Result<()> {
        let data = self.data.to_string_lossy().into_owned();
        let options = format!("-p {} -k {data} -c listen_addresses=127.0.0.1 -c fsync=on", self.port);
        let log = format!("{data}/log");
        self.run("pg_ctl", &["-D", &data, "-o", &options, "-l", &log, "start", "-w"])?;
        self.running = true;
        Ok(())
    }

    fn restart(&mut self) -> anyhow::Result<()> {
        let data = self.data.to_string_lossy().into_owned();
        let log = format!("{data}/log");
        self.run("pg_ctl", &["-D", &data, "-l", &log, "restart", "-m", "fast", "-w"])
    }

    fn stop(&mut self) {
        if self.running {
            let data = self.data.to_string_lossy().into_owned();
            let _ = self.run("pg_ctl", &["-D", &data, "stop", "-m", "immediate", "-w"]);
            self.running = false;
        }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A child process killed (SIGKILL) and reaped when dropped.
struct Guarded(Option<Child>);

impl Guarded {
    async fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill().await;
        }
    }

    fn pid(&self) -> Option<u32> {
        self.0.as_ref().and_then(Child::id)
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.start_kill();
        }
    }
}

struct Node {
    index: usize,
    port: u16,
    process: Guarded,
    log: PathBuf,
}

impl Node {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self, tally: &Path, database_url: &str, redis_url: &str) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let child = Command::new(tally)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(["--database-url", database_url, "--redis-url", redis_url])
            .args(["--shutdown-delay-secs", "0", "--pg-max-connections", "8"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting node {}", self.index))?;
        self.process = Guarded(Some(child));
        Ok(())
    }
}

async fn ready(http: &reqwest::Client, base: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let answer = http.get(format!("{base}/readyz")).timeout(Duration::from_secs(2)).send().await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

fn cli(tally: &Path, args: &[&str], database_url: &str) -> anyhow::Result<String> {
    let output = std::process::Command::new(tally).args(args).args(["--database-url", database_url]).output()?;
    if !output.status.success() {
        bail!("tally {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

#[derive(Default)]
struct Counts {
    intents: AtomicU64,
    succeeded: AtomicU64,
    refused: AtomicU64,
    gave_up: AtomicU64,
    resumed: AtomicU64,
    duplicates: AtomicU64,
    duplicates_replayed: AtomicU64,
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// Violations found while running (a duplicate that did not replay, a refusal
/// that makes no sense); the rest are found at the end.
type Violations = Arc<std::sync::Mutex<Vec<String>>>;

struct Fixture {
    token: String,
    customers: Vec<String>,
    reward: String,
}

fn retry_policy() -> RetryPolicy {
    RetryPolicy { max_retries: 4, ..RetryPolicy::scaled(Duration::from_millis(200)) }
}

async fn sdk(base: &str, token: &str, journal: &Path) -> anyhow::Result<Client> {
    Ok(Client::builder(base, token)
        .journal(journal)
        .retry(retry_policy())
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .await?)
}

/// Resumes the journal through each node in turn until nothing is pending.
async fn settle(clients: &[Client], counts: &Counts, rounds: usize) -> anyhow::Result<usize> {
    let mut pending = usize::MAX;
    for round in 0..rounds {
        let client = &clients[round % clients.len()];
        let report = client.resume().await?;
        add(&counts.resumed, (report.succeeded() + report.refused()) as u64);
        pending = report.still_pending() + report.stale();
        if pending == 0 {
            return Ok(0);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(pending)
}

async fn client_loop(
    bases: Vec<String>,
    journal: PathBuf,
    fixture: Arc<Fixture>,
    stop: Arc<AtomicBool>,
    counts: Arc<Counts>,
    violations: Violations,
) -> anyhow::Result<()> {
    let mut clients = Vec::new();
    for base in &bases {
        clients.push(sdk(base, &fixture.token, &journal).await?);
    }
    while !stop.load(Ordering::Relaxed) {
        let (node, is_purchase, customer, points, duplicate) = {
            let mut rng = rand::thread_rng();
            (
                rng.gen_range(0..clients.len()),
                rng.gen_bool(0.45),
                fixture.customers[rng.gen_range(0..fixture.customers.len())].clone(),
                rng.gen_range(10..80),
                rng.gen_bool(0.15),
            )
        };
        let client = &clients[node];
        add(&counts.intents, 1);
        let again = &clients[(node + 1) % clients.len()];
        let outcome = if is_purchase {
            let body = NewTransaction { points: Some(points), ..NewTransaction::new(&customer, points * 100, "EUR") };
            let request = || ops::record_purchase(&body);
            write(client, duplicate.then_some(again), request, |t| t.id.clone(), &counts, &violations).await
        } else {
            let body = NewRedemption::new(&customer, &fixture.reward);
            let request = || ops::redeem(&body);
            write(client, duplicate.then_some(again), request, |r| r.id.clone(), &counts, &violations).await
        };
        match outcome {
            Ok(()) => add(&counts.succeeded, 1),
            Err(e) if e.code() == Some("insufficient_points") => add(&counts.refused, 1),
            Err(e) if e.is_pending() => {
                add(&counts.gave_up, 1);
                // Another node finishes it, with the same key.
                settle(&clients, &counts, 3).await?;
            }
            Err(e) => {
                add(&counts.refused, 1);
                violations.lock().expect("not poisoned").push(format!("unexpected answer: {e}"));
            }
        }
    }
    let pending = settle(&clients, &counts, 60).await?;
    if pending > 0 {
        violations
            .lock()
            .expect("not poisoned")
            .push(format!("{} has {pending} intent(s) still pending", journal.display()));
    }
    Ok(())
}

/// Sends one write through `client`; with `again`, sends the same request with
/// the same key through that other node too, which must replay the first answer.
async fn write<T: DeserializeOwned>(
    client: &Client,
    again: Option<&Client>,
    request: impl Fn() -> WriteRequest<T>,
    id: impl Fn(&T) -> String,
    counts: &Counts,
    violations: &Violations,
) -> Result<(), tally_client::Error> {
    let first = client.submit(request()).await?;
    if let Some(other) = again {
        let second = other.submit_with_key(request(), &first.key).await;
        check_duplicate(counts, violations, &first.key, &id(&first.value), second.map(|w| (id(&w.value), w.replayed)));
    }
    Ok(())
}

fn check_duplicate(
    counts: &Counts,
    violations: &Violations,
    key: &str,
    first_id: &str,
    again: Result<(String, bool), tally_client::Error>,
) {
    add(&counts.duplicates, 1);
    match again {
        Ok((id, true)) if id == first_id => add(&counts.duplicates_replayed, 1),
        Ok((id, replayed)) => violations
            .lock()
            .expect("not poisoned")
            .push(format!("duplicate of key {key}: got {id} (replayed: {replayed}), first was {first_id}")),
        // A duplicate that met a killed node and gave up: it proves nothing either way.
        Err(e) if e.is_pending() => {}
        Err(e) => violations.lock().expect("not poisoned").push(format!("duplicate of key {key} refused: {e}")),
    }
}

pub async fn run(args: ChaosArgs) -> anyhow::Result<ExitCode> {
    let seen = Arc::new(Seen::default());
    init_logging(seen.clone());
    anyhow::ensure!(args.nodes >= 1 && args.clients >= 1, "--nodes and --clients must be at least 1");
    let started = Instant::now();
    let tally = args.tally()?;
    let dir = std::env::temp_dir().join(format!("tally-chaos-{}-{}", std::process::id(), chrono_stamp()));
    std::fs::create_dir_all(&dir)?;
    // On Ctrl-C or SIGTERM the run is dropped, and with it every process it
    // started: the nodes and Redis are killed, PostgreSQL is stopped.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let result = tokio::select! {
        result = run_in(&args, &tally, &dir, &seen, started) => result,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        _ = terminate.recv() => Err(anyhow::anyhow!("terminated")),
    };
    if args.keep_dir {
        eprintln!("kept {}", dir.display());
    } else if let Err(e) = std::fs::remove_dir_all(&dir) {
        eprintln!("could not remove {}: {e}", dir.display());
    }
    result
}

fn chrono_stamp() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default()
}

async fn run_in(args: &ChaosArgs, tally: &Path, dir: &Path, seen: &Seen, started: Instant) -> anyhow::Result<ExitCode> {
    let mut pg = Postgres::init(dir)?;
    pg.start()?;
    let database_url = pg.url();
    tracing::info!(port = pg.port, "private PostgreSQL is up");

    let redis_port = free_port()?;
    let mut redis = Guarded(Some(
        Command::new("redis-server")
            .args(["--port", &redis_port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting redis-server")?,
    ));
    let redis_url = format!("redis://127.0.0.1:{redis_port}");

    cli(tally, &["migrate"], &database_url)?;
    let program = cli(tally, &["program", "create", "chaos"], &database_url)?;
    let token = cli(tally, &["token", "create", "--program", &program], &database_url)?;

    let http = reqwest::Client::new();
    let mut nodes = Vec::new();
    for index in 0..args.nodes {
        let mut node =
            Node { index, port: free_port()?, process: Guarded(None), log: dir.join(format!("node{index}.log")) };
        node.spawn(tally, &database_url, &redis_url)?;
        nodes.push(node);
    }
    for node in &nodes {
        anyhow::ensure!(ready(&http, &node.base(), Duration::from_secs(30)).await, "node {} did not start", node.index);
    }
    let bases: Vec<String> = nodes.iter().map(Node::base).collect();

    // The program, customers (funded so that some redemptions are refused) and a reward.
    let setup_journal = dir.join("journal-setup.db");
    let setup = sdk(&bases[0], &token, &setup_journal).await?;
    setup.update_program(&ProgramPatch { rate_limit_per_minute: Some(1_000_000), ..ProgramPatch::default() }).await?;
    let reward_cost = 100;
    let reward = setup.create_reward(&NewReward::new("chaos mug", reward_cost)).await?.value.id;
    let mut customers = Vec::new();
    for i in 0..12 {
        let customer = setup.upsert_customer(&NewCustomer::email(format!("chaos{i}@example.com"))).await?.value.id;
        setup
            .record_purchase(&NewTransaction { points: Some(150), ..NewTransaction::new(&customer, 15_000, "EUR") })
            .await?;
        customers.push(customer);
    }
    let fixture = Arc::new(Fixture { token, customers, reward });

    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());
    let violations: Violations = Arc::default();
    let mut journals = vec![setup_journal];
    let mut tasks = Vec::new();
    for i in 0..args.clients {
        let journal = dir.join(format!("journal-{i}.db"));
        journals.push(journal.clone());
        tasks.push(tokio::spawn(client_loop(
            bases.clone(),
            journal,
            fixture.clone(),
            stop.clone(),
            counts.clone(),
            violations.clone(),
        )));
    }

    // The faults: kills spread over the run, PostgreSQL restarted half-way.
    let duration = Duration::from_secs(args.duration_secs);
    let writing_since = Instant::now();
    let interval = duration / (args.kills + 1);
    let mut kills = 0u32;
    let mut pg_restarts = 0u32;
    let mut slowest_recovery = Duration::ZERO;
    for k in 0..args.kills {
        tokio::time::sleep_until((writing_since + interval * (k + 1)).into()).await;
        if !args.no_pg_restart && pg_restarts == 0 && k >= args.kills / 2 {
            let pids: Vec<Option<u32>> = nodes.iter().map(|n| n.process.pid()).collect();
            let restart_started = Instant::now();
            pg.restart()?;
            pg_restarts += 1;
            tracing::info!(took_ms = restart_started.elapsed().as_millis() as u64, "PostgreSQL restarted");
            for node in &nodes {
                if !ready(&http, &node.base(), Duration::from_secs(30)).await {
                    violations
                        .lock()
                        .expect("not poisoned")
                        .push(format!("node {} not ready 30 s after the PostgreSQL restart", node.index));
                }
            }
            let after: Vec<Option<u32>> = nodes.iter().map(|n| n.process.pid()).collect();
            anyhow::ensure!(pids == after, "a node was restarted during the PostgreSQL restart");
            tracing::info!(
                recovered_ms = restart_started.elapsed().as_millis() as u64,
                "every node answers /readyz again, none restarted"
            );
        }
        let victim = rand::thread_rng().gen_range(0..nodes.len());
        let node = &mut nodes[victim];
        node.process.kill().await;
        kills += 1;
        tokio::time::sleep(Duration::from_millis(rand::thread_rng().gen_range(100..600))).await;
        let restarted = Instant::now();
        node.spawn(tally, &database_url, &redis_url)?;
        if !ready(&http, &node.base(), Duration::from_secs(30)).await {
            violations
                .lock()
                .expect("not poisoned")
                .push(format!("node {victim} did not come back after kill {kills}"));
        }
        slowest_recovery = slowest_recovery.max(restarted.elapsed());
        tracing::info!(kill = kills, node = victim, "killed with SIGKILL and restarted");
    }
    tokio::time::sleep_until((writing_since + duration).into()).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.context("a client task panicked")??;
    }
    let writing = writing_since.elapsed();

    // The checks.
    let mut violations = std::mem::take(&mut *violations.lock().expect("not poisoned"));
    let db = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&database_url).await?;
    let mut effects: HashMap<String, (String, i64)> = HashMap::new();
    for (table, kind) in [("transactions", "transaction.create"), ("redemptions", "redemption.create")] {
        let rows = sqlx::query(&format!(
            "SELECT idempotency_key, min(id) AS id, count(*) AS n FROM {table} WHERE idempotency_key IS NOT NULL GROUP BY 1"
        ))
        .fetch_all(&db)
        .await?;
        for row in rows {
            let key: String = row.try_get("idempotency_key")?;
            effects.insert(key, (format!("{kind}:{}", row.try_get::<String, _>("id")?), row.try_get("n")?));
        }
    }
    let (mut journaled, mut pending, mut done_2xx, mut done_4xx) = (0u64, 0u64, 0u64, 0u64);
    let mut keys = HashSet::new();
    for path in &journals {
        let journal = tally_client::Journal::open(path).await?;
        for intent in journal.intents().await? {
            if !matches!(intent.operation.as_str(), "transaction.create" | "redemption.create") {
                continue;
            }
            journaled += 1;
            keys.insert(intent.key.clone());
            let effect = effects.get(&intent.key);
            match (intent.state, intent.status) {
                (IntentState::Pending, _) => {
                    pending += 1;
                    violations.push(format!("intent {} ({}) is still pending", intent.key, intent.operation));
                }
                (IntentState::Done, Some(status)) if (200..300).contains(&status) => {
                    done_2xx += 1;
                    let id = intent.response_json().and_then(|v| v["id"].as_str().map(str::to_owned));
                    match effect {
                        Some((found, 1)) if Some(found.split_once(':').map_or("", |p| p.1)) == id.as_deref() => {}
                        Some((found, n)) => violations.push(format!(
                            "intent {} answered {id:?} but the database has {n} effect(s), e.g. {found}",
                            intent.key
                        )),
                        None => violations.push(format!("intent {} succeeded but its effect is lost", intent.key)),
                    }
                }
                (IntentState::Done, status) => {
                    done_4xx += 1;
                    if let Some((found, n)) = effect {
                        violations.push(format!(
                            "intent {} was refused ({status:?}) but took effect {n} time(s): {found}",
                            intent.key
                        ));
                    }
                }
            }
        }
    }
    for (key, (found, _)) in &effects {
        if !keys.contains(key) {
            violations.push(format!("{found} has key {key}, which no journal holds"));
        }
    }
    let negative: i64 = sqlx::query_scalar("SELECT count(*) FROM customers WHERE balance < 0").fetch_one(&db).await?;
    if negative > 0 {
        violations.push(format!("{negative} customer(s) with a negative balance"));
    }
    db.close().await;
    let verify = std::process::Command::new(tally).args(["verify", "--database-url", &database_url]).output()?;
    let verify_line = String::from_utf8_lossy(&verify.stdout).trim().lines().last().unwrap_or_default().to_owned();
    if !verify.status.success() {
        violations.push(format!("tally verify failed: {}", String::from_utf8_lossy(&verify.stdout).trim()));
    }
    for node in &nodes {
        if !ready(&http, &node.base(), Duration::from_secs(10)).await {
            violations.push(format!("node {} is not ready at the end", node.index));
        }
    }
    if kills < args.kills {
        violations.push(format!("only {kills} of {} kills happened", args.kills));
    }

    for node in &mut nodes {
        node.process.kill().await;
    }
    redis.kill().await;
    pg.stop();

    let counts = &counts;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let summary = [
        format!(
            "chaos summary ({} nodes, {} clients, {:.0} s of writes, {:.0} s in all)",
            args.nodes,
            args.clients,
            writing.as_secs_f64(),
            started.elapsed().as_secs_f64()
        ),
        format!(
            "  intents:             {} in the stream ({} succeeded, {} refused 422); {journaled} journaled with setup: {done_2xx} 2xx, {done_4xx} 4xx, {pending} pending",
            counts.intents.load(Ordering::Relaxed),
            counts.succeeded.load(Ordering::Relaxed),
            counts.refused.load(Ordering::Relaxed)
        ),
        format!(
            "  duplicates re-sent:  {} ({} replayed the first answer)",
            counts.duplicates.load(Ordering::Relaxed),
            counts.duplicates_replayed.load(Ordering::Relaxed)
        ),
        format!("  retries:             {}", seen.retries.load(Ordering::Relaxed)),
        format!(
            "  gave up, resumed:    {} gave up, {} finished by resume() on another node",
            counts.gave_up.load(Ordering::Relaxed),
            counts.resumed.load(Ordering::Relaxed)
        ),
        format!(
            "  kills:               {kills} (SIGKILL + restart; slowest back to ready {} ms)",
            slowest_recovery.as_millis()
        ),
        format!("  postgres restarts:   {pg_restarts} (nodes recovered without a restart)"),
        format!("  5xx seen:            {}", seen.status_5xx.load(Ordering::Relaxed)),
        format!("  transport errors:    {}", seen.transport.load(Ordering::Relaxed)),
        format!("  tally verify:        {verify_line}"),
        format!("  load average:        {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")),
        format!("  violations:          {}", violations.len()),
    ];
    for v in &violations {
        println!("VIOLATION {v}");
    }
    for line in summary {
        println!("{line}");
    }
    Ok(if violations.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
