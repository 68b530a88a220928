//! `tally-chaos run`: a private PostgreSQL and Redis, three `tally serve` nodes,
//! SDK clients writing journaled purchases and redemptions (with duplicates),
//! while nodes are killed with SIGKILL and restarted and PostgreSQL is
//! restarted once. At the end every journaled intent is checked against the
//! database: each took effect exactly once, or (refused) not at all.

mod seen;
mod writers;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use rand::Rng;
use sqlx::Row;
use tally_client::{IntentState, NewCustomer, NewReward, NewTransaction, ProgramPatch};
use tally_test_kit::wait_until_ready;
use tokio::process::Command;

use seen::*;
use tally_chaos::cluster::*;
use writers::*;

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
        tally_beside(&std::env::current_exe().context("the path of this executable")?)
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

    let mut nodes = Vec::new();
    for index in 0..args.nodes {
        let mut node =
            Node { index, port: free_port()?, process: Guarded(None), log: dir.join(format!("node{index}.log")) };
        node.spawn(tally, &database_url, &["--redis-url", &redis_url, "--pg-max-connections", "8"])?;
        nodes.push(node);
    }
    for node in &nodes {
        anyhow::ensure!(
            wait_until_ready(&node.base(), Duration::from_secs(30)).await,
            "node {} did not start",
            node.index
        );
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
                if !wait_until_ready(&node.base(), Duration::from_secs(30)).await {
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
        node.spawn(tally, &database_url, &["--redis-url", &redis_url, "--pg-max-connections", "8"])?;
        if !wait_until_ready(&node.base(), Duration::from_secs(30)).await {
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
        if !wait_until_ready(&node.base(), Duration::from_secs(10)).await {
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
