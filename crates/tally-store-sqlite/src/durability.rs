//! Group commit for the one SQLite writer.
//!
//! With `synchronous=FULL` every commit fsyncs the WAL while it still holds
//! the only write connection, so writes run one fsync at a time: on a disk
//! whose fsync takes 1–3 ms that is a few hundred commits a second however
//! little each does, and 64 waiting clients queue behind it.
//!
//! Instead the writer commits with `synchronous=NORMAL` (no fsync) and goes
//! straight on to the next transaction, while the committer waits here until
//! an fsync of the WAL that began after its commit has finished. One fsync
//! covers every commit made before it started, so under load a single fsync
//! makes dozens of commits durable. Nothing is acknowledged before it is on
//! disk: `SqliteTx::commit` returns only after this wait, and the key stays in
//! flight until then, so no replay can show a response before it is durable
//! (see `SqliteStore::idempotency_record`). WAL frames are appended in commit
//! order, so a durable commit implies every earlier one is durable too.
//!
//! What changes is visibility: another request may read a commit in the
//! moment before its fsync ends (a balance, a ledger line). A power cut in that
//! moment loses the commit — one that nobody was told had happened.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use tally_store::{StoreError, StoreResult};

pub(crate) struct GroupSync {
    wal: PathBuf,
    database: PathBuf,
    /// Tickets handed out, one per commit, taken after the commit returned.
    committed: AtomicU64,
    /// Every commit whose ticket is at most this is on disk.
    synced: AtomicU64,
    /// Held by the task running an fsync; the WAL's file handle, opened on first use.
    pub(crate) leader: tokio::sync::Mutex<Option<File>>,
    /// fsyncs run so far (a test proves they are shared).
    fsyncs: AtomicU64,
}

impl GroupSync {
    pub(crate) fn new(database: &Path) -> Self {
        let mut wal = database.as_os_str().to_owned();
        wal.push("-wal");
        Self {
            wal: PathBuf::from(wal),
            database: database.to_owned(),
            committed: AtomicU64::new(0),
            synced: AtomicU64::new(0),
            leader: tokio::sync::Mutex::new(None),
            fsyncs: AtomicU64::new(0),
        }
    }

    /// Call right after a commit returned: waits until that commit is on disk.
    pub(crate) async fn durable(&self) -> StoreResult<()> {
        let ticket = self.committed.fetch_add(1, Ordering::AcqRel) + 1;
        loop {
            if self.synced.load(Ordering::Acquire) >= ticket {
                return Ok(());
            }
            let mut handle = self.leader.lock().await;
            if self.synced.load(Ordering::Acquire) >= ticket {
                return Ok(());
            }
            // Everything committed up to now is in the WAL already.
            let target = self.committed.load(Ordering::Acquire);
            let (wal, database, file) = (self.wal.clone(), self.database.clone(), handle.take());
            let (file, result) = tokio::task::spawn_blocking(move || sync(file, &wal, &database))
                .await
                .map_err(|e| StoreError::OutcomeUnknown(format!("the fsync task failed: {e}")))?;
            *handle = file;
            self.fsyncs.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = result {
                // Committed but perhaps not durable: the outcome is unknown.
                // A retry finds the record (if it survived) and replays it.
                tracing::error!(error = %e, "fsync of the SQLite WAL failed");
                return Err(StoreError::OutcomeUnknown(format!("fsync failed: {e}")));
            }
            self.synced.fetch_max(target, Ordering::AcqRel);
        }
    }
}

/// fsyncs the WAL (reopened if SQLite replaced the file), or the database
/// file when there is no WAL (an in-memory database has neither).
fn sync(open: Option<File>, wal: &Path, database: &Path) -> (Option<File>, io::Result<()>) {
    let file = match open {
        Some(file) if same_file(&file, wal) => file,
        _ => match OpenOptions::new().read(true).write(true).open(wal) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let result = match File::open(database) {
                    Ok(db) => db.sync_data(),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(e),
                };
                return (None, result);
            }
            Err(e) => return (None, Err(e)),
        },
    };
    let result = file.sync_data();
    (Some(file), result)
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, _path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_fsync_covers_many_commits() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("tally.db");
        std::fs::write(&database, b"").unwrap();
        std::fs::write(dir.path().join("tally.db-wal"), b"frames").unwrap();
        let sync = Arc::new(GroupSync::new(&database));
        let waits: Vec<_> = (0..200)
            .map(|_| {
                let sync = sync.clone();
                tokio::spawn(async move { sync.durable().await })
            })
            .collect();
        for wait in waits {
            wait.await.unwrap().unwrap();
        }
        assert_eq!(sync.synced.load(Ordering::Acquire), 200, "every commit is covered");
        let fsyncs = sync.fsyncs.load(Ordering::Relaxed);
        assert!((1..200).contains(&fsyncs), "{fsyncs} fsyncs for 200 commits");
    }

    #[tokio::test]
    async fn without_a_wal_the_database_file_is_synced_and_a_memory_database_needs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("tally.db");
        std::fs::write(&database, b"").unwrap();
        GroupSync::new(&database).durable().await.unwrap();
        GroupSync::new(Path::new(":memory:")).durable().await.unwrap();
    }
}
