use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tally_client::{Client, NewCustomer, NewReward, NewTransaction, RetryPolicy};
use tally_store::Store;
use tally_test_kit::{TestDatabase, TestStore};

pub use tally_test_kit::{Backend, free_port};

/// One test per backend for each listed `async fn(Backend)` (the kit's
/// `backend_tests!`, kept under this name for the tests here).
#[macro_export]
macro_rules! backend_tests {
    ($($case:ident),+ $(,)?) => {
        tally_test_kit::backend_tests!(worker_threads = 4; $($case),+);
    };
}

/// A real Tally server on a free port, with one program and its token.
pub struct Server {
    pub address: String,
    pub token: String,
    pub store: Arc<dyn Store>,
    /// The concrete store, for what only tests may do (move time).
    raw: TestStore,
    /// Holds the SQLite file and the journals of the test.
    pub dir: tempfile::TempDir,
    /// The server's in-memory caches, told when a test moves the database's clock.
    caches: tally_server::app::Caches,
}

pub async fn spawn_server(backend: Backend) -> Server {
    let app = tally_test_kit::app::spawn_app(backend, tally_server::NodeSettings::default(), "sdk-test").await;
    let TestDatabase { dir, .. } = app.database;
    Server { address: app.address, token: app.token, store: app.store, raw: app.raw, dir, caches: app.caches }
}

/// The default policy, scaled down so retries take milliseconds.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::scaled(Duration::from_millis(10))
}

pub async fn client(address: &str, token: &str, journal: &Path, retry: RetryPolicy) -> Client {
    Client::builder(address, token).journal(journal).retry(retry).build().await.unwrap()
}

impl Server {
    pub async fn client(&self) -> Client {
        client(&self.address, &self.token, &self.dir.path().join("journal.db"), fast_retries()).await
    }

    /// A customer with `points` earned through a purchase, and a reward of `cost` points.
    pub async fn customer_and_reward(&self, points: i64, cost: i64) -> (String, String) {
        let client = self.client().await;
        let customer = client.upsert_customer(&NewCustomer::email("ada@example.com")).await.unwrap().value;
        client.record_purchase(&NewTransaction::new(&customer.id, points * 100, "EUR")).await.unwrap();
        let reward = client.create_reward(&NewReward::new("Coffee", cost)).await.unwrap().value;
        (customer.id, reward.id)
    }

    /// Moves every stored response past its retention, by the database clock:
    /// what a retry arriving days later meets.
    pub async fn expire_idempotency_records(&self) {
        self.raw.expire_idempotency_records().await;
        // The server in this process remembers responses it replayed lately;
        // moving the database's clock by hand is invisible to it otherwise.
        self.caches.replays.forget_all();
    }

    pub async fn assert_verified(&self) {
        let violations = self.store.verify(None).await.unwrap();
        assert!(violations.is_empty(), "ledger violations: {violations:?}");
    }
}

/// Logs the SDK's attempts when a test runs with `RUST_LOG` set.
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
