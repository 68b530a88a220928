//! CSV exports of the ledger and the customers: the header row and RFC 4180
//! quoting, the `from`/`to` bounds, program scoping, bad queries, a download
//! cut off halfway leaving no connection or transaction behind, and a store
//! failure mid-stream ending the download with an error.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tally_test_kit::seed;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, assert_problem, header, spawn_app};

const LEDGER_HEADER: [&str; 11] = [
    "id",
    "created_at",
    "customer_id",
    "operation",
    "points",
    "balance_after",
    "transaction_id",
    "redemption_id",
    "reason",
    "token_id",
    "pending_points",
];
const CUSTOMER_HEADER: [&str; 9] =
    ["id", "created_at", "email", "phone", "name", "balance", "lifetime_earned", "lifetime_spent", "pending_earned"];

/// The export at `path` (with its query), parsed: the header row, then the records.
async fn export(app: &TestApp, path: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let response = app.get(path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    assert_eq!(header(&response, "content-type").as_deref(), Some("text/csv; charset=utf-8"));
    let bytes = response.bytes().await.unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(&bytes[..]);
    let headers = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let records = reader.records().collect::<Result<Vec<_>, _>>().unwrap();
    (headers, records)
}

async fn adjust(app: &TestApp, customer: &str, points: i64, reason: &str) {
    let response = app
        .post(&format!("/api/v1/customers/{customer}/adjustments"))
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&json!({ "points": points, "reason": reason }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn header_row_and_quoting_round_trip(backend: Backend) {
    let app = spawn_app(backend).await;
    let response =
        app.post("/api/v1/customers").json(&json!({ "email": "q@example.com", "name": "Doe, \"Jo\"" })).send().await;
    let customer = crate::helpers::body(response.unwrap()).await["id"].as_str().unwrap().to_owned();
    app.earn(&customer, 30).await;
    adjust(&app, &customer, -5, "late, \"sorry\"").await;
    // The API refuses line breaks in a reason, but a CSV must carry any text:
    // one entry written by hand, of zero points (the balance stays as it is).
    let reason = ("E'two\\r\\nlines, \"q\"'", "'two' || char(13) || char(10) || 'lines, \"q\"'");
    let insert = |reason: &str, now: &str| {
        format!(
            "INSERT INTO ledger_entries (id, program_id, customer_id, points, balance_after, operation, reason, \
             created_at) VALUES ('led_zz_test_newline', '{}', '{customer}', 0, 25, 'adjustment', {reason}, {now})",
            app.program_id
        )
    };
    let sqlite = insert(reason.1, "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)");
    app.execute_on_backend(&sqlite, &insert(reason.0, "now()")).await;

    let response = app.get("/api/v1/exports/ledger.csv").send().await.unwrap();
    assert_eq!(header(&response, "content-disposition").as_deref(), Some("attachment; filename=\"ledger.csv\""));
    let text = response.text().await.unwrap();
    assert!(text.starts_with(&format!("{}\r\n", LEDGER_HEADER.join(","))), "{text}");
    assert!(text.contains("\"late, \"\"sorry\"\"\""), "quotes are doubled inside a quoted field: {text}");

    let (headers, rows) = export(&app, "/api/v1/exports/ledger.csv").await;
    assert_eq!(headers, LEDGER_HEADER);
    let reasons: Vec<&str> = rows.iter().map(|r| &r[8]).collect();
    assert_eq!(reasons, ["", "late, \"sorry\"", "two\r\nlines, \"q\""], "oldest first: {rows:?}");
    let api = app.ledger(&customer).await;
    let earned = api.iter().find(|e| e["operation"] == "earn").unwrap();
    assert_eq!(&rows[0][0], earned["id"].as_str().unwrap());
    assert_eq!((&rows[0][2], &rows[0][3], &rows[0][4], &rows[0][5]), (customer.as_str(), "earn", "30", "30"));
    assert_eq!(&rows[0][6], earned["transaction_id"].as_str().unwrap());
    assert_eq!(&rows[1][4], "-5");
    assert!(rows[1][9].starts_with("tok_"), "the adjustment's token: {:?}", rows[1]);
    let stamp = |t: &str| t.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    assert_eq!(stamp(&rows[0][1]), stamp(earned["created_at"].as_str().unwrap()));

    let response = app.get("/api/v1/exports/customers.csv").send().await.unwrap();
    assert_eq!(header(&response, "content-disposition").as_deref(), Some("attachment; filename=\"customers.csv\""));
    let (headers, rows) = export(&app, "/api/v1/exports/customers.csv").await;
    assert_eq!(headers, CUSTOMER_HEADER);
    assert_eq!(rows.len(), 1);
    let row: Vec<&str> = rows[0].iter().collect();
    assert_eq!(row[0], customer);
    assert_eq!(row[2..6], ["q@example.com", "", "Doe, \"Jo\"", "25"]);
    let balance = app.full_balance(&customer).await;
    assert_eq!(row[6], balance["lifetime_earned"].to_string(), "{balance}");
    assert_eq!(row[7], balance["lifetime_spent"].to_string(), "{balance}");
    app.assert_verified().await;
}

/// The created_at of the ledger rows, in order.
async fn ledger_times(app: &TestApp, query: &str) -> Vec<String> {
    let (_, rows) = export(app, &format!("/api/v1/exports/ledger.csv{query}")).await;
    rows.iter().map(|r| r[1].to_owned()).collect()
}

async fn from_is_inclusive_and_to_exclusive(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("bounds@example.com").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    for points in 1..=4 {
        app.earn(&customer, points).await;
        // Apart by more than SQLite's millisecond, so each has a time of its own.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let all = ledger_times(&app, "").await;
    assert_eq!(all.len(), 4);
    let enc = |t: &str| t.replace('+', "%2B");
    assert_eq!(ledger_times(&app, &format!("?from={}", enc(&all[1]))).await, all[1..]);
    assert_eq!(ledger_times(&app, &format!("?to={}", enc(&all[2]))).await, all[..2]);
    assert_eq!(ledger_times(&app, &format!("?from={}&to={}", enc(&all[1]), enc(&all[3]))).await, all[1..3]);
    // Any offset is read as the instant it names.
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let local = later.with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).unwrap()).to_rfc3339();
    assert!(ledger_times(&app, &format!("?from={}", enc(&local))).await.is_empty());
    let (_, customers) = export(&app, &format!("/api/v1/exports/customers.csv?to={}", enc(&all[0]))).await;
    assert_eq!(customers.len(), 1, "the customer was created before its first purchase");
    let (_, customers) = export(&app, &format!("/api/v1/exports/customers.csv?from={}", enc(&all[0]))).await;
    assert!(customers.is_empty());
    app.assert_verified().await;
}

async fn a_program_exports_only_its_own_rows(backend: Backend) {
    let app = spawn_app(backend).await;
    let other = app.other_program().await;
    let mine = app.create_customer("mine@example.com").await;
    let theirs = other.create_customer("theirs@example.com").await;
    app.earn(&mine, 10).await;
    other.earn(&theirs, 20).await;
    other.earn(&theirs, 30).await;
    let (_, rows) = export(&app, "/api/v1/exports/ledger.csv").await;
    assert!(rows.len() == 1 && rows[0][2] == *mine, "{rows:?}");
    let (_, rows) = export(&other, "/api/v1/exports/ledger.csv").await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| &r[2] == theirs.as_str()));
    let (_, rows) = export(&app, "/api/v1/exports/customers.csv").await;
    assert_eq!(rows.iter().map(|r| r[0].to_owned()).collect::<Vec<_>>(), [mine]);
    app.assert_verified().await;
}

async fn a_bad_query_is_invalid_query(backend: Backend) {
    let app = spawn_app(backend).await;
    for query in [
        "?from=yesterday",
        "?to=2025-13-01T00:00:00Z",
        "?from=2025-01-01",
        "?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z",
        "?from=2025-01-01T00:00:00Z&to=2025-01-01T00:00:00Z",
        "?limit=10",
    ] {
        for export in ["ledger", "customers"] {
            let response = app.get(&format!("/api/v1/exports/{export}.csv{query}")).send().await.unwrap();
            let problem = assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
            assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{query}: {problem}");
        }
    }
    let anonymous = app.client.get(app.url("/api/v1/exports/ledger.csv")).send().await.unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

/// Waits until every open connection of the store is idle again.
async fn until_all_idle(app: &TestApp) -> tally_store::PoolStats {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stats = app.store.pool_stats();
        if stats.idle == stats.open || Instant::now() > deadline {
            return stats;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn an_aborted_download_leaves_no_connection_behind(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.create_customer("aborted@example.com").await;
    // Far more than the socket buffers hold (about 9 MB of CSV), so the
    // server is still reading pages when the client goes away.
    const ROWS: u64 = 100_000;
    let sqlite = seed::ledger_entries_sql(Backend::Sqlite, &app.program_id, &customer, ROWS);
    let postgres = seed::ledger_entries_sql(Backend::Postgres, &app.program_id, &customer, ROWS);
    assert_eq!(app.execute_on_backend(&sqlite, &postgres).await, ROWS);
    let idle = until_all_idle(&app).await;
    assert_eq!(idle.idle, idle.open, "{idle:?}");

    let mut response = app.get("/api/v1/exports/ledger.csv").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut received = 0;
    while received < 1_000_000 {
        received += response.chunk().await.unwrap().expect("more than a megabyte").len();
    }
    let during = app.store.pool_stats();
    assert!(during.idle < during.open, "the export holds a connection while it streams: {during:?}");
    drop(response);

    let after = until_all_idle(&app).await;
    assert_eq!(after.idle, after.open, "every connection is idle again after the abort: {after:?}");
    if backend == Backend::Postgres {
        // Nothing is left open on the server either: no session of this
        // database is still inside a transaction.
        let stuck = "UPDATE programs SET name = name WHERE EXISTS (SELECT 1 FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%')";
        assert_eq!(app.execute_on_backend("SELECT 1", stuck).await, 0, "a session was left in a transaction");
    }
    // Writes still go through, and a whole export still comes down.
    app.earn(&customer, 7).await;
    let (_, rows) = export(&app, "/api/v1/exports/ledger.csv").await;
    assert_eq!(rows.len() as u64, ROWS + 1);
    app.assert_verified().await;
}

/// The export's own session dies mid-stream (PostgreSQL restarted, a
/// connection killed): the download ends with an error, never with a clean
/// end that would pass a truncated file off as whole, and the node goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_session_lost_mid_stream_cuts_the_download_off() {
    let app = spawn_app(Backend::Postgres).await;
    let customer = app.create_customer("cut@example.com").await;
    const ROWS: u64 = 100_000;
    let rows = seed::ledger_entries_sql(Backend::Postgres, &app.program_id, &customer, ROWS);
    assert_eq!(app.execute_on_backend("SELECT 1", &rows).await, ROWS);

    let mut response = app.get("/api/v1/exports/ledger.csv").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut received = 0;
    while received < 1_000_000 {
        received += response.chunk().await.unwrap().expect("more than a megabyte").len();
    }
    // The export's snapshot waits between pages inside its transaction.
    let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'";
    // It may be fetching a page at the first look (the socket had room).
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.execute_on_backend("SELECT 1", kill).await != 1 {
        assert!(Instant::now() < deadline, "the export's session is found waiting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cut = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => received += chunk.len(),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(cut, "the body ends with an error, not a clean end, after {received} bytes");

    app.earn(&customer, 7).await;
    let (_, rows) = export(&app, "/api/v1/exports/ledger.csv").await;
    assert_eq!(rows.len() as u64, ROWS + 1, "the next export is whole");
    app.assert_verified().await;
}

backend_tests!(
    header_row_and_quoting_round_trip,
    from_is_inclusive_and_to_exclusive,
    a_program_exports_only_its_own_rows,
    a_bad_query_is_invalid_query,
    an_aborted_download_leaves_no_connection_behind,
);
