use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use tally_core::model::Coupon;

use super::redemptions::EmptyIn;
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::Write;
use crate::idempotency::{Begun, KeyPolicy, begin};
use crate::operations::coupons;

/// Longer input cannot be a code; refusing it early keeps hostile paths away from storage.
const MAX_CODE_LEN: usize = 64;

fn code_from_path(raw: &str) -> ApiResult<String> {
    if raw.len() > MAX_CODE_LEN || !raw.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::not_found("coupon_not_found", "coupon"));
    }
    Ok(coupons::normalize_code(raw))
}

/// A coupon by its code (case-insensitive).
#[utoipa::path(get, path = "/api/v1/coupons/{code}", tag = "coupons",
    responses((status = 200, body = Coupon), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(code): Path<String>,
) -> ApiResult<Json<Coupon>> {
    let code = code_from_path(&code)?;
    let coupon = state.store.coupon(&program.id, &code).await?;
    coupon.map(Json).ok_or_else(|| ApiError::not_found("coupon_not_found", "coupon"))
}

/// Use a coupon, once: fulfils its redemption. A second use is 422 `already_redeemed`;
/// a coupon whose redemption was cancelled is 422 `coupon_void`.
#[utoipa::path(post, path = "/api/v1/coupons/{code}/redeem", tag = "coupons", request_body = EmptyIn,
    params(("Idempotency-Key" = String, Header, description = "Required: one unique value per use, reused on retries")),
    responses((status = 200, body = Coupon), (status = 400, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn redeem(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(code): Path<String>,
    Write { meta, .. }: Write<EmptyIn>,
) -> ApiResult<Response> {
    let code = code_from_path(&code)?;
    match begin(&state, &program, meta, KeyPolicy::Required).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let key = exec.resource_key();
            let outcome = coupons::redeem(exec.tx(), &program.id, &code, key).await;
            exec.conclude(outcome).await
        }
    }
}
