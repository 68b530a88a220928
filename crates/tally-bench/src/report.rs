//! What a run found: the table, the ratios, the targets, and the same as JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::results::{
    BackendResults, CONCURRENCY, ExactlyOnce, FIRST, HIGH, JUDGED_CONCURRENCY, KEYED, NO_KEY, OVERHEAD_CONCURRENCY,
    RAW_PGBENCH, RAW_SQLITE_FULL, RAW_SQLITE_NORMAL, REPLAYS,
};
use crate::setup::Backend;

#[derive(Serialize)]
pub struct Report {
    pub date: String,
    pub command: String,
    pub quick: bool,
    pub warmup_secs: f64,
    pub measure_secs: f64,
    pub retention_secs: f64,
    pub growth_writes: u64,
    pub rounds: usize,
    pub pg_max_connections: u32,
    pub server_bin: String,
    /// `pgbench --version`, when PostgreSQL was benchmarked.
    pub pgbench: Option<String>,
    pub machine: Machine,
    pub backends: Vec<BackendReport>,
}

#[derive(Serialize)]
pub struct Machine {
    pub nproc: usize,
    pub cpu_model: String,
    pub memory_mib: u64,
    pub kernel: String,
    pub load_average_before: String,
    pub load_average_after: String,
}

impl Machine {
    pub fn probe() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_mib = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<u64>().ok())
            .map_or(0, |kib| kib / 1024);
        Self {
            nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model,
            memory_mib,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_owned(),
            load_average_before: load_average(),
            load_average_after: String::new(),
        }
    }
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[derive(Serialize)]
pub struct RatioAt {
    /// The HTTP side's connections.
    pub concurrency: usize,
    /// The raw-limit scenario it is divided by.
    pub raw: &'static str,
    pub http_rps: f64,
    pub raw_rps: f64,
    pub ratio: f64,
}

#[derive(Serialize, Default)]
pub struct Ratios {
    /// HTTP first writes ÷ the raw SQL transaction's rate in the rounds they
    /// alternated with: pgbench at the same number of connections on
    /// PostgreSQL; the one-writer loop at `synchronous=FULL` and at `NORMAL`
    /// on SQLite.
    pub first_writes_over_raw: Vec<RatioAt>,
    /// Replays ÷ first writes, both at 64 connections.
    pub replays_over_first_writes: Option<f64>,
    /// Throughput lost to idempotency on a first write: (no key − key) ÷ no key, in %.
    pub idempotency_overhead_pct: Option<f64>,
}

#[derive(Serialize)]
pub struct Target {
    pub name: String,
    pub goal: String,
    pub measured: String,
    pub met: bool,
}

/// One backend's results with their ratios and judged targets. The results
/// are flattened, so the JSON keeps one object per backend.
#[derive(Serialize)]
pub struct BackendReport {
    #[serde(flatten)]
    pub results: BackendResults,
    pub ratios: Ratios,
    pub targets: Vec<Target>,
}

/// The least a first write's rate may be of the raw transaction's.
const RAW_FLOOR: f64 = 0.8;
/// The growth benchmark's last slice may lose at most this share of the first's rate.
const GROWTH_TOLERANCE: f64 = 0.15;

impl BackendReport {
    /// Computes the ratios and judges the targets of what a backend's run measured.
    pub fn judge(results: BackendResults) -> Self {
        let BackendResults { backend, scenarios, retention, growth, server_high_water_mib, exactly_once, .. } =
            &results;
        let (backend, server_high_water_mib) = (*backend, *server_high_water_mib);
        let find = |name: &str, c: usize| scenarios.iter().find(|s| s.name == name && s.concurrency == c);
        let find_raw = |name: &str, c: usize| scenarios.iter().find(|s| s.name == name && s.paired_with == Some(c));
        let mut ratios = Ratios::default();
        let mut targets = Vec::new();
        let (judged_raw, reported_raw): (&'static str, &[&'static str]) = match backend {
            Backend::Postgres => (RAW_PGBENCH, &[]),
            Backend::Sqlite => (RAW_SQLITE_FULL, &[RAW_SQLITE_NORMAL]),
        };
        for c in CONCURRENCY {
            let Some(http) = find(FIRST, c) else { continue };
            for raw_name in std::iter::once(judged_raw).chain(reported_raw.iter().copied()) {
                let Some(raw) = find_raw(raw_name, c) else { continue };
                let ratio = http.throughput_rps / raw.throughput_rps.max(1e-9);
                ratios.first_writes_over_raw.push(RatioAt {
                    concurrency: c,
                    raw: raw_name,
                    http_rps: http.throughput_rps,
                    raw_rps: raw.throughput_rps,
                    ratio,
                });
                if raw_name != judged_raw || !JUDGED_CONCURRENCY.contains(&c) {
                    continue;
                }
                // A raw side that failed, or made nothing, is no limit.
                let raw_broken = raw.failures_all > 0 || raw.ok == 0;
                let mut measured = format!("{ratio:.2} ({:.0} ÷ {:.0}/s)", http.throughput_rps, raw.throughput_rps);
                if raw_broken {
                    measured.push_str(&format!(
                        "; the raw side had {} failures and {} transactions: not judged",
                        raw.failures_all, raw.ok
                    ));
                } else if ratio > 1.0 && backend == Backend::Sqlite {
                    measured.push_str(
                        "; above 1: Tally's group commit shares one fsync among many commits, \
                         the one-writer loop fsyncs each",
                    );
                }
                targets.push(Target {
                    name: format!("first writes at {c} ÷ {raw_name}"),
                    goal: format!("≥ {RAW_FLOOR}"),
                    measured,
                    met: ratio >= RAW_FLOOR && !raw_broken && http.failures == 0,
                });
            }
        }
        if let Some(first) = find(FIRST, HIGH) {
            targets.push(Target {
                name: format!("first-write p99 at {HIGH}"),
                goal: "≤ 20 ms".into(),
                measured: format!("{:.2} ms", first.p99_ms),
                met: first.p99_ms <= 20.0 && first.failures == 0,
            });
        }
        if let Some(replay) = find(REPLAYS, HIGH) {
            if let Some(first) = find(FIRST, HIGH) {
                ratios.replays_over_first_writes = Some(replay.throughput_rps / first.throughput_rps.max(1e-9));
            }
            targets.push(Target {
                name: format!("replays at {HIGH}"),
                goal: "≥ 20000 req/s".into(),
                measured: format!("{:.0} req/s, {} failed", replay.throughput_rps, replay.failures),
                met: replay.throughput_rps >= 20_000.0 && replay.failures == 0,
            });
            targets.push(Target {
                name: format!("replay p99 at {HIGH}"),
                goal: "≤ 5 ms".into(),
                measured: format!("{:.2} ms", replay.p99_ms),
                met: replay.p99_ms <= 5.0 && replay.failures == 0,
            });
        }
        if let (Some(keyed), Some(unkeyed)) = (find(KEYED, OVERHEAD_CONCURRENCY), find(NO_KEY, OVERHEAD_CONCURRENCY)) {
            let pct = (unkeyed.throughput_rps - keyed.throughput_rps) / unkeyed.throughput_rps.max(1e-9) * 100.0;
            ratios.idempotency_overhead_pct = Some(pct);
            targets.push(Target {
                name: format!("idempotency overhead at {OVERHEAD_CONCURRENCY}"),
                goal: "≤ 10 %".into(),
                measured: format!("{pct:.1} %"),
                met: pct <= 10.0,
            });
        }
        let peak_rss = scenarios.iter().filter_map(|s| s.server_rss_mib).reduce(f64::max);
        if let Some(rss) = peak_rss.into_iter().chain(server_high_water_mib).reduce(f64::max) {
            targets.push(Target {
                name: "server RSS under load".into(),
                goal: "≤ 64 MiB".into(),
                measured: format!("{rss:.1} MiB"),
                met: rss <= 64.0,
            });
        }
        if let Some(retention) = &retention {
            targets.push(Target {
                name: "idempotency records bounded (retention run, sweeper on)".into(),
                goal: "levels off".into(),
                measured: format!(
                    "peak {} records for {} writes; {} after drain",
                    retention.peak, retention.writes, retention.records_after_drain
                ),
                met: retention.bounded == Some(true),
            });
        }
        if let Some(once) = &exactly_once {
            targets.push(exactly_once_target("exactly once (redemptions = 201s + raw transactions)", once));
        }
        if let Some(g) = &growth {
            let measured = match (g.slices.first(), g.slices.last(), g.last_over_first) {
                (Some(first), Some(last), Some(ratio)) => format!(
                    "last ÷ first slice {ratio:.2} ({:.0} → {:.0}/s; p99 {:.2} → {:.2} ms) over {} writes",
                    first.throughput_rps, last.throughput_rps, first.p99_ms, last.p99_ms, g.writes
                ),
                _ => format!(
                    "not finished: {} of {} writes in {:.0} s (cap {:.0} s)",
                    g.writes, g.target_writes, g.duration_secs, g.max_secs
                ),
            };
            targets.push(Target {
                name: "growth: throughput of the last 10 % of writes".into(),
                goal: format!("within {:.0} % of the first 10 %", GROWTH_TOLERANCE * 100.0),
                measured,
                met: g.failures == 0 && g.last_over_first.is_some_and(|r| r >= 1.0 - GROWTH_TOLERANCE),
            });
            targets.push(exactly_once_target("exactly once in the growth database", &g.exactly_once));
        }
        Self { results, ratios, targets }
    }
}

fn exactly_once_target(name: &str, once: &ExactlyOnce) -> Target {
    Target {
        name: name.into(),
        goal: "equal, no failures".into(),
        measured: format!(
            "{} redemptions, {} successful writes, {} failures",
            once.redemptions, once.successful_writes, once.failures
        ),
        met: once.holds(),
    }
}

impl Report {
    /// The human-readable table (Markdown, so it pastes into BENCHMARKS.md).
    pub fn table(&self) -> String {
        let mut out = String::new();
        let m = &self.machine;
        let _ = writeln!(out, "Tally benchmark, {}", self.date);
        let _ = writeln!(out, "command: `{}`", self.command);
        let _ = writeln!(
            out,
            "machine: {} × {}, {} MiB, Linux {}; load average before {} / after {}",
            m.nproc, m.cpu_model, m.memory_mib, m.kernel, m.load_average_before, m.load_average_after
        );
        let _ = writeln!(
            out,
            "each scenario: {} round(s) of {:.1} s warm-up + {:.1} s measured, raw and HTTP rounds alternating; \
             PostgreSQL pool {} connections; server: {}; {}",
            self.rounds,
            self.warmup_secs,
            self.measure_secs,
            self.pg_max_connections,
            self.server_bin,
            self.pgbench.as_deref().unwrap_or("pgbench not used")
        );
        for b in &self.backends {
            let _ = writeln!(out, "\n### {} — {}\n", b.results.backend.name(), b.results.engine);
            let _ = writeln!(
                out,
                "| scenario | conns | req/s | p50 ms | p99 ms | p99.9 ms | max ms | failed | server RSS MiB |"
            );
            let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            for s in &b.results.scenarios {
                let rss = s.server_rss_mib.map_or("n/a (no server)".to_owned(), |r| format!("{r:.1}"));
                let failed = if s.errors.is_empty() {
                    "0".to_owned()
                } else {
                    let kinds: Vec<String> = s.errors.iter().map(|(k, n)| format!("{n}× {k}")).collect();
                    format!("{} ({})", s.failures, truncate(&kinds.join("; "), 80))
                };
                let conns = match s.paired_with {
                    Some(c) if c != s.concurrency => format!("{} (with {c})", s.concurrency),
                    _ => s.concurrency.to_string(),
                };
                let _ = writeln!(
                    out,
                    "| {} | {conns} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} |",
                    s.name, s.throughput_rps, s.p50_ms, s.p99_ms, s.p999_ms, s.max_ms, failed, rss
                );
            }
            if let Some(hwm) = b.results.server_high_water_mib {
                let _ = writeln!(out, "\nserver RSS high-water mark (VmHWM): {hwm:.1} MiB");
            }
            for s in b.results.scenarios.iter().filter(|s| s.pgbench.is_some()) {
                let p = s.pgbench.as_ref().expect("filtered");
                let _ = writeln!(
                    out,
                    "\npgbench's own summary at {} clients ({} rounds): tps {:.0}, latency average {:.2} ms, \
                     {} transactions, {} failed",
                    s.concurrency, p.rounds, p.tps, p.latency_average_ms, p.transactions, p.failed
                );
            }
            let r = &b.ratios;
            let _ = writeln!(out, "\nratios:");
            for at in &r.first_writes_over_raw {
                let _ = writeln!(
                    out,
                    "- first writes at {} ÷ {} ({:.0} ÷ {:.0}/s): **{:.2}**",
                    at.concurrency, at.raw, at.http_rps, at.raw_rps, at.ratio
                );
            }
            if let Some(x) = r.replays_over_first_writes {
                let _ = writeln!(out, "- replays ÷ first writes at {HIGH}: **{x:.2}**");
            }
            if let Some(x) = r.idempotency_overhead_pct {
                let _ =
                    writeln!(out, "- idempotency overhead on a first write at {OVERHEAD_CONCURRENCY}: **{x:.1} %**");
            }
            if let Some(g) = &b.results.retention {
                let series: Vec<String> = g.samples.iter().map(|(t, n)| format!("{t:.0}s:{n}")).collect();
                let _ = writeln!(
                    out,
                    "\nretention run: {} writes in {:.0} s, retention simulated as {:.0} s, sweeper every {} s; \
                     records held {}; peak {}, {} after drain; bounded: {}",
                    g.writes,
                    g.duration_secs,
                    g.simulated_retention_secs,
                    g.maintenance_interval_secs,
                    truncate(&series.join(" "), 400),
                    g.peak,
                    g.records_after_drain,
                    g.bounded.map_or("run too short to tell", |b| if b { "yes" } else { "no" })
                );
            }
            if let Some(g) = &b.results.growth {
                let _ = writeln!(
                    out,
                    "\ngrowth (fresh database, no ANALYZE by the harness; {} connections, keyed first writes): \
                     {} of {} writes in {:.1} s{}\n",
                    g.concurrency,
                    g.writes,
                    g.target_writes,
                    g.duration_secs,
                    if g.finished { "" } else { ", stopped at the time cap" }
                );
                let _ = writeln!(out, "| slice | redemptions before | writes | s | req/s | p50 ms | p99 ms |");
                let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|");
                for s in &g.slices {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {:.1} | {:.0} | {:.2} | {:.2} |",
                        s.slice, s.redemptions_before, s.writes, s.secs, s.throughput_rps, s.p50_ms, s.p99_ms
                    );
                }
            }
            let _ = writeln!(out, "\ntargets:");
            for t in &b.targets {
                let mark = if t.met { "met" } else { "NOT met" };
                let _ = writeln!(out, "- [{mark}] {}: {} (goal {})", t.name, t.measured, t.goal);
            }
        }
        out
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_owned() } else { format!("{}…", s.chars().take(max).collect::<String>()) }
}
