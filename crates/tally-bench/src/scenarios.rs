//! The scenarios of one backend, in order: the raw limit and the HTTP
//! scenarios against one fresh, analysed database, then the retention run on
//! it, then the growth benchmark against a second fresh database.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::load::{Measured, Timing};
use crate::long_runs;
use crate::raw::{self, Synchronous};
use crate::results::{
    BackendResults, CONCURRENCY, CONTENTION, ExactlyOnce, FIRST, GROWTH, GROWTH_CONCURRENCY, HIGH, KEYED, NO_KEY,
    OVERHEAD_CONCURRENCY, PgbenchSummary, RAW_PGBENCH, RAW_SQLITE_FULL, RAW_SQLITE_NORMAL, REPLAYS, RETENTION,
    RETENTION_CONCURRENCY, ScenarioResult,
};
use crate::server::{Server, ServerOptions};
use crate::setup::{Backend, Fixture, Sql, Statistics};
use crate::writes::{self, KeyMode};

pub struct Plan {
    pub timing: Timing,
    /// How long the retention run lasts.
    pub retention: Duration,
    /// The retention the retention run simulates by moving expiry into the past.
    pub simulated_retention: Duration,
    /// Redemptions the growth benchmark makes, and the most time it may take.
    pub growth_writes: u64,
    pub growth_max: Duration,
    pub server_bin: PathBuf,
    /// This binary, which runs each SQLite raw round as `raw-sqlite`.
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
    Retention,
    Growth,
}

impl Plan {
    fn runs(&self, part: Part) -> bool {
        self.only.is_empty() || self.only.contains(&part)
    }
}

/// Successful and failed writes, for the exactly-once check at the end.
#[derive(Default)]
struct Tally {
    written: u64,
    failures: u64,
}

impl Tally {
    fn add(&mut self, m: &Measured) {
        self.written += m.all_ok;
        self.failures += m.all_errors;
    }
}

pub async fn run_backend(backend: Backend, plan: &Plan) -> anyhow::Result<BackendResults> {
    let name = backend.name();
    let main = [Part::Raw, Part::First, Part::Overhead, Part::Replays, Part::Contention, Part::Retention];
    let mut report = if main.into_iter().any(|p| plan.runs(p)) { Some(run_main(backend, plan).await?) } else { None };

    // 7. Growth, on a database of its own that nobody analysed.
    if plan.runs(Part::Growth) {
        eprintln!("[{name}] growth: seeding a fresh database (no ANALYZE)");
        let fixture = Arc::new(Fixture::create(backend, plan.pg_max_connections, Statistics::Fresh).await?);
        let sql = Sql::connect(&fixture).await?;
        let report = match &mut report {
            Some(report) => report,
            None => report.insert(BackendResults::new(backend, sql.version().await?)),
        };
        eprintln!("[{name}] growth: {} keyed redemptions, {GROWTH_CONCURRENCY} connections", plan.growth_writes);
        let server = start_server(&fixture, plan, 60, "growth").await?;
        let growth = long_runs::growth(&fixture, &sql, &server, plan.growth_writes, plan.growth_max).await;
        let rss = server.take_peak_rss_mib();
        report.server_high_water_mib =
            report.server_high_water_mib.into_iter().chain(server.high_water_mib()).reduce(f64::max);
        server.stop().await?;
        sql.close().await;
        fixture.drop_database().await.context("dropping the growth database")?;
        let (growth, whole) = growth?;
        report.push(ScenarioResult::new(GROWTH, GROWTH_CONCURRENCY, &whole, rss));
        report.growth = Some(growth);
    }
    report.context("--only chose no part to run")
}

/// Everything but the growth benchmark, on one fresh, analysed database.
async fn run_main(backend: Backend, plan: &Plan) -> anyhow::Result<BackendResults> {
    let name = backend.name();
    eprintln!("[{name}] seeding a fresh database");
    let fixture = Arc::new(Fixture::create(backend, plan.pg_max_connections, Statistics::Analyze).await?);
    let sql = Sql::connect(&fixture).await?;
    let mut report = BackendResults::new(backend, sql.version().await?);
    let mut tally = Tally::default();

    // 1–5. The raw limit and the HTTP scenarios. The raw limit runs in a
    // process of its own (pgbench, or this binary on SQLite) while the server
    // process idles, in rounds alternating with the HTTP run at the same
    // concurrency, so both sides of a ratio see the same machine: other work
    // on it drifts over minutes, not within a round.
    let http = [Part::First, Part::Overhead, Part::Replays, Part::Contention, Part::Retention]
        .into_iter()
        .any(|p| plan.runs(p));
    let server = if http { Some(start_server(&fixture, plan, 60, "main").await?) } else { None };
    for concurrency in CONCURRENCY {
        let mut raw_runs: Vec<(&'static str, Runs)> = match backend {
            Backend::Postgres => vec![(RAW_PGBENCH, Runs::default())],
            Backend::Sqlite => vec![(RAW_SQLITE_FULL, Runs::default()), (RAW_SQLITE_NORMAL, Runs::default())],
        };
        let (mut http_runs, mut rss, mut summary) = (Runs::default(), None, None::<PgbenchSummary>);
        for round in 0..plan.rounds {
            if plan.runs(Part::Raw) {
                for (scenario, runs) in &mut raw_runs {
                    eprintln!("[{name}] {scenario}, paired with {concurrency} (round {})", round + 1);
                    let measured = match *scenario {
                        RAW_PGBENCH => {
                            let (measured, s) = raw::pgbench_round(&fixture, concurrency, plan.timing, round).await?;
                            match &mut summary {
                                Some(all) => all.merge(&s),
                                None => summary = Some(s),
                            }
                            measured
                        }
                        _ => {
                            let sync =
                                if *scenario == RAW_SQLITE_FULL { Synchronous::Full } else { Synchronous::Normal };
                            raw::sqlite_round(&plan.bench_bin, &fixture, sync, plan.timing, round).await?
                        }
                    };
                    tally.add(&measured);
                    runs.add(measured)?;
                }
            }
            if let (Some(server), true) = (&server, plan.runs(Part::First)) {
                eprintln!("[{name}] first writes, {concurrency} connections (round {})", round + 1);
                let tag = format!("first-r{round}");
                let measured =
                    writes::first_writes(&fixture, server.addr, concurrency, plan.timing, tag, KeyMode::Fresh, false)
                        .await?;
                tally.add(&measured);
                http_runs.add(measured)?;
                rss = max_rss(rss, server.take_peak_rss_mib());
            }
        }
        for (scenario, runs) in raw_runs {
            if let Some(measured) = runs.0 {
                let clients = if backend == Backend::Postgres { concurrency } else { 1 };
                let mut result = ScenarioResult::new(scenario, clients, &measured, None).paired_with(concurrency);
                if scenario == RAW_PGBENCH {
                    result.pgbench = summary.clone();
                }
                report.push(result);
            }
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
                eprintln!("[{name}] overhead pair, {OVERHEAD_CONCURRENCY} connections (round {})", round + 1);
                let c = OVERHEAD_CONCURRENCY;
                let tag = format!("keyed-r{round}");
                let measured = writes::first_writes(&fixture, addr, c, plan.timing, tag, KeyMode::Fresh, false).await?;
                tally.add(&measured);
                keyed.add(measured)?;
                writes::set_require_key(&fixture, addr, false).await?;
                let tag = format!("nokey-r{round}");
                let measured = writes::first_writes(&fixture, addr, c, plan.timing, tag, KeyMode::None, false).await?;
                tally.add(&measured);
                unkeyed.add(measured)?;
                writes::set_require_key(&fixture, addr, true).await?;
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
                eprintln!("[{name}] replays of one key, {HIGH} connections (round {})", round + 1);
                runs.add(writes::replays(&fixture, addr, HIGH, plan.timing, round).await?)?;
                tally.written += 1;
                rss = max_rss(rss, server.take_peak_rss_mib());
            }
            if let Some(measured) = runs.0 {
                report.push(ScenarioResult::new(REPLAYS, HIGH, &measured, rss));
            }
        }

        if plan.runs(Part::Contention) {
            let (mut runs, mut rss) = (Runs::default(), None);
            for round in 0..plan.rounds {
                eprintln!("[{name}] contention: one customer, {HIGH} connections (round {})", round + 1);
                let tag = format!("hot-r{round}");
                let measured =
                    writes::first_writes(&fixture, addr, HIGH, plan.timing, tag, KeyMode::Fresh, true).await?;
                tally.add(&measured);
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

    // 6. Retention, with its own server sweeping every second.
    if plan.runs(Part::Retention) {
        eprintln!("[{name}] retention run for {:.0} s", plan.retention.as_secs_f64());
        let server = start_server(&fixture, plan, 1, "retention").await?;
        let (retention, measured) =
            long_runs::retention(&fixture, &sql, &server, plan.retention, plan.simulated_retention).await?;
        tally.add(&measured);
        report.push(ScenarioResult::new(RETENTION, RETENTION_CONCURRENCY, &measured, server.take_peak_rss_mib()));
        report.retention = Some(retention);
        report.server_high_water_mib =
            report.server_high_water_mib.into_iter().chain(server.high_water_mib()).reduce(f64::max);
        server.stop().await?;
    }

    // Exactly once: every 201 and every raw transaction made one redemption,
    // and nothing else made any.
    let redemptions = sql.count("redemptions").await? as u64;
    report.exactly_once = Some(ExactlyOnce { successful_writes: tally.written, redemptions, failures: tally.failures });
    sql.close().await;
    fixture.drop_database().await.context("dropping the benchmark's database")?;
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
