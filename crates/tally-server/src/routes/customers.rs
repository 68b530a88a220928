use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use tally_core::contact::{normalize_email, normalize_phone};
use tally_core::ids::IdKind;
use tally_core::model::{Balance, Customer, LedgerEntry, TierChange};
use tally_store::CustomerFilter;
use utoipa::ToSchema;

use super::{ListParams, Paginated, check_id};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ContactQuery, Pagination, Path, Write};
use crate::idempotency::{Begun, KeyPolicy, begin};
use crate::operations::adjustments::{self, Adjustment};
use crate::operations::{customers, tiers};

/// A customer's contact details. At least one of `email` and `phone` is
/// needed (422 `contact_required` otherwise): the customer is found again by them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@example.com", "name": "Ada Lovelace"}))]
pub struct CustomerIn {
    /// Matched case-insensitively: stored trimmed and lower-cased, at most 254
    /// bytes, with a `.` in the domain and no whitespace inside.
    #[schema(
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+@[^@.\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*\.[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^@.\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "ada@example.com"
    )]
    pub email: Option<String>,
    /// E.164 with its country code, e.g. `+4915112345678`: a `+`, then 8 to 15
    /// digits (the first not 0); spaces, dots, dashes and parentheses are ignored.
    #[schema(
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*\+[ .()-]*[1-9](?:[ .()-]*[0-9]){7,14}[ .()-]*[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "+4915112345678"
    )]
    pub phone: Option<String>,
    /// Display name, at most 200 characters, without control characters
    /// (surrounding whitespace is dropped; blank means none).
    #[schema(
        max_length = 200,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        example = "Ada Lovelace"
    )]
    pub name: Option<String>,
}

/// Upsert a customer by email or phone
///
/// Finds the customer by the normalised email, else the normalised phone, or
/// creates one: 201 when created, 200 when found (then the name is updated and
/// an empty email or phone is filled in). The same body shape either way.
/// Naturally idempotent: repeating it finds the same customer.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", operation_id = "customers_upsert",
    request_body = CustomerIn,
    responses((status = 201, description = "Created", body = Customer, example = json!({"id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8", "email": "ada@example.com", "phone": null, "name": "Ada Lovelace", "created_at": "2026-12-01T09:30:00.000Z"})), (status = 200, description = "Found (and updated)", body = Customer)),
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
            let outcome = outcome.map(|found| found.map(|c| tiers::customer(&program.settings, c)));
            exec.conclude(outcome).await
        }
    }
}

/// Get a customer
///
/// A customer of the caller's program; a customer of another program is as
/// unknown as a missing one (404).
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", operation_id = "customers_get",
    params(("id" = String, Path, description = "The customer's id (`cus_…`)", example = "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8")),
    responses((status = 200, description = "The customer", body = Customer)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Customer>> {
    check_id(IdKind::Customer, &id, "customer_not_found", "customer")?;
    let customer = state.store.customer(&program.id, &id).await?;
    let customer = customer.map(|c| tiers::customer(&program.settings, c));
    customer.map(Json).ok_or_else(|| ApiError::not_found("customer_not_found", "customer"))
}

/// List customers
///
/// Newest first, a page at a time. `email` and `phone` filter by the
/// normalised value, so `Ada@Example.com` finds `ada@example.com`; a malformed
/// filter is 422 `invalid_field`.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", operation_id = "customers_list",
    params(("email" = Option<String>, Query, description = "Only the customer with this email"),
           ("phone" = Option<String>, Query, description = "Only the customer with this phone (E.164)"),
           ListParams),
    responses((status = 200, description = "A page of customers", body = Paginated<Customer>)), security(("bearer" = [])))]
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
    let rows = rows.into_iter().map(|c| tiers::customer(&program.settings, c)).collect();
    Ok(Json(Paginated::from_rows(rows, page.limit)))
}

/// Get a customer's balance
///
/// Points available now, held by pending redemptions, earned and spent over
/// the customer's life, and expiring within 30 days.
#[utoipa::path(get, path = "/api/v1/customers/{id}/balance", tag = "customers", operation_id = "customers_balance_get",
    params(("id" = String, Path, description = "The customer's id (`cus_…`)", example = "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8")),
    responses((status = 200, description = "The balance", body = Balance, example = json!({"customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8", "available": 400, "pending": 100, "pending_earned": 25, "next_release": {"points": 25, "at": "2026-12-15T10:00:00Z"}, "lifetime_earned": 500, "lifetime_spent": 100, "expiring_soon": 0}))), security(("bearer" = [])))]
pub async fn balance(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Balance>> {
    check_id(IdKind::Customer, &id, "customer_not_found", "customer")?;
    let balance = state.store.balance(&program.id, &id).await?;
    let balance = balance.map(|b| tiers::balance(&program.settings, b));
    balance.map(Json).ok_or_else(|| ApiError::not_found("customer_not_found", "customer"))
}

/// List a customer's tier changes
///
/// Every change of the customer's tier, newest first: upgrades made by a
/// purchase (naming it) or a qualifying adjustment, downgrades made by the
/// daily tier review.
#[utoipa::path(get, path = "/api/v1/customers/{id}/tier-history", tag = "customers", operation_id = "customers_tier_history_list",
    params(("id" = String, Path, description = "The customer's id (`cus_…`)", example = "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8"),
           ListParams),
    responses((status = 200, description = "A page of tier changes", body = Paginated<TierChange>)),
    security(("bearer" = [])))]
pub async fn tier_history(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
    Pagination(page): Pagination,
) -> ApiResult<Json<Paginated<TierChange>>> {
    check_id(IdKind::Customer, &id, "customer_not_found", "customer")?;
    if state.store.customer(&program.id, &id).await?.is_none() {
        return Err(ApiError::not_found("customer_not_found", "customer"));
    }
    let rows = state.store.tier_history(&program.id, &id, &page).await?;
    Ok(Json(Paginated::from_rows(rows, page.limit)))
}

/// List a customer's ledger
///
/// Every ledger entry of the customer, newest first, each naming the
/// operation that made it. The ledger is append-only: it is the balance's
/// whole history.
#[utoipa::path(get, path = "/api/v1/customers/{id}/ledger", tag = "customers", operation_id = "customers_ledger_list",
    params(("id" = String, Path, description = "The customer's id (`cus_…`)", example = "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8"),
           ListParams),
    responses((status = 200, description = "A page of ledger entries", body = Paginated<LedgerEntry>)),
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
#[schema(example = json!({"points": 50, "reason": "late delivery goodwill"}))]
pub struct AdjustmentIn {
    /// Signed, not zero: positive credits, negative debits (never below zero).
    pub points: i64,
    /// Why: kept on the ledger entry with the token that made it. At most 500
    /// characters, not blank, no control characters (surrounding whitespace is dropped).
    #[schema(
        max_length = 500,
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub reason: String,
    /// Counts towards the customer's tier like a purchase's points (a
    /// goodwill credit for a purchase made elsewhere, say); `false` by default.
    #[serde(default)]
    pub qualifying: bool,
}

/// Adjust a customer's points by hand
///
/// Credits or debits the customer; the ledger entry keeps the reason and the
/// token that made it. A debit never takes the balance below zero.
#[utoipa::path(post, path = "/api/v1/customers/{id}/adjustments", tag = "customers", operation_id = "customers_adjustments_create",
    request_body = AdjustmentIn,
    params(("id" = String, Path, description = "The customer's id (`cus_…`)", example = "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8")),
    responses((status = 201, description = "The adjustment's ledger entry", body = LedgerEntry),
              (status = 200, description = "A retry whose stored response expired: the entry its key made", body = LedgerEntry)),
    security(("bearer" = [])))]
pub async fn adjust(
    State(state): State<AppState>,
    Authenticated { program, token_id }: Authenticated,
    Path(id): Path<String>,
    Write { body, meta }: Write<AdjustmentIn>,
) -> ApiResult<Response> {
    check_id(IdKind::Customer, &id, "customer_not_found", "customer")?;
    let adjustment = Adjustment::validate(body.points, &body.reason, body.qualifying)?;
    match begin(&state, &program, meta, KeyPolicy::Required).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let key = exec.resource_key();
            let outcome = adjustments::adjust(exec.tx(), &program, &id, adjustment, &token_id, key).await;
            exec.conclude(outcome).await
        }
    }
}
