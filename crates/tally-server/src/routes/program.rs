use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use tally_core::model::{
    MAX_PENDING_DAYS, MAX_RETENTION_HOURS, MAX_TIERS, MIN_RETENTION_HOURS, Program, Tier, TierPeriod, VoidPolicy,
};
use tally_store::ProgramPatch;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Write, present};
use crate::idempotency::{Begun, KeyPolicy, begin};
use crate::operations::Outcome;

/// Get the program
///
/// The caller's program (the token's tenant) and its settings.
#[utoipa::path(get, path = "/api/v1/program", tag = "program", operation_id = "program_get",
    responses((status = 200, description = "The program", body = Program)), security(("bearer" = [])))]
pub async fn get(Authenticated { program, .. }: Authenticated) -> Json<Program> {
    Json(program)
}

/// Fields to change; absent (or `null`, except `points_expire_after_days`)
/// fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"points_per_currency_unit": 2, "void_policy": "allow_negative"}))]
pub struct ProgramPatchIn {
    /// Earning rule: points per whole currency unit spent, 0 to 1,000,000.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub points_per_currency_unit: Option<i64>,
    pub void_policy: Option<VoidPolicy>,
    /// Days after which earned points expire, 1 to 3650; `null` turns expiry off.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 3650)]
    pub points_expire_after_days: Option<Option<i32>>,
    /// Days a purchase's points stay pending before they can be spent, 0 to
    /// 365 (0: at once). Applies to purchases recorded from now on; points
    /// already pending keep the release date they were given.
    #[schema(minimum = 0, maximum = 365)]
    pub points_pending_days: Option<i32>,
    /// The program's tiers, replacing the ones it had: at most 10, by
    /// strictly ascending `threshold_points`, names unique; `[]` removes them.
    /// A change applies from each customer's next evaluation (their next
    /// purchase, or the daily review): tiers held stay held until then, and
    /// past purchases keep the multiplier they earned at.
    #[schema(max_items = 10)]
    pub tiers: Option<Vec<Tier>>,
    /// The window qualifying points are counted in.
    pub tier_period: Option<TierPeriod>,
    /// How long stored responses are replayed, 1 to 720 hours.
    #[schema(minimum = 1, maximum = 720)]
    pub idempotency_retention_hours: Option<i32>,
    /// `false` lets points-moving routes run without an `Idempotency-Key` (natural keys still dedupe).
    pub require_idempotency_key: Option<bool>,
    /// Requests per minute per token, 1 to 1,000,000.
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub rate_limit_per_minute: Option<i32>,
}

fn in_range<T: PartialOrd + std::fmt::Display + Copy>(field: &str, value: Option<T>, min: T, max: T) -> ApiResult<()> {
    match value {
        Some(v) if v < min || v > max => {
            Err(ApiError::invalid_field(field, format!("must be between {min} and {max}")))
        }
        _ => Ok(()),
    }
}

/// The tiers as sent, checked, names trimmed.
fn checked_tiers(tiers: Vec<Tier>) -> ApiResult<Vec<Tier>> {
    if tiers.len() > MAX_TIERS {
        return Err(ApiError::invalid_field("tiers", format!("at most {MAX_TIERS} tiers")));
    }
    let mut checked: Vec<Tier> = Vec::with_capacity(tiers.len());
    for tier in tiers {
        let name = tier.name.trim().to_owned();
        if name.is_empty() || tier.name.chars().count() > 50 || name.chars().any(char::is_control) {
            return Err(ApiError::invalid_field("tiers", "each name is 1 to 50 printable characters"));
        }
        if checked.iter().any(|t| t.name == name) {
            return Err(ApiError::invalid_field("tiers", format!("the name {name:?} is used twice")));
        }
        if tier.threshold_points < 1 || checked.last().is_some_and(|t| t.threshold_points >= tier.threshold_points) {
            return Err(ApiError::invalid_field(
                "tiers",
                "threshold_points must be at least 1 and rise from tier to tier",
            ));
        }
        in_range("tiers", Some(tier.earn_multiplier_percent), 100, 1000)?;
        checked.push(Tier { name, ..tier });
    }
    Ok(checked)
}

impl ProgramPatchIn {
    /// Checks each field sent; the patch then changes only those, against
    /// the program's row as the database has it — never a cached copy, so an
    /// update made a moment ago through another node is not undone.
    fn validate(self) -> ApiResult<ProgramPatch> {
        in_range("points_per_currency_unit", self.points_per_currency_unit, 0, 1_000_000)?;
        in_range("points_expire_after_days", self.points_expire_after_days.flatten(), 1, 3650)?;
        in_range("points_pending_days", self.points_pending_days, 0, MAX_PENDING_DAYS)?;
        let tiers = self.tiers.map(checked_tiers).transpose()?;
        in_range(
            "idempotency_retention_hours",
            self.idempotency_retention_hours,
            MIN_RETENTION_HOURS,
            MAX_RETENTION_HOURS,
        )?;
        in_range("rate_limit_per_minute", self.rate_limit_per_minute, 1, 1_000_000)?;
        Ok(ProgramPatch {
            points_per_currency_unit: self.points_per_currency_unit,
            void_policy: self.void_policy,
            points_expire_after_days: self.points_expire_after_days,
            points_pending_days: self.points_pending_days,
            tiers,
            tier_period: self.tier_period,
            idempotency_retention_hours: self.idempotency_retention_hours,
            require_idempotency_key: self.require_idempotency_key,
            rate_limit_per_minute: self.rate_limit_per_minute,
        })
    }
}

/// Update the program's settings
///
/// Changes only the fields sent, in one statement on the program's row, so
/// patches through different nodes never undo each other. The earning rule
/// and void policy apply to the next purchase or void; the rest reaches every
/// node within 5 seconds.
#[utoipa::path(patch, path = "/api/v1/program", tag = "program", operation_id = "program_update",
    request_body(content = ProgramPatchIn, description = "Optional: an empty body changes nothing", content_type = "application/json"),
    responses((status = 200, description = "The program as it now is", body = Program)), security(("bearer" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Write { body, meta }: Write<ProgramPatchIn>,
) -> ApiResult<Response> {
    let patch = body.validate()?;
    match begin(&state, &program, meta, KeyPolicy::Optional).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let outcome = match exec.tx().patch_program(&program.id, &patch).await {
                Ok(Some(updated)) => Ok(Outcome::Changed(updated)),
                Ok(None) => Err(ApiError::internal()),
                Err(e) => Err(e.into()),
            };
            let response = exec.conclude(outcome).await;
            state.caches.tokens.forget(&program.id);
            response
        }
    }
}
