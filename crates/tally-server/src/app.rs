//! Building and running the server: storage, router, listener, sweeper.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tally_store::Store;
use tally_store_postgres::PgStore;
use tally_store_sqlite::SqliteStore;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::operations::jobs::Job;
use crate::ratelimit::{self, RateLimiter};
use crate::routes::{
    coupons, customers, docs, events, exports, health, keys, program, redemptions, rewards, stats, transactions, v2,
    webhook_endpoints,
};
use crate::shutdown::{self, Lifecycle, ShutdownSettings};
use crate::webhooks::WebhookSettings;
use crate::{sweeper, telemetry};

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

    /// Opens the store for a server: a SQLite file refuses a second serving
    /// process (see `SqliteStore::open_for_serving`); PostgreSQL takes any
    /// number of nodes.
    pub async fn open_for_serving(&self) -> anyhow::Result<Arc<dyn Store>> {
        match self {
            Database::Sqlite(path) => Ok(Arc::new(SqliteStore::open_for_serving(path).await?)),
            Database::Postgres { .. } => self.open().await,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub database: Database,
    /// How often background maintenance runs: deleting expired idempotency
    /// records and expiring due point lots.
    pub maintenance_interval: Duration,
    pub node: NodeSettings,
}

/// How a node shares rate limits with its peers, and how it leaves.
#[derive(Debug, Clone)]
pub struct NodeSettings {
    /// Redis shared by the nodes for rate limits; `None` counts in process.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, so several deployments can share one Redis.
    pub redis_key_prefix: String,
    /// A Redis answer slower than this counts as Redis being down.
    pub redis_timeout: Duration,
    pub shutdown: ShutdownSettings,
    pub webhooks: WebhookSettings,
}

impl Default for NodeSettings {
    fn default() -> Self {
        Self {
            redis_url: None,
            redis_key_prefix: "tally".to_owned(),
            redis_timeout: ratelimit::DEFAULT_REDIS_TIMEOUT,
            shutdown: ShutdownSettings::default(),
            webhooks: WebhookSettings::default(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub limiter: Arc<RateLimiter>,
    pub lifecycle: Lifecycle,
    pub caches: Caches,
    pub webhooks: Arc<WebhookSettings>,
}

/// What one node keeps in memory to spare the database a round trip: the
/// stored responses it replayed lately and its tokens' programs. Owned by the
/// node, so servers sharing a process (tests) share nothing through them.
#[derive(Clone, Default)]
pub struct Caches {
    pub replays: Arc<crate::replay_cache::ReplayCache>,
    pub tokens: Arc<crate::auth::TokenCache>,
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Arc<dyn Store>,
    lifecycle: Lifecycle,
    caches: Caches,
    shutdown: ShutdownSettings,
}

impl Application {
    /// Opens storage, binds the listener (port 0 picks a free port) and starts
    /// the sweeper; `run_until_stopped` then serves.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = settings.database.open_for_serving().await?;
        Self::with_node_settings(store, settings.listen, settings.maintenance_interval, settings.node).await
    }

    /// Like `build`, over an already open store (tests, benchmarks, the demo).
    pub async fn with_store(
        store: Arc<dyn Store>,
        listen: SocketAddr,
        maintenance_interval: Duration,
    ) -> anyhow::Result<Self> {
        Self::with_node_settings(store, listen, maintenance_interval, NodeSettings::default()).await
    }

    /// Like `with_store`, with a shared rate limiter and shutdown timings.
    pub async fn with_node_settings(
        store: Arc<dyn Store>,
        listen: SocketAddr,
        maintenance_interval: Duration,
        node: NodeSettings,
    ) -> anyhow::Result<Self> {
        let limiter = match &node.redis_url {
            Some(url) => RateLimiter::with_redis(url, &node.redis_key_prefix, node.redis_timeout)?,
            None => RateLimiter::local(),
        };
        let listener = TcpListener::bind(listen).await?;
        let caches = Caches::default();
        sweeper::spawn(store.clone(), caches.replays.clone(), maintenance_interval);
        for job in [Job::Expiry, Job::Release, Job::TierReview] {
            job.spawn(store.clone(), maintenance_interval);
        }
        crate::counters::spawn(store.clone());
        telemetry::spawn_upkeep();
        let webhooks = Arc::new(node.webhooks);
        if webhooks.secret_key.is_none() {
            tracing::warn!(
                "no webhook secret key (--webhook-secret-key): endpoint secrets are stored as they are, \
                 so a copy of the database can sign webhooks"
            );
        }
        crate::webhooks::dispatcher::spawn(store.clone(), webhooks.clone());
        let lifecycle = Lifecycle::default();
        let router = router(AppState {
            store: store.clone(),
            limiter: Arc::new(limiter),
            lifecycle: lifecycle.clone(),
            caches: caches.clone(),
            webhooks,
        });
        Ok(Self { listener, router, store, lifecycle, caches, shutdown: node.shutdown })
    }

    /// This node's in-memory caches: for tests that move the database's clock
    /// by hand, which the node cannot see (`ReplayCache::forget_all`).
    pub fn caches(&self) -> Caches {
        self.caches.clone()
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// Serves until SIGTERM or Ctrl-C, then drains (see `shutdown`).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown::signal()).await
    }

    /// Serves until `stop` resolves, then drains (see `shutdown`).
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        shutdown::serve(self.listener, self.router, self.lifecycle, self.shutdown, stop).await
    }
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/customers", get(customers::list).post(customers::upsert))
        .route("/customers/{id}", get(customers::get))
        .route("/customers/{id}/balance", get(customers::balance))
        .route("/customers/{id}/ledger", get(customers::ledger))
        .route("/customers/{id}/tier-history", get(customers::tier_history))
        .route("/customers/{id}/redemptions", get(redemptions::list_for_customer))
        .route("/customers/{id}/adjustments", post(customers::adjust))
        .route("/transactions", post(transactions::create))
        .route("/transactions/{id}", get(transactions::get))
        .route("/transactions/{id}/void", post(transactions::void))
        .route("/rewards", get(rewards::list).post(rewards::create))
        .route("/rewards/{id}", get(rewards::get).patch(rewards::patch))
        .route("/redemptions", get(redemptions::list).post(redemptions::create))
        .route("/redemptions/{id}", get(redemptions::get))
        .route("/redemptions/{id}/fulfil", post(redemptions::fulfil))
        .route("/redemptions/{id}/cancel", post(redemptions::cancel))
        .route("/coupons/{code}", get(coupons::get))
        .route("/coupons/{code}/redeem", post(coupons::redeem))
        .route("/idempotency-keys/{key}", get(keys::get))
        .route("/program", get(program::get).patch(program::patch))
        .route("/stats", get(stats::get))
        .route("/exports/ledger.csv", get(exports::ledger))
        .route("/exports/customers.csv", get(exports::customers))
        .route("/events", get(events::list))
        .route("/events/{id}", get(events::get))
        .route("/events/{id}/redeliver", post(events::redeliver))
        .route("/webhook-endpoints", get(webhook_endpoints::list).post(webhook_endpoints::create))
        .route(
            "/webhook-endpoints/{id}",
            get(webhook_endpoints::get).patch(webhook_endpoints::patch).delete(webhook_endpoints::delete),
        )
        .route("/webhook-endpoints/{id}/rotate-secret", post(webhook_endpoints::rotate_secret))
        .route("/webhook-endpoints/{id}/deliveries", get(webhook_endpoints::deliveries));
    let v2 = Router::new()
        .route("/loyalty/rewards/redeem", post(v2::redeem))
        .route("/loyalty/redemptions/{customer_id}", get(v2::list));
    // Every API route, whatever order routes are added in: authenticate once,
    // count against the token's rate limit (see `ratelimit`).
    let admit = || from_fn_with_state(state.clone(), ratelimit::admit);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(telemetry::render))
        .route("/readyz", get(health::readyz))
        .route("/openapi.json", get(health::openapi))
        .route("/docs/idempotency", get(health::idempotency_docs))
        .route("/docs/webhooks", get(health::webhooks_docs))
        .route("/docs/api", get(docs::page))
        .route("/docs/api/redoc.standalone.js", get(docs::redoc))
        .nest("/api/v1", api.route_layer(admit()))
        .nest("/api/v2", v2.route_layer(admit()))
        .merge(crate::console::routes())
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such route; see /openapi.json")
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not take that method")
        })
        .with_state(state)
        // Innermost, so a panic becomes a 500 that is still counted and logged.
        .layer(CatchPanicLayer::custom(|_| axum::response::IntoResponse::into_response(ApiError::internal())))
        .layer(from_fn(telemetry::track))
        .layer(TraceLayer::new_for_http().make_span_with(request_span).on_response(log_response).on_failure(()))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// One span per request; the rate limiter and the idempotency executor fill
/// in the program, the key and what became of it, so every request's log line
/// says all three. Tokens and bodies are never logged.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!(
        "request",
        request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or(""),
        method = %request.method(),
        route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str),
        path = %request.uri().path(),
        program = tracing::field::Empty,
        idempotency_key = tracing::field::Empty,
        idempotency_lookup = tracing::field::Empty,
    )
}

/// The request's one log line, inside its span (which carries the rest).
fn log_response(response: &axum::http::Response<axum::body::Body>, latency: Duration, _span: &tracing::Span) {
    tracing::info!(status = response.status().as_u16(), latency_ms = latency.as_secs_f64() * 1000.0, "request");
}
