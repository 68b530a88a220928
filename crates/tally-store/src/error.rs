use thiserror::Error;

pub type StoreResult<T, E = StoreError> = Result<T, E>;

#[derive(Debug, Error)]
pub enum StoreError {
    /// Another transaction holds this idempotency key right now.
    #[error("the idempotency key is held by a request still executing")]
    KeyInUse,
    /// A live stored response already holds the key: only possible if a write
    /// bypassed the key's lock (the executor never does).
    #[error("the idempotency key already has a stored response")]
    RecordExists,
    /// A unique constraint refused the write; the string names what collided.
    #[error("conflict on {0}")]
    Conflict(&'static str),
    /// An arithmetic bound the database enforces (e.g. a bigint overflow).
    #[error("a value is out of range")]
    OutOfRange,
    /// Storage could not be reached or gave up (connection refused, pool timed
    /// out, serialization failure). Nothing was committed; retrying is safe.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A commit (or the fsync that makes it durable) failed in a way that
    /// leaves open whether it took effect. Retrying with the same key is
    /// safe: it replays the effect if there was one, and runs it if not.
    #[error("the outcome of the commit is unknown: {0}")]
    OutcomeUnknown(String),
    #[error("storage error: {0}")]
    Other(String),
}

/// For conversions that cannot fail (`From`), used where a fallible one is expected.
impl From<std::convert::Infallible> for StoreError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
