use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use tally_core::ids::IdKind;
use tally_core::model::Transaction;
use utoipa::ToSchema;

use super::check_id;
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Write};
use crate::idempotency::{Begun, KeyPolicy, begin};
use crate::operations::purchases::{self, Purchase};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8", "spend_amount_cents": 2599, "currency": "EUR", "external_id": "POS-1001"}))]
pub struct TransactionIn {
    /// The customer who made the purchase (`cus_…`).
    #[schema(example = "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8")]
    pub customer_id: String,
    /// What was spent, in cents; zero or more.
    #[schema(minimum = 0, example = 2599)]
    pub spend_amount_cents: i64,
    /// ISO 4217, e.g. `EUR`: three letters, case-insensitive.
    #[schema(
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[A-Za-z]{3}[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "EUR"
    )]
    pub currency: String,
    /// The POS receipt or order id: unique per program; a second use returns the
    /// first purchase (200). 1 to 255 characters, no control characters.
    #[schema(min_length = 1, max_length = 255, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$", example = "POS-1001")]
    pub external_id: Option<String>,
    /// Overrides the program's earning rule for this purchase; zero or more.
    #[schema(minimum = 0)]
    pub points: Option<i64>,
}

/// Record a purchase
///
/// Records a purchase and credits its points: `floor(spend × points_per_currency_unit / 100)`
/// unless `points` overrides the program's earning rule. An `external_id` seen
/// before answers the first purchase (200) without crediting again.
#[utoipa::path(post, path = "/api/v1/transactions", tag = "transactions", operation_id = "transactions_create",
    request_body = TransactionIn,
    responses((status = 201, description = "Recorded; its points are credited", body = Transaction, example = json!({"id": "txn_01JDQ5ZC1M8E2R4T6Y8W0H2G4P", "customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8", "spend_amount_cents": 2599, "currency": "EUR", "points": 25, "external_id": "POS-1001", "status": "completed", "voided_amount_cents": 0, "voided_points": 0, "created_at": "2026-12-01T09:31:00.000Z"})),
              (status = 200, description = "The `external_id` was recorded before (the first purchase), or a retry whose stored response expired", body = Transaction)),
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
            let outcome = purchases::record(exec.tx(), &program, purchase, key).await;
            exec.conclude(outcome).await
        }
    }
}

/// Get a purchase
///
/// A recorded purchase with its status and what has been voided of it.
#[utoipa::path(get, path = "/api/v1/transactions/{id}", tag = "transactions", operation_id = "transactions_get",
    params(("id" = String, Path, description = "The transaction's id (`txn_…`)", example = "txn_01JDQ5ZC1M8E2R4T6Y8W0H2G4P")),
    responses((status = 200, description = "The purchase", body = Transaction)), security(("bearer" = [])))]
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
#[schema(example = json!({"amount_cents": 1300}))]
pub struct VoidIn {
    /// Void only this much of the spend (a partial refund); omit to void what
    /// is left. More than zero, at most what is left of the purchase.
    #[schema(minimum = 1, example = 1300)]
    pub amount_cents: Option<i64>,
}

/// Void a purchase
///
/// Voids a purchase, in full or in part (a refund): points are taken back in
/// proportion to the voided spend. A second full void is 422 `already_voided`;
/// with the same `Idempotency-Key`, a replay of the first answer instead.
#[utoipa::path(post, path = "/api/v1/transactions/{id}/void", tag = "transactions", operation_id = "transactions_void",
    request_body(content = VoidIn, description = "Optional: an empty body voids what is left", content_type = "application/json"),
    params(("id" = String, Path, description = "The transaction's id (`txn_…`)", example = "txn_01JDQ5ZC1M8E2R4T6Y8W0H2G4P")),
    responses((status = 200, description = "The purchase, voided in full or in part", body = Transaction)),
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
