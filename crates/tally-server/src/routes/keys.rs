use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tally_core::IdempotencyKey;
use tally_store::KeyLock;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    InFlight,
    Completed,
}

/// What the server knows of one key of the caller's program.
#[derive(Serialize, ToSchema)]
pub struct KeyInfo {
    pub key: String,
    pub state: KeyState,
    pub method: Option<String>,
    pub path: Option<String>,
    pub first_seen_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub status: Option<u16>,
    pub resource_id: Option<String>,
}

/// Look up an idempotency key
///
/// What the server knows of one key of the caller's program: `in_flight`
/// while its first request runs, `completed` with the stored response's
/// facts (method, path, status, the resource it made, when it expires); 404
/// when unknown or expired. Keys of other programs are never visible.
#[utoipa::path(get, path = "/api/v1/idempotency-keys/{key}", tag = "idempotency", operation_id = "idempotency_keys_get",
    params(("key" = String, Path, description = "The key as sent in `Idempotency-Key` (percent-encoded in the path)", example = "redeem-1")),
    responses((status = 200, description = "The key's state", body = KeyInfo)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(raw): Path<String>,
) -> ApiResult<Json<KeyInfo>> {
    let unknown = || ApiError::not_found("idempotency_key_not_found", "idempotency key");
    let key = IdempotencyKey::parse(raw.as_bytes()).map_err(|_| unknown())?;
    if let Some(record) = state.store.idempotency_record(&program.id, key.as_str()).await? {
        return Ok(Json(KeyInfo {
            key: record.key,
            state: KeyState::Completed,
            method: Some(record.method),
            path: Some(record.path),
            first_seen_at: Some(record.created_at),
            expires_at: Some(record.expires_at),
            status: Some(record.status),
            resource_id: record.resource_id,
        }));
    }
    let lock = KeyLock { program_id: program.id.clone(), key: key.as_str().to_owned() };
    if state.store.key_in_flight(&lock).await? {
        return Ok(Json(KeyInfo {
            key: lock.key,
            state: KeyState::InFlight,
            method: None,
            path: None,
            first_seen_at: None,
            expires_at: None,
            status: None,
            resource_id: None,
        }));
    }
    Err(unknown())
}
