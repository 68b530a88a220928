//! The outbox's reads (in [`crate::SharedReads`]), written once for both
//! backends, SQL included: the text keeps to what PostgreSQL and SQLite share
//! (`$N`, which sqlx binds by number on SQLite too, and `CAST` rather than
//! `::`). A backend that implements [`ReadSource`] (its pool and how its rows
//! keep time and an endpoint's event types) has them.

use std::marker::PhantomData;
use std::sync::LazyLock;

use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Pool, Type};
use tally_core::events::{DeliveryAttempt, Event, WebhookEndpoint};

use super::EventFilter;
use super::rows::{ATTEMPT_COLUMNS, AttemptRow, ENDPOINT_COLUMNS, EVENT_COLUMNS, EndpointRow, EventRow, TypeList};
use crate::reads::ReadSource;
use crate::rows::{Stamp, fetch};
use crate::{Page, StoreError, StoreResult};

// Each takes the program first and, when it pages, the cursor and the limit
// last (`fetch::paged`); NULL for a filter means any.
static EVENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE program_id = $1 \
           AND (CAST($2 AS TEXT) IS NULL OR type = $2) AND (CAST($3 AS TEXT) IS NULL OR customer_id = $3) \
           AND (CAST($4 AS TEXT) IS NULL OR id < $4) ORDER BY id DESC LIMIT $5"
    )
});
static EVENT: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {EVENT_COLUMNS} FROM events WHERE program_id = $1 AND id = $2"));
static ENDPOINT: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE program_id = $1 AND id = $2"));
static ENDPOINTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE program_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    )
});
// The cursor is an attempt's number as text (the route checked it is one).
static ATTEMPTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ATTEMPT_COLUMNS} FROM webhook_attempts a JOIN events v ON v.id = a.event_id \
         WHERE v.program_id = $1 AND a.endpoint_id = $2 AND (CAST($3 AS TEXT) IS NULL OR a.id < CAST($3 AS BIGINT)) \
         ORDER BY a.id DESC LIMIT $4"
    )
});

/// The outbox's reads on one backend's pool (for SQLite, its readers).
pub struct Reads<'p, DB: Database, S, L> {
    pool: &'p Pool<DB>,
    map_err: fn(sqlx::Error) -> StoreError,
    rows: PhantomData<fn() -> (S, L)>,
}

impl<'p, DB, S, L> Reads<'p, DB, S, L>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    S: Stamp,
    L: TypeList,
    EventRow<S>: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
    EndpointRow<S, L>: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
    AttemptRow<S>: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    /// The program's events, newest first, filtered by type and customer.
    pub async fn events(&self, program_id: &str, filter: &EventFilter, page: &Page) -> StoreResult<Vec<Event>> {
        let filters = [filter.event_type.as_deref(), filter.customer_id.as_deref()];
        fetch::paged::<_, EventRow<S>, _>(self.pool, &EVENTS, program_id, &filters, page, self.map_err).await
    }

    pub async fn event(&self, program_id: &str, id: &str) -> StoreResult<Option<Event>> {
        fetch::found::<_, EventRow<S>, _>(self.pool, &EVENT, program_id, id, self.map_err).await
    }

    pub async fn endpoint(&self, program_id: &str, id: &str) -> StoreResult<Option<WebhookEndpoint>> {
        fetch::found::<_, EndpointRow<S, L>, _>(self.pool, &ENDPOINT, program_id, id, self.map_err).await
    }

    /// The program's endpoints, newest first.
    pub async fn endpoints(&self, program_id: &str, page: &Page) -> StoreResult<Vec<WebhookEndpoint>> {
        fetch::paged::<_, EndpointRow<S, L>, _>(self.pool, &ENDPOINTS, program_id, &[], page, self.map_err).await
    }

    /// The attempts made to an endpoint, newest first.
    pub async fn attempts(
        &self,
        program_id: &str,
        endpoint_id: &str,
        page: &Page,
    ) -> StoreResult<Vec<DeliveryAttempt>> {
        let endpoint = [Some(endpoint_id)];
        fetch::paged::<_, AttemptRow<S>, _>(self.pool, &ATTEMPTS, program_id, &endpoint, page, self.map_err).await
    }
}

impl<'p, DB: Database, S, L> Reads<'p, DB, S, L> {
    pub(crate) fn of<T: ReadSource<Db = DB, Stamp = S, Types = L>>(store: &'p T) -> Self {
        Reads { pool: store.read_pool(), map_err: T::read_error, rows: PhantomData }
    }
}
