//! `tally verify`'s ledger checks, written once for both backends.
//!
//! Each check is a problem and a query answering the rows that break it as
//! (program, subject, detail), for every program or only the one given (the
//! query's one parameter). The SQL keeps to what PostgreSQL and SQLite share,
//! so both backends run the same text: `$1` (sqlx binds SQLite's `$N` by
//! number too), `CAST($1 AS TEXT)` rather than `::text`, `CASE` rather than
//! `GREATEST`/`MAX`, a correlated subquery rather than `LATERAL`, `substr`
//! rather than a `LIKE` whose escape character differs. What one backend
//! keeps of its own (the program counters) it checks itself.

#[cfg(feature = "sqlx")]
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};

#[cfg(feature = "sqlx")]
use crate::{StoreError, StoreResult, Violation};

/// Narrows a check to the program named by the parameter, or none.
macro_rules! in_program {
    ($alias:literal) => {
        concat!("(CAST($1 AS TEXT) IS NULL OR ", $alias, ".program_id = $1)")
    };
}

/// The keys whose record names another resource (of `$table`, ids starting
/// `$prefix`) than the one the key made: a key that produced two.
macro_rules! made_by_key {
    ($table:literal, $prefix:literal) => {
        concat!(
            "SELECT k.program_id, k.key, 'record names ' || k.resource_id || ' but the key made ' || r.id \
             FROM idempotency_records k JOIN ",
            $table,
            " r ON r.program_id = k.program_id AND r.idempotency_key = k.key WHERE ",
            in_program!("k"),
            " AND substr(k.resource_id, 1, 4) = '",
            $prefix,
            "' AND k.resource_id <> r.id"
        )
    };
}

/// The customers whose pending points are not the `total` that `$per_customer`
/// (a query of `customer_id, total`) finds for them.
macro_rules! pending_against {
    ($holds:literal, $per_customer:literal) => {
        concat!(
            "SELECT c.program_id, c.id, 'pending ' || c.pending_earned || ' but ",
            $holds,
            " ' || COALESCE(x.total, 0) FROM customers c LEFT JOIN (",
            $per_customer,
            ") x ON x.customer_id = c.id WHERE ",
            in_program!("c"),
            " AND c.pending_earned <> COALESCE(x.total, 0)"
        )
    };
}

/// The purchases whose ledger entries' `$sum` is not what they still earn.
macro_rules! purchase_entries {
    ($sum:literal, $holds:literal) => {
        concat!(
            "SELECT t.program_id, t.id, 'earns ' || (t.points - t.voided_points) || ' but ",
            $holds,
            " ' || COALESCE(l.total, 0) FROM transactions t LEFT JOIN (SELECT transaction_id, ",
            $sum,
            " AS total FROM ledger_entries WHERE transaction_id IS NOT NULL GROUP BY transaction_id) l \
             ON l.transaction_id = t.id WHERE ",
            in_program!("t"),
            " AND t.points - t.voided_points <> COALESCE(l.total, 0)"
        )
    };
}

/// The checks, in the order `tally verify` reports them.
pub const CHECKS: [(&str, &str); 12] = [
    (
        "balance differs from the sum of its ledger",
        concat!(
            "SELECT c.program_id, c.id, 'balance ' || c.balance || ' but ledger sums to ' || \
               COALESCE((SELECT SUM(l.points) FROM ledger_entries l WHERE l.customer_id = c.id), 0) \
             FROM customers c WHERE ",
            in_program!("c"),
            " AND c.balance <> COALESCE((SELECT SUM(l.points) FROM ledger_entries l WHERE l.customer_id = c.id), 0)"
        ),
    ),
    (
        "negative balance in a program that does not allow it",
        concat!(
            "SELECT c.program_id, c.id, 'balance ' || c.balance FROM customers c \
             JOIN programs p ON p.id = c.program_id WHERE ",
            in_program!("c"),
            " AND c.balance < 0 AND p.void_policy <> 'allow_negative'"
        ),
    ),
    (
        // A negative balance (allowed by `allow_negative`) has no lots.
        "unspent lots differ from the balance",
        concat!(
            "SELECT c.program_id, c.id, 'balance ' || c.balance || ' but unspent lots hold ' || \
               COALESCE((SELECT SUM(l.remaining) FROM point_lots l WHERE l.customer_id = c.id), 0) \
             FROM customers c WHERE ",
            in_program!("c"),
            " AND CASE WHEN c.balance > 0 THEN c.balance ELSE 0 END <> \
               COALESCE((SELECT SUM(l.remaining) FROM point_lots l WHERE l.customer_id = c.id), 0)"
        ),
    ),
    (
        "redemption points differ from its ledger entries",
        concat!(
            "SELECT r.program_id, r.id, 'spent ' || r.points_spent || ' status ' || r.status FROM redemptions r WHERE ",
            in_program!("r"),
            " AND COALESCE((SELECT SUM(l.points) FROM ledger_entries l WHERE l.redemption_id = r.id), 0) <> \
               CASE WHEN r.status = 'cancelled' THEN 0 ELSE -r.points_spent END"
        ),
    ),
    (
        "negative stock",
        concat!(
            "SELECT w.program_id, w.id, 'stock ' || w.stock FROM rewards w WHERE ",
            in_program!("w"),
            " AND w.stock < 0"
        ),
    ),
    (
        "pending points differ from the sum of their ledger",
        pending_against!(
            "ledger sums to",
            "SELECT customer_id, SUM(pending_points) AS total FROM ledger_entries WHERE pending_points <> 0 \
             GROUP BY customer_id"
        ),
    ),
    (
        "pending lots differ from the pending points",
        pending_against!(
            "pending lots hold",
            "SELECT customer_id, SUM(remaining) AS total FROM pending_lots WHERE released_at IS NULL \
             GROUP BY customer_id"
        ),
    ),
    (
        // Earned, then held, released or voided: a purchase's entries
        // (available and pending together) add up to what it still earns.
        "purchase points differ from its ledger entries",
        purchase_entries!("SUM(points + pending_points)", "ledger holds"),
    ),
    ("purchase qualifying points differ from what it earns", purchase_entries!("SUM(qualifying_points)", "qualifies")),
    (
        "tier differs from the customer's last tier change",
        concat!(
            "SELECT c.program_id, c.id, 'tier ' || COALESCE(c.tier, 'none') || ' but last changed to ' || \
               COALESCE(last.to_tier, 'none') \
             FROM customers c LEFT JOIN tier_changes last ON last.id = (SELECT h.id FROM tier_changes h \
               WHERE h.program_id = c.program_id AND h.customer_id = c.id ORDER BY h.id DESC LIMIT 1) WHERE ",
            in_program!("c"),
            " AND c.tier IS DISTINCT FROM last.to_tier"
        ),
    ),
    ("idempotency key produced two redemptions", made_by_key!("redemptions", "rdm_")),
    ("idempotency key produced two purchases", made_by_key!("transactions", "txn_")),
];

#[cfg(feature = "sqlx")]
/// Runs `checks` (each a problem and its query, as [`CHECKS`]) on `exec`:
/// the rows that break them, for every program or only `program_id`.
pub async fn run<'c, DB, E>(
    exec: E,
    checks: &[(&str, &str)],
    program_id: Option<&str>,
    map_err: fn(sqlx::Error) -> StoreError,
) -> StoreResult<Vec<Violation>>
where
    DB: Database,
    E: Executor<'c, Database = DB> + Copy,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    (String, String, String): for<'r> FromRow<'r, DB::Row>,
{
    let mut violations = Vec::new();
    for (problem, sql) in checks {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as(sql).bind(program_id).fetch_all(exec).await.map_err(map_err)?;
        violations.extend(rows.into_iter().map(|(program_id, subject, detail)| Violation {
            program_id,
            subject,
            problem: format!("{problem}: {detail}"),
        }));
    }
    Ok(violations)
}
