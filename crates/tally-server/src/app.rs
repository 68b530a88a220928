//! Building and running the server: storage, router, listener, sweeper.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tally_store::Store;
use tally_store_postgres::PgStore;
use tally_store_sqlite::SqliteStore;
use tokio::net::TcpListener;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::error::ApiError;
use crate::routes::{coupons, customers, health, keys, program, redemptions, rewards, transactions, v2};
use crate::sweeper;

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Database {
    /// An embedded SQLite file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL URL; several nodes may share it.
    Postgres { url: String, max_connections: u32 },
}

impl Database {
    /// `postgres://…` / `postgresql://…` is PostgreSQL; anything else a SQLite path
    /// (a `sqlite://` prefix is accepted and stripped).
    pub fn from_url(url: &str, pg_max_connections: u32) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Database::Postgres { url: url.to_owned(), max_connections: pg_max_connections }
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            Database::Sqlite(PathBuf::from(path))
        }
    }

    /// Opens the store and runs its migrations.
    pub async fn open(&self) -> anyhow::Result<Arc<dyn Store>> {
        Ok(match self {
            Database::Sqlite(path) => Arc::new(SqliteStore::open(path).await?),
            Database::Postgres { url, max_connections } => Arc::new(PgStore::connect(url, *max_connections).await?),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub database: Database,
    /// How often background maintenance runs: deleting expired idempotency
    /// records and expiring due point lots.
    pub maintenance_interval: Duration,
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Arc<dyn Store>,
}

impl Application {
    /// Opens storage, binds the listener (port 0 picks a free port) and starts
    /// the sweeper; `run_until_stopped` then serves.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = settings.database.open().await?;
        Self::with_store(store, settings.listen, settings.maintenance_interval).await
    }

    /// Like `build`, over an already open store (tests, benchmarks, the demo).
    pub async fn with_store(
        store: Arc<dyn Store>,
        listen: SocketAddr,
        maintenance_interval: Duration,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        sweeper::spawn(store.clone(), maintenance_interval);
        crate::operations::expiry::spawn(store.clone(), maintenance_interval);
        let router = router(AppState { store: store.clone() });
        Ok(Self { listener, router, store })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown_signal()).await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/customers", get(customers::list).post(customers::upsert))
        .route("/customers/{id}", get(customers::get))
        .route("/customers/{id}/balance", get(customers::balance))
        .route("/customers/{id}/ledger", get(customers::ledger))
        .route("/customers/{id}/redemptions", get(redemptions::list_for_customer))
        .route("/customers/{id}/adjustments", post(customers::adjust))
        .route("/transactions", post(transactions::create))
        .route("/transactions/{id}", get(transactions::get))
        .route("/transactions/{id}/void", post(transactions::void))
        .route("/rewards", get(rewards::list).post(rewards::create))
        .route("/rewards/{id}", get(rewards::get).patch(rewards::patch))
        .route("/redemptions", post(redemptions::create))
        .route("/redemptions/{id}", get(redemptions::get))
        .route("/redemptions/{id}/fulfil", post(redemptions::fulfil))
        .route("/redemptions/{id}/cancel", post(redemptions::cancel))
        .route("/coupons/{code}", get(coupons::get))
        .route("/coupons/{code}/redeem", post(coupons::redeem))
        .route("/idempotency-keys/{key}", get(keys::get))
        .route("/program", get(program::get).patch(program::patch));
    let v2 = Router::new()
        .route("/loyalty/rewards/redeem", post(v2::redeem))
        .route("/loyalty/redemptions/{customer_id}", get(v2::list));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/openapi.json", get(health::openapi))
        .route("/docs/idempotency", get(health::idempotency_docs))
        .nest("/api/v1", api)
        .nest("/api/v2", v2)
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such route; see /openapi.json")
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not take that method")
        })
        .with_state(state)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(CatchPanicLayer::custom(|_| axum::response::IntoResponse::into_response(ApiError::internal())))
}

/// One span per request; the idempotency executor fills in the key and what
/// became of it, so every request's log line says both. Tokens and bodies are
/// never logged.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        program = tracing::field::Empty,
        idempotency_key = tracing::field::Empty,
        idempotency_lookup = tracing::field::Empty,
    )
}
