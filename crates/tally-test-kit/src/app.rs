//! A real Tally node inside the test process: the server on a free port over
//! a fresh database, with one program and its token. The HTTP suite and the
//! SDK's suite both start theirs here.

use std::sync::Arc;
use std::time::Duration;

use tally_core::model::ProgramSettings;
use tally_server::app::Caches;
use tally_server::auth::issue_token;
use tally_server::{Application, NodeSettings};
use tally_store::Store;

use crate::{Backend, TestDatabase, TestStore};

/// A node serving, and what a test needs of it.
pub struct SpawnedApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub token: String,
    pub program_id: String,
    pub store: Arc<dyn Store>,
    /// The concrete store, for what only tests may do (move time).
    pub raw: TestStore,
    /// Holds the database (its file, or its scratch PostgreSQL database's URL).
    pub database: TestDatabase,
    /// The server's in-memory caches, to be told when a test moves the database's clock.
    pub caches: Caches,
}

/// A node with `node`'s settings over a fresh database of `backend`, with a
/// program named `program_name` and a token for it.
pub async fn spawn_app(backend: Backend, node: NodeSettings, program_name: &str) -> SpawnedApp {
    let database = TestDatabase::new(backend).await;
    let raw = database.open(8).await;
    let store = raw.shared();
    let (address, caches) = serve(store.clone(), node).await;
    let program = store.create_program(program_name, &ProgramSettings::default()).await.expect("create the program");
    let token = issue_token(store.as_ref(), &program.id).await.expect("issue a token");
    SpawnedApp { address, token, program_id: program.id, store, raw, database, caches }
}

/// Starts a server over `store` on a free port, its maintenance jobs an hour
/// apart (tests run them by hand); its base URL and its caches.
pub async fn serve(store: Arc<dyn Store>, node: NodeSettings) -> (String, Caches) {
    let listen = "127.0.0.1:0".parse().expect("a socket address");
    let app = Application::with_node_settings(store, listen, Duration::from_secs(3600), node)
        .await
        .expect("start the server");
    let address = format!("http://127.0.0.1:{}", app.port());
    let caches = app.caches();
    tokio::spawn(app.run_until_stopped());
    (address, caches)
}
