//! The raw limit: the minimal SQL transaction a redemption with a fresh
//! idempotency key needs, run on the benchmark's own database without any of
//! Tally's code — no HTTP, no executor, no store.
//!
//! - **PostgreSQL**: `sql/redeem.pgbench`, run by `pgbench -M prepared` with
//!   as many clients as the HTTP round it alternates with. Its per-transaction
//!   log (`-l`) is read back into the same kind of histogram and measured
//!   window as the HTTP rounds; its own summary (tps, average latency,
//!   failures) is kept beside it as a cross-check.
//! - **SQLite**: `sql/redeem.sqlite.sql`, run with rusqlite on one connection
//!   (SQLite has one writer), in a process of its own (`tally-bench
//!   raw-sqlite`), once with `synchronous=FULL` (an fsync per commit: the
//!   durability a client gets from Tally) and once with `NORMAL` (no fsync:
//!   the ceiling).
//!
//! So "first writes ÷ raw limit" is the share of the database's capacity for
//! this transaction that survives Tally — its HTTP layer, its protocol and its
//! store — measured against the database, not against a copy of Tally.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use rusqlite::types::Value;
use tally_core::ids::IdKind;
use tokio::io::AsyncWriteExt;

use crate::load::{Measured, MeasuredWire, Timing, new_histogram};
use crate::results::PgbenchSummary;
use crate::setup::{CUSTOMERS, Fixture, customer_email};

/// The PostgreSQL transaction, as a pgbench script.
pub const PGBENCH_SCRIPT: &str = include_str!("../sql/redeem.pgbench");
/// The SQLite transaction, statement by statement.
pub const SQLITE_SCRIPT: &str = include_str!("../sql/redeem.sqlite.sql");
/// A fingerprint's shape (hex SHA-256); its value does not matter here.
const FINGERPRINT: &str = "6a1c0c5d5b0f4b7f9a3e2d1c0b9a8f7e6d5c4b3a29181706f5e4d3c2b1a09f8e";

/// The pgbench binary: `TALLY_BENCH_PGBENCH`, else `pgbench` on the `PATH`.
pub fn pgbench_bin() -> PathBuf {
    std::env::var_os("TALLY_BENCH_PGBENCH").map_or_else(|| PathBuf::from("pgbench"), PathBuf::from)
}

/// Whether pgbench runs here, and its version line.
pub fn pgbench_version() -> Option<String> {
    let out = std::process::Command::new(pgbench_bin()).arg("--version").output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// One pgbench round at `clients` connections: the measured window of its
/// per-transaction log, and its own summary.
pub async fn pgbench_round(
    fixture: &Fixture,
    clients: usize,
    timing: Timing,
    round: usize,
) -> anyhow::Result<(Measured, PgbenchSummary)> {
    let dir = tempfile::Builder::new().prefix("tally-bench-pgbench-").tempdir()?;
    let script = dir.path().join("redeem.pgbench");
    std::fs::write(&script, PGBENCH_SCRIPT)?;
    let prefix = dir.path().join(format!("log-c{clients}-r{round}"));
    // pgbench takes whole seconds; the window is cut out of its log.
    let secs = (timing.warmup + timing.measure).as_secs_f64().ceil().max(1.0) as u64;
    let threads = clients.min(std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let output = tokio::process::Command::new(pgbench_bin())
        .args(["-n", "-M", "prepared", "-l"])
        .arg(format!("--log-prefix={}", prefix.display()))
        .args(["-c", &clients.to_string(), "-j", &threads.to_string(), "-T", &secs.to_string()])
        .arg("-f")
        .arg(&script)
        .args(["-D", &format!("program={}", fixture.program.id)])
        .args(["-D", &format!("reward={}", fixture.reward_id)])
        .args(["-D", "cost=1"])
        .args(["-D", &format!("customers={CUSTOMERS}")])
        .args(["-D", &format!("clients={clients}")])
        .args(["-D", &format!("fingerprint={FINGERPRINT}")])
        .arg(&fixture.database_url)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .with_context(|| format!("running {} (install PostgreSQL's client tools)", pgbench_bin().display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("pgbench failed ({}):\n{stdout}\n{}", output.status, tail(&stderr, 40));
    }
    let summary = parse_pgbench_summary(&stdout).with_context(|| format!("reading pgbench's output:\n{stdout}"))?;
    let mut log = String::new();
    let name = prefix.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
    for entry in std::fs::read_dir(dir.path())? {
        let entry = entry?;
        if entry.file_name().to_str().is_some_and(|n| n.starts_with(&name)) {
            log.push_str(&std::fs::read_to_string(entry.path())?);
        }
    }
    let measured = measure_pgbench_log(&log, timing, &summary)?;
    Ok((measured, summary))
}

fn tail(s: &str, lines: usize) -> String {
    let all: Vec<&str> = s.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The lines of pgbench's summary that the report keeps.
pub fn parse_pgbench_summary(stdout: &str) -> anyhow::Result<PgbenchSummary> {
    let after =
        |prefix: &str| stdout.lines().find_map(|l| l.trim().strip_prefix(prefix)).map(|rest| rest.trim().to_owned());
    let first_number = |s: String| -> anyhow::Result<f64> {
        let n = s.split_whitespace().next().unwrap_or_default();
        n.parse::<f64>().with_context(|| format!("not a number: {n:?}"))
    };
    let transactions =
        first_number(after("number of transactions actually processed:").context("no transaction count")?)? as u64;
    let failed = match after("number of failed transactions:") {
        Some(s) => first_number(s)? as u64,
        None => 0,
    };
    let latency_average_ms = first_number(after("latency average =").context("no average latency")?)?;
    let tps = first_number(after("tps =").context("no tps")?)?;
    Ok(PgbenchSummary { transactions, failed, tps, latency_average_ms, rounds: 1 })
}

/// The measured window of a pgbench per-transaction log (`client_id
/// transaction_no latency_us script_no epoch_s epoch_us`, one line per
/// transaction, stamped at its completion): it opens `warmup` after the first
/// transaction began and lasts `measure`, as an HTTP round's does.
pub fn measure_pgbench_log(log: &str, timing: Timing, summary: &PgbenchSummary) -> anyhow::Result<Measured> {
    let mut done: Vec<(u64, u64)> = Vec::new(); // (completed at µs since the epoch, latency µs)
    let mut failed_lines = 0u64;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let parsed = (f.len() >= 6)
            .then(|| Some((f[2].parse::<u64>().ok()?, f[4].parse::<u64>().ok()?, f[5].parse::<u64>().ok()?)))
            .flatten();
        match parsed {
            Some((latency, s, us)) => done.push((s * 1_000_000 + us, latency)),
            // "failed" or "skipped" in the latency column.
            None => failed_lines += 1,
        }
    }
    let Some(start) = done.iter().map(|(at, latency)| at.saturating_sub(*latency)).min() else {
        bail!("pgbench logged no transaction");
    };
    let last = done.iter().map(|(at, _)| *at).max().unwrap_or(start);
    let from = start + timing.warmup.as_micros() as u64;
    let until = (from + timing.measure.as_micros() as u64).min(last);
    let mut histogram = new_histogram();
    let mut ok = 0;
    for (at, latency) in &done {
        if (from..=until).contains(at) {
            ok += 1;
            histogram.saturating_record((*latency).max(1));
        }
    }
    let failures = summary.failed.max(failed_lines);
    Ok(Measured {
        ok,
        all_ok: summary.transactions,
        all_errors: failures,
        errors: if failures > 0 { vec![("pgbench: failed transactions".into(), failures)] } else { Vec::new() },
        elapsed: Duration::from_micros(until.saturating_sub(from).max(1)),
        histogram,
    })
}

/// SQLite's durability setting for a raw round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Synchronous {
    Full,
    Normal,
}

impl Synchronous {
    pub fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// One SQLite raw round, as handed to its process.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct SqliteRound {
    path: String,
    program_id: String,
    reward_id: String,
    synchronous: Synchronous,
    warmup_secs: f64,
    measure_secs: f64,
    round: usize,
}

/// Runs one SQLite raw round in a child process (`bin raw-sqlite`).
pub async fn sqlite_round(
    bin: &Path,
    fixture: &Fixture,
    synchronous: Synchronous,
    timing: Timing,
    round: usize,
) -> anyhow::Result<Measured> {
    let spec = SqliteRound {
        path: fixture.database_url.clone(),
        program_id: fixture.program.id.clone(),
        reward_id: fixture.reward_id.clone(),
        synchronous,
        warmup_secs: timing.warmup.as_secs_f64(),
        measure_secs: timing.measure.as_secs_f64(),
        round,
    };
    let mut child = tokio::process::Command::new(bin)
        .arg("raw-sqlite")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {} raw-sqlite", bin.display()))?;
    let mut stdin = child.stdin.take().context("the raw round's stdin")?;
    stdin.write_all(&serde_json::to_vec(&spec)?).await?;
    drop(stdin);
    let output = child.wait_with_output().await?;
    if !output.status.success() {
        bail!("the SQLite raw round's process failed ({})", output.status);
    }
    let wire: MeasuredWire = serde_json::from_slice(&output.stdout).context("reading the raw round's result")?;
    wire.try_into()
}

/// The statements of `sql/redeem.sqlite.sql`, comments dropped.
fn sqlite_statements() -> Vec<String> {
    let text: String =
        SQLITE_SCRIPT.lines().filter(|l| !l.trim_start().starts_with("--")).map(|l| format!("{l}\n")).collect();
    text.split(";\n").map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The child's side: reads a [`SqliteRound`] from stdin, runs the transaction
/// back to back on one connection for warm-up plus measurement, prints the
/// result. Synchronous: one writer, nothing to wait for but the disk.
pub fn serve_sqlite_round() -> anyhow::Result<()> {
    let spec: SqliteRound = serde_json::from_reader(std::io::stdin().lock()).context("reading the round from stdin")?;
    let conn = rusqlite::Connection::open(&spec.path).with_context(|| format!("opening {}", spec.path))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        bail!("the database is not in WAL mode ({mode})");
    }
    conn.pragma_update(None, "synchronous", spec.synchronous.pragma())?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let statements = sqlite_statements();
    let tag = match spec.synchronous {
        Synchronous::Full => "full",
        Synchronous::Normal => "normal",
    };
    let nonce = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
    let mut measured = Measured {
        ok: 0,
        all_ok: 0,
        all_errors: 0,
        errors: Vec::new(),
        elapsed: Duration::from_secs_f64(spec.measure_secs),
        histogram: new_histogram(),
    };
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(spec.warmup_secs);
    let end = measure_from + Duration::from_secs_f64(spec.measure_secs);
    let mut n: u64 = 0;
    loop {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        let key = format!("raw-sqlite-{tag}-r{}-{nonce}-{n}", spec.round);
        let email = customer_email(n as usize % CUSTOMERS);
        n += 1;
        let result = sqlite_redeem(&conn, &statements, &spec, key, email);
        let done = Instant::now();
        match result {
            Ok(()) => {
                measured.all_ok += 1;
                if done >= measure_from && done <= end {
                    measured.ok += 1;
                    measured.histogram.saturating_record(done.duration_since(sent).as_micros().max(1) as u64);
                }
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                measured.all_errors += 1;
                if done >= measure_from && done <= end {
                    let what = format!("{e:#}");
                    match measured.errors.iter_mut().find(|(w, _)| *w == what) {
                        Some((_, count)) => *count += 1,
                        None => measured.errors.push((what, 1)),
                    }
                }
            }
        }
    }
    println!("{}", serde_json::to_string(&MeasuredWire::from(&measured))?);
    Ok(())
}

/// One transaction: every statement of the script, its named parameters
/// bound from this transaction's values; the debit's `RETURNING` supplies
/// the customer's id and new balance to the statements after it.
fn sqlite_redeem(
    conn: &rusqlite::Connection,
    statements: &[String],
    spec: &SqliteRound,
    key: String,
    email: String,
) -> anyhow::Result<()> {
    let mut values: Vec<(&str, Value)> = vec![
        (":program", Value::Text(spec.program_id.clone())),
        (":reward", Value::Text(spec.reward_id.clone())),
        (":cost", Value::Integer(1)),
        (":key", Value::Text(key)),
        (":email", Value::Text(email)),
        (":fingerprint", Value::Text(FINGERPRINT.into())),
        (":redemption", Value::Text(IdKind::Redemption.generate())),
        (":entry", Value::Text(IdKind::LedgerEntry.generate())),
    ];
    for sql in statements {
        let mut stmt = conn.prepare_cached(sql)?;
        let names: Vec<(usize, String)> =
            (1..=stmt.parameter_count()).filter_map(|i| Some((i, stmt.parameter_name(i)?.to_owned()))).collect();
        for (i, name) in names {
            let value = values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
            let value = value.with_context(|| format!("no value for {name}"))?;
            stmt.raw_bind_parameter(i, value)?;
        }
        let returns_debit = stmt.column_names().contains(&"balance");
        let mut rows = stmt.raw_query();
        let mut any = false;
        while let Some(row) = rows.next()? {
            any = true;
            if returns_debit {
                values.push((":customer", Value::Text(row.get(0)?)));
                values.push((":balance", Value::Integer(row.get(1)?)));
                values.push((":sequence", Value::Integer(row.get(2)?)));
            }
        }
        if returns_debit && !any {
            bail!("the debit found no customer with enough points");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUMMARY: &str = "pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: redeem.pgbench
scaling factor: 1
query mode: prepared
number of clients: 8
number of threads: 2
maximum number of tries: 1
duration: 3 s
number of transactions actually processed: 3961
number of failed transactions: 0 (0.000%)
latency average = 6.018 ms
initial connection time = 38.380 ms
tps = 1329.355670 (without initial connection time)
";

    #[test]
    fn pgbench_summary_is_read() {
        let s = parse_pgbench_summary(SUMMARY).unwrap();
        assert_eq!((s.transactions, s.failed), (3961, 0));
        assert!((s.tps - 1329.355670).abs() < 1e-6);
        assert!((s.latency_average_ms - 6.018).abs() < 1e-9);
    }

    #[test]
    fn the_pgbench_log_window_opens_after_the_warmup() {
        // Three transactions: one in the warm-up, two in the window.
        let log = "0 1 1000 0 100 1000\n0 2 1000 0 100 600000\n1 1 2000 0 101 0\n";
        let timing = Timing { warmup: Duration::from_millis(500), measure: Duration::from_secs(2) };
        let summary = PgbenchSummary { transactions: 3, ..PgbenchSummary::default() };
        let m = measure_pgbench_log(log, timing, &summary).unwrap();
        assert_eq!((m.ok, m.all_ok, m.all_errors), (2, 3, 0));
        // The window ends at the last completion, not after pgbench stopped.
        assert_eq!(m.elapsed, Duration::from_micros(1_000_000 - 500_000));
    }

    #[test]
    fn the_sqlite_script_has_the_six_statements_and_its_transaction() {
        let statements = sqlite_statements();
        assert_eq!(statements.len(), 8, "{statements:#?}");
        assert_eq!(statements[0], "BEGIN IMMEDIATE");
        assert!(statements[6].starts_with("INSERT INTO events"), "{}", statements[6]);
        assert_eq!(statements[7], "COMMIT");
    }
}
