//! The idempotency executor: claim the key, replay or refuse, run the effect,
//! store the response — all inside the one store transaction of the effect.
//!
//! It is not a tower layer on purpose: a layer wraps the handler from outside
//! and cannot share its transaction, and "record exists if and only if the
//! effect committed" needs exactly that sharing.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use tally_core::model::{IdempotencyRecord, Program};
use tally_store::{KeyLock, KeyedResource, NewIdempotencyRecord, ResourceKey, Store, StoreError, StoreTx};
use tokio::time::Instant;

use crate::error::{ApiError, ApiResult, IDEMPOTENCY_DOCS};
use crate::extract::WriteMeta;
use crate::telemetry;

pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
pub const LOOKUP: HeaderName = HeaderName::from_static("x-idempotency-lookup");

/// Response headers worth replaying. Anything else (cookies, hop-by-hop,
/// per-attempt ids) belongs to one attempt, not to the stored answer.
const STORED_HEADERS: [HeaderName; 2] = [header::CONTENT_TYPE, header::LOCATION];

/// Whether a route moves points or stock, and so requires a key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum KeyPolicy {
    Required,
    Optional,
}

/// A response about to be returned and, for a keyed 2xx, stored.
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, String)>,
    pub body: Bytes,
    /// The id of what the request made, shown by `GET /idempotency-keys/{key}`.
    pub resource_id: Option<String>,
}

impl Reply {
    pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Self {
        Self {
            status,
            headers: vec![(header::CONTENT_TYPE, "application/json".to_owned())],
            body: serde_json::to_vec(value).unwrap_or_default().into(),
            resource_id: None,
        }
    }

    pub fn created_at<T: Serialize>(value: &T, location: String, resource_id: &str) -> Self {
        let mut reply = Self::json(StatusCode::CREATED, value);
        reply.headers.push((header::LOCATION, location));
        reply.resource_id = Some(resource_id.to_owned());
        reply
    }

    pub fn with_resource(mut self, id: &str) -> Self {
        self.resource_id = Some(id.to_owned());
        self
    }

    fn into_response_with(self, lookup: Option<Lookup>) -> Response {
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        if let Some(lookup) = lookup {
            let replayed = matches!(lookup, Lookup::Hit | Lookup::Waited);
            headers.insert(REPLAYED, HeaderValue::from_static(if replayed { "true" } else { "false" }));
            headers.insert(LOOKUP, HeaderValue::from_static(lookup.as_str()));
        }
        response
    }

    fn from_record(record: &IdempotencyRecord) -> Self {
        Self {
            status: StatusCode::from_u16(record.status).unwrap_or(StatusCode::OK),
            headers: record
                .headers
                .iter()
                .filter_map(|(name, value)| HeaderName::from_bytes(name.as_bytes()).ok().map(|n| (n, value.clone())))
                .collect(),
            body: Bytes::copy_from_slice(&record.body),
            resource_id: record.resource_id.clone(),
        }
    }
}

#[derive(Clone, Copy)]
enum Lookup {
    Miss,
    Hit,
    /// Met the key in flight, waited (`Prefer: wait`) and replayed its response.
    Waited,
}

impl Lookup {
    fn as_str(self) -> &'static str {
        match self {
            Lookup::Miss => "miss",
            Lookup::Hit => "hit",
            Lookup::Waited => "waited",
        }
    }
}

/// Notes what became of a key, in the request's log line and in the metrics:
/// `miss`, `hit`, `waited`, `reused`, `in_use` or `missing`.
fn note(outcome: &'static str) {
    tracing::Span::current().record("idempotency_lookup", outcome);
    telemetry::lookup(outcome);
}

/// Back-off between claims of a key that is in flight: from 10 ms, doubling,
/// at most 200 ms — a few dozen cheap attempts in the longest wait, never a
/// tight loop on the database, and a waiter hears of the first request's end
/// within 200 ms on whichever node it runs.
const FIRST_RETRY: Duration = Duration::from_millis(10);
const MAX_RETRY: Duration = Duration::from_millis(200);

/// The outcome of claiming a key.
pub enum Begun {
    /// The key already has a stored response: return it, execute nothing.
    Replay(Response),
    /// First time: run the effect through `Execution::tx`, then `finish`.
    Fresh(Execution),
}

pub struct Execution {
    tx: Box<dyn StoreTx>,
    program_id: String,
    retention_hours: i32,
    meta: WriteMeta,
    outcome: Outcome,
}

/// The lookup outcome of a keyed execution, counted once when the execution
/// ends, however it ends: `miss`, unless it turned into a replay of the
/// resource the key made (`hit`).
struct Outcome(Option<&'static str>);

impl Drop for Outcome {
    fn drop(&mut self) {
        if let Some(outcome) = self.0 {
            telemetry::lookup(outcome);
        }
    }
}

/// Claims the request's key (if any) and opens the transaction of its effect.
pub async fn begin(store: &dyn Store, program: &Program, meta: WriteMeta, policy: KeyPolicy) -> ApiResult<Begun> {
    // The program is on the request's span already (`ratelimit::admit`).
    let span = tracing::Span::current();
    let Some(key) = &meta.key else {
        if policy == KeyPolicy::Required && program.settings.require_idempotency_key {
            note("missing");
            return Err(missing_key());
        }
        let tx = store.begin(None).await?;
        return Ok(Begun::Fresh(Execution::new(tx, program, meta)));
    };
    span.record("idempotency_key", key.as_str());
    // A stored response, once visible, never changes until it expires, so a
    // replay reads it without a transaction or the key's lock (from memory if
    // this node read it lately, see `replay_cache`): replays neither queue
    // behind writes (SQLite has one writer) nor contend for the lock
    // (concurrent retries of one completed key would answer 409). Only a miss
    // goes on to claim the key, and looks again under the lock. A store that
    // reads the record with the claim in one round trip (PostgreSQL) claims
    // first and looks without the lock only when the claim fails, so a first
    // write costs one round trip less and a replay one more.
    if let Some(record) = crate::replay_cache::get(&program.id, key.as_str()) {
        return replay(&meta, &record, Lookup::Hit);
    }
    let claim_reads_record = store.claim_reads_record();
    if !claim_reads_record && let Some(record) = stored_record(store, program, key.as_str()).await? {
        return replay(&meta, &record, Lookup::Hit);
    }
    let lock = KeyLock { program_id: program.id.clone(), key: key.as_str().to_owned() };
    let (mut tx, waited) = match store.begin(Some(&lock)).await {
        Ok(tx) => (tx, false),
        Err(StoreError::KeyInUse) => {
            if claim_reads_record && let Some(record) = stored_record(store, program, key.as_str()).await? {
                // Completed; the holder is another replay of it.
                return replay(&meta, &record, Lookup::Hit);
            }
            match meta.wait {
                Some(wait) => (claim_within(store, &lock, wait).await?, true),
                None => {
                    note("in_use");
                    return Err(ApiError::key_in_use());
                }
            }
        }
        Err(e) => return Err(ApiError::from_keyed_store_error(e)),
    };
    match tx.idempotency_record(&program.id, key.as_str()).await.map_err(ApiError::from_keyed_store_error)? {
        Some(record) => {
            let record = crate::replay_cache::remember(&program.id, record);
            replay(&meta, &record, if waited { Lookup::Waited } else { Lookup::Hit })
        }
        // After a wait too: the first request failed and recorded nothing, so
        // this one runs afresh, exactly as a later retry would.
        // Counted when the execution ends: it may yet replay a resource.
        None => {
            span.record("idempotency_lookup", Lookup::Miss.as_str());
            Ok(Begun::Fresh(Execution::new(tx, program, meta)))
        }
    }
}

/// The key's stored response, read outside any transaction (and remembered).
async fn stored_record(
    store: &dyn Store,
    program: &Program,
    key: &str,
) -> ApiResult<Option<std::sync::Arc<IdempotencyRecord>>> {
    let found = store.idempotency_record(&program.id, key).await.map_err(ApiError::from_keyed_store_error)?;
    Ok(found.map(|record| crate::replay_cache::remember(&program.id, record)))
}

/// `Prefer: wait`: claims a key that is in flight as soon as its holder ends,
/// or answers 409 when `wait` runs out first. Holders on other nodes are seen
/// through the store's lock, so this works on whichever node the waiter runs.
async fn claim_within(store: &dyn Store, lock: &KeyLock, wait: Duration) -> ApiResult<Box<dyn StoreTx>> {
    let deadline = Instant::now() + wait;
    let _waiting = telemetry::waiting();
    let mut pause = FIRST_RETRY;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            note("in_use");
            return Err(ApiError::key_in_use());
        }
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(MAX_RETRY);
        match store.begin(Some(lock)).await {
            Ok(tx) => return Ok(tx),
            Err(StoreError::KeyInUse) => continue,
            Err(e) => return Err(ApiError::from_keyed_store_error(e)),
        }
    }
}

/// Answers with a stored response, or 422 if the key was used for another request.
fn replay(meta: &WriteMeta, record: &IdempotencyRecord, lookup: Lookup) -> ApiResult<Begun> {
    check_same_request(meta, record).inspect_err(|_| note("reused"))?;
    note(lookup.as_str());
    Ok(Begun::Replay(Reply::from_record(record).into_response_with(Some(lookup))))
}

fn missing_key() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "idempotency_key_missing",
        "this operation moves points or stock and needs an 'Idempotency-Key' header: \
         a unique value per intent (a UUID v4 is ideal), reused unchanged on every retry of that intent",
    )
    .with_docs_link(IDEMPOTENCY_DOCS)
}

fn check_same_request(meta: &WriteMeta, record: &IdempotencyRecord) -> ApiResult<()> {
    if record.method == meta.method.as_str() && record.path == meta.path && record.fingerprint == meta.fingerprint {
        return Ok(());
    }
    Err(ApiError::unprocessable(
        "idempotency_key_reused",
        format!(
            "this Idempotency-Key was first used for a different request ({} {} at {}); use a new key for a new intent",
            record.method,
            record.path,
            record.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    ))
}

impl Execution {
    fn new(tx: Box<dyn StoreTx>, program: &Program, meta: WriteMeta) -> Self {
        Self {
            tx,
            program_id: program.id.clone(),
            retention_hours: program.settings.idempotency_retention_hours,
            outcome: Outcome(meta.key.as_ref().map(|_| Lookup::Miss.as_str())),
            meta,
        }
    }

    pub fn tx(&mut self) -> &mut dyn StoreTx {
        self.tx.as_mut()
    }

    /// Key and fingerprint to keep on a points-moving resource.
    pub fn resource_key(&self) -> Option<ResourceKey> {
        self.meta
            .key
            .as_ref()
            .map(|k| ResourceKey { key: k.as_str().to_owned(), fingerprint: self.meta.fingerprint.clone() })
    }

    pub fn key(&self) -> Option<&str> {
        self.meta.key.as_ref().map(|k| k.as_str())
    }

    /// Answers a retry whose stored response has expired but whose resource
    /// still carries the key: the guarantee outlives the retention window.
    pub fn replay_resource<T: Serialize>(mut self, found: KeyedResource<T>, id: &str) -> ApiResult<Response> {
        if found.fingerprint != self.meta.fingerprint {
            tracing::Span::current().record("idempotency_lookup", "reused");
            self.outcome.0 = Some("reused");
            return Err(ApiError::unprocessable(
                "idempotency_key_reused",
                format!(
                    "this Idempotency-Key already made {id} with a different request; use a new key for a new intent"
                ),
            ));
        }
        tracing::Span::current().record("idempotency_lookup", Lookup::Hit.as_str());
        self.outcome.0 = Some(Lookup::Hit.as_str());
        Ok(Reply::json(StatusCode::OK, &found.resource).with_resource(id).into_response_with(Some(Lookup::Hit)))
    }

    /// Stores the reply under the key (for a 2xx) and commits it with the effect.
    pub async fn finish(mut self, reply: Reply) -> ApiResult<Response> {
        let lookup = self.meta.key.as_ref().map(|_| Lookup::Miss);
        let stores = self.meta.key.is_some() && reply.status.is_success();
        if let Some(key) = &self.meta.key
            && stores
        {
            let record = NewIdempotencyRecord {
                key: key.as_str().to_owned(),
                method: self.meta.method.as_str().to_owned(),
                path: self.meta.path.clone(),
                fingerprint: self.meta.fingerprint.clone(),
                status: reply.status.as_u16(),
                headers: reply
                    .headers
                    .iter()
                    .filter(|(name, _)| STORED_HEADERS.contains(name))
                    .map(|(name, value)| (name.as_str().to_owned(), value.clone()))
                    .collect(),
                body: reply.body.to_vec(),
                resource_id: reply.resource_id.clone(),
            };
            self.tx.save_idempotency_record(&self.program_id, &record, self.retention_hours).await?;
        }
        let keyed = self.meta.key.is_some();
        self.tx.commit().await.map_err(|e| if keyed { ApiError::from_keyed_store_error(e) } else { e.into() })?;
        if stores {
            telemetry::record_stored();
        }
        Ok(reply.into_response_with(lookup))
    }
}
