//! `/exports`: the program's ledger and customers as CSV, for reconciling
//! with accounting.
//!
//! The body is streamed, never collected: the store hands out pages of one
//! snapshot (see `tally_store::exports`), each page becomes one chunk of CSV,
//! and hyper sends a chunk only when the client has taken the one before, so
//! the server holds about one page per download however long the export.
//!
//! A store error after the headers went out cannot become a problem+json any
//! more: the body ends with an error instead, which hyper turns into an
//! unfinished transfer (no last chunk, the connection closed), so a client
//! sees a failed download, never a silently short file. A client that goes
//! away mid-download drops the body, and with it the stream and its
//! transaction.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;
use tally_core::model::LedgerEntry;
use tally_store::StoreError;
use tally_store::exports::{ExportRange, ExportedCustomer, Pages};
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};

/// The ledger's columns, in their fixed order.
pub const LEDGER_HEADER: [&str; 11] = [
    "id",
    "created_at",
    "customer_id",
    "operation",
    "points",
    "balance_after",
    "transaction_id",
    "redemption_id",
    "reason",
    "token_id",
    "pending_points",
];

/// The customers' columns, in their fixed order.
pub const CUSTOMER_HEADER: [&str; 9] =
    ["id", "created_at", "email", "phone", "name", "balance", "lifetime_earned", "lifetime_spent", "pending_earned"];

/// `?from=&to=` of both exports.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// Only rows created at or after this instant (RFC 3339, e.g. `2025-01-01T00:00:00Z`).
    #[param(format = DateTime, example = "2025-01-01T00:00:00Z")]
    pub from: Option<String>,
    /// Only rows created before this instant (RFC 3339); must be after `from`.
    #[param(format = DateTime, example = "2025-02-01T00:00:00Z")]
    pub to: Option<String>,
}

/// The range of `?from=&to=`, checked.
pub struct ExportQuery(pub ExportRange);

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", detail)
}

fn instant(name: &str, value: Option<&str>) -> ApiResult<Option<DateTime<Utc>>> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| invalid(format!("{name} must be an RFC 3339 timestamp, e.g. 2025-01-01T00:00:00Z")))
        })
        .transpose()
}

impl<S: Send + Sync> FromRequestParts<S> for ExportQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Query(params) = Query::<ExportParams>::try_from_uri(&parts.uri).map_err(|e| invalid(e.body_text()))?;
        let range =
            ExportRange { from: instant("from", params.from.as_deref())?, to: instant("to", params.to.as_deref())? };
        if let (Some(from), Some(to)) = (range.from, range.to)
            && from >= to
        {
            return Err(invalid("from must be before to"));
        }
        Ok(Self(range))
    }
}

/// Timestamps in one width for both stores: UTC, microseconds (SQLite keeps
/// milliseconds, so its last three digits are zeros).
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn ledger_record(e: &LedgerEntry) -> [String; 11] {
    let optional = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        e.id.clone(),
        stamp(e.created_at),
        e.customer_id.clone(),
        e.operation.as_str().to_owned(),
        e.points.to_string(),
        e.balance_after.to_string(),
        optional(&e.transaction_id),
        optional(&e.redemption_id),
        optional(&e.reason),
        optional(&e.token_id),
        e.pending_points.to_string(),
    ]
}

fn customer_record(c: &ExportedCustomer) -> [String; 9] {
    let optional = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        c.id.clone(),
        stamp(c.created_at),
        optional(&c.email),
        optional(&c.phone),
        optional(&c.name),
        c.balance.to_string(),
        c.lifetime_earned.to_string(),
        c.lifetime_spent.to_string(),
        c.pending_earned.to_string(),
    ]
}

/// Records as RFC 4180 CSV: CRLF line ends, a field quoted when it holds a
/// comma, a quote, CR or LF, and a quote inside doubled (the `csv` crate's
/// defaults, spelled out so they cannot drift).
fn csv_chunk<const N: usize, T>(rows: &[T], record: fn(&T) -> [String; N]) -> Result<Bytes, StoreError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::with_capacity(rows.len() * 128));
    for row in rows {
        writer.write_record(record(row)).map_err(|e| StoreError::Other(format!("writing CSV: {e}")))?;
    }
    writer.into_inner().map(Bytes::from).map_err(|e| StoreError::Other(format!("writing CSV: {e}")))
}

/// The response: the header row, then one chunk per page.
fn csv_response<const N: usize, T: Send + 'static>(
    filename: &str,
    header: [&'static str; N],
    pages: Pages<T>,
    record: fn(&T) -> [String; N],
) -> ApiResult<Response> {
    let header = csv_chunk(&[header], |h| h.map(str::to_owned))?;
    let body = futures::stream::once(async move { Ok(header) })
        .chain(pages.and_then(move |page| async move { csv_chunk(&page, record) }))
        .inspect_err(|e| tracing::error!(error = %e, "an export failed mid-stream; its download is cut off"));
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let disposition = format!("attachment; filename=\"{filename}\"");
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(|_| ApiError::internal())?);
    Ok(response)
}

/// Export the ledger
///
/// Every ledger entry of the program created in `[from, to)`, as CSV
/// (RFC 4180: CRLF line ends; a field with a comma, a quote or a line break
/// is quoted, a quote inside it doubled), oldest first (by `id`, which is
/// time-ordered). The first line names the columns, always in this order:
///
/// `id, created_at, customer_id, operation, points, balance_after,
/// transaction_id, redemption_id, reason, token_id, pending_points`
///
/// `created_at` is UTC RFC 3339 with microseconds; `points` is signed
/// (negative for redemptions, voids and expiries); an empty field is none.
///
/// The whole file is one consistent snapshot: entries written while it
/// downloads are not in it. It is streamed as it is read, so its length is
/// not known up front. If the server fails after the first bytes, the
/// transfer is cut off unfinished (never a short file that looks complete):
/// download again.
#[utoipa::path(get, path = "/api/v1/exports/ledger.csv", tag = "exports", operation_id = "exports_ledger",
    params(ExportParams),
    responses((status = 200, description = "The ledger as CSV", content_type = "text/csv", body = String)),
    security(("bearer" = [])))]
pub async fn ledger(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    ExportQuery(range): ExportQuery,
) -> ApiResult<Response> {
    let pages = state.store.export_ledger(&program.id, range).await?;
    csv_response("ledger.csv", LEDGER_HEADER, pages, ledger_record)
}

/// Export the customers
///
/// Every customer of the program created in `[from, to)`, with their points
/// totals, as CSV (RFC 4180, as the ledger export), oldest first (by `id`).
/// The first line names the columns, always in this order:
///
/// `id, created_at, email, phone, name, balance, lifetime_earned, lifetime_spent, pending_earned`
///
/// One consistent snapshot, streamed, and cut off unfinished on a server
/// failure, as the ledger export.
#[utoipa::path(get, path = "/api/v1/exports/customers.csv", tag = "exports", operation_id = "exports_customers",
    params(ExportParams),
    responses((status = 200, description = "The customers as CSV", content_type = "text/csv", body = String)),
    security(("bearer" = [])))]
pub async fn customers(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    ExportQuery(range): ExportQuery,
) -> ApiResult<Response> {
    let pages = state.store.export_customers(&program.id, range).await?;
    csv_response("customers.csv", CUSTOMER_HEADER, pages, customer_record)
}
