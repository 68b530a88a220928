//! The scenarios of one backend, in order, against one fresh database.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http::{Method, StatusCode};

use crate::load::{self, Connection, Measured, Timing, Verdict};
use crate::raw;
use crate::report::{BackendReport, CONTENTION, FIRST, GROWTH, Growth, KEYED, NO_KEY, RAW, REPLAYS, ScenarioResult};
use crate::server::{Server, ServerOptions};
use crate::setup::{Backend, Fixture, Sql};

/// Connection counts of the first-write and raw-limit scenarios.
pub const CONCURRENCY: [usize; 3] = [8, 32, 64];
/// Connections of the replay and contention scenarios (and the targets' "at 64").
pub const HIGH: usize = 64;
/// Connections of the idempotency-overhead pair.
pub const OVERHEAD_CONCURRENCY: usize = 32;
/// Connections of the storage-growth run.
pub const GROWTH_CONCURRENCY: usize = 8;

pub struct Plan {
    pub timing: Timing,
    pub growth: Duration,
    /// The retention the growth run simulates by moving expiry into the past.
    pub simulated_retention: Duration,
    pub server_bin: PathBuf,
    /// This binary, which runs each raw-limit round as `raw`.
    pub bench_bin: PathBuf,
    pub pg_max_connections: u32,
    pub log_dir: PathBuf,
    pub keep_logs: bool,
    /// Rounds per scenario, alternating raw and HTTP runs.
    pub rounds: usize,
    /// Run only these parts (all when empty): for profiling one of them.
    pub only: Vec<Part>,
}

/// The parts of a run, for `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    Raw,
    First,
    Overhead,
    Replays,
    Contention,
    Growth,
}

impl Plan {
    fn runs(&self, part: Part) -> bool {
        self.only.is_empty() || self.only.contains(&part)
    }
}

pub async fn run_backend(backend: Backend, plan: &Plan) -> anyhow::Result<BackendReport> {
    eprintln!("[{}] seeding a fresh database", backend.name());
    let fixture = Arc::new(Fixture::create(backend, plan.pg_max_connections).await?);
    let sql = Sql::connect(&fixture).await?;
    let mut report = BackendReport::new(backend, sql.version().await?);
    // Successful and failed writes, for the exactly-once check at the end.
    let (mut written, mut write_failures): (u64, u64) = (0, 0);

    // 1–5. The raw limit and the HTTP scenarios. The raw limit runs in a
    // process of its own while the server process idles, in rounds alternating with the
    // HTTP run at the same concurrency, so both sides of a ratio see the same
    // machine: other work on it drifts over minutes, not within a round.
    let http = [Part::First, Part::Overhead, Part::Replays, Part::Contention].into_iter().any(|p| plan.runs(p));
    let server = if http { Some(start_server(&fixture, plan, 60, "main").await?) } else { None };
    let mut tally = |m: &Measured| {
        written += m.all_ok;
        write_failures += m.all_errors;
    };
    for concurrency in CONCURRENCY {
        let (mut raw_runs, mut http_runs, mut rss) = (Runs::default(), Runs::default(), None);
        for round in 0..plan.rounds {
            if plan.runs(Part::Raw) {
                eprintln!("[{}] raw transaction, {concurrency} concurrent (round {})", backend.name(), round + 1);
                let measured = raw::run_in_process(&plan.bench_bin, &fixture, concurrency, plan.timing, round).await?;
                tally(&measured);
                raw_runs.add(measured)?;
            }
            if let (Some(server), true) = (&server, plan.runs(Part::First)) {
                eprintln!("[{}] first writes, {concurrency} connections (round {})", backend.name(), round + 1);
                let tag = format!("first-r{round}");
                let measured =
                    first_writes(&fixture, server.addr, concurrency, plan.timing, tag, KeyMode::Fresh, false).await?;
                tally(&measured);
                http_runs.add(measured)?;
                rss = max_rss(rss, server.take_peak_rss_mib());
            }
        }
        if let Some(measured) = raw_runs.0 {
            report.push(ScenarioResult::new(RAW, concurrency, &measured, None));
        }
        if let Some(measured) = http_runs.0 {
            report.push(ScenarioResult::new(FIRST, concurrency, &measured, rss));
        }
    }

    if let Some(server) = server {
        let addr = server.addr;
        if plan.runs(Part::Overhead) {
            // Keyed and unkeyed in alternating rounds at the same concurrency.
            let (mut keyed, mut unkeyed, mut rss) = (Runs::default(), Runs::default(), None);
            for round in 0..plan.rounds {
                eprintln!(
                    "[{}] overhead pair, {OVERHEAD_CONCURRENCY} connections (round {})",
                    backend.name(),
                    round + 1
                );
                let tag = format!("keyed-r{round}");
                let measured =
                    first_writes(&fixture, addr, OVERHEAD_CONCURRENCY, plan.timing, tag, KeyMode::Fresh, false).await?;
                tally(&measured);
                keyed.add(measured)?;
                set_require_key(&fixture, addr, false).await?;
                let tag = format!("nokey-r{round}");
                let measured =
                    first_writes(&fixture, addr, OVERHEAD_CONCURRENCY, plan.timing, tag, KeyMode::None, false).await?;
                tally(&measured);
                unkeyed.add(measured)?;
                set_require_key(&fixture, addr, true).await?;
                rss = max_rss(rss, server.take_peak_rss_mib());
            }
            if let (Some(k), Some(u)) = (keyed.0, unkeyed.0) {
                report.push(ScenarioResult::new(KEYED, OVERHEAD_CONCURRENCY, &k, rss));
                report.push(ScenarioResult::new(NO_KEY, OVERHEAD_CONCURRENCY, &u, rss));
            }
        }

        if plan.runs(Part::Replays) {
            let (mut runs, mut rss) = (Runs::default(), None);
            for round in 0..plan.rounds {
                eprintln!("[{}] replays of one key, {HIGH} connections (round {})", backend.name(), round + 1);
                runs.add(replays(&fixture, addr, HIGH, plan.timing, round).await?)?;
                written += 1;
                rss = max_rss(rss, server.take_peak_rss_mib());
            }
            if let Some(measured) = runs.0 {
                report.push(ScenarioResult::new(REPLAYS, HIGH, &measured, rss));
            }
        }

        if plan.runs(Part::Contention) {
            let (mut runs, mut rss) = (Runs::default(), None);
            for round in 0..plan.rounds {
                eprintln!("[{}] contention: one customer, {HIGH} connections (round {})", backend.name(), round + 1);
                let tag = format!("hot-r{round}");
                let measured = first_writes(&fixture, addr, HIGH, plan.timing, tag, KeyMode::Fresh, true).await?;
                written += measured.all_ok;
                write_failures += measured.all_errors;
                runs.add(measured)?;
                rss = max_rss(rss, server.take_peak_rss_mib());
            }
            if let Some(measured) = runs.0 {
                report.push(ScenarioResult::new(CONTENTION, HIGH, &measured, rss));
            }
        }
        report.server_high_water_mib = server.high_water_mib();
        server.stop().await?;
    }

    // 6. Storage growth, with its own server sweeping every second.
    if plan.runs(Part::Growth) {
        eprintln!("[{}] storage growth for {:.0} s", backend.name(), plan.growth.as_secs_f64());
        let server = start_server(&fixture, plan, 1, "growth").await?;
        let (growth, measured) = storage_growth(&fixture, &sql, &server, plan).await?;
        written += measured.all_ok;
        write_failures += measured.all_errors;
        report.push(ScenarioResult::new(GROWTH, GROWTH_CONCURRENCY, &measured, server.take_peak_rss_mib()));
        report.growth = Some(growth);
        report.server_high_water_mib =
            report.server_high_water_mib.into_iter().chain(server.high_water_mib()).reduce(f64::max);
        server.stop().await?;
    }

    // Exactly once: every 201 made one redemption, and nothing else made any.
    let redemptions = sql.count("redemptions").await? as u64;
    report.exactly_once =
        Some(crate::report::ExactlyOnce { successful_writes: written, redemptions, failures: write_failures });
    sql.close().await;
    fixture.drop_database().await.context("dropping the benchmark's database")?;
    report.finish();
    Ok(report)
}

/// The rounds of one scenario, merged.
#[derive(Default)]
struct Runs(Option<Measured>);

impl Runs {
    fn add(&mut self, measured: Measured) -> anyhow::Result<()> {
        match &mut self.0 {
            None => self.0 = Some(measured),
            Some(all) => all.merge(measured)?,
        }
        Ok(())
    }
}

fn max_rss(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    a.into_iter().chain(b).reduce(f64::max)
}

async fn start_server(fixture: &Fixture, plan: &Plan, maintenance_secs: u64, tag: &str) -> anyhow::Result<Server> {
    let log = plan.log_dir.join(format!("tally-bench-{}-{tag}.log", fixture.backend.name()));
    Server::start(ServerOptions {
        bin: &plan.server_bin,
        database_url: &fixture.database_url,
        pg_max_connections: fixture.pg_max_connections,
        maintenance_interval_secs: maintenance_secs,
        log,
        keep_log: plan.keep_logs,
    })
    .await
}

/// Worker `worker`'s `n`-th customer: concurrent workers use different customers.
pub fn customer_for(customers: &[String], worker: usize, n: u64, concurrency: usize) -> &str {
    &customers[(worker + n as usize * concurrency) % customers.len()]
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyMode {
    /// A new key per request: every request is a first write.
    Fresh,
    /// No key at all (the program does not require one).
    None,
}

struct HttpWorker {
    conn: Connection,
    index: usize,
}

async fn first_writes(
    fixture: &Arc<Fixture>,
    addr: std::net::SocketAddr,
    concurrency: usize,
    timing: Timing,
    tag: String,
    keys: KeyMode,
    hot: bool,
) -> anyhow::Result<Measured> {
    let tag: Arc<str> = tag.into();
    let bodies: Arc<Vec<Bytes>> = Arc::new(if hot {
        vec![Bytes::from(fixture.redemption_body(&fixture.hot_customer))]
    } else {
        fixture.customers.iter().map(|c| Bytes::from(fixture.redemption_body(c))).collect()
    });
    let token = fixture.token.clone();
    load::run(
        concurrency,
        timing,
        |index| {
            let token = token.clone();
            async move { Ok(HttpWorker { conn: Connection::open(addr, &token).await?, index }) }
        },
        move |mut worker, n| {
            let bodies = bodies.clone();
            let tag = tag.clone();
            async move {
                let body = bodies[(worker.index + n as usize * concurrency) % bodies.len()].clone();
                let key = (keys == KeyMode::Fresh).then(|| format!("{tag}-{concurrency}-{}-{n}", worker.index));
                let answer = worker.conn.send(Method::POST, raw::PATH, key.as_deref(), body).await;
                let expected_replayed = (keys == KeyMode::Fresh).then_some(false);
                let verdict = judge(answer, StatusCode::CREATED, expected_replayed);
                (worker, verdict)
            }
        },
    )
    .await
}

async fn replays(
    fixture: &Arc<Fixture>,
    addr: std::net::SocketAddr,
    concurrency: usize,
    timing: Timing,
    round: usize,
) -> anyhow::Result<Measured> {
    let body = Bytes::from(fixture.redemption_body(&fixture.customers[0]));
    let key: Arc<str> = format!("replay-{round}").into();
    let mut conn = Connection::open(addr, &fixture.token).await?;
    let first = conn.send(Method::POST, raw::PATH, Some(&key), body.clone()).await?;
    if first.status != StatusCode::CREATED {
        bail!("the request to replay answered {} instead of 201", first.status);
    }
    let token = fixture.token.clone();
    load::run(
        concurrency,
        timing,
        |index| {
            let token = token.clone();
            async move { Ok(HttpWorker { conn: Connection::open(addr, &token).await?, index }) }
        },
        move |mut worker, _n| {
            let body = body.clone();
            let key = key.clone();
            async move {
                let answer = worker.conn.send(Method::POST, raw::PATH, Some(&key), body).await;
                (worker, judge(answer, StatusCode::CREATED, Some(true)))
            }
        },
    )
    .await
}

fn judge(answer: anyhow::Result<load::Answer>, status: StatusCode, replayed: Option<bool>) -> Verdict {
    match answer {
        Ok(a) if a.status == status && a.replayed == replayed => Verdict::Ok,
        Ok(a) if a.status != status => Verdict::Unexpected(format!("status {}", a.status.as_u16())),
        Ok(a) => Verdict::Unexpected(format!("Idempotent-Replayed {:?}", a.replayed)),
        Err(e) => Verdict::Unexpected(format!("{e:#}")),
    }
}

/// `PATCH /api/v1/program {"require_idempotency_key": …}`.
async fn set_require_key(fixture: &Fixture, addr: std::net::SocketAddr, required: bool) -> anyhow::Result<()> {
    let mut conn = Connection::open(addr, &fixture.token).await?;
    let body = Bytes::from(format!(r#"{{"require_idempotency_key":{required}}}"#));
    let answer = conn.send(Method::PATCH, "/api/v1/program", None, body).await?;
    if answer.status != StatusCode::OK {
        bail!("PATCH /api/v1/program answered {}", answer.status);
    }
    Ok(())
}

/// Constant first-write load on a server sweeping every second, while every
/// record older than the simulated retention is made to expire (by the
/// database clock) once a second: what hours of retention would do, in
/// seconds. The record count is sampled each second; bounded means it levels
/// off instead of growing with the number of writes.
async fn storage_growth(
    fixture: &Arc<Fixture>,
    sql: &Sql,
    server: &Server,
    plan: &Plan,
) -> anyhow::Result<(Growth, Measured)> {
    // Start from an empty table: the earlier scenarios' records expire now and
    // the sweeper clears them before the load starts.
    sql.expire_older_than(Duration::ZERO).await?;
    let drain_deadline = Instant::now() + Duration::from_secs(120);
    while sql.count("idempotency_records").await? > 0 && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let before = sql.count("idempotency_records").await?;
    let timing = Timing { warmup: Duration::ZERO, measure: plan.growth };
    let load = {
        let fixture = fixture.clone();
        let addr = server.addr;
        tokio::spawn(async move {
            first_writes(&fixture, addr, GROWTH_CONCURRENCY, timing, "growth".into(), KeyMode::Fresh, false).await
        })
    };
    let start = Instant::now();
    let mut samples = vec![(0.0, before)];
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    while start.elapsed() < plan.growth {
        ticker.tick().await;
        sql.expire_older_than(plan.simulated_retention).await.context("simulating elapsed retention")?;
        samples.push((start.elapsed().as_secs_f64(), sql.count("idempotency_records").await?));
    }
    let measured = load.await.context("the growth load panicked")??;
    // After the load stops, the sweeper catches up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    sql.expire_older_than(Duration::ZERO).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = sql.count("idempotency_records").await?;
    Ok((Growth::new(plan, before, samples, after, measured.all_ok), measured))
}
