//! The compatibility pair for clients written against the common "loyalty
//! rewards redeem" shape. Both map onto the v1 redemption operation, with the
//! same idempotency contract.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use tally_core::ids::IdKind;
use tally_core::model::{V2Redemption, V2RedemptionList};
use tally_store::Page;
use utoipa::ToSchema;

use super::check_id;
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Write};
use crate::idempotency::Resource;
use crate::operations::redemptions::RedeemRequest;

/// Unknown fields are ignored here, unlike v1: clients of this shape often send
/// extra metadata, and refusing it would break them for nothing.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8", "reward_id": "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M", "points_amount": 100, "redemption_type": "standard"}))]
pub struct V2RedeemIn {
    #[schema(example = "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8")]
    pub customer_id: String,
    #[schema(example = "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M")]
    pub reward_id: String,
    /// When sent, must equal the reward's cost (422 `points_amount_mismatch` otherwise).
    #[schema(example = 100)]
    pub points_amount: Option<i64>,
    /// Accepted for compatibility and not interpreted.
    pub redemption_type: Option<String>,
}

impl Resource for V2Redemption {
    fn id(&self) -> &str {
        &self.redemption_id
    }
    fn location(&self) -> String {
        format!("/api/v1/redemptions/{}", self.redemption_id)
    }
}

/// Redeem a reward (compatibility shape)
///
/// The common "loyalty rewards redeem" request, mapped onto the same
/// redemption operation as `POST /api/v1/redemptions` (one unit), with the
/// same idempotency contract. Unknown fields are ignored, unlike v1.
#[utoipa::path(post, path = "/api/v2/loyalty/rewards/redeem", tag = "compatibility", operation_id = "v2_rewards_redeem",
    request_body = V2RedeemIn,
    responses((status = 201, description = "Redeemed", body = V2Redemption),
              (status = 200, description = "A retry whose stored response expired: the redemption its key made", body = V2Redemption)),
    security(("bearer" = [])))]
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
    super::redemptions::redeem_as::<V2Redemption>(&state, &program, meta, request).await
}

/// List a customer's redemptions (compatibility shape)
///
/// The customer's most recent redemptions (up to 100), newest first, in the
/// compatibility shape.
#[utoipa::path(get, path = "/api/v2/loyalty/redemptions/{customer_id}", tag = "compatibility", operation_id = "v2_redemptions_list",
    params(("customer_id" = String, Path, description = "The customer's id (`cus_…`)", example = "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8")),
    responses((status = 200, description = "The redemptions", body = V2RedemptionList)), security(("bearer" = [])))]
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
