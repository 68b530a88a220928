//! The short chaos run: `tally chaos` with a few kills and one PostgreSQL
//! restart, on its own PostgreSQL cluster and Redis (never the shared ones).
//! The full run (`--kills 20 --duration-secs 90`) is on demand; see the
//! README, "Chaos run".

use std::process::Command;

const TALLY: &str = env!("CARGO_BIN_EXE_tally");

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
    let output = Command::new(TALLY)
        .args(["chaos", "--kills", "3", "--duration-secs", "15", "--clients", "4"])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&output.stdout);
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "tally chaos failed:\n{summary}\n{logs}");
    assert_eq!(field(&summary, "violations"), 0, "{summary}");
    assert!(field(&summary, "kills") >= 3, "{summary}");
    assert_eq!(field(&summary, "postgres restarts"), 1, "{summary}");
    assert!(field(&summary, "intents") > 0, "{summary}");
    assert!(summary.contains("0 pending"), "{summary}");
    assert!(summary.contains("verified 1 program(s): 0 violation(s)"), "{summary}");
}
