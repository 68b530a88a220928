use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use tally_core::ids::IdKind;
use tally_core::model::{Program, Redemption};
use tally_store::StatusPage;
use utoipa::ToSchema;

use super::{ListParams, Paginated, check_id};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Pagination, Path, RedemptionStatusQuery, Write, WriteMeta};
use crate::idempotency::{Begun, KeyPolicy, Resource, begin};
use crate::operations::redemptions::{self, RedeemRequest};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8", "reward_id": "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M"}))]
pub struct RedemptionIn {
    /// Whose points pay (`cus_…`).
    #[schema(example = "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8")]
    pub customer_id: String,
    /// What they buy (`rwd_…`).
    #[schema(example = "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M")]
    pub reward_id: String,
    /// Units of the reward, 1 to 1000; default 1.
    #[schema(minimum = 1, maximum = 1000, default = 1)]
    pub quantity: Option<i64>,
}

/// Redeem a reward
///
/// Spends the customer's points on a reward: deducts points and stock
/// atomically, never below zero, and issues a single-use coupon when the
/// reward is a voucher. The redemption starts `pending`; fulfil or cancel it.
/// Send it twice with one `Idempotency-Key` and the second answer is the
/// first one replayed (`Idempotent-Replayed: true`), debiting once.
#[utoipa::path(post, path = "/api/v1/redemptions", tag = "redemptions", operation_id = "redemptions_create",
    request_body = RedemptionIn,
    responses((status = 201, description = "Redeemed: points and stock are deducted", body = Redemption, example = json!({"id": "rdm_01JDQ5ZH5Q7W9E1R3T5Y7V9J1K", "customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8", "reward_id": "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M", "quantity": 1, "points_spent": 100, "status": "pending", "coupon_code": null, "created_at": "2026-12-01T09:32:00.000Z"})),
              (status = 200, description = "A retry whose stored response expired: the redemption its key made", body = Redemption)),
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
    redeem_as::<Redemption>(&state, &program, meta, request).await
}

/// Redeems under the request's key and answers with the redemption as `R`:
/// v1's `Redemption` itself, or v2's compatibility shape. One executor path
/// for both routes, so they keep one idempotency contract.
pub(super) async fn redeem_as<R: Resource + From<Redemption>>(
    state: &AppState,
    program: &Program,
    meta: WriteMeta,
    request: RedeemRequest,
) -> ApiResult<Response> {
    match begin(state, program, meta, KeyPolicy::Required).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let key = exec.resource_key();
            let outcome = redemptions::redeem(exec.tx(), &program.id, request, key).await;
            // The event carries v1's shape whichever route made it (`conclude_as`).
            exec.conclude_as(outcome, R::from).await
        }
    }
}

/// Get a redemption
///
/// A redemption with its status (`pending`, `fulfilled`, `cancelled`) and, for
/// a voucher, its coupon code.
#[utoipa::path(get, path = "/api/v1/redemptions/{id}", tag = "redemptions", operation_id = "redemptions_get",
    params(("id" = String, Path, description = "The redemption's id (`rdm_…`)", example = "rdm_01JDQ5ZH5Q7W9E1R3T5Y7V9J1K")),
    responses((status = 200, description = "The redemption", body = Redemption)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Redemption>> {
    check_id(IdKind::Redemption, &id, "redemption_not_found", "redemption")?;
    let redemption = state.store.redemption(&program.id, &id).await?;
    redemption.map(Json).ok_or_else(|| ApiError::not_found("redemption_not_found", "redemption"))
}

/// List a customer's redemptions
///
/// The customer's redemptions, newest first, in every status.
#[utoipa::path(get, path = "/api/v1/customers/{id}/redemptions", tag = "redemptions", operation_id = "customers_redemptions_list",
    params(("id" = String, Path, description = "The customer's id (`cus_…`)", example = "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8"),
           ListParams),
    responses((status = 200, description = "A page of redemptions", body = Paginated<Redemption>)),
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

/// Fulfil a redemption
///
/// `pending` → `fulfilled`: the reward was handed over. Only from `pending`: a
/// repeat is 422 `already_fulfilled` (or `already_cancelled`); with the same
/// `Idempotency-Key`, a replay of the first answer instead.
#[utoipa::path(post, path = "/api/v1/redemptions/{id}/fulfil", tag = "redemptions", operation_id = "redemptions_fulfil",
    request_body(content = EmptyIn, description = "Optional: an empty body or `{}`", content_type = "application/json"),
    params(("id" = String, Path, description = "The redemption's id (`rdm_…`)", example = "rdm_01JDQ5ZH5Q7W9E1R3T5Y7V9J1K")),
    responses((status = 200, description = "The redemption, now fulfilled", body = Redemption, example = json!({"id": "rdm_01JDQ5ZH5Q7W9E1R3T5Y7V9J1K", "customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8", "reward_id": "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M", "quantity": 1, "points_spent": 100, "status": "fulfilled", "coupon_code": null, "created_at": "2026-12-01T09:32:00.000Z"}))),
    security(("bearer" = [])))]
pub async fn fulfil(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    write: Write<EmptyIn>,
) -> ApiResult<Response> {
    transition(state, auth, id, write, Move::Fulfil).await
}

/// Cancel a redemption
///
/// `pending` → `cancelled`, refunding points and stock (and voiding a
/// voucher's coupon) in the same transaction. Only from `pending`: a repeat is
/// 422 `already_cancelled` (or `already_fulfilled`); with the same
/// `Idempotency-Key`, a replay of the first answer instead.
#[utoipa::path(post, path = "/api/v1/redemptions/{id}/cancel", tag = "redemptions", operation_id = "redemptions_cancel",
    request_body(content = EmptyIn, description = "Optional: an empty body or `{}`", content_type = "application/json"),
    params(("id" = String, Path, description = "The redemption's id (`rdm_…`)", example = "rdm_01JDQ5ZH5Q7W9E1R3T5Y7V9J1K")),
    responses((status = 200, description = "The redemption, now cancelled", body = Redemption)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    write: Write<EmptyIn>,
) -> ApiResult<Response> {
    transition(state, auth, id, write, Move::Cancel).await
}

/// List the program's redemptions in one status
///
/// The program's redemptions in one status, newest first: `?status=pending` is
/// the queue of rewards waiting to be handed over (or cancelled). `status` is
/// required; without it, or with another value, the answer is 400
/// `invalid_query`. Paged like every list (`limit`, `starting_after`).
#[utoipa::path(get, path = "/api/v1/redemptions", tag = "redemptions", operation_id = "redemptions_list",
    params(("status" = tally_core::model::RedemptionStatus, Query, description = "Required: `pending`, `fulfilled` or `cancelled`"),
           ListParams),
    responses((status = 200, description = "A page of the program's redemptions in that status", body = Paginated<Redemption>)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    RedemptionStatusQuery(status): RedemptionStatusQuery,
    Pagination(page): Pagination,
) -> ApiResult<Json<Paginated<Redemption>>> {
    let query = StatusPage { status, page };
    let rows = state.store.redemptions_in(&program.id, &query).await?;
    Ok(Json(Paginated::from_rows(rows, query.page.limit)))
}
