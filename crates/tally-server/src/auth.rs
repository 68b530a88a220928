//! Bearer tokens. A token belongs to one program; only its SHA-256 is stored,
//! so a leaked database does not leak working credentials.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tally_core::model::Program;
use tally_store::{Store, StoreResult};

use crate::app::AppState;
use crate::error::ApiError;

const TOKEN_PREFIX: &str = "tly_";

/// Hash under which a token is stored and looked up.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token for a program and returns it in plain text: the only time
/// it is ever visible.
pub async fn issue_token(store: &dyn Store, program_id: &str) -> StoreResult<String> {
    let mut secret = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut secret);
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
    store.create_token(program_id, &hash_token(&token)).await?;
    Ok(token)
}

/// The program of the request's bearer token, and the token's id (kept on
/// what a token does by hand, such as manual adjustments).
pub struct Authenticated {
    pub program: Program,
    pub token_id: String,
}

/// The caller as the rate-limit middleware already resolved it for this
/// request, so a token is looked up once per request.
#[derive(Clone)]
pub(crate) struct Caller {
    pub program: Program,
    pub token_id: String,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = match parts.extensions.get::<Caller>() {
            Some(caller) => caller.clone(),
            None => authenticate(state, &parts.headers).await?.0,
        };
        Ok(Self { program: caller.program, token_id: caller.token_id })
    }
}

/// Resolves `Authorization: Bearer <token>` to its caller and the token's hash.
pub(crate) async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<(Caller, String), ApiError> {
    let unauthorized = |detail: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail);
    let value =
        headers.get(header::AUTHORIZATION).ok_or_else(|| unauthorized("send 'Authorization: Bearer <token>'"))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("the Authorization header must be 'Bearer <token>'"))?;
    let hash = hash_token(token);
    let tokens = &state.caches.tokens;
    if let Some(caller) = tokens.get(&hash) {
        return Ok((caller, hash));
    }
    let generation = tokens.generation();
    match state.store.program_by_token_hash(&hash).await? {
        Some((program, token_id)) => {
            tokens.put(hash.clone(), &program, &token_id, generation);
            Ok((Caller { program, token_id }, hash))
        }
        None => Err(unauthorized("the token is not valid")),
    }
}

/// How long a token's program (and so its settings) is trusted without asking
/// the database again. Authentication was one database round trip per request,
/// as much as a replay's whole answer costs. A change made through this node
/// (`PATCH /program`) is seen at once; one made through another node sharing
/// the database is seen within this time. Tokens are never revoked today; when
/// they can be, revocation will take up to this long to reach every node.
const TOKEN_TTL: Duration = Duration::from_secs(5);
/// Beyond this many tokens the cache starts over rather than growing.
const MAX_TOKENS: usize = 10_000;

/// The programs of the tokens one node saw lately (each `AppState` owns one).
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (Program, String, Instant)>>,
    /// Bumped by every `forget`, so a lookup that read the database before a
    /// change committed cannot cache what it read after the change.
    generation: AtomicU64,
}

impl TokenCache {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Program, String, Instant)>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, hash: &str) -> Option<Caller> {
        let map = self.map();
        let (program, token_id, at) = map.get(hash)?;
        (at.elapsed() < TOKEN_TTL).then(|| Caller { program: program.clone(), token_id: token_id.clone() })
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn put(&self, hash: String, program: &Program, token_id: &str, generation: u64) {
        let mut map = self.map();
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if map.len() >= MAX_TOKENS {
            map.clear();
        }
        map.insert(hash, (program.clone(), token_id.to_owned(), Instant::now()));
    }

    /// Forgets the cached settings of a program, after this node changed them.
    pub fn forget(&self, program_id: &str) {
        let mut map = self.map();
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.retain(|_, (program, _, _)| program.id != program_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_is_stable_and_hides_the_token() {
        let h = hash_token("tly_abc");
        assert_eq!(h, hash_token("tly_abc"));
        assert_ne!(h, hash_token("tly_abd"));
        assert_eq!(h.len(), 64);
        assert!(!h.contains("abc"));
    }
}
