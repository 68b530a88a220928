use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use tally_client::Client;
use tally_test_kit::{ProcessGuard, TestDatabase, wait_until_ready};

pub const TALLY: &str = env!("CARGO_BIN_EXE_tally");

/// The `tally-chaos` binary, which holds the redemption stream the crash test
/// kills. It is another package's binary, so cargo gives no
/// `CARGO_BIN_EXE_tally-chaos` here; it is built next to `tally` by any
/// workspace build (`cargo nextest run --workspace` builds every binary of the
/// workspace), and `cargo build -p tally-chaos` builds it for a `-p tally` run.
pub fn tally_chaos() -> PathBuf {
    let path = Path::new(TALLY).with_file_name(format!("tally-chaos{}", std::env::consts::EXE_SUFFIX));
    assert!(path.is_file(), "{} is not built: run `cargo build -p tally-chaos` first", path.display());
    path
}

pub use tally_test_kit::{Backend, free_port};

/// One test per backend for each listed `async fn(Backend)` (the kit's
/// `backend_tests!`, kept under this name for the tests here).
#[macro_export]
macro_rules! backend_tests {
    ($($case:ident),+ $(,)?) => {
        tally_test_kit::backend_tests!(worker_threads = 2; $($case),+);
    };
}

/// A `tally serve` process, killed when dropped.
pub struct Node {
    _process: ProcessGuard,
    pub url: String,
}

/// A server process on its own database, a program, its token, and a work
/// directory for journals and CSV files.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub database_url: String,
    pub token: String,
    pub node: Node,
}

fn admin(args: &[&str], database_url: &str) -> String {
    let output = Command::new(TALLY).args(args).env("TALLY_DATABASE_URL", database_url).output().unwrap();
    assert!(output.status.success(), "tally {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// These tests are about the client, not rate limits: lift the program's
/// limit (600 requests a minute by default) far above what an import sends.
async fn lift_rate_limit(url: &str, token: &str) {
    let response = reqwest::Client::new()
        .patch(format!("{url}/api/v1/program"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "rate_limit_per_minute": 1_000_000 }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "PATCH /api/v1/program: {}", response.status());
}

pub async fn start(backend: Backend) -> Env {
    let TestDatabase { url: database_url, dir, .. } = TestDatabase::new(backend).await;
    let program = admin(&["program", "create", "client test"], &database_url);
    let token = admin(&["token", "create", "--program", &program], &database_url);
    let port = free_port();
    let child = Command::new(TALLY)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("TALLY_DATABASE_URL", &database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let node = Node { _process: child.into(), url: format!("http://127.0.0.1:{port}") };
    assert!(
        wait_until_ready(&node.url, Duration::from_secs(10)).await,
        "tally serve did not become ready on {}",
        node.url
    );
    lift_rate_limit(&node.url, &token).await;
    Env { dir, database_url, token, node }
}

impl Env {
    pub fn journal(&self) -> PathBuf {
        self.dir.path().join("journal.db")
    }

    /// `tally ARGS` as a client of this server: its token, its journal, fast retries.
    pub fn command(&self, args: &[&str]) -> Command {
        self.client_command(Path::new(TALLY), args)
    }

    /// `tally-chaos ARGS` (the test harnesses' binary), with the environment of [`Env::command`].
    pub fn harness_command(&self, args: &[&str]) -> Command {
        self.client_command(&tally_chaos(), args)
    }

    fn client_command(&self, binary: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(binary);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("TALLY_URL", &self.node.url)
            .env("TALLY_TOKEN", &self.token)
            .env("TALLY_JOURNAL", self.journal())
            .env("TALLY_RETRY_BASE_MS", "10")
            .env_remove("RUST_LOG");
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs `tally ARGS --json`, asserts success, and parses what it printed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        let output = self.run(&args);
        assert!(output.status.success(), "tally {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!("tally {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stdout))
        })
    }

    /// An SDK client for checking the server's state (no journal).
    pub async fn api(&self) -> Client {
        Client::builder(&self.node.url, &self.token).build().await.unwrap()
    }

    /// A second program on the same server, and its token.
    pub fn other_token(&self) -> String {
        let program = admin(&["program", "create", "other"], &self.database_url);
        let token = admin(&["token", "create", "--program", &program], &self.database_url);
        let lift = lift_rate_limit(&self.node.url, &token);
        tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(lift));
        token
    }

    /// `tally verify`: every ledger invariant holds.
    pub fn assert_verified(&self) {
        let report = admin(&["verify"], &self.database_url);
        assert!(report.contains(" 0 violation(s)"), "{report}");
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
