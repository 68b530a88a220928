//! The reads every backend makes the same way with its own SQL: the query
//! text is the backend's (placeholders and casts differ), the binding,
//! fetching and converting is here.

use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use tally_core::model::{Balance, PendingLot, PointLot, Release};

use super::{LotRow, PendingLotRow, Stamp};
use crate::{COUNT_LIMIT, Page, ProgramStats, StoreError, StoreResult};

/// The one row `sql` finds by its two text parameters (the program, and an
/// id, a code or a key), converted to its domain type.
pub async fn found<'c, DB, R, T>(
    exec: impl Executor<'c, Database = DB>,
    sql: &str,
    program_id: &str,
    value: &str,
    map_err: fn(sqlx::Error) -> StoreError,
) -> StoreResult<Option<T>>
where
    DB: Database,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    R: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
    T: TryFrom<R>,
    StoreError: From<T::Error>,
{
    let row: Option<R> =
        sqlx::query_as(sql).bind(program_id).bind(value).fetch_optional(exec).await.map_err(map_err)?;
    Ok(row.map(T::try_from).transpose()?)
}

/// One page of a list, newest first: `sql` takes the program, then each
/// of `filters` (the parent, e.g. the customer, or what to filter by;
/// `None` binds NULL), the cursor and the limit, in that order. Asks for
/// one row more than the page, so the caller can tell whether there is
/// another.
pub async fn paged<'c, DB, R, T>(
    exec: impl Executor<'c, Database = DB>,
    sql: &str,
    program_id: &str,
    filters: &[Option<&str>],
    page: &Page,
    map_err: fn(sqlx::Error) -> StoreError,
) -> StoreResult<Vec<T>>
where
    DB: Database,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    R: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
    T: TryFrom<R>,
    StoreError: From<T::Error>,
{
    let mut query = sqlx::query_as::<DB, R>(sql).bind(program_id);
    for filter in filters {
        query = query.bind(*filter);
    }
    let rows = query
        .bind(page.starting_after.as_deref())
        .bind(i64::from(page.limit) + 1)
        .fetch_all(exec)
        .await
        .map_err(map_err)?;
    Ok(rows.into_iter().map(T::try_from).collect::<Result<_, _>>()?)
}

/// A customer's balance: `sql` takes the program and the customer, and
/// answers the available, lifetime earned, lifetime spent, pending,
/// expiring-soon and pending-earned points, then the next release's
/// points and time (NULL when nothing is pending), then the tier held,
/// since when and the qualifying points, in that order (no row: no such
/// customer).
pub async fn balance<'c, DB, S>(
    exec: impl Executor<'c, Database = DB>,
    sql: &str,
    program_id: &str,
    customer_id: &str,
    map_err: fn(sqlx::Error) -> StoreError,
) -> StoreResult<Option<Balance>>
where
    DB: Database,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    S: Stamp + Send + Unpin,
    BalanceRow<S>: for<'r> FromRow<'r, DB::Row>,
{
    let row: Option<BalanceRow<S>> =
        sqlx::query_as(sql).bind(program_id).bind(customer_id).fetch_optional(exec).await.map_err(map_err)?;
    Ok(row.map(|r| {
        let (available, lifetime_earned, lifetime_spent, pending, expiring_soon, pending_earned, release, at) =
            (r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7);
        let next_release = release.zip(at).map(|(points, at)| Release { points, at: at.utc() });
        let tier = Some(super::tier_held(r.8, r.9, r.10));
        Balance {
            customer_id: customer_id.to_owned(),
            available,
            pending,
            pending_earned,
            next_release,
            lifetime_earned,
            lifetime_spent,
            expiring_soon,
            tier,
        }
    }))
}

/// The columns of [`balance`]'s query.
type BalanceRow<S> = (i64, i64, i64, i64, i64, i64, Option<i64>, Option<S>, Option<String>, Option<S>, i64);

/// Lots due to expire, each with its program: `sql` takes the limit.
pub async fn due_lots<'c, DB, S>(
    exec: impl Executor<'c, Database = DB>,
    sql: &str,
    limit: u32,
    map_err: fn(sqlx::Error) -> StoreError,
) -> StoreResult<Vec<(String, PointLot)>>
where
    DB: Database,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    LotRow<S>: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
    S: Stamp,
{
    let rows: Vec<LotRow<S>> = sqlx::query_as(sql).bind(i64::from(limit)).fetch_all(exec).await.map_err(map_err)?;
    Ok(rows.into_iter().map(|r| (r.program_id.clone(), PointLot::from(r))).collect())
}

/// Pending lots due for release, each with its program: `sql` takes the limit.
pub async fn due_releases<'c, DB, S>(
    exec: impl Executor<'c, Database = DB>,
    sql: &str,
    limit: u32,
    map_err: fn(sqlx::Error) -> StoreError,
) -> StoreResult<Vec<(String, PendingLot)>>
where
    DB: Database,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    PendingLotRow<S>: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
    S: Stamp,
{
    let rows: Vec<PendingLotRow<S>> =
        sqlx::query_as(sql).bind(i64::from(limit)).fetch_all(exec).await.map_err(map_err)?;
    Ok(rows.into_iter().map(|r| (r.program_id.clone(), PendingLot::from(r))).collect())
}

/// The program's overview: `sql` takes the program and [`COUNT_LIMIT`],
/// and answers [`ProgramStats`]' numbers in its order, then the start of
/// the day as the backend stores a timestamp.
pub async fn program_stats<'c, DB, S>(
    exec: impl Executor<'c, Database = DB>,
    sql: &str,
    program_id: &str,
    map_err: fn(sqlx::Error) -> StoreError,
) -> StoreResult<ProgramStats>
where
    DB: Database,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    S: Stamp + Send + Unpin,
    (i64, i64, i64, i64, i64, S): for<'r> FromRow<'r, DB::Row>,
{
    let (customers, points_outstanding, redemptions_pending, redemptions_today, purchases_today, day_start): (
        i64,
        i64,
        i64,
        i64,
        i64,
        S,
    ) = sqlx::query_as(sql).bind(program_id).bind(COUNT_LIMIT).fetch_one(exec).await.map_err(map_err)?;
    Ok(ProgramStats {
        customers,
        points_outstanding,
        redemptions_pending,
        redemptions_today,
        purchases_today,
        day_started_at: day_start.utc(),
    })
}
