//! `GET /api/v1/stats`: the program at a glance, for the console's overview.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::ApiResult;

/// The caller's program at a glance, by the database clock. Every number is
/// read from a counter kept in the writing transactions, or counted over an
/// index up to `count_limit`, so the read costs the same on any size of program.
#[derive(Serialize, ToSchema)]
pub struct StatsOut {
    pub customers: i64,
    /// The sum of every customer's available balance (held at the 64-bit
    /// limits, should the sum ever pass them).
    pub points_outstanding: i64,
    /// Redemptions waiting to be fulfilled or cancelled, counted up to `count_limit`
    /// (a value equal to it means "at least that many").
    pub redemptions_pending: i64,
    /// Redemptions made since `day_started_at`.
    pub redemptions_today: i64,
    /// Purchases recorded since `day_started_at`.
    pub purchases_today: i64,
    /// The start of the current day, UTC, by the database clock.
    pub day_started_at: DateTime<Utc>,
    /// The most a bounded count reports.
    pub count_limit: i64,
}

/// Get the program's overview counts
///
/// What the console's overview shows: customers, points outstanding,
/// redemptions pending, and today's redemptions and purchases (the UTC day by
/// the database clock). Counters are kept by the writes themselves, so this
/// read costs the same on a program of any size; bounded counts stop at
/// `count_limit`. A read, so no idempotency key applies.
#[utoipa::path(get, path = "/api/v1/stats", tag = "program", operation_id = "stats_get",
    responses((status = 200, description = "The program's counts", body = StatsOut)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
) -> ApiResult<Json<StatsOut>> {
    let stats = state.store.program_stats(&program.id).await?;
    Ok(Json(StatsOut {
        customers: stats.customers,
        points_outstanding: stats.points_outstanding,
        redemptions_pending: stats.redemptions_pending,
        redemptions_today: stats.redemptions_today,
        purchases_today: stats.purchases_today,
        day_started_at: stats.day_started_at,
        count_limit: tally_store::COUNT_LIMIT,
    }))
}
