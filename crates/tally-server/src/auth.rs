//! Bearer tokens. A token belongs to one program; only its SHA-256 is stored,
//! so a leaked database does not leak working credentials.

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
            None => authenticate(state.store.as_ref(), &parts.headers).await?.0,
        };
        Ok(Self { program: caller.program, token_id: caller.token_id })
    }
}

/// Resolves `Authorization: Bearer <token>` to its caller and the token's hash.
pub(crate) async fn authenticate(store: &dyn Store, headers: &HeaderMap) -> Result<(Caller, String), ApiError> {
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
    match store.program_by_token_hash(&hash).await? {
        Some((program, token_id)) => Ok((Caller { program, token_id }, hash)),
        None => Err(unauthorized("the token is not valid")),
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
