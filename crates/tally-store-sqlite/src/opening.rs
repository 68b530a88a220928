//! Opening the file: its pragmas and migrations, the writer, the readers and
//! the serving lock.

use super::*;

impl SqliteStore {
    /// Opens (creating if needed) the database file and runs migrations.
    pub async fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        Self::connect(options).await
    }

    /// Opens the file for a serving process: only one may serve a file at a
    /// time. What keeps a key's in-flight mark — and a reply hidden until its
    /// fsync ends — lives in this process, so a second server on the same
    /// file would see neither, and could execute a key twice or replay a
    /// reply that is not yet durable. The guard is an exclusive lock on a
    /// file beside the database (`<file>-serving.lock`), which the operating
    /// system releases when the process ends, however it ends. Commands that
    /// only read or administer (`verify`, `program create`) open the file
    /// without it.
    pub async fn open_for_serving(path: impl AsRef<Path>) -> StoreResult<Self> {
        let path = path.as_ref();
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push("-serving.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::Other(format!("cannot open {}: {e}", Path::new(&lock_path).display())))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Other(format!(
                    "another process is serving {} (it holds {}): a SQLite file is served by one process; \
                     stop the other one, or run several nodes on PostgreSQL",
                    path.display(),
                    Path::new(&lock_path).display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StoreError::Other(format!("cannot lock {}: {e}", Path::new(&lock_path).display())));
            }
        }
        let mut store = Self::open(path).await?;
        store._serving = Some(Arc::new(lock));
        Ok(store)
    }

    /// Opens a `sqlite:` URL (e.g. `sqlite://tally.db`).
    pub async fn open_url(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url).map_err(map_err)?;
        Self::connect(
            options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT),
        )
        .await
    }

    pub(crate) async fn connect(options: SqliteConnectOptions) -> StoreResult<Self> {
        // A committed redemption must survive a power cut, not just a process
        // crash, before anyone is told it happened. NORMAL here only moves the
        // fsync out of the writer's way: `durability` makes every commit
        // durable before `commit` returns, one fsync for many commits.
        let options = options.synchronous(SqliteSynchronous::Normal);
        let path = options.get_filename().to_owned();
        let durable = Arc::new(durability::GroupSync::new(&path));

        // Migrations run through sqlx, on a connection of their own, before the
        // writer opens: it then never sees the schema change under it.
        let migrator = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(map_err)?;
        let migrated = sqlx::migrate!("./migrations").run(&migrator).await;
        migrator.close().await;
        migrated.map_err(|e| StoreError::Other(e.to_string()))?;

        let (writer, records) = tokio::task::spawn_blocking(move || {
            let writer = open_writer(&path)?;
            Ok::<_, rusqlite::Error>((writer, InPlaceReaders::open(&path, IN_PLACE_READERS)?))
        })
        .await
        .map_err(|e| StoreError::Other(format!("the task opening the writer failed: {e}")))?
        .map_err(map_rusqlite_err)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options.clone().read_only(true))
            .await
            .map_err(map_err)?;
        let checkpointer = options.clone().busy_timeout(CHECKPOINT_PATIENCE).connect().await.map_err(map_err)?;

        let store = Self {
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            reader,
            records: Arc::new(records),
            in_flight: Arc::default(),
            durable,
            closed: Arc::default(),
            _serving: None,
        };
        // A `Weak` of the writer: the task must not keep the store alive.
        tokio::spawn(checkpoint(checkpointer, Arc::downgrade(&store.writer), store.closed.clone()));
        Ok(store)
    }

    /// Closes the store; later calls fail as `Unavailable` (tests use it to
    /// make storage unreachable). A transaction already begun may still finish.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.reader.close().await;
    }

    /// Runs a statement on the writer, outside the domain's transactions: for
    /// tests that need to move time (e.g. expire a record) without waiting.
    pub async fn execute_raw(&self, sql: &str) -> StoreResult<u64> {
        self.write(|conn| {
            let mut statement = conn.prepare(sql)?;
            if statement.column_count() == 0 {
                return Ok(statement.execute([])? as u64);
            }
            let mut rows = statement.query([])?;
            while rows.next()?.is_some() {}
            drop(rows);
            Ok(if statement.readonly() { 0 } else { conn.changes() })
        })
        .await
    }

    pub(crate) fn check_open(&self) -> StoreResult<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable("the SQLite store is closed".to_owned()));
        }
        Ok(())
    }

    /// Runs `work` on the writer in autocommit mode (one statement, its own
    /// transaction), after any transaction ahead of it in the queue.
    pub(crate) async fn write<T>(
        &self,
        work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> StoreResult<T> {
        self.check_open()?;
        let conn = self.writer.lock().await;
        self.check_open()?;
        rollback_leftover(&conn).and_then(|()| work(&conn)).map_err(map_rusqlite_err)
    }
}
