use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use tally_core::contact::{normalize_email, normalize_phone};
use tally_core::ids::IdKind;
use tally_core::model::{Balance, Customer, LedgerEntry};
use tally_store::CustomerFilter;
use utoipa::ToSchema;

use super::{Paginated, check_id};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ContactQuery, Pagination, Write};
use crate::idempotency::{Begun, KeyPolicy, begin};
use crate::operations::adjustments::{self, Adjustment};
use crate::operations::customers;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerIn {
    /// Matched case-insensitively.
    pub email: Option<String>,
    /// E.164, e.g. `+4915112345678`; spaces and dashes are ignored.
    pub phone: Option<String>,
    pub name: Option<String>,
}

/// Upsert a customer by email or phone: 201 when created, 200 when found (the
/// name is updated, and an empty email or phone is filled in).
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional here: the route is naturally idempotent")),
    responses((status = 201, body = Customer), (status = 200, body = Customer), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn upsert(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Write { body, meta }: Write<CustomerIn>,
) -> ApiResult<Response> {
    let new = customers::validate(body.email.as_deref(), body.phone.as_deref(), body.name.as_deref())?;
    match begin(&state, &program, meta, KeyPolicy::Optional).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let outcome = customers::upsert(exec.tx(), &program.id, &new).await;
            exec.conclude(outcome).await
        }
    }
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    responses((status = 200, body = Customer), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Customer>> {
    check_id(IdKind::Customer, &id, "customer_not_found", "customer")?;
    let customer = state.store.customer(&program.id, &id).await?;
    customer.map(Json).ok_or_else(|| ApiError::not_found("customer_not_found", "customer"))
}

/// List customers, newest first; `email` / `phone` filter by the normalised value.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers",
    params(("email" = Option<String>, Query), ("phone" = Option<String>, Query),
           ("limit" = Option<u32>, Query), ("starting_after" = Option<String>, Query)),
    responses((status = 200, body = Paginated<Customer>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    contact: ContactQuery,
    Pagination(page): Pagination,
) -> ApiResult<Json<Paginated<Customer>>> {
    let filter = CustomerFilter {
        email: contact
            .email
            .as_deref()
            .map(normalize_email)
            .transpose()
            .map_err(|e| ApiError::invalid_field("email", e))?,
        phone: contact
            .phone
            .as_deref()
            .map(normalize_phone)
            .transpose()
            .map_err(|e| ApiError::invalid_field("phone", e))?,
    };
    let rows = state.store.customers(&program.id, &filter, &page).await?;
    Ok(Json(Paginated::from_rows(rows, page.limit)))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}/balance", tag = "customers",
    responses((status = 200, body = Balance), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn balance(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Balance>> {
    check_id(IdKind::Customer, &id, "customer_not_found", "customer")?;
    let balance = state.store.balance(&program.id, &id).await?;
    balance.map(Json).ok_or_else(|| ApiError::not_found("customer_not_found", "customer"))
}

/// Every ledger entry of a customer, newest first, each naming the operation that made it.
#[utoipa::path(get, path = "/api/v1/customers/{id}/ledger", tag = "customers",
    params(("limit" = Option<u32>, Query), ("starting_after" = Option<String>, Query)),
    responses((status = 200, body = Paginated<LedgerEntry>), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn ledger(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
    Pagination(page): Pagination,
) -> ApiResult<Json<Paginated<LedgerEntry>>> {
    check_id(IdKind::Customer, &id, "customer_not_found", "customer")?;
    if state.store.customer(&program.id, &id).await?.is_none() {
        return Err(ApiError::not_found("customer_not_found", "customer"));
    }
    let rows = state.store.ledger(&program.id, &id, &page).await?;
    Ok(Json(Paginated::from_rows(rows, page.limit)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentIn {
    /// Signed: positive credits, negative debits (never below zero).
    pub points: i64,
    /// Why: kept on the ledger entry with the token that made it.
    pub reason: String,
}

/// Correct a balance by hand. The ledger entry keeps the reason and the token.
#[utoipa::path(post, path = "/api/v1/customers/{id}/adjustments", tag = "customers", request_body = AdjustmentIn,
    params(("Idempotency-Key" = String, Header, description = "Required: one unique value per adjustment, reused on retries")),
    responses((status = 201, body = LedgerEntry), (status = 200, description = "Replay after the stored response expired", body = LedgerEntry),
              (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn adjust(
    State(state): State<AppState>,
    Authenticated { program, token_id }: Authenticated,
    Path(id): Path<String>,
    Write { body, meta }: Write<AdjustmentIn>,
) -> ApiResult<Response> {
    check_id(IdKind::Customer, &id, "customer_not_found", "customer")?;
    let adjustment = Adjustment::validate(body.points, &body.reason)?;
    match begin(&state, &program, meta, KeyPolicy::Required).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let key = exec.resource_key();
            let outcome = adjustments::adjust(exec.tx(), &program.id, &id, adjustment, &token_id, key).await;
            exec.conclude(outcome).await
        }
    }
}
