//! Reads written once for both backends, SQL included: the text keeps to what
//! PostgreSQL and SQLite share (`$N`, which sqlx binds by number on SQLite
//! too; `CAST` rather than `::`). A backend says where it reads and what its
//! rows look like by implementing [`ReadSource`], and has
//! [`crate::SharedReads`] from it.

use async_trait::async_trait;
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Pool, Type};
use tally_core::events::{DeliveryAttempt, Event, WebhookEndpoint};
use tally_core::model::Program;

use crate::events::EventFilter;
use crate::events::reads::Reads;
use crate::events::rows::{AttemptRow, EndpointRow, EventRow, TypeList};
use crate::rows::{PROGRAM_COLUMNS, ProgramRow, Stamp, convert_all};
use crate::verify::CHECKS;
use crate::{Page, SharedReads, StoreError, StoreResult, Violation};

/// Where a backend's shared reads run, and how its rows keep what differs.
pub trait ReadSource: Send + Sync {
    type Db: Database;
    /// How the backend's rows keep time.
    type Stamp: Stamp;
    /// How the backend keeps a webhook endpoint's event types.
    type Types: TypeList;
    /// The pool reads run on (for SQLite, its readers, never the writer).
    fn read_pool(&self) -> &Pool<Self::Db>;
    /// The backend's mapping of a driver error.
    fn read_error(e: sqlx::Error) -> StoreError;
    /// The `tally verify` checks of what this backend keeps of its own, run
    /// after [`crate::verify::CHECKS`].
    const OWN_CHECKS: &'static [(&'static str, &'static str)];
}

#[async_trait]
impl<T> SharedReads for T
where
    T: ReadSource,
    for<'c> &'c Pool<T::Db>: Executor<'c, Database = T::Db>,
    for<'c> &'c mut <T::Db as Database>::Connection: Executor<'c, Database = T::Db>,
    for<'q> <T::Db as Database>::Arguments<'q>: IntoArguments<'q, T::Db>,
    for<'q> &'q str: Encode<'q, T::Db> + Type<T::Db>,
    for<'q> Option<&'q str>: Encode<'q, T::Db> + Type<T::Db>,
    i64: for<'q> Encode<'q, T::Db> + Type<T::Db>,
    (String, String, String): for<'r> FromRow<'r, <T::Db as Database>::Row>,
    ProgramRow<T::Stamp>: for<'r> FromRow<'r, <T::Db as Database>::Row> + Send + Unpin,
    EventRow<T::Stamp>: for<'r> FromRow<'r, <T::Db as Database>::Row> + Send + Unpin,
    EndpointRow<T::Stamp, T::Types>: for<'r> FromRow<'r, <T::Db as Database>::Row> + Send + Unpin,
    AttemptRow<T::Stamp>: for<'r> FromRow<'r, <T::Db as Database>::Row> + Send + Unpin,
{
    async fn program(&self, id: &str) -> StoreResult<Option<Program>> {
        let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = $1");
        let row: Option<ProgramRow<T::Stamp>> =
            sqlx::query_as(&sql).bind(id).fetch_optional(self.read_pool()).await.map_err(T::read_error)?;
        row.map(Program::try_from).transpose()
    }

    async fn programs(&self) -> StoreResult<Vec<Program>> {
        let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs ORDER BY id");
        let rows: Vec<ProgramRow<T::Stamp>> =
            sqlx::query_as(&sql).fetch_all(self.read_pool()).await.map_err(T::read_error)?;
        convert_all(rows)
    }

    async fn verify(&self, program_id: Option<&str>) -> StoreResult<Vec<Violation>> {
        let checks: Vec<(&str, &str)> = CHECKS.iter().chain(T::OWN_CHECKS).copied().collect();
        crate::verify::run(self.read_pool(), &checks, program_id, T::read_error).await
    }

    async fn events(&self, program_id: &str, filter: &EventFilter, page: &Page) -> StoreResult<Vec<Event>> {
        Reads::of(self).events(program_id, filter, page).await
    }

    async fn event(&self, program_id: &str, id: &str) -> StoreResult<Option<Event>> {
        Reads::of(self).event(program_id, id).await
    }

    async fn webhook_endpoint(&self, program_id: &str, id: &str) -> StoreResult<Option<WebhookEndpoint>> {
        Reads::of(self).endpoint(program_id, id).await
    }

    async fn webhook_endpoints(&self, program_id: &str, page: &Page) -> StoreResult<Vec<WebhookEndpoint>> {
        Reads::of(self).endpoints(program_id, page).await
    }

    async fn delivery_attempts(
        &self,
        program_id: &str,
        endpoint: &str,
        page: &Page,
    ) -> StoreResult<Vec<DeliveryAttempt>> {
        Reads::of(self).attempts(program_id, endpoint, page).await
    }
}
