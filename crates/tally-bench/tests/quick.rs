//! CI runs the harness, not the benchmark: a very short `--quick` run on
//! SQLite and PostgreSQL must print the table and write JSON holding every
//! scenario, ratio and target. Nothing here is about speed.

use std::process::Command;

use serde_json::Value;

const SCENARIOS: [&str; 7] = [
    "raw limit (no HTTP)",
    "first writes",
    "first writes, key (overhead pair)",
    "first writes, no key",
    "replays",
    "contention (one customer)",
    "growth run (sweeper on)",
];

#[test]
fn a_quick_run_reports_every_scenario_on_both_backends() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json_path = dir.path().join("bench.json");
    let output = Command::new(env!("CARGO_BIN_EXE_tally-bench"))
        .args(["--quick", "--backend", "both", "--duration-secs", "0.3", "--warmup-secs", "0.1", "--growth-secs", "2"])
        .arg("--json")
        .arg(&json_path)
        .env("TMPDIR", dir.path())
        .output()
        .expect("run tally-bench");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "tally-bench failed:\n{stderr}");

    let table = String::from_utf8(output.stdout).expect("UTF-8 table");
    for heading in ["### sqlite", "### postgres", "| scenario | conns | req/s |", "ratios:", "targets:"] {
        assert!(table.contains(heading), "the table lacks {heading:?}:\n{table}");
    }

    let report: Value = serde_json::from_slice(&std::fs::read(&json_path).expect("JSON written")).expect("valid JSON");
    let backends = report["backends"].as_array().expect("backends");
    let names: Vec<&str> = backends.iter().map(|b| b["backend"].as_str().unwrap()).collect();
    assert_eq!(names, ["sqlite", "postgres"]);
    for backend in backends {
        let scenarios = backend["scenarios"].as_array().expect("scenarios");
        for name in SCENARIOS {
            assert!(scenarios.iter().any(|s| s["name"] == name), "{} lacks {name:?}", backend["backend"]);
        }
        for concurrency in [8, 32, 64] {
            for name in ["raw limit (no HTTP)", "first writes"] {
                assert!(
                    scenarios.iter().any(|s| s["name"] == name && s["concurrency"] == concurrency),
                    "{} lacks {name:?} at {concurrency}",
                    backend["backend"]
                );
            }
        }
        for s in scenarios {
            assert!(s["throughput_rps"].is_number() && s["p99_ms"].is_number(), "{s}");
            if s["name"] != "raw limit (no HTTP)" {
                assert!(s["server_rss_mib"].as_f64().is_some_and(|mib| mib > 0.0), "no server RSS in {s}");
            }
        }
        let ratios = &backend["ratios"];
        assert_eq!(ratios["first_writes_over_raw"].as_array().map(Vec::len), Some(3), "{ratios}");
        assert_eq!(ratios["first_writes_over_peak_raw"].as_array().map(Vec::len), Some(3), "{ratios}");
        assert!(ratios["replays_over_first_writes"].is_number(), "{ratios}");
        assert!(ratios["idempotency_overhead_pct"].is_number(), "{ratios}");
        assert!(backend["growth"]["samples"].as_array().is_some_and(|s| !s.is_empty()));
        assert!(!backend["targets"].as_array().expect("targets").is_empty());

        // Correctness, not speed: every 201 made exactly one redemption.
        let once = &backend["exactly_once"];
        if once["failures"] == 0 {
            assert_eq!(once["redemptions"], once["successful_writes"], "{}", backend["backend"]);
        }
    }
}
