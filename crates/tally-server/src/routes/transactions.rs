use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tally_core::ids::IdKind;
use tally_core::model::Transaction;
use utoipa::ToSchema;

use super::{check_id, conclude};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::Write;
use crate::idempotency::{Begun, KeyPolicy, Reply, begin};
use crate::operations::Outcome;
use crate::operations::purchases::{self, Purchase};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionIn {
    pub customer_id: String,
    pub spend_amount_cents: i64,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
    /// The POS receipt or order id: unique per program; a second use returns the first purchase (200).
    pub external_id: Option<String>,
    /// Overrides the program's earning rule for this purchase.
    pub points: Option<i64>,
}

/// Record a purchase and credit its points (`floor(spend × points_per_currency_unit / 100)`).
#[utoipa::path(post, path = "/api/v1/transactions", tag = "transactions", request_body = TransactionIn,
    params(("Idempotency-Key" = String, Header, description = "Required: one unique value per purchase, reused on retries")),
    responses((status = 201, body = Transaction), (status = 200, description = "The external_id was recorded before, or a replay", body = Transaction),
              (status = 400, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Write { body, meta }: Write<TransactionIn>,
) -> ApiResult<Response> {
    let purchase = Purchase {
        customer_id: body.customer_id,
        spend_amount_cents: body.spend_amount_cents,
        currency: body.currency,
        external_id: body.external_id,
        points: body.points,
    }
    .validate()?;
    match begin(state.store.as_ref(), &program, meta, KeyPolicy::Required).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let key = exec.resource_key();
            let rate = program.settings.points_per_currency_unit;
            let outcome = purchases::record(exec.tx(), &program.id, rate, purchase, key).await?;
            conclude(exec, outcome).await
        }
    }
}

#[utoipa::path(get, path = "/api/v1/transactions/{id}", tag = "transactions",
    responses((status = 200, body = Transaction), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Transaction>> {
    check_id(IdKind::Transaction, &id, "transaction_not_found", "transaction")?;
    let txn = state.store.transaction(&program.id, &id).await?;
    txn.map(Json).ok_or_else(|| ApiError::not_found("transaction_not_found", "transaction"))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidIn {
    /// Void only this much of the spend (a partial refund); omit to void what is left.
    pub amount_cents: Option<i64>,
}

/// Void a purchase, in full or in part: points are taken back in proportion to
/// the voided spend. A second full void is 422 `already_voided` (with the same
/// Idempotency-Key, a replay of the first answer instead).
#[utoipa::path(post, path = "/api/v1/transactions/{id}/void", tag = "transactions", request_body = VoidIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional; a partial void that may be retried should send one: a full void's repeat is refused anyway, a partial one's is not")),
    responses((status = 200, body = Transaction), (status = 404, body = crate::error::Problem),
              (status = 422, description = "already_voided, void_exceeds_purchase, insufficient_points", body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn void(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
    Write { body, meta }: Write<VoidIn>,
) -> ApiResult<Response> {
    check_id(IdKind::Transaction, &id, "transaction_not_found", "transaction")?;
    match begin(state.store.as_ref(), &program, meta, KeyPolicy::Optional).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let key = exec.resource_key();
            match purchases::void(exec.tx(), &program, &id, body.amount_cents, key).await? {
                Outcome::Replayed(found) => exec.replay_resource(found, &id),
                Outcome::Created(txn) | Outcome::Existing(txn) => {
                    exec.finish(Reply::json(StatusCode::OK, &txn).with_resource(&txn.id)).await
                }
            }
        }
    }
}
