//! CI runs the harness, not the benchmark: a very short `--quick` run on
//! SQLite and PostgreSQL must print the table and write JSON holding every
//! scenario, ratio and target — the raw SQL limit (pgbench, the SQLite
//! writer at FULL and NORMAL), the HTTP scenarios, the retention run and the
//! growth benchmark — and every write must have made exactly one redemption.
//! Nothing here is about speed.

use std::process::Command;

use serde_json::Value;

const HTTP_SCENARIOS: [&str; 7] = [
    "first writes",
    "first writes, key (overhead pair)",
    "first writes, no key",
    "replays",
    "contention (one customer)",
    "retention run (sweeper on)",
    "growth, fresh database without ANALYZE",
];
const RAW_PGBENCH: &str = "raw SQL (pgbench -M prepared)";
const RAW_FULL: &str = "raw SQL, synchronous=FULL (1 writer)";
const RAW_NORMAL: &str = "raw SQL, synchronous=NORMAL (1 writer)";

/// Whether pgbench runs here. Under CI it must: the PostgreSQL raw limit is
/// pgbench, and a CI without it would prove nothing about that side.
fn pgbench_available() -> bool {
    let bin = std::env::var_os("TALLY_BENCH_PGBENCH").unwrap_or_else(|| "pgbench".into());
    let ok = Command::new(&bin).arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CI").is_some() {
        panic!("{} does not run, and CI needs it for the raw limit: install PostgreSQL's client tools", bin.display());
    }
    ok
}

#[test]
fn a_quick_run_reports_every_scenario_on_both_backends() {
    if !pgbench_available() {
        eprintln!("skipped: pgbench is not installed (under CI this fails instead)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let json_path = dir.path().join("bench.json");
    let output = Command::new(env!("CARGO_BIN_EXE_tally-bench"))
        .args(["--quick", "--backend", "both", "--duration-secs", "0.3", "--warmup-secs", "0.1"])
        .args(["--retention-secs", "2", "--growth-writes", "300"])
        .arg("--json")
        .arg(&json_path)
        .env("TMPDIR", dir.path())
        .output()
        .expect("run tally-bench");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "tally-bench failed:\n{stderr}");

    let table = String::from_utf8(output.stdout).expect("UTF-8 table");
    for heading in [
        "### sqlite",
        "### postgres",
        "| scenario | conns | req/s |",
        "pgbench's own summary at 8 clients",
        "ratios:",
        "growth (fresh database, no ANALYZE by the harness",
        "| slice | redemptions before |",
        "targets:",
    ] {
        assert!(table.contains(heading), "the table lacks {heading:?}:\n{table}");
    }

    let report: Value = serde_json::from_slice(&std::fs::read(&json_path).expect("JSON written")).expect("valid JSON");
    assert!(report["pgbench"].as_str().is_some_and(|v| v.contains("pgbench")), "{}", report["pgbench"]);
    let backends = report["backends"].as_array().expect("backends");
    let names: Vec<&str> = backends.iter().map(|b| b["backend"].as_str().unwrap()).collect();
    assert_eq!(names, ["sqlite", "postgres"]);
    for backend in backends {
        let which = backend["backend"].as_str().unwrap();
        let raw: &[&str] = if which == "postgres" { &[RAW_PGBENCH] } else { &[RAW_FULL, RAW_NORMAL] };
        let scenarios = backend["scenarios"].as_array().expect("scenarios");
        for name in HTTP_SCENARIOS {
            assert!(scenarios.iter().any(|s| s["name"] == name), "{which} lacks {name:?}");
        }
        for concurrency in [8, 32, 64] {
            assert!(
                scenarios.iter().any(|s| s["name"] == "first writes" && s["concurrency"] == concurrency),
                "{which} lacks first writes at {concurrency}"
            );
            for name in raw {
                let found = scenarios.iter().find(|s| s["name"] == *name && s["paired_with"] == concurrency);
                let found = found.unwrap_or_else(|| panic!("{which} lacks {name:?} paired with {concurrency}"));
                assert!(found["server_rss_mib"].is_null(), "the raw limit runs without a server: {found}");
                if *name == RAW_PGBENCH {
                    assert_eq!(found["concurrency"], concurrency, "pgbench runs as many clients: {found}");
                    assert!(found["pgbench"]["tps"].is_number(), "no pgbench summary in {found}");
                } else {
                    assert_eq!(found["concurrency"], 1, "SQLite's raw limit is one writer: {found}");
                }
            }
        }
        for s in scenarios {
            assert!(s["throughput_rps"].is_number() && s["p99_ms"].is_number(), "{s}");
            if !s["name"].as_str().unwrap().starts_with("raw SQL") {
                assert!(s["server_rss_mib"].as_f64().is_some_and(|mib| mib > 0.0), "no server RSS in {s}");
            }
        }

        let ratios = &backend["ratios"];
        let over_raw = ratios["first_writes_over_raw"].as_array().expect("ratios to the raw limit");
        assert_eq!(over_raw.len(), 3 * raw.len(), "{ratios}");
        for name in raw {
            for concurrency in [8, 32, 64] {
                assert!(
                    over_raw
                        .iter()
                        .any(|r| r["raw"] == *name && r["concurrency"] == concurrency && r["ratio"].is_number()),
                    "{which} lacks first writes ÷ {name:?} at {concurrency}: {ratios}"
                );
            }
        }
        assert!(ratios["replays_over_first_writes"].is_number(), "{ratios}");
        assert!(ratios["idempotency_overhead_pct"].is_number(), "{ratios}");
        assert!(backend["retention"]["samples"].as_array().is_some_and(|s| !s.is_empty()));

        let growth = &backend["growth"];
        assert_eq!(growth["target_writes"], 300, "{growth}");
        let slices = growth["slices"].as_array().expect("growth slices");
        assert_eq!(slices.len(), 10, "{growth}");
        for s in slices {
            assert!(s["throughput_rps"].is_number() && s["p99_ms"].is_number(), "{s}");
        }

        let targets = backend["targets"].as_array().expect("targets");
        let judged = |prefix: String| targets.iter().any(|t| t["name"].as_str().unwrap().starts_with(&prefix));
        for concurrency in [8, 64] {
            assert!(judged(format!("first writes at {concurrency} ÷ {}", raw[0])), "{which}: {targets:?}");
        }
        for prefix in ["first-write p99 at 64", "idempotency overhead at 32", "growth: throughput", "exactly once"] {
            assert!(judged(prefix.into()), "{which} lacks the target {prefix:?}: {targets:?}");
        }

        // Correctness, not speed: every 201 and every raw transaction made
        // exactly one redemption, in the main database and in the growth one.
        for once in [&backend["exactly_once"], &growth["exactly_once"]] {
            if once["failures"] == 0 {
                assert_eq!(once["redemptions"], once["successful_writes"], "{which}: {once}");
            }
        }
    }
}
