//! The `tally` binary end to end: administration commands, real server
//! processes on one PostgreSQL database, the demo, and `tally verify`.

use std::process::{Command, Stdio};
use std::time::Duration;

use futures::future::join_all;
use serde_json::{Value, json};
use tally_test_kit::{Backend, ProcessGuard, TestDatabase, free_port, scratch_postgres_url, wait_until_ready};

const TALLY: &str = env!("CARGO_BIN_EXE_tally");

fn tally(args: &[&str], database_url: &str) -> String {
    let output = Command::new(TALLY).args(args).env("TALLY_DATABASE_URL", database_url).output().unwrap();
    assert!(output.status.success(), "tally {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// `tally verify` finds no violation.
fn assert_verified(database_url: &str) {
    let report = tally(&["verify"], database_url);
    assert!(report.contains("0 violation(s)"), "{report}");
}

/// GET `url` with the token; the body as JSON.
async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> Value {
    client.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

/// The `id` of what a request created.
async fn id_of(response: reqwest::Result<reqwest::Response>) -> String {
    let body: Value = response.unwrap().json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// A `tally serve` process, killed when dropped.
struct Node {
    child: ProcessGuard,
    base: String,
}

async fn start_node(database_url: &str, extra: &[&str]) -> Node {
    let port = free_port();
    let child = Command::new(TALLY)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("TALLY_DATABASE_URL", database_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let node = Node { child: child.into(), base: format!("http://127.0.0.1:{port}") };
    assert!(
        wait_until_ready(&node.base, Duration::from_secs(10)).await,
        "tally serve did not become ready on {}",
        node.base
    );
    node
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_processes_on_one_postgres_redeem_once_and_verify_clean() {
    let url = scratch_postgres_url().await;
    let program = tally(&["program", "create", "CLI test"], &url).trim().to_owned();
    assert!(program.starts_with("prg_"), "{program}");
    let token = tally(&["token", "create", "--program", &program], &url).trim().to_owned();
    assert!(token.starts_with("tly_"));

    let nodes = [start_node(&url, &[]).await, start_node(&url, &[]).await];
    let client = reqwest::Client::new();
    let post = |node: &Node, path: &str, key: &str, body: Value| {
        client
            .post(format!("{}{path}", node.base))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let customer = id_of(post(&nodes[0], "/api/v1/customers", "c1", json!({ "email": "cli@example.com" })).await).await;
    let earned = post(
        &nodes[1],
        "/api/v1/transactions",
        "t1",
        json!({ "customer_id": customer, "spend_amount_cents": 100_000, "currency": "EUR" }),
    );
    assert_eq!(earned.await.unwrap().status(), 201);
    let reward =
        id_of(post(&nodes[0], "/api/v1/rewards", "r1", json!({ "name": "Mug", "cost_points": 100 })).await).await;

    let attempts = (0..40).map(|i| {
        post(
            &nodes[i % 2],
            "/api/v1/redemptions",
            "one-intent",
            json!({ "customer_id": customer, "reward_id": reward }),
        )
    });
    let statuses: Vec<u16> = join_all(attempts).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| [201, 409].contains(s)), "{statuses:?}");
    assert!(statuses.contains(&201));

    let balance = get_json(&client, &format!("{}/api/v1/customers/{customer}/balance", nodes[1].base), &token).await;
    assert_eq!(balance["available"], 900, "one redemption across both processes");

    assert_verified(&url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_prints_a_working_token_and_curl() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let db = database.url.as_str();
    let mut node = start_node(db, &["--demo"]).await;
    let mut stdout = node.child.stdout.take().unwrap();
    // The banner is printed before the server reports ready; the node is killed
    // below, which closes the pipe, so reading to the end terminates.
    let client = reqwest::Client::new();
    let ready = client.get(format!("{}/healthz", node.base)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let _ = node.child.kill();
    let mut banner = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut banner).unwrap();
    let token = banner.lines().find_map(|l| l.trim().strip_prefix("token:")).unwrap().trim().to_owned();
    assert!(banner.contains("curl -i -X POST"), "{banner}");
    // The console is where a newcomer goes next: its URL, on the port it serves.
    let console = banner.lines().find_map(|l| l.trim().strip_prefix("console:")).unwrap().trim().to_owned();
    assert!(console.starts_with(&format!("{}/console ", node.base)), "{banner}");
    assert!(banner.contains("Idempotency-Key"), "{banner}");

    // A second run reuses the demo data and still serves it.
    let node = start_node(db, &["--demo"]).await;
    let program = get_json(&client, &format!("{}/api/v1/program", node.base), &token).await;
    assert_eq!(program["name"], "Demo Coffee");
    let customers = get_json(&client, &format!("{}/api/v1/customers", node.base), &token).await;
    assert_eq!(customers["data"].as_array().unwrap().len(), 1, "the demo data is not doubled");
    assert_verified(db);
}

/// The test harnesses (the chaos run, the redemption stream) are the
/// `tally-chaos` binary's: the shipped CLI neither lists nor accepts them.
#[test]
fn the_shipped_cli_carries_no_test_harness() {
    let help = Command::new(TALLY).arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout).to_lowercase();
    for harness in ["chaos", "redeem-stream", "stream"] {
        assert!(!help.contains(harness), "`tally --help` mentions {harness:?}:\n{help}");
    }
    for harness in ["chaos", "redeem-stream"] {
        let run = Command::new(TALLY).arg(harness).arg("--help").output().unwrap();
        assert!(!run.status.success(), "`tally {harness}` is still a command");
    }
}

/// A SQLite file is served by one process: a second `tally serve` on it is
/// refused with a message that says why, while read-only commands still
/// open the file beside the running server.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_server_process_on_one_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tally.db");
    let url = file.to_str().unwrap();
    let _first = start_node(url, &[]).await;

    let port = free_port();
    let second = Command::new(TALLY)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("TALLY_DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(!second.status.success(), "the second server must not start");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("another process is serving"), "{stderr}");
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(), "it never listened");

    let program = tally(&["program", "create", "beside the server"], url);
    assert!(program.trim().starts_with("prg_"), "{program}");
    tally(&["verify"], url);
}
