//! One module per resource under `/api/v1`, plus the v2 compatibility pair.

pub mod coupons;
pub mod customers;
pub mod health;
pub mod keys;
pub mod program;
pub mod redemptions;
pub mod rewards;
pub mod transactions;
pub mod v2;

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use tally_core::model::{Customer, LedgerEntry, Redemption, Reward, Transaction};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::idempotency::{Execution, Reply};
use crate::operations::Outcome;

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

/// A resource with an id and a canonical URL.
pub trait Resource: Serialize {
    fn id(&self) -> &str;
    fn location(&self) -> String;
}

macro_rules! resource {
    ($type:ty, $path:literal) => {
        impl Resource for $type {
            fn id(&self) -> &str {
                &self.id
            }
            fn location(&self) -> String {
                format!(concat!("/api/v1/", $path, "/{}"), self.id)
            }
        }
    };
}
resource!(Customer, "customers");
resource!(Transaction, "transactions");
resource!(Reward, "rewards");
resource!(Redemption, "redemptions");

/// A manual adjustment's resource is its ledger entry, listed in the customer's ledger.
impl Resource for LedgerEntry {
    fn id(&self) -> &str {
        &self.id
    }
    fn location(&self) -> String {
        format!("/api/v1/customers/{}/ledger", self.customer_id)
    }
}

/// Turns an operation's outcome into the response, storing it under the key.
pub async fn conclude<T: Resource>(exec: Execution, outcome: Outcome<T>) -> ApiResult<Response> {
    match outcome {
        Outcome::Created(made) => exec.finish(Reply::created_at(&made, made.location(), made.id())).await,
        Outcome::Existing(found) => exec.finish(Reply::json(StatusCode::OK, &found).with_resource(found.id())).await,
        Outcome::Replayed(found) => {
            let id = found.resource.id().to_owned();
            exec.replay_resource(found, &id)
        }
    }
}

/// Path ids are checked for shape first: a malformed id is as unknown as a missing one.
pub fn check_id(kind: tally_core::ids::IdKind, id: &str, code: &'static str, what: &str) -> ApiResult<()> {
    if kind.matches(id) { Ok(()) } else { Err(ApiError::not_found(code, what)) }
}
