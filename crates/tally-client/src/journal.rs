//! The local journal of intents: a SQLite file that remembers every write
//! before it is sent.
//!
//! A write is recorded — operation, method, path, exact body bytes and a fresh
//! key — and committed to disk before its first send. From then on its fate
//! does not depend on the process: killed before the send, mid-flight, or after
//! the server committed but before the answer arrived, the intent is still
//! `pending` here, and re-sending it with the same key either runs it (it never
//! arrived) or replays the stored answer (it did). Only a final answer — a 2xx
//! or a non-retryable 4xx — moves it to `done`. A crash between the server's
//! commit and that update is therefore harmless: the next `resume()` gets a replay.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, Row};

use crate::error::Result;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS intents (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT    NOT NULL UNIQUE,
    -- Which credentials the intent belongs to (a hash of the token, never the token).
    scope      TEXT    NOT NULL,
    operation  TEXT    NOT NULL,
    method     TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    body       BLOB    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('pending', 'done')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    status     INTEGER,
    code       TEXT,
    response   BLOB,
    last_error TEXT,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS intents_pending ON intents (seq) WHERE state = 'pending';
"#;

/// Where an intent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentState {
    /// Recorded; no final answer yet. `resume()` sends it again with its key.
    Pending,
    /// A final answer arrived (2xx, or a 4xx that retrying cannot change).
    Done,
}

/// One journaled write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub seq: i64,
    pub key: String,
    pub scope: String,
    /// What the write does, e.g. `redemption.create`.
    pub operation: String,
    pub method: String,
    pub path: String,
    /// The exact bytes sent, so every retry is byte-for-byte the same request.
    pub body: Vec<u8>,
    pub state: IntentState,
    /// Sends recorded so far (the journal is told after each final answer or give-up).
    pub attempts: i64,
    /// The final (or, while pending, the last) HTTP status.
    pub status: Option<u16>,
    /// The problem code of a final refusal.
    pub code: Option<String>,
    /// The body of the final answer.
    pub response: Option<Vec<u8>>,
    /// Why the last round of attempts gave up, while still pending.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Intent {
    /// The final answer's body as JSON, when there is one.
    pub fn response_json(&self) -> Option<serde_json::Value> {
        self.response.as_deref().and_then(|b| serde_json::from_slice(b).ok())
    }
}

impl<'r> FromRow<'r, sqlx::sqlite::SqliteRow> for Intent {
    fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> sqlx::Result<Self> {
        let state: String = row.try_get("state")?;
        let status: Option<i64> = row.try_get("status")?;
        let time = |column: &str| -> sqlx::Result<DateTime<Utc>> {
            let text: String = row.try_get(column)?;
            DateTime::parse_from_rfc3339(&text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| sqlx::Error::ColumnDecode { index: column.to_owned(), source: Box::new(e) })
        };
        Ok(Intent {
            seq: row.try_get("seq")?,
            key: row.try_get("key")?,
            scope: row.try_get("scope")?,
            operation: row.try_get("operation")?,
            method: row.try_get("method")?,
            path: row.try_get("path")?,
            body: row.try_get("body")?,
            state: if state == "done" { IntentState::Done } else { IntentState::Pending },
            attempts: row.try_get("attempts")?,
            status: status.and_then(|s| u16::try_from(s).ok()),
            code: row.try_get("code")?,
            response: row.try_get("response")?,
            last_error: row.try_get("last_error")?,
            created_at: time("created_at")?,
            updated_at: time("updated_at")?,
        })
    }
}

/// A new intent, before its first send.
#[derive(Debug, Clone)]
pub struct NewIntent<'a> {
    pub key: &'a str,
    pub scope: &'a str,
    pub operation: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub body: &'a [u8],
}

/// The journal file. Cheap to clone; several processes may share one file
/// (SQLite serialises their writes).
#[derive(Clone, Debug)]
pub struct Journal {
    pool: SqlitePool,
    path: PathBuf,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Journal {
    /// Opens the journal at `path`, creating the file and its table if needed.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Every recorded intent is on disk before its first send, even
            // across a power cut: that is the whole point of the journal.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        Ok(Self { pool, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records an intent as `pending`. Returns once it is committed to disk.
    pub async fn record(&self, intent: &NewIntent<'_>) -> Result<()> {
        let at = now();
        sqlx::query(
            "INSERT INTO intents (key, scope, operation, method, path, body, state, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
        )
        .bind(intent.key)
        .bind(intent.scope)
        .bind(intent.operation)
        .bind(intent.method)
        .bind(intent.path)
        .bind(intent.body)
        .bind(&at)
        .bind(&at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks an intent `done` with its final answer. An answer already
    /// recorded is kept, unless it was a refusal and this is a 2xx: with two
    /// processes resuming one journal, a 2xx says the effect happened and no
    /// later refusal (say, of a re-send after the points were spent) may hide
    /// it, while a refusal may have been overtaken by a later success.
    pub async fn complete(&self, key: &str, attempts: u32, status: u16, code: Option<&str>, body: &[u8]) -> Result<()> {
        sqlx::query(
            "UPDATE intents SET state = 'done', attempts = attempts + ?1, status = ?2, code = ?3, response = ?4,
                    last_error = NULL, updated_at = ?5
             WHERE key = ?6 AND (state = 'pending' OR (?2 BETWEEN 200 AND 299 AND status NOT BETWEEN 200 AND 299))",
        )
        .bind(i64::from(attempts))
        .bind(i64::from(status))
        .bind(code)
        .bind(body)
        .bind(now())
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Notes a round of attempts that gave up; the intent stays `pending`.
    pub async fn gave_up(&self, key: &str, attempts: u32, status: Option<u16>, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE intents SET attempts = attempts + ?, status = ?, last_error = ?, updated_at = ?
             WHERE key = ? AND state = 'pending'",
        )
        .bind(i64::from(attempts))
        .bind(status.map(i64::from))
        .bind(error)
        .bind(now())
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// One intent by key.
    pub async fn intent(&self, key: &str) -> Result<Option<Intent>> {
        Ok(sqlx::query_as("SELECT * FROM intents WHERE key = ?").bind(key).fetch_optional(&self.pool).await?)
    }

    /// Every pending intent, oldest first (the order they were meant in).
    pub async fn pending(&self) -> Result<Vec<Intent>> {
        Ok(sqlx::query_as("SELECT * FROM intents WHERE state = 'pending' ORDER BY seq").fetch_all(&self.pool).await?)
    }

    /// Every intent, oldest first.
    pub async fn intents(&self) -> Result<Vec<Intent>> {
        Ok(sqlx::query_as("SELECT * FROM intents ORDER BY seq").fetch_all(&self.pool).await?)
    }

    /// Deletes `done` intents last updated before `before`; pending ones are
    /// never deleted. Returns how many went.
    pub async fn prune_done(&self, before: DateTime<Utc>) -> Result<u64> {
        let before = before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let result = sqlx::query("DELETE FROM intents WHERE state = 'done' AND updated_at < ?")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new<'a>(key: &'a str, body: &'a [u8]) -> NewIntent<'a> {
        NewIntent {
            key,
            scope: "s1",
            operation: "redemption.create",
            method: "POST",
            path: "/api/v1/redemptions",
            body,
        }
    }

    #[tokio::test]
    async fn intents_go_from_pending_to_done_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let journal = Journal::open(&path).await.unwrap();
        journal.record(&new("k1", br#"{"a":1}"#)).await.unwrap();
        journal.record(&new("k2", br#"{"a":2}"#)).await.unwrap();
        journal.record(&new("k3", br#"{"a":3}"#)).await.unwrap();
        journal.complete("k1", 2, 201, None, br#"{"id":"rdm_1"}"#).await.unwrap();
        journal.complete("k3", 1, 422, Some("insufficient_points"), b"{}").await.unwrap();
        journal.gave_up("k2", 5, Some(503), "503 idempotency_unavailable").await.unwrap();
        drop(journal);

        let journal = Journal::open(&path).await.unwrap();
        let pending = journal.pending().await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].key, "k2");
        assert_eq!(pending[0].body, br#"{"a":2}"#);
        assert_eq!(pending[0].attempts, 5);
        assert_eq!(pending[0].last_error.as_deref(), Some("503 idempotency_unavailable"));

        let done = journal.intent("k1").await.unwrap().unwrap();
        assert_eq!(done.state, IntentState::Done);
        assert_eq!(done.status, Some(201));
        assert_eq!(done.attempts, 2);
        assert_eq!(done.response_json().unwrap()["id"], "rdm_1");
        let refused = journal.intent("k3").await.unwrap().unwrap();
        assert_eq!((refused.state, refused.code.as_deref()), (IntentState::Done, Some("insufficient_points")));

        // A late give-up never reopens a finished intent.
        journal.gave_up("k1", 1, None, "late").await.unwrap();
        assert_eq!(journal.intent("k1").await.unwrap().unwrap().state, IntentState::Done);
        let keys: Vec<_> = journal.intents().await.unwrap().into_iter().map(|i| i.key).collect();
        assert_eq!(keys, ["k1", "k2", "k3"]);
    }

    #[tokio::test]
    async fn a_key_is_recorded_once_and_pruning_keeps_pending_intents() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path().join("j.db")).await.unwrap();
        journal.record(&new("k1", b"{}")).await.unwrap();
        assert!(journal.record(&new("k1", b"{}")).await.is_err(), "one key names one intent");
        journal.record(&new("k2", b"{}")).await.unwrap();
        journal.complete("k2", 1, 201, None, b"{}").await.unwrap();
        let pruned = journal.prune_done(Utc::now() + chrono::Duration::seconds(1)).await.unwrap();
        assert_eq!(pruned, 1);
        let left: Vec<_> = journal.intents().await.unwrap().into_iter().map(|i| i.key).collect();
        assert_eq!(left, ["k1"]);
    }
}
