//! What the scenarios measured, as plain data: the runners (`raw`,
//! `long_runs`, `scenarios`) write it, `report` reads it and judges it. It
//! uses nothing of the harness but the load generator's measurements and the
//! backend's name, and nothing that runs uses `report`, so data flows one way:
//! `load`/`setup` → `raw`/`writes` → `long_runs` → `scenarios` → `results` → `report`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::load::{Measured, SliceMeasured};
use crate::setup::Backend;

/// Connection counts of the first-write and raw-limit scenarios.
pub const CONCURRENCY: [usize; 3] = [8, 32, 64];
/// Concurrencies the raw-limit ratio targets are judged at.
pub const JUDGED_CONCURRENCY: [usize; 2] = [8, 64];
/// Connections of the replay and contention scenarios (and the targets' "at 64").
pub const HIGH: usize = 64;
/// Connections of the idempotency-overhead pair.
pub const OVERHEAD_CONCURRENCY: usize = 32;
/// Connections of the retention run.
pub const RETENTION_CONCURRENCY: usize = 8;
/// Connections of the growth benchmark (as in the issue that asked for it).
pub const GROWTH_CONCURRENCY: usize = 8;
/// The growth benchmark's slices.
pub const GROWTH_SLICES: usize = 10;

/// PostgreSQL's raw limit: `sql/redeem.pgbench` run by `pgbench -M prepared`.
pub const RAW_PGBENCH: &str = "raw SQL (pgbench -M prepared)";
/// SQLite's raw limit: `sql/redeem.sqlite.sql` on one writer, fsync per commit.
pub const RAW_SQLITE_FULL: &str = "raw SQL, synchronous=FULL (1 writer)";
/// The same without an fsync per commit: the ceiling, reported, not a target.
pub const RAW_SQLITE_NORMAL: &str = "raw SQL, synchronous=NORMAL (1 writer)";
pub const FIRST: &str = "first writes";
pub const NO_KEY: &str = "first writes, no key";
pub const KEYED: &str = "first writes, key (overhead pair)";
pub const REPLAYS: &str = "replays";
pub const CONTENTION: &str = "contention (one customer)";
pub const RETENTION: &str = "retention run (sweeper on)";
pub const GROWTH: &str = "growth, fresh database without ANALYZE";

#[derive(Serialize)]
pub struct ScenarioResult {
    pub name: &'static str,
    /// Connections (pgbench clients, HTTP connections); 1 for SQLite's raw writer.
    pub concurrency: usize,
    /// For a raw-limit round: the HTTP concurrency it alternated with, which
    /// is the ratio it is the denominator of.
    pub paired_with: Option<usize>,
    pub throughput_rps: f64,
    pub ok: u64,
    /// Unexpected answers in the measured window.
    pub failures: u64,
    /// Unexpected answers including warm-up.
    pub failures_all: u64,
    pub errors: BTreeMap<String, u64>,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// Peak resident set of the server process during the scenario; `None`
    /// for the raw limit, which runs without a server.
    pub server_rss_mib: Option<f64>,
    /// What pgbench itself printed (tps, average latency), as a cross-check
    /// of the rate computed from its per-transaction log.
    pub pgbench: Option<PgbenchSummary>,
}

impl ScenarioResult {
    pub fn new(name: &'static str, concurrency: usize, m: &Measured, server_rss_mib: Option<f64>) -> Self {
        Self {
            name,
            concurrency,
            paired_with: None,
            throughput_rps: m.throughput(),
            ok: m.ok,
            failures: m.error_count(),
            failures_all: m.all_errors,
            errors: m.errors.iter().cloned().collect(),
            p50_ms: m.quantile_ms(0.5),
            p99_ms: m.quantile_ms(0.99),
            p999_ms: m.quantile_ms(0.999),
            max_ms: if m.histogram.is_empty() { 0.0 } else { m.histogram.max() as f64 / 1000.0 },
            server_rss_mib,
            pgbench: None,
        }
    }

    pub fn paired_with(mut self, concurrency: usize) -> Self {
        self.paired_with = Some(concurrency);
        self
    }
}

/// pgbench's own summary lines, merged over the rounds.
#[derive(Serialize, Clone, Debug, Default)]
pub struct PgbenchSummary {
    /// `number of transactions actually processed`, all rounds.
    pub transactions: u64,
    /// `number of failed transactions`, all rounds.
    pub failed: u64,
    /// `tps = … (without initial connection time)`, averaged over the rounds.
    pub tps: f64,
    /// `latency average = … ms`, averaged over the rounds.
    pub latency_average_ms: f64,
    pub rounds: usize,
}

impl PgbenchSummary {
    pub fn merge(&mut self, other: &PgbenchSummary) {
        let n = self.rounds as f64;
        let m = other.rounds as f64;
        self.transactions += other.transactions;
        self.failed += other.failed;
        self.tps = (self.tps * n + other.tps * m) / (n + m).max(1.0);
        self.latency_average_ms = (self.latency_average_ms * n + other.latency_average_ms * m) / (n + m).max(1.0);
        self.rounds += other.rounds;
    }
}

/// The retention run: constant first writes on a server sweeping every
/// second, while records are made to expire after a simulated retention.
#[derive(Serialize)]
pub struct Retention {
    pub simulated_retention_secs: f64,
    pub maintenance_interval_secs: u64,
    pub duration_secs: f64,
    pub writes: u64,
    pub records_before: i64,
    /// `[seconds since start, idempotency records held]`, once a second.
    pub samples: Vec<(f64, i64)>,
    pub peak: i64,
    /// After the load stopped and every remaining record was expired and swept.
    pub records_after_drain: i64,
    /// Whether the count levelled off: the second half of the run (after the
    /// first retention window) never held more than 25 % above the first
    /// half's peak. `None` when the run was too short to tell.
    pub bounded: Option<bool>,
}

impl Retention {
    pub fn new(
        simulated_retention_secs: f64,
        duration_secs: f64,
        before: i64,
        samples: Vec<(f64, i64)>,
        after: i64,
        writes: u64,
    ) -> Self {
        let ramp = simulated_retention_secs + 2.0;
        let steady: Vec<i64> = samples.iter().filter(|(t, _)| *t >= ramp).map(|(_, n)| *n).collect();
        let bounded = (steady.len() >= 4).then(|| {
            let (first, second) = steady.split_at(steady.len() / 2);
            let first_peak = first.iter().copied().max().unwrap_or(0);
            let second_peak = second.iter().copied().max().unwrap_or(0);
            second_peak as f64 <= first_peak as f64 * 1.25 + 10.0
        });
        Self {
            simulated_retention_secs,
            maintenance_interval_secs: 1,
            duration_secs,
            writes,
            records_before: before,
            peak: samples.iter().map(|(_, n)| *n).max().unwrap_or(0),
            samples,
            records_after_drain: after,
            bounded,
        }
    }
}

/// One tenth of the growth benchmark's writes.
#[derive(Serialize)]
pub struct GrowthSlice {
    /// 1-based.
    pub slice: usize,
    /// Successful writes in this slice.
    pub writes: u64,
    /// Redemptions in the database when the slice began (this run's writes
    /// before it, on a database that started empty).
    pub redemptions_before: u64,
    pub secs: f64,
    pub throughput_rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// The growth benchmark: keyed first writes on a fresh database whose
/// statistics were never gathered by the harness, until `target_writes`.
#[derive(Serialize)]
pub struct Growth {
    pub concurrency: usize,
    pub target_writes: u64,
    pub writes: u64,
    pub failures: u64,
    pub errors: BTreeMap<String, u64>,
    pub duration_secs: f64,
    /// Whether every write was made before the time cap.
    pub finished: bool,
    pub max_secs: f64,
    pub slices: Vec<GrowthSlice>,
    /// Last slice's throughput ÷ first slice's.
    pub last_over_first: Option<f64>,
    /// Last slice's p99 ÷ first slice's.
    pub p99_last_over_first: Option<f64>,
    /// Every 201 made one redemption in the growth database.
    pub exactly_once: ExactlyOnce,
}

impl Growth {
    pub fn new(
        target_writes: u64,
        max_secs: f64,
        measured: &SliceMeasured,
        redemptions: u64,
        redemptions_before: u64,
    ) -> Self {
        let mut before = redemptions_before;
        let slices: Vec<GrowthSlice> = measured
            .slices
            .iter()
            .enumerate()
            .filter(|(_, s)| s.ok > 0)
            .map(|(i, s)| {
                let q = |q: f64| {
                    if s.histogram.is_empty() { 0.0 } else { s.histogram.value_at_quantile(q) as f64 / 1000.0 }
                };
                let slice = GrowthSlice {
                    slice: i + 1,
                    writes: s.ok,
                    redemptions_before: before,
                    secs: s.elapsed.as_secs_f64(),
                    throughput_rps: s.ok as f64 / s.elapsed.as_secs_f64().max(1e-9),
                    p50_ms: q(0.5),
                    p99_ms: q(0.99),
                };
                before += s.ok;
                slice
            })
            .collect();
        let finished = measured.all_ok >= target_writes;
        let (first, last) = (slices.first(), slices.last());
        let complete = finished && slices.len() == GROWTH_SLICES;
        let last_over_first = match (first, last) {
            (Some(f), Some(l)) if complete => Some(l.throughput_rps / f.throughput_rps.max(1e-9)),
            _ => None,
        };
        let p99_last_over_first = match (first, last) {
            (Some(f), Some(l)) if complete => Some(l.p99_ms / f.p99_ms.max(1e-9)),
            _ => None,
        };
        Self {
            concurrency: GROWTH_CONCURRENCY,
            target_writes,
            writes: measured.all_ok,
            failures: measured.all_errors,
            errors: measured.errors.iter().cloned().collect(),
            duration_secs: measured.elapsed.as_secs_f64(),
            finished,
            max_secs,
            slices,
            last_over_first,
            p99_last_over_first,
            exactly_once: ExactlyOnce {
                successful_writes: measured.all_ok,
                redemptions: redemptions - redemptions_before,
                failures: measured.all_errors,
            },
        }
    }
}

/// Every 201 of a first write (and every raw transaction) made exactly one
/// redemption, and nothing else made any.
#[derive(Serialize)]
pub struct ExactlyOnce {
    pub successful_writes: u64,
    pub redemptions: u64,
    /// Failed requests (any of which may or may not have committed).
    pub failures: u64,
}

impl ExactlyOnce {
    pub fn holds(&self) -> bool {
        self.failures == 0 && self.successful_writes == self.redemptions
    }
}

/// Everything one backend's run measured.
#[derive(Serialize)]
pub struct BackendResults {
    pub backend: Backend,
    pub engine: String,
    pub scenarios: Vec<ScenarioResult>,
    pub retention: Option<Retention>,
    pub growth: Option<Growth>,
    /// The server's resident-set high-water mark (VmHWM) over its whole life.
    pub server_high_water_mib: Option<f64>,
    pub exactly_once: Option<ExactlyOnce>,
}

impl BackendResults {
    pub fn new(backend: Backend, engine: String) -> Self {
        Self {
            backend,
            engine,
            scenarios: Vec::new(),
            retention: None,
            growth: None,
            server_high_water_mib: None,
            exactly_once: None,
        }
    }

    pub fn push(&mut self, result: ScenarioResult) {
        self.scenarios.push(result);
    }
}
