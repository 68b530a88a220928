use axum::Json;
use axum::extract::State;
use axum::response::Response;
use tally_core::model::Coupon;

use super::redemptions::EmptyIn;
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Write};
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

/// Get a coupon
///
/// A voucher's coupon by its code (case-insensitive), with its status
/// (`active`, `redeemed`, `void`).
#[utoipa::path(get, path = "/api/v1/coupons/{code}", tag = "coupons", operation_id = "coupons_get",
    params(("code" = String, Path, description = "The coupon's code, as printed (case-insensitive)", example = "3ZK3Q9M2D4T6V8X0B1C3E5F7G9")),
    responses((status = 200, description = "The coupon", body = Coupon)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(code): Path<String>,
) -> ApiResult<Json<Coupon>> {
    let code = code_from_path(&code)?;
    let coupon = state.store.coupon(&program.id, &code).await?;
    coupon.map(Json).ok_or_else(|| ApiError::not_found("coupon_not_found", "coupon"))
}

/// Redeem a coupon
///
/// Uses a coupon, once, at the till: fulfils its redemption. A second use is
/// 422 `already_redeemed`; a coupon whose redemption was cancelled is 422
/// `coupon_void`. A retry with the same `Idempotency-Key` replays the first use.
#[utoipa::path(post, path = "/api/v1/coupons/{code}/redeem", tag = "coupons", operation_id = "coupons_redeem",
    request_body(content = EmptyIn, description = "Optional: an empty body or `{}`", content_type = "application/json"),
    params(("code" = String, Path, description = "The coupon's code, as printed (case-insensitive)", example = "3ZK3Q9M2D4T6V8X0B1C3E5F7G9")),
    responses((status = 200, description = "The coupon, now redeemed", body = Coupon)),
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
