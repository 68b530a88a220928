//! sqlx's errors in the store's vocabulary.

use tally_store::StoreError;

/// Translates sqlx errors into the store's vocabulary. Anything after which a
/// retry may well succeed, and nothing was committed, is `Unavailable`.
pub(crate) fn map_err(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                return StoreError::Conflict("unique");
            }
            let code = db.code().unwrap_or_default();
            match code.as_ref() {
                // serialization_failure, deadlock_detected: the transaction was
                // rolled back whole; the standard advice is to run it again.
                "40001" | "40P01"
                // admin_shutdown, crash_shutdown, cannot_connect_now: the server
                // is restarting or failing over.
                | "57P01" | "57P02" | "57P03"
                // too_many_connections
                | "53300"
                // The session is in no state to run this request's statements:
                // active_sql_transaction (a BEGIN or SET that needs to be
                // outside a transaction), no_active_sql_transaction,
                // in_failed_sql_transaction (an earlier statement failed and the
                // rest of the transaction is ignored), and the server ending an
                // idle transaction or session (idle_in_transaction_session_timeout,
                // idle_session_timeout). Nothing of the request committed, so the
                // client may run it again, on another session: `PgTx` rolls back
                // or closes this one, and a session the server closed fails
                // sqlx's check on release and is discarded.
                | "25001" | "25P01" | "25P02" | "25P03" | "57P05" => StoreError::Unavailable(db.message().to_owned()),
                // connection_exception and its subclasses
                c if c.starts_with("08") => StoreError::Unavailable(db.message().to_owned()),
                // `tally_save_record`: a live record holds the key already.
                "TY001" => StoreError::RecordExists,
                // numeric_value_out_of_range: a bigint overflowed.
                "22003" => StoreError::OutOfRange,
                _ => StoreError::Other(db.message().to_owned()),
            }
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err.to_string()),
        _ => StoreError::Other(err.to_string()),
    }
}
