use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use tally_core::ids::IdKind;
use tally_core::model::Redemption;
use utoipa::ToSchema;

use super::{Paginated, check_id};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Pagination, RedemptionStatusQuery, Write};
use crate::idempotency::{Begun, KeyPolicy, begin};
use crate::operations::redemptions::{self, RedeemRequest};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedemptionIn {
    pub customer_id: String,
    pub reward_id: String,
    /// Units of the reward, 1 to 1000; default 1.
    pub quantity: Option<i64>,
}

/// Redeem a reward: deducts points and stock atomically, never below zero.
#[utoipa::path(post, path = "/api/v1/redemptions", tag = "redemptions", request_body = RedemptionIn,
    params(("Idempotency-Key" = String, Header, description = "Required: one unique value per redemption intent, reused on retries")),
    responses((status = 201, body = Redemption), (status = 200, description = "Replay after the stored response expired", body = Redemption),
              (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
              (status = 503, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Write { body, meta }: Write<RedemptionIn>,
) -> ApiResult<Response> {
    let request = RedeemRequest {
        customer_id: body.customer_id,
        reward_id: body.reward_id,
        quantity: body.quantity.unwrap_or(1),
        expected_points: None,
    }
    .validate()?;
    match begin(&state, &program, meta, KeyPolicy::Required).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let key = exec.resource_key();
            let outcome = redemptions::redeem(exec.tx(), &program.id, request, key).await;
            exec.conclude(outcome).await
        }
    }
}

#[utoipa::path(get, path = "/api/v1/redemptions/{id}", tag = "redemptions",
    responses((status = 200, body = Redemption), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Redemption>> {
    check_id(IdKind::Redemption, &id, "redemption_not_found", "redemption")?;
    let redemption = state.store.redemption(&program.id, &id).await?;
    redemption.map(Json).ok_or_else(|| ApiError::not_found("redemption_not_found", "redemption"))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}/redemptions", tag = "redemptions",
    params(("limit" = Option<u32>, Query), ("starting_after" = Option<String>, Query)),
    responses((status = 200, body = Paginated<Redemption>), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list_for_customer(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
    Pagination(page): Pagination,
) -> ApiResult<Json<Paginated<Redemption>>> {
    check_id(IdKind::Customer, &id, "customer_not_found", "customer")?;
    if state.store.customer(&program.id, &id).await?.is_none() {
        return Err(ApiError::not_found("customer_not_found", "customer"));
    }
    let rows = state.store.redemptions(&program.id, &id, &page).await?;
    Ok(Json(Paginated::from_rows(rows, page.limit)))
}

/// No fields: the route's path says everything. Present so that `{}` and an
/// empty body are accepted and anything else is refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyIn {}

/// The lifecycle moves, each only from `pending`.
#[derive(Clone, Copy)]
enum Move {
    Fulfil,
    Cancel,
}

async fn transition(
    state: AppState,
    auth: Authenticated,
    id: String,
    write: Write<EmptyIn>,
    to: Move,
) -> ApiResult<Response> {
    let program = auth.program;
    check_id(IdKind::Redemption, &id, "redemption_not_found", "redemption")?;
    match begin(&state, &program, write.meta, KeyPolicy::Optional).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let key = exec.resource_key();
            let outcome = match to {
                Move::Fulfil => redemptions::fulfil(exec.tx(), &program.id, &id, key).await,
                Move::Cancel => redemptions::cancel(exec.tx(), &program.id, &id, key).await,
            };
            exec.conclude(outcome).await
        }
    }
}

/// `pending` → `fulfilled`. A repeat is 422 `already_fulfilled` (or `already_cancelled`).
#[utoipa::path(post, path = "/api/v1/redemptions/{id}/fulfil", tag = "redemptions", request_body = EmptyIn,
    responses((status = 200, body = Redemption), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn fulfil(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    write: Write<EmptyIn>,
) -> ApiResult<Response> {
    transition(state, auth, id, write, Move::Fulfil).await
}

/// `pending` → `cancelled`, refunding points and stock (and voiding a voucher's coupon) at once.
#[utoipa::path(post, path = "/api/v1/redemptions/{id}/cancel", tag = "redemptions", request_body = EmptyIn,
    responses((status = 200, body = Redemption), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    write: Write<EmptyIn>,
) -> ApiResult<Response> {
    transition(state, auth, id, write, Move::Cancel).await
}

/// The program's redemptions in one status, newest first: `?status=pending` is
/// the queue of rewards waiting to be handed over (or cancelled).
#[utoipa::path(get, path = "/api/v1/redemptions", tag = "redemptions",
    params(("status" = String, Query, description = "Required: `pending`, `fulfilled` or `cancelled`"),
           ("limit" = Option<u32>, Query), ("starting_after" = Option<String>, Query)),
    responses((status = 200, body = Paginated<Redemption>), (status = 400, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    RedemptionStatusQuery(status): RedemptionStatusQuery,
    Pagination(page): Pagination,
) -> ApiResult<Json<Paginated<Redemption>>> {
    let rows = state.store.redemptions_by_status(&program.id, status, &page).await?;
    Ok(Json(Paginated::from_rows(rows, page.limit)))
}
