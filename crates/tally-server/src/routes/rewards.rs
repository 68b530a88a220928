use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Deserializer};
use tally_core::ids::IdKind;
use tally_core::model::{Reward, RewardKind};
use tally_store::{NewReward, RewardPatch};
use utoipa::ToSchema;

use super::{Paginated, check_id};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Pagination, Write};
use crate::idempotency::{Begun, KeyPolicy, begin};
use crate::operations::Outcome;

const MAX_NAME_LEN: usize = 200;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RewardIn {
    pub name: String,
    pub cost_points: i64,
    #[serde(default = "item")]
    pub kind: RewardKind,
    /// Finite inventory; omit for unlimited.
    pub stock: Option<i64>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn item() -> RewardKind {
    RewardKind::Item
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RewardPatchIn {
    pub name: Option<String>,
    pub cost_points: Option<i64>,
    /// A number sets the stock; `null` makes the reward unlimited; absent leaves it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub stock: Option<Option<i64>>,
    pub active: Option<bool>,
}

/// Tells "absent" (outer `None`) from "null" (`Some(None)`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

fn check_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_field("name", format!("1 to {MAX_NAME_LEN} printable characters")));
    }
    Ok(name.to_owned())
}

fn check_non_negative(field: &str, value: Option<i64>) -> ApiResult<()> {
    match value {
        Some(v) if v < 0 => Err(ApiError::invalid_field(field, "must be zero or more")),
        _ => Ok(()),
    }
}

#[utoipa::path(post, path = "/api/v1/rewards", tag = "rewards", request_body = RewardIn,
    responses((status = 201, body = Reward), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Write { body, meta }: Write<RewardIn>,
) -> ApiResult<Response> {
    let new = NewReward {
        name: check_name(&body.name)?,
        cost_points: body.cost_points,
        kind: body.kind,
        stock: body.stock,
        active: body.active,
    };
    check_non_negative("cost_points", Some(new.cost_points))?;
    check_non_negative("stock", new.stock)?;
    match begin(&state, &program, meta, KeyPolicy::Optional).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let outcome =
                exec.tx().insert_reward(&program.id, &new).await.map(Outcome::Created).map_err(ApiError::from);
            exec.conclude(outcome).await
        }
    }
}

#[utoipa::path(get, path = "/api/v1/rewards", tag = "rewards",
    params(("limit" = Option<u32>, Query), ("starting_after" = Option<String>, Query)),
    responses((status = 200, body = Paginated<Reward>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Pagination(page): Pagination,
) -> ApiResult<Json<Paginated<Reward>>> {
    let rows = state.store.rewards(&program.id, &page).await?;
    Ok(Json(Paginated::from_rows(rows, page.limit)))
}

#[utoipa::path(get, path = "/api/v1/rewards/{id}", tag = "rewards",
    responses((status = 200, body = Reward), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Reward>> {
    check_id(IdKind::Reward, &id, "reward_not_found", "reward")?;
    let reward = state.store.reward(&program.id, &id).await?;
    reward.map(Json).ok_or_else(|| ApiError::not_found("reward_not_found", "reward"))
}

#[utoipa::path(patch, path = "/api/v1/rewards/{id}", tag = "rewards", request_body = RewardPatchIn,
    responses((status = 200, body = Reward), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
    Write { body, meta }: Write<RewardPatchIn>,
) -> ApiResult<Response> {
    check_id(IdKind::Reward, &id, "reward_not_found", "reward")?;
    let patch = RewardPatch {
        name: body.name.as_deref().map(check_name).transpose()?,
        cost_points: body.cost_points,
        stock: body.stock,
        active: body.active,
    };
    check_non_negative("cost_points", patch.cost_points)?;
    check_non_negative("stock", patch.stock.flatten())?;
    match begin(&state, &program, meta, KeyPolicy::Optional).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let outcome = match exec.tx().update_reward(&program.id, &id, &patch).await {
                Ok(Some(reward)) => Ok(Outcome::Changed(reward)),
                Ok(None) => Err(ApiError::not_found("reward_not_found", "reward")),
                Err(e) => Err(e.into()),
            };
            exec.conclude(outcome).await
        }
    }
}
