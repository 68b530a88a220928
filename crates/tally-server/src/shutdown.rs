//! Graceful shutdown. On SIGTERM (or Ctrl-C) a node:
//!
//! 1. turns `/readyz` unready (503 `draining`) while it keeps serving for
//!    `delay`, so a load balancer polling readiness stops sending it traffic
//!    before its port closes;
//! 2. stops accepting connections and lets in-flight requests finish, for at
//!    most `grace`;
//! 3. exits 0.
//!
//! A request cut off by the end of `grace` loses nothing that matters: its
//! transaction had not committed (it is rolled back with the connection) or
//! it had, and a retry with the same key replays the stored response.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

/// Whether this node is on its way out; shared by `/readyz`.
#[derive(Clone, Default)]
pub struct Lifecycle {
    draining: Arc<AtomicBool>,
}

impl Lifecycle {
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownSettings {
    /// How long `/readyz` says unready before the listener closes.
    pub delay: Duration,
    /// How long in-flight requests get to finish once it has.
    pub grace: Duration,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        Self { delay: Duration::from_secs(1), grace: Duration::from_secs(10) }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn signal() {
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

/// Serves until `stop` resolves, then drains as the module comment says.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    lifecycle: Lifecycle,
    settings: ShutdownSettings,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    let drain = async move {
        stop.await;
        lifecycle.start_draining();
        tracing::info!(delay_ms = settings.delay.as_millis() as u64, "shutting down: /readyz now answers 503");
        tokio::time::sleep(settings.delay).await;
        tracing::info!(
            grace_ms = settings.grace.as_millis() as u64,
            "no longer accepting connections; finishing in-flight requests"
        );
        let _ = closed_tx.send(());
    };
    let server = axum::serve(listener, router).with_graceful_shutdown(drain);
    let deadline = async move {
        match closed_rx.await {
            Ok(()) => tokio::time::sleep(settings.grace).await,
            // The server ended on its own (an I/O error): it decides.
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        served = server => {
            tracing::info!("every request finished; stopped");
            served
        }
        () = deadline => {
            tracing::warn!("shutdown grace period over: closing the connections still open");
            Ok(())
        }
    }
}
