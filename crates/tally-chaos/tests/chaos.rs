//! The short chaos run: `tally-chaos run` with a few kills and one PostgreSQL
//! restart, on its own PostgreSQL cluster and Redis (never the shared ones).
//! The full run (`--kills 20 --duration-secs 90`) is on demand; see the
//! README, "Chaos run".
//!
//! The nodes are the `tally` binary. It belongs to another package, so cargo
//! gives this crate no `CARGO_BIN_EXE_tally` (and a binary-only package cannot
//! be a dependency); it is found where cargo builds it, next to
//! `tally-chaos` in `target/<profile>/`. `cargo nextest run --workspace` (what
//! CI runs) builds every binary of the workspace before any test; a run of
//! `-p tally-chaos` alone needs `cargo build -p tally` first. Building it from
//! here would take the build lock in the middle of a test run, and a build with
//! this package's feature set would rebuild `tally` for every other run.

use std::path::{Path, PathBuf};
use std::process::Command;

const TALLY_CHAOS: &str = env!("CARGO_BIN_EXE_tally-chaos");

fn tally() -> PathBuf {
    tally_chaos::cluster::tally_beside(Path::new(TALLY_CHAOS)).unwrap()
}

fn field(summary: &str, name: &str) -> u64 {
    let line = summary
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name:?} in the summary:\n{summary}"));
    let value = line.split_once(':').unwrap().1.split_whitespace().next().unwrap();
    value.parse().unwrap_or_else(|_| panic!("{name}: {value:?} is not a number"))
}

#[test]
fn a_short_chaos_run_has_no_violations() {
    let output = Command::new(TALLY_CHAOS)
        .args(["run", "--kills", "3", "--duration-secs", "15", "--clients", "4"])
        .arg("--tally")
        .arg(tally())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&output.stdout);
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "tally-chaos run failed:\n{summary}\n{logs}");
    assert_eq!(field(&summary, "violations"), 0, "{summary}");
    assert!(field(&summary, "kills") >= 3, "{summary}");
    assert_eq!(field(&summary, "postgres restarts"), 1, "{summary}");
    assert!(field(&summary, "intents") > 0, "{summary}");
    assert!(summary.contains("0 pending"), "{summary}");
    assert!(summary.contains("verified 1 program(s): 0 violation(s)"), "{summary}");
}
