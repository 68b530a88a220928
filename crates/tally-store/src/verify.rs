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

/// The rows of `$table` (as `$row`) whose stored total, `$stored`, is not the
/// `total` that `$parts` (a query of `id, total`, one row per `$row.id`) adds
/// up for them; the detail shows `$shown` beside the parts' total.
macro_rules! stored_total_differs {
    ($table:literal, $row:literal, $shown:literal, $stored:literal, $holds:literal, $parts:literal) => {
        concat!(
            "SELECT ",
            $row,
            ".program_id, ",
            $row,
            ".id, ",
            $shown,
            " || ' but ",
            $holds,
            " ' || COALESCE(parts.total, 0) FROM ",
            $table,
            " ",
            $row,
            " LEFT JOIN (",
            $parts,
            ") parts ON parts.id = ",
            $row,
            ".id WHERE ",
            in_program!($row),
            " AND ",
            $stored,
            " <> COALESCE(parts.total, 0)"
        )
    };
}

/// The checks, in the order `tally verify` reports them.
pub const CHECKS: [(&str, &str); 12] = [
    (
        "balance differs from the sum of its ledger",
        stored_total_differs!(
            "customers",
            "c",
            "'balance ' || c.balance",
            "c.balance",
            "ledger sums to",
            "SELECT customer_id AS id, SUM(points) AS total FROM ledger_entries GROUP BY customer_id"
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
        stored_total_differs!(
            "customers",
            "c",
            "'balance ' || c.balance",
            "CASE WHEN c.balance > 0 THEN c.balance ELSE 0 END",
            "unspent lots hold",
            "SELECT customer_id AS id, SUM(remaining) AS total FROM point_lots GROUP BY customer_id"
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
        stored_total_differs!(
            "customers",
            "c",
            "'pending ' || c.pending_earned",
            "c.pending_earned",
            "ledger sums to",
            "SELECT customer_id AS id, SUM(pending_points) AS total FROM ledger_entries WHERE pending_points <> 0 \
             GROUP BY customer_id"
        ),
    ),
    (
        "pending lots differ from the pending points",
        stored_total_differs!(
            "customers",
            "c",
            "'pending ' || c.pending_earned",
            "c.pending_earned",
            "pending lots hold",
            "SELECT customer_id AS id, SUM(remaining) AS total FROM pending_lots WHERE released_at IS NULL \
             GROUP BY customer_id"
        ),
    ),
    (
        // Earned, then held, released or voided: a purchase's entries
        // (available and pending together) add up to what it still earns.
        "purchase points differ from its ledger entries",
        stored_total_differs!(
            "transactions",
            "t",
            "'earns ' || (t.points - t.voided_points)",
            "t.points - t.voided_points",
            "ledger holds",
            "SELECT transaction_id AS id, SUM(points + pending_points) AS total FROM ledger_entries \
             WHERE transaction_id IS NOT NULL GROUP BY transaction_id"
        ),
    ),
    (
        "purchase qualifying points differ from what it earns",
        stored_total_differs!(
            "transactions",
            "t",
            "'earns ' || (t.points - t.voided_points)",
            "t.points - t.voided_points",
            "qualifies",
            "SELECT transaction_id AS id, SUM(qualifying_points) AS total FROM ledger_entries \
             WHERE transaction_id IS NOT NULL GROUP BY transaction_id"
        ),
    ),
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
