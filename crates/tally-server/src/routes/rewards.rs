use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use tally_core::ids::IdKind;
use tally_core::model::{Reward, RewardKind};
use tally_store::{NewReward, RewardPatch};
use utoipa::ToSchema;

use super::{ListParams, Paginated, check_id};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Pagination, Path, Write, present};
use crate::idempotency::{Begun, KeyPolicy, begin};
use crate::operations::Outcome;

const MAX_NAME_LEN: usize = 200;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Free coffee", "cost_points": 100, "stock": 50}))]
pub struct RewardIn {
    /// 1 to 200 characters, not blank, no control characters (surrounding whitespace is dropped).
    #[schema(
        max_length = 200,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "Free coffee"
    )]
    pub name: String,
    /// What one unit costs, in points; zero or more.
    #[schema(minimum = 0, example = 100)]
    pub cost_points: i64,
    /// `item` (the default) or `voucher`, whose redemption issues a single-use coupon.
    #[serde(default = "item")]
    #[schema(default = "item")]
    pub kind: RewardKind,
    /// Finite inventory, zero or more; omit (or `null`) for unlimited.
    #[schema(minimum = 0, example = 50)]
    pub stock: Option<i64>,
    /// Whether it can be redeemed (default `true`).
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub active: bool,
}

fn item() -> RewardKind {
    RewardKind::Item
}

fn yes() -> bool {
    true
}

/// Fields to change; absent (or `null`, except `stock`) fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"stock": 20, "active": true}))]
pub struct RewardPatchIn {
    /// 1 to 200 characters, not blank, no control characters (surrounding whitespace is dropped).
    #[schema(
        max_length = 200,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub name: Option<String>,
    /// Zero or more.
    #[schema(minimum = 0)]
    pub cost_points: Option<i64>,
    /// A number (zero or more) sets the stock; `null` makes the reward unlimited; absent leaves it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub stock: Option<Option<i64>>,
    pub active: Option<bool>,
}

/// The length counts what was sent, surrounding whitespace included, so that
/// the limit is the one the OpenAPI document states (`maxLength`).
fn check_name(name: &str) -> ApiResult<String> {
    let too_long = name.chars().count() > MAX_NAME_LEN;
    let name = name.trim();
    if name.is_empty() || too_long || name.chars().any(char::is_control) {
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

/// Create a reward
///
/// Adds a reward to the program's catalog: an `item`, or a `voucher` whose
/// redemption issues a single-use coupon; with `stock`, finite inventory.
#[utoipa::path(post, path = "/api/v1/rewards", tag = "rewards", operation_id = "rewards_create", request_body = RewardIn,
    responses((status = 201, description = "Created", body = Reward, example = json!({"id": "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M", "name": "Free coffee", "cost_points": 100, "kind": "item", "stock": 50, "active": true, "created_at": "2026-12-01T09:00:00.000Z", "updated_at": "2026-12-01T09:00:00.000Z"}))), security(("bearer" = [])))]
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

/// List rewards
///
/// The program's catalog, newest first, active or not.
#[utoipa::path(get, path = "/api/v1/rewards", tag = "rewards", operation_id = "rewards_list",
    params(ListParams),
    responses((status = 200, description = "A page of rewards", body = Paginated<Reward>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Pagination(page): Pagination,
) -> ApiResult<Json<Paginated<Reward>>> {
    let rows = state.store.rewards(&program.id, &page).await?;
    Ok(Json(Paginated::from_rows(rows, page.limit)))
}

/// Get a reward
///
/// A reward of the catalog, with its stock left.
#[utoipa::path(get, path = "/api/v1/rewards/{id}", tag = "rewards", operation_id = "rewards_get",
    params(("id" = String, Path, description = "The reward's id (`rwd_…`)", example = "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M")),
    responses((status = 200, description = "The reward", body = Reward)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Reward>> {
    check_id(IdKind::Reward, &id, "reward_not_found", "reward")?;
    let reward = state.store.reward(&program.id, &id).await?;
    reward.map(Json).ok_or_else(|| ApiError::not_found("reward_not_found", "reward"))
}

/// Update a reward
///
/// Changes only the fields sent: name, cost, stock (or `null` for unlimited),
/// whether it is active. Redemptions already made keep the cost they paid.
#[utoipa::path(patch, path = "/api/v1/rewards/{id}", tag = "rewards", operation_id = "rewards_update",
    request_body(content = RewardPatchIn, description = "Optional: an empty body changes nothing", content_type = "application/json"),
    params(("id" = String, Path, description = "The reward's id (`rwd_…`)", example = "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M")),
    responses((status = 200, description = "The reward as it now is", body = Reward)),
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
            let updated = exec.tx().update_reward(&program.id, &id, &patch).await;
            let outcome = Outcome::changed_or(updated, || ApiError::not_found("reward_not_found", "reward"));
            exec.conclude(outcome).await
        }
    }
}
