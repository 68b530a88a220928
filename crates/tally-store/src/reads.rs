//! Reads written once for both backends, SQL included: the text keeps to what
//! PostgreSQL and SQLite share (`$N`, which sqlx binds by number on SQLite
//! too; `CAST` rather than `::`). A backend says where it reads and what its
//! rows look like by implementing [`ReadSource`], and has [`ProgramReads`],
//! [`crate::Verify`] and [`crate::OutboxReads`] from it.

use async_trait::async_trait;
use sqlx::{Database, Executor, FromRow, IntoArguments, Pool};
use tally_core::model::Program;

use crate::events::rows::TypeList;
use crate::rows::{PROGRAM_COLUMNS, ProgramRow, Stamp, convert_all};
use crate::verify::CHECKS;
use crate::{ProgramReads, StoreError, StoreResult, Verify, Violation};

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
impl<T> Verify for T
where
    T: ReadSource,
    for<'c> &'c Pool<T::Db>: Executor<'c, Database = T::Db>,
    for<'q> <T::Db as Database>::Arguments<'q>: IntoArguments<'q, T::Db>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, T::Db> + sqlx::Type<T::Db>,
    (String, String, String): for<'r> FromRow<'r, <T::Db as Database>::Row>,
{
    async fn verify(&self, program_id: Option<&str>) -> StoreResult<Vec<Violation>> {
        let checks: Vec<(&str, &str)> = CHECKS.iter().chain(T::OWN_CHECKS).copied().collect();
        crate::verify::run(self.read_pool(), &checks, program_id, T::read_error).await
    }
}

#[async_trait]
impl<T> ProgramReads for T
where
    T: ReadSource,
    for<'c> &'c mut <T::Db as Database>::Connection: Executor<'c, Database = T::Db>,
    for<'q> <T::Db as Database>::Arguments<'q>: IntoArguments<'q, T::Db>,
    for<'q> &'q str: sqlx::Encode<'q, T::Db> + sqlx::Type<T::Db>,
    ProgramRow<T::Stamp>: for<'r> FromRow<'r, <T::Db as Database>::Row> + Send + Unpin,
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
}
