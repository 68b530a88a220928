//! Program-wide reads for the operator's overview and queues.

use chrono::{DateTime, Utc};

/// Counts at most this many rows where a count is read rather than kept (the
/// pending redemptions): a number this large means "at least this many".
pub const COUNT_LIMIT: i64 = 100_000;

/// A program's overview, by the database clock. Every number is a maintained
/// counter or a bounded index read: reading it costs the same on any size of program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramStats {
    pub customers: i64,
    /// The sum of every customer's balance.
    pub points_outstanding: i64,
    /// Redemptions waiting to be fulfilled or cancelled, counted up to [`COUNT_LIMIT`].
    pub redemptions_pending: i64,
    /// Redemptions made since `day_started_at` (the start of the current UTC day).
    pub redemptions_today: i64,
    /// Purchases recorded since `day_started_at`.
    pub purchases_today: i64,
    pub day_started_at: DateTime<Utc>,
}
