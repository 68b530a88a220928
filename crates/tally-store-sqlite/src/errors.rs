//! sqlx's and rusqlite's errors in the store's vocabulary.

use tally_store::StoreError;

/// Translates sqlx errors into the store's vocabulary. Connection trouble is
/// `Unavailable` (retry-safe: nothing was committed), never a generic error.
pub(crate) fn map_err(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                return StoreError::Conflict("unique");
            }
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6): another process holds the file.
            if matches!(db.code().as_deref(), Some("5" | "6" | "517" | "262")) {
                return StoreError::Unavailable(db.message().to_owned());
            }
            StoreError::Other(db.message().to_owned())
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable(err.to_string())
        }
        _ => StoreError::Other(err.to_string()),
    }
}

/// `map_err` for the writer's rusqlite errors, in the same vocabulary.
pub(crate) fn map_rusqlite_err(err: rusqlite::Error) -> StoreError {
    use rusqlite::ffi;
    match &err {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let message = message.clone().unwrap_or_else(|| failure.to_string());
            if matches!(failure.extended_code, ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) {
                return StoreError::Conflict("unique");
            }
            // SQLITE_BUSY and SQLITE_LOCKED, with their extended codes: another process holds the file.
            if matches!(failure.code, ffi::ErrorCode::DatabaseBusy | ffi::ErrorCode::DatabaseLocked) {
                return StoreError::Unavailable(message);
            }
            StoreError::Other(message)
        }
        _ => StoreError::Other(err.to_string()),
    }
}
