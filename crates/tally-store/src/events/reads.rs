//! The outbox's reads (the lists and lookups of [`super::Outbox`]), written
//! once for both backends as `exports::sql_pages` is: a backend hands each
//! read its SQL (placeholders and casts differ), and names how its rows keep
//! time (`S`, see [`Stamp`]) and an endpoint's event types (`L`, see
//! [`TypeList`]); binding, fetching and converting are here.

use std::marker::PhantomData;

use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Pool, Type};
use tally_core::events::{DeliveryAttempt, Event, WebhookEndpoint};

use super::EventFilter;
use super::rows::{AttemptRow, EndpointRow, EventRow, TypeList};
use crate::rows::{Stamp, fetch};
use crate::{Page, StoreError, StoreResult};

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
    pub fn new(pool: &'p Pool<DB>, map_err: fn(sqlx::Error) -> StoreError) -> Self {
        Reads { pool, map_err, rows: PhantomData }
    }

    /// The program's events, newest first: `sql` takes the program, the
    /// event type and the customer to filter by (NULL: any), the cursor and
    /// the limit.
    pub async fn events(
        &self,
        sql: &str,
        program_id: &str,
        filter: &EventFilter,
        page: &Page,
    ) -> StoreResult<Vec<Event>> {
        let filters = [filter.event_type.as_deref(), filter.customer_id.as_deref()];
        fetch::paged::<_, EventRow<S>, _>(self.pool, sql, program_id, &filters, page, self.map_err).await
    }

    /// One event: `sql` takes the program and the event's id.
    pub async fn event(&self, sql: &str, program_id: &str, id: &str) -> StoreResult<Option<Event>> {
        fetch::found::<_, EventRow<S>, _>(self.pool, sql, program_id, id, self.map_err).await
    }

    /// One endpoint: `sql` takes the program and the endpoint's id.
    pub async fn endpoint(&self, sql: &str, program_id: &str, id: &str) -> StoreResult<Option<WebhookEndpoint>> {
        fetch::found::<_, EndpointRow<S, L>, _>(self.pool, sql, program_id, id, self.map_err).await
    }

    /// The program's endpoints, newest first: `sql` takes the program, the
    /// cursor and the limit.
    pub async fn endpoints(&self, sql: &str, program_id: &str, page: &Page) -> StoreResult<Vec<WebhookEndpoint>> {
        fetch::paged::<_, EndpointRow<S, L>, _>(self.pool, sql, program_id, &[], page, self.map_err).await
    }

    /// The attempts made to an endpoint, newest first: `sql` takes the
    /// program, the endpoint, the cursor (an attempt's id as text, which the
    /// SQL casts) and the limit.
    pub async fn attempts(
        &self,
        sql: &str,
        program_id: &str,
        endpoint_id: &str,
        page: &Page,
    ) -> StoreResult<Vec<DeliveryAttempt>> {
        let endpoint = [Some(endpoint_id)];
        fetch::paged::<_, AttemptRow<S>, _>(self.pool, sql, program_id, &endpoint, page, self.map_err).await
    }
}
