use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use tally_core::ids::IdKind;
use tally_core::model::Transaction;
use utoipa::ToSchema;

use super::check_id;
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::Write;
use crate::idempotency::{Begun, KeyPolicy, begin};
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
    let purchase = purchases::validate(Purchase {
        customer_id: body.customer_id,
        spend_amount_cents: body.spend_amount_cents,
        currency: body.currency,
        external_id: body.external_id,
        points: body.points,
        idempotency: None,
    })?;
    match begin(&state, &program, meta, KeyPolicy::Required).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let key = exec.resource_key();
            let outcome = purchases::record(exec.tx(), &program.id, purchase, key).await;
            exec.conclude(outcome).await
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
    params(("Idempotency-Key" = Option<String>, Header, description = "Required with `amount_cents` (a partial void: sent twice without a key it would void twice); optional for a full void, whose repeat is refused with 422 `already_voided`")),
    responses((status = 200, body = Transaction), (status = 400, description = "idempotency_key_missing (a partial void without a key)", body = crate::error::Problem),
              (status = 404, body = crate::error::Problem),
              (status = 422, description = "already_voided, void_exceeds_purchase, insufficient_points", body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn void(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
    Write { body, meta }: Write<VoidIn>,
) -> ApiResult<Response> {
    check_id(IdKind::Transaction, &id, "transaction_not_found", "transaction")?;
    // A partial void is not protected by a state machine: sent twice, it
    // voids twice. It needs a key, as every points-moving write does. A full
    // void keeps it optional: its repeat finds the purchase voided and is
    // refused (422 `already_voided`), so it cannot take points twice.
    let policy = if body.amount_cents.is_some() { KeyPolicy::Required } else { KeyPolicy::Optional };
    match begin(&state, &program, meta, policy).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let key = exec.resource_key();
            let outcome = purchases::void(exec.tx(), &program.id, &id, body.amount_cents, key).await;
            exec.conclude(outcome).await
        }
    }
}
