//! The idempotency protocol, whole: parse → claim → look up → execute →
//! conclude → store → answer, all inside the one store transaction of the
//! effect (`docs/idempotency.md` is the contract this module implements).
//!
//! A handler calls [`begin`], runs its domain operation on
//! [`Execution::tx`] and hands the operation's result to
//! [`Execution::conclude`], which stores a 2xx under the key and commits it
//! with the effect, or rolls the transaction back — awaited, so the key is
//! free before the client hears the refusal.
//!
//! It is not a tower layer on purpose: a layer wraps the handler from outside
//! and cannot share its transaction, and "record exists if and only if the
//! effect committed" needs exactly that sharing.

mod reply;

use std::time::Duration;

use axum::response::Response;
use tally_core::model::{IdempotencyRecord, Program};
use tally_store::events::NewEvent;
use tally_store::{Claim, KeyLock, KeyedResource, NewIdempotencyRecord, ResourceKey, Store, StoreError, StoreTx};
use tokio::time::Instant;

use self::reply::STORED_HEADERS;
pub use self::reply::{Change, LOOKUP, Lookup, REPLAYED, Reply, Resource};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, IDEMPOTENCY_DOCS};
use crate::extract::WriteMeta;
use crate::operations::Outcome;
use crate::{telemetry, webhooks};

/// Whether a route moves points or stock, and so requires a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPolicy {
    Required,
    Optional,
}

/// Notes what became of a key, in the request's log line and in the metrics.
fn note(lookup: Lookup) {
    tracing::Span::current().record("idempotency_lookup", lookup.as_str());
    telemetry::lookup(lookup.as_str());
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
    /// First time: run the effect through `Execution::tx`, then `conclude`.
    Fresh(Execution),
}

/// One write's transaction, holding its key (if any) until it concludes.
pub struct Execution {
    /// `None` only once concluded.
    tx: Option<Box<dyn StoreTx>>,
    program_id: String,
    retention_hours: i32,
    meta: WriteMeta,
    /// What to count for the key when the execution ends, however it ends (a
    /// cancelled request included): `miss`, unless it became a replay of the
    /// resource the key made (`hit`) or a reuse (`reused`).
    lookup: Option<Lookup>,
}

impl Drop for Execution {
    fn drop(&mut self) {
        if let Some(lookup) = self.lookup {
            telemetry::lookup(lookup.as_str());
        }
    }
}

/// Claims the request's key (if any) and opens the transaction of its effect.
pub async fn begin(state: &AppState, program: &Program, meta: WriteMeta, policy: KeyPolicy) -> ApiResult<Begun> {
    let (store, replays) = (state.store.as_ref(), &state.caches.replays);
    // The program is on the request's span already (`ratelimit::admit`).
    let Some(key) = &meta.key else {
        if policy == KeyPolicy::Required && program.settings.require_idempotency_key {
            note(Lookup::Missing);
            return Err(missing_key());
        }
        let tx = store.begin(None).await?;
        return Ok(Begun::Fresh(Execution::new(tx, program, meta)));
    };
    tracing::Span::current().record("idempotency_key", key.as_str());
    // A stored response, once visible, never changes until it expires, so a
    // replay needs neither a transaction nor the key's lock: this node may
    // have it in memory (`ReplayCache`), and otherwise the claim finds it.
    if let Some(record) = replays.get(&program.id, key.as_str()) {
        return replay(&meta, &record, Lookup::Hit);
    }
    let lock = KeyLock { program_id: program.id.clone(), key: key.as_str().to_owned() };
    let keyed = ApiError::from_keyed_store_error;
    let waited = match store.claim(&lock).await.map_err(keyed)? {
        Claim::Completed(record) => return replay(&meta, &replays.remember(&program.id, record), Lookup::Hit),
        Claim::Fresh(tx) => return Ok(Begun::Fresh(Execution::new(tx, program, meta))),
        // In flight — or completed, and the holder is another replay of it.
        Claim::Held => match store.idempotency_record(&program.id, key.as_str()).await.map_err(keyed)? {
            Some(record) => return replay(&meta, &replays.remember(&program.id, record), Lookup::Hit),
            None => match meta.wait {
                Some(wait) => claim_within(store, &lock, wait).await?,
                None => {
                    note(Lookup::InUse);
                    return Err(ApiError::key_in_use());
                }
            },
        },
    };
    match waited {
        Claim::Completed(record) => replay(&meta, &replays.remember(&program.id, record), Lookup::Waited),
        // The first request failed and recorded nothing, so this one runs
        // afresh, exactly as a later retry would.
        Claim::Fresh(tx) => Ok(Begun::Fresh(Execution::new(tx, program, meta))),
        // `claim_within` returns only a settled claim; were it not so, the
        // safe answer is the one a client already handles.
        Claim::Held => {
            note(Lookup::InUse);
            Err(ApiError::key_in_use())
        }
    }
}

/// `Prefer: wait`: claims a key that is in flight as soon as its holder ends,
/// or answers 409 when `wait` runs out first. Holders on other nodes are seen
/// through the store's lock, so this works on whichever node the waiter runs.
async fn claim_within(store: &dyn Store, lock: &KeyLock, wait: Duration) -> ApiResult<Claim> {
    let deadline = Instant::now() + wait;
    let _waiting = telemetry::waiting();
    let mut pause = FIRST_RETRY;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            note(Lookup::InUse);
            return Err(ApiError::key_in_use());
        }
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(MAX_RETRY);
        match store.claim(lock).await.map_err(ApiError::from_keyed_store_error)? {
            Claim::Held => continue,
            settled => return Ok(settled),
        }
    }
}

/// Answers with a stored response, or 422 if the key was used for another request.
fn replay(meta: &WriteMeta, record: &IdempotencyRecord, lookup: Lookup) -> ApiResult<Begun> {
    check_same_request(meta, record).inspect_err(|_| note(Lookup::Reused))?;
    let reply = Reply::from_record(record)?;
    note(lookup);
    Ok(Begun::Replay(reply.into_response_with(Some(lookup))))
}

fn missing_key() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
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
        if meta.key.is_some() {
            tracing::Span::current().record("idempotency_lookup", Lookup::Miss.as_str());
        }
        Self {
            tx: Some(tx),
            program_id: program.id.clone(),
            retention_hours: program.settings.idempotency_retention_hours,
            lookup: meta.key.as_ref().map(|_| Lookup::Miss),
            meta,
        }
    }

    pub fn tx(&mut self) -> &mut dyn StoreTx {
        self.tx.as_deref_mut().expect("the transaction is open until the execution concludes")
    }

    /// Key and fingerprint to keep on a points-moving resource or a state change.
    pub fn resource_key(&self) -> Option<ResourceKey> {
        self.meta
            .key
            .as_ref()
            .map(|k| ResourceKey { key: k.as_str().to_owned(), fingerprint: self.meta.fingerprint.clone() })
    }

    /// Turns a domain operation's result into the answer: a 2xx is stored
    /// under the key and committed with the effect — and with the effect's
    /// event, if it emits one; a refusal or a failure rolls the transaction
    /// back — awaited, so the key is free again before the client hears the
    /// answer, and a retry that follows it, on any node, never finds its own
    /// key in flight.
    pub async fn conclude<T: Resource>(self, result: ApiResult<Outcome<T>>) -> ApiResult<Response> {
        self.conclude_as(result, |resource| resource).await
    }

    /// `conclude`, answering in another shape (`shape`; the v2 routes): the
    /// event still carries the resource as v1 shows it, so a receiver sees one
    /// shape whichever route made the effect.
    pub async fn conclude_as<T: Resource, R: Resource>(
        mut self,
        result: ApiResult<Outcome<T>>,
        shape: impl FnOnce(T) -> R,
    ) -> ApiResult<Response> {
        let answer = match result {
            Ok(Outcome::Created(made)) => {
                self.event_of(&made, Change::Created).and_then(|event| Ok((Reply::created(&shape(made))?, event)))
            }
            Ok(Outcome::Changed(found)) => {
                self.event_of(&found, Change::Changed).and_then(|event| Ok((Reply::ok(&shape(found))?, event)))
            }
            Ok(Outcome::Existing(found)) => Reply::ok(&shape(found)).map(|reply| (reply, None)),
            Ok(Outcome::Replayed(found)) => {
                let found = KeyedResource { resource: shape(found.resource), fingerprint: found.fingerprint };
                return self.replay_resource(found).await;
            }
            Err(refusal) => Err(refusal),
        };
        match answer {
            Ok((reply, event)) => self.finish(reply, event).await,
            Err(refusal) => Err(self.abandon(refusal).await),
        }
    }

    /// The event of what this request did to `resource`, if that emits one.
    fn event_of<T: Resource>(&self, resource: &T, change: Change) -> ApiResult<Option<NewEvent>> {
        let Some((event_type, customer_id)) = resource.event(change) else { return Ok(None) };
        let key = self.meta.key.as_ref().map(|k| k.as_str());
        webhooks::event_of(event_type, customer_id, key, resource).map(Some)
    }

    /// Answers a retry whose stored response has expired but whose resource
    /// still carries the key: the guarantee outlives the retention window.
    async fn replay_resource<T: Resource>(mut self, found: KeyedResource<T>) -> ApiResult<Response> {
        if found.fingerprint != self.meta.fingerprint {
            self.settle_lookup(Lookup::Reused);
            let refusal = ApiError::unprocessable(
                "idempotency_key_reused",
                format!(
                    "this Idempotency-Key already made or changed {} with a different request; use a new key for a new intent",
                    found.resource.id()
                ),
            );
            return Err(self.abandon(refusal).await);
        }
        self.settle_lookup(Lookup::Hit);
        match Reply::ok(&found.resource) {
            Ok(reply) => {
                // The effect committed long ago; this transaction changed nothing.
                self.end().await?;
                Ok(reply.into_response_with(Some(Lookup::Hit)))
            }
            Err(e) => Err(self.abandon(e).await),
        }
    }

    fn settle_lookup(&mut self, lookup: Lookup) {
        tracing::Span::current().record("idempotency_lookup", lookup.as_str());
        self.lookup = Some(lookup);
    }

    /// The store error of this write, as the client must hear it: with a key,
    /// every storage failure is the idempotency 503 (retry with the same key).
    fn store_error(&self, e: StoreError) -> ApiError {
        if self.meta.key.is_some() { ApiError::from_keyed_store_error(e) } else { e.into() }
    }

    /// Rolls the transaction back and waits for it to end.
    async fn end(&mut self) -> ApiResult<()> {
        let tx = self.tx.take().expect("the transaction is open until the execution concludes");
        tx.rollback().await.map_err(|e| self.store_error(e))
    }

    /// Ends the transaction without effect and returns `refusal` (or the
    /// rollback's own failure, which says more about the storage).
    async fn abandon(&mut self, refusal: ApiError) -> ApiError {
        match self.end().await {
            Ok(()) => refusal,
            Err(e) => e,
        }
    }

    /// Stores the reply under the key (for a 2xx) and commits it with the
    /// effect and its event.
    async fn finish(mut self, reply: Reply, event: Option<NewEvent>) -> ApiResult<Response> {
        // The fields, not `self.tx()`: the transaction and the program are borrowed apart.
        let tx = self.tx.as_deref_mut().expect("the transaction is open until the execution concludes");
        if let Some(event) = event
            && let Err(e) = tx.emit(&self.program_id, event).await
        {
            let refusal = self.store_error(e);
            return Err(self.abandon(refusal).await);
        }
        let record = match &self.meta.key {
            Some(key) if reply.status.is_success() => Some(NewIdempotencyRecord {
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
                retention_hours: self.retention_hours,
            }),
            _ => None,
        };
        let tx = self.tx.take().expect("the transaction is open until the execution concludes");
        // On failure the transaction has ended already: the key is free.
        tx.commit_with_record(&self.program_id, record.as_ref()).await.map_err(|e| self.store_error(e))?;
        if record.is_some() {
            telemetry::record_stored();
        }
        Ok(reply.into_response_with(self.meta.key.as_ref().map(|_| Lookup::Miss)))
    }
}
