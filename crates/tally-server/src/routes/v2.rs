//! The compatibility pair for clients written against the common "loyalty
//! rewards redeem" shape. Both map onto the v1 redemption operation, with the
//! same idempotency contract.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tally_core::ids::IdKind;
use tally_core::model::{Redemption, RedemptionStatus};
use tally_store::Page;
use utoipa::ToSchema;

use super::check_id;
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::Write;
use crate::idempotency::{Begun, KeyPolicy, Resource, begin};
use crate::operations::redemptions::{self, RedeemRequest};

/// Unknown fields are ignored here, unlike v1: clients of this shape often send
/// extra metadata, and refusing it would break them for nothing.
#[derive(Deserialize, ToSchema)]
pub struct V2RedeemIn {
    pub customer_id: String,
    pub reward_id: String,
    /// When sent, must equal the reward's cost (422 `points_amount_mismatch` otherwise).
    pub points_amount: Option<i64>,
    /// Accepted for compatibility and not interpreted.
    pub redemption_type: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct V2Redemption {
    pub redemption_id: String,
    pub customer_id: String,
    pub reward_id: String,
    pub points_amount: i64,
    pub quantity: i64,
    pub status: RedemptionStatus,
    pub created_at: DateTime<Utc>,
}

impl From<Redemption> for V2Redemption {
    fn from(r: Redemption) -> Self {
        Self {
            redemption_id: r.id,
            customer_id: r.customer_id,
            reward_id: r.reward_id,
            points_amount: r.points_spent,
            quantity: r.quantity,
            status: r.status,
            created_at: r.created_at,
        }
    }
}

impl Resource for V2Redemption {
    fn id(&self) -> &str {
        &self.redemption_id
    }
    fn location(&self) -> String {
        format!("/api/v1/redemptions/{}", self.redemption_id)
    }
}

#[derive(Serialize, ToSchema)]
pub struct V2RedemptionList {
    pub customer_id: String,
    pub redemptions: Vec<V2Redemption>,
}

#[utoipa::path(post, path = "/api/v2/loyalty/rewards/redeem", tag = "compatibility", request_body = V2RedeemIn,
    params(("Idempotency-Key" = String, Header, description = "Required, as on /api/v1/redemptions")),
    responses((status = 201, body = V2Redemption), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn redeem(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Write { body, meta }: Write<V2RedeemIn>,
) -> ApiResult<Response> {
    let request = RedeemRequest {
        customer_id: body.customer_id,
        reward_id: body.reward_id,
        quantity: 1,
        expected_points: body.points_amount,
    }
    .validate()?;
    match begin(&state, &program, meta, KeyPolicy::Required).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let key = exec.resource_key();
            let outcome = redemptions::redeem(exec.tx(), &program.id, request, key).await;
            exec.conclude(outcome.map(|o| o.map(V2Redemption::from))).await
        }
    }
}

/// The customer's most recent redemptions (up to 100), newest first.
#[utoipa::path(get, path = "/api/v2/loyalty/redemptions/{customer_id}", tag = "compatibility",
    responses((status = 200, body = V2RedemptionList), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(customer_id): Path<String>,
) -> ApiResult<Json<V2RedemptionList>> {
    check_id(IdKind::Customer, &customer_id, "customer_not_found", "customer")?;
    if state.store.customer(&program.id, &customer_id).await?.is_none() {
        return Err(ApiError::not_found("customer_not_found", "customer"));
    }
    let page = Page { limit: crate::extract::MAX_PAGE, starting_after: None };
    let mut rows = state.store.redemptions(&program.id, &customer_id, &page).await?;
    rows.truncate(page.limit as usize);
    Ok(Json(V2RedemptionList { customer_id, redemptions: rows.into_iter().map(V2Redemption::from).collect() }))
}
