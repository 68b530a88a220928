//! One module per resource under `/api/v1`, plus the v2 compatibility pair.

pub mod coupons;
pub mod customers;
pub mod docs;
pub mod events;
pub mod exports;
pub mod health;
pub mod keys;
pub mod program;
pub mod redemptions;
pub mod rewards;
pub mod stats;
pub mod transactions;
pub mod v2;
pub mod webhook_endpoints;

use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};

/// A page of a list, newest first.
#[derive(Serialize, ToSchema)]
pub struct Paginated<T: ToSchema> {
    pub data: Vec<T>,
    /// Whether older items follow; fetch them with `starting_after` = the last id.
    pub has_more: bool,
}

impl<T: ToSchema> Paginated<T> {
    /// The store returns up to `limit + 1` rows; the extra one only says more exist.
    pub fn from_rows(mut rows: Vec<T>, limit: u32) -> Self {
        let has_more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        Self { data: rows, has_more }
    }
}

/// `?limit=&starting_after=` of every list route, as documented (the
/// `Pagination` extractor reads them).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Only its description is used.
pub struct ListParams {
    /// How many items to return, newest first (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// A cursor: the id of the last item of the previous page.
    #[param(pattern = "^[A-Za-z0-9_]+$", max_length = 64)]
    pub starting_after: Option<String>,
}

/// Path ids are checked for shape first: a malformed id is as unknown as a missing one.
pub fn check_id(kind: tally_core::ids::IdKind, id: &str, code: &'static str, what: &str) -> ApiResult<()> {
    if kind.matches(id) { Ok(()) } else { Err(ApiError::not_found(code, what)) }
}
