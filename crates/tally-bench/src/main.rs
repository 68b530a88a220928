//! `tally-bench`: Tally against the physical limit of the machine it runs on,
//! side by side in one run. See BENCHMARKS.md for what each scenario means.
//!
//! ```sh
//! cargo run -p tally-bench --release -- [--quick] [--json out.json] [--backend sqlite|postgres|both]
//! ```

mod load;
mod long_runs;
mod raw;
mod report;
mod results;
mod scenarios;
mod server;
mod setup;
mod writes;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

use crate::load::Timing;
use crate::report::{BackendReport, Machine, Report};
use crate::scenarios::{Part, Plan};
use crate::setup::Backend;

#[derive(Parser)]
#[command(name = "tally-bench", version, args_conflicts_with_subcommands = true)]
#[command(about = "Benchmark Tally against the raw transaction rate of its own database, in one run")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API exactly as `tally serve` does. The harness runs the
    /// server under test as a child process of this binary this way.
    #[command(hide = true)]
    Serve(ServeArgs),
    /// Run one SQLite raw-limit round: its description as JSON on stdin, the
    /// result as JSON on stdout. The harness runs each round in a process this way.
    #[command(hide = true)]
    RawSqlite,
}

#[derive(Args)]
struct ServeArgs {
    #[arg(long)]
    database_url: String,
    #[arg(long)]
    listen: SocketAddr,
    #[arg(long, default_value_t = 8)]
    pg_max_connections: u32,
    #[arg(long, default_value_t = 60)]
    maintenance_interval_secs: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Backends {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Args)]
struct RunArgs {
    /// A short run (under a minute for both backends): proves the harness, not the numbers.
    #[arg(long)]
    quick: bool,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Backends::Both)]
    backend: Backends,
    /// Rounds per scenario, raw and HTTP alternating (default 3, or 1 with --quick).
    #[arg(long)]
    rounds: Option<usize>,
    /// Measured seconds per scenario and round (default 5, or 1.2 with --quick).
    #[arg(long)]
    duration_secs: Option<f64>,
    /// Warm-up seconds per scenario and round, not counted (default 1, or 0.3 with --quick).
    #[arg(long)]
    warmup_secs: Option<f64>,
    /// Seconds of the retention run (default 60, or 5 with --quick).
    #[arg(long)]
    retention_secs: Option<f64>,
    /// Keyed redemptions the growth benchmark makes on its fresh database
    /// (default 500000, or 2000 with --quick).
    #[arg(long)]
    growth_writes: Option<u64>,
    /// The most seconds the growth benchmark may take; it reports what it
    /// reached by then (default 3600, or 120 with --quick).
    #[arg(long)]
    growth_max_secs: Option<f64>,
    /// PostgreSQL pool size of the server under test.
    #[arg(long, env = "TALLY_PG_MAX_CONNECTIONS", default_value_t = 8)]
    pg_max_connections: u32,
    /// Keep the servers' logs (one line per request) in the temporary directory.
    #[arg(long)]
    keep_logs: bool,
    /// Run only these parts (comma-separated), e.g. to profile one of them.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Part>,
    /// The server binary to benchmark; it must take `serve --database-url …
    /// --listen … --pg-max-connections … --maintenance-interval-secs …`, as
    /// `tally` does. Default: this binary, which serves the same way.
    #[arg(long)]
    server_bin: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Serve(args)) => serve(args),
        Some(Command::RawSqlite) => raw::serve_sqlite_round(),
        None => bench(cli.run),
    }
}

/// What `tally serve` does, minus the demo: same settings, same log filter.
#[tokio::main]
async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let settings = tally_server::Settings {
        listen: args.listen,
        database: tally_server::Database::from_url(&args.database_url, args.pg_max_connections),
        maintenance_interval: Duration::from_secs(args.maintenance_interval_secs.max(1)),
        node: tally_server::NodeSettings::default(),
    };
    let app = tally_server::Application::build(settings).await.context("starting the server")?;
    tracing::info!(listen = %args.listen, storage = app.store().backend(), "tally is serving");
    app.run_until_stopped().await?;
    Ok(())
}

#[tokio::main]
async fn bench(args: RunArgs) -> anyhow::Result<()> {
    let (measure, warmup, retention, rounds) = if args.quick { (1.2, 0.3, 5.0, 1) } else { (5.0, 1.0, 60.0, 3) };
    let (growth_writes, growth_max) = if args.quick { (2_000, 120.0) } else { (500_000, 3_600.0) };
    let timing = Timing {
        warmup: Duration::from_secs_f64(args.warmup_secs.unwrap_or(warmup)),
        measure: Duration::from_secs_f64(args.duration_secs.unwrap_or(measure)),
    };
    let bench_bin = std::env::current_exe().context("finding this binary to run it as the server")?;
    let server_bin = args.server_bin.unwrap_or_else(|| bench_bin.clone());
    let plan = Plan {
        timing,
        retention: Duration::from_secs_f64(args.retention_secs.unwrap_or(retention)),
        simulated_retention: Duration::from_secs(2),
        growth_writes: args.growth_writes.unwrap_or(growth_writes),
        growth_max: Duration::from_secs_f64(args.growth_max_secs.unwrap_or(growth_max)),
        server_bin: server_bin.clone(),
        bench_bin,
        pg_max_connections: args.pg_max_connections,
        log_dir: std::env::temp_dir(),
        keep_logs: args.keep_logs,
        rounds: args.rounds.unwrap_or(rounds).max(1),
        only: args.only,
    };
    let backends = match args.backend {
        Backends::Sqlite => vec![Backend::Sqlite],
        Backends::Postgres => vec![Backend::Postgres],
        Backends::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    // The raw limit on PostgreSQL is pgbench: without it there is nothing to
    // judge the ratios against, so a run that needs it fails at once.
    let needs_pgbench =
        backends.contains(&Backend::Postgres) && (plan.only.is_empty() || plan.only.contains(&Part::Raw));
    let pgbench = if needs_pgbench {
        Some(raw::pgbench_version().with_context(|| {
            format!(
                "{} does not run: install PostgreSQL's client tools (pgbench), set TALLY_BENCH_PGBENCH, \
                 or leave the raw limit out with --only",
                raw::pgbench_bin().display()
            )
        })?)
    } else {
        None
    };
    let mut report = Report {
        date: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        quick: args.quick,
        warmup_secs: timing.warmup.as_secs_f64(),
        measure_secs: timing.measure.as_secs_f64(),
        retention_secs: plan.retention.as_secs_f64(),
        growth_writes: plan.growth_writes,
        rounds: plan.rounds,
        pg_max_connections: args.pg_max_connections,
        server_bin: server_bin.display().to_string(),
        pgbench,
        machine: Machine::probe(),
        backends: Vec::new(),
    };
    for backend in backends {
        let result =
            scenarios::run_backend(backend, &plan).await.with_context(|| format!("benchmarking {}", backend.name()))?;
        report.backends.push(BackendReport::judge(result));
    }
    report.machine.load_average_after = report::load_average();
    println!("{}", report.table());
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("results written to {}", path.display());
    }
    Ok(())
}
