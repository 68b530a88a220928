use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};

/// The process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Storage answers and the node is not shutting down: a load balancer sends
/// traffic here only then.
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    if state.lifecycle.is_draining() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "draining",
            "this node is shutting down and finishing its in-flight requests",
        ));
    }
    state.store.ping().await?;
    Ok(Json(json!({ "status": "ready", "storage": state.store.backend() })))
}

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], crate::openapi::document_json())
}

/// The idempotency contract, published where the 400 for a missing key points.
pub async fn idempotency_docs() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        include_str!("../../../../docs/idempotency.md"),
    )
}

/// `GET /docs/webhooks`: the delivery promise and the retry schedule, as served text.
pub async fn webhooks_docs() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        include_str!("../../../../docs/webhooks.md"),
    )
}
