//! An export of 1,000,000 ledger entries from a real `tally serve` process,
//! on SQLite and on PostgreSQL, with the server's memory measured: its peak
//! resident set (`VmHWM`) may grow by at most `MAX_GROWTH` over the whole
//! download, a small fraction of the export's size, because the body is
//! streamed one page at a time and never collected.
//!
//! The entries are written straight with SQL in one `INSERT … SELECT`
//! (`tally_test_kit::seed`): alternately +1 and -1 point for one customer
//! made through the API, so `tally verify` still holds afterwards.
//!
//! Run with `--nocapture` to see the figures.

use std::process::Command;
use std::time::Instant;

use serde_json::json;
use tally_test_kit::{Backend, ServeProcess, TestDatabase, seed};

const TALLY: &str = env!("CARGO_BIN_EXE_tally");
const ENTRIES: u64 = 1_000_000;
/// The most the server's peak RSS may grow while it serves the export. The
/// export itself is about 100 MB.
const MAX_GROWTH: u64 = 32 * 1024 * 1024;

fn tally(args: &[&str], database_url: &str) -> String {
    let output = Command::new(TALLY).args(args).env("TALLY_DATABASE_URL", database_url).output().unwrap();
    assert!(output.status.success(), "tally {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A field of `/proc/<pid>/status`, in bytes (`VmHWM`: the peak resident set).
fn status_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("no {field}: {status}"));
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

async fn a_million_entries_export_in_bounded_memory(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let program = tally(&["program", "create", "export memory"], &database.url);
    let token = tally(&["token", "create", "--program", &program], &database.url);
    let server = ServeProcess::start(TALLY, &database.url, &[]).await;
    let http = reqwest::Client::new();
    let customer = http
        .post(server.url("/api/v1/customers"))
        .bearer_auth(&token)
        .json(&json!({ "email": "million@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(customer.status(), reqwest::StatusCode::CREATED);
    let customer: serde_json::Value = customer.json().await.unwrap();
    let customer = customer["id"].as_str().unwrap();

    let seeding = Instant::now();
    let store = database.open(2).await;
    let sqlite = seed::ledger_entries_sql(Backend::Sqlite, &program, customer, ENTRIES);
    let postgres = seed::ledger_entries_sql(Backend::Postgres, &program, customer, ENTRIES);
    assert_eq!(store.execute_on_backend(&sqlite, &postgres).await, ENTRIES);
    drop(store);
    let seeded_in = seeding.elapsed();

    let pid = server.child.id();
    // Warm: one small export first, so what the first request of any kind
    // allocates (the router, the statement cache) is not counted as the export's.
    let warm = http.get(server.url("/api/v1/exports/customers.csv")).bearer_auth(&token).send().await.unwrap();
    assert!(warm.status().is_success());
    warm.bytes().await.unwrap();
    let before = status_bytes(pid, "VmHWM:");

    let downloading = Instant::now();
    let mut response = http.get(server.url("/api/v1/exports/ledger.csv")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let (mut bytes, mut lines, mut last) = (0u64, 0u64, 0u8);
    // Counted as it arrives, never kept: the test's own memory stays flat too.
    while let Some(chunk) = response.chunk().await.expect("the whole export arrives") {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        last = *chunk.last().unwrap_or(&last);
    }
    let downloaded_in = downloading.elapsed();
    let after = status_bytes(pid, "VmHWM:");
    let growth = after.saturating_sub(before);

    println!(
        "{backend:?}: seeded {ENTRIES} entries in {seeded_in:.1?}; exported {lines} lines, {:.1} MiB in \
         {downloaded_in:.1?}; server VmHWM {:.1} MiB before, {:.1} MiB after: +{:.1} MiB (bound {:.0} MiB)",
        mib(bytes),
        mib(before),
        mib(after),
        mib(growth),
        mib(MAX_GROWTH),
    );
    assert_eq!(lines, ENTRIES + 1, "the header and every entry");
    assert_eq!(last, b'\n', "the last record is whole");
    assert!(bytes > 3 * MAX_GROWTH, "the export ({bytes} bytes) dwarfs the bound");
    assert!(growth < MAX_GROWTH, "the server's peak RSS grew by {:.1} MiB", mib(growth));
    let report = tally(&["verify"], &database.url);
    assert!(report.contains(" 0 violation(s)"), "{report}");
}

tally_test_kit::backend_tests!(worker_threads = 2; a_million_entries_export_in_bounded_memory);
