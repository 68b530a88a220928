//! A fresh database per backend and run, seeded through the store itself:
//! one program, its token, one unlimited reward and customers with points.
//!
//! Customer `i` (0-based, `0..CUSTOMERS`) has the e-mail
//! [`customer_email`]`(i)`: that is how the raw SQL scripts, which cannot
//! know the generated ids, address the same customers through the
//! `(program_id, email)` unique index. The hot customer is number `CUSTOMERS`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tally_core::model::{LedgerOperation, Program, ProgramSettings, RewardKind};
use tally_server::Database;
use tally_store::{NewCustomer, NewLedgerEntry, NewReward, Store};

/// Customers the first writes spread over: enough that two concurrent
/// redemptions rarely meet on one customer row.
pub const CUSTOMERS: usize = 1000;
/// Every customer's starting balance: far more than any run can spend at one
/// point per redemption.
const SEED_POINTS: i64 = 1_000_000_000_000;
/// The route every redemption goes to.
pub const PATH: &str = "/api/v1/redemptions";

/// The e-mail of the fixture's customer number `i`.
pub fn customer_email(i: usize) -> String {
    format!("bench-{i}@example.com")
}

/// Whether the fixture gathers planner statistics after seeding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistics {
    /// `ANALYZE` after seeding, as a database in service would have.
    Analyze,
    /// Nothing: a freshly deployed database, as the growth benchmark needs.
    Fresh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where one backend's run keeps its data, and what was seeded there.
pub struct Fixture {
    pub backend: Backend,
    /// What `--database-url` the server gets.
    pub database_url: String,
    pub pg_max_connections: u32,
    pub program: Program,
    pub token: String,
    pub reward_id: String,
    pub customers: Vec<String>,
    /// The one customer of the contention scenario.
    pub hot_customer: String,
    /// The SQLite file's directory, removed when the fixture drops.
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    pub async fn create(backend: Backend, pg_max_connections: u32, statistics: Statistics) -> anyhow::Result<Self> {
        let (database_url, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::Builder::new().prefix("tally-bench-").tempdir()?;
                let path: PathBuf = dir.path().join("tally.db");
                (path.to_string_lossy().into_owned(), Some(dir))
            }
            Backend::Postgres => (tally_store_postgres::scratch::scratch_database_url().await, None),
        };
        let store = open_store(&database_url, pg_max_connections).await?;
        let settings = ProgramSettings {
            // A rate limit is a program setting; the benchmark measures
            // throughput, not the limiter. The API caps the setting at
            // 1,000,000 a minute (16.7k/s), below the replay rate measured
            // here, so the program is made through the store with the most
            // a program can hold.
            rate_limit_per_minute: i32::MAX,
            ..ProgramSettings::default()
        };
        let program = store.create_program("benchmark", &settings).await?;
        let token = tally_server::auth::issue_token(store.as_ref(), &program.id).await?;
        let mut tx = store.begin(None).await?;
        let reward = tx
            .insert_reward(
                &program.id,
                &NewReward { name: "Coffee".into(), cost_points: 1, kind: RewardKind::Item, stock: None, active: true },
            )
            .await?;
        let mut customers = Vec::with_capacity(CUSTOMERS + 1);
        for i in 0..=CUSTOMERS {
            let customer = tx
                .insert_customer(&program.id, &NewCustomer { email: Some(customer_email(i)), phone: None, name: None })
                .await?
                .context("a fresh database has no customer with that e-mail")?;
            let balance = tx.credit(&program.id, &customer.id, SEED_POINTS).await?.context("credit overflowed")?;
            tx.insert_ledger_entry(
                &program.id,
                &NewLedgerEntry {
                    reason: Some("benchmark seed".into()),
                    ..NewLedgerEntry::new(&customer.id, SEED_POINTS, balance, LedgerOperation::Adjustment)
                },
            )
            .await?;
            customers.push(customer.id);
        }
        tx.commit().await?;
        let hot_customer = customers.pop().expect("seeded");
        // Statistics for the planner, as a database in service has: without
        // them PostgreSQL plans the first minute's queries for empty tables.
        // Not for the growth benchmark, which is about exactly that.
        let sql = match (backend, statistics) {
            (Backend::Sqlite, _) | (_, Statistics::Fresh) => None,
            (Backend::Postgres, Statistics::Analyze) => {
                Some(sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&database_url).await?)
            }
        };
        if let Some(pool) = sql {
            sqlx::query("ANALYZE").execute(&pool).await?;
            pool.close().await;
        }
        Ok(Self {
            backend,
            database_url,
            pg_max_connections,
            program,
            token,
            reward_id: reward.id,
            customers,
            hot_customer,
            _dir: dir,
        })
    }

    /// Drops a PostgreSQL run's database: a full run leaves hundreds of
    /// thousands of rows behind, unlike a test's scratch database. (SQLite's
    /// file goes with its temporary directory.)
    pub async fn drop_database(&self) -> anyhow::Result<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let name = self.database_url.rsplit('/').next().unwrap_or_default();
        let name = name.split('?').next().unwrap_or_default();
        if !name.starts_with("tally_test_") {
            anyhow::bail!("refusing to drop {name:?}: not a scratch database");
        }
        let base = std::env::var("TALLY_TEST_PG_URL")
            .unwrap_or_else(|_| tally_store_postgres::scratch::DEFAULT_URL.to_owned());
        let admin = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&base).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await?;
        admin.close().await;
        Ok(())
    }

    /// A redemption body, exactly as a client would send it.
    pub fn redemption_body(&self, customer_id: &str) -> String {
        format!(r#"{{"customer_id":"{customer_id}","reward_id":"{}"}}"#, self.reward_id)
    }
}

pub async fn open_store(database_url: &str, pg_max_connections: u32) -> anyhow::Result<Arc<dyn Store>> {
    Database::from_url(database_url, pg_max_connections).open().await.context("opening the store")
}

/// Runs one statement on the database outside any Tally code: counting rows,
/// and moving expiry into the past in the storage-growth scenario.
pub enum Sql {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Sql {
    pub async fn connect(fixture: &Fixture) -> anyhow::Result<Self> {
        Ok(match fixture.backend {
            Backend::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(&fixture.database_url)
                    .busy_timeout(std::time::Duration::from_secs(10));
                Sql::Sqlite(sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(options).await?)
            }
            Backend::Postgres => Sql::Postgres(
                sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&fixture.database_url).await?,
            ),
        })
    }

    /// The database engine's version, for the report.
    pub async fn version(&self) -> anyhow::Result<String> {
        Ok(match self {
            Sql::Sqlite(pool) => {
                let v: String = sqlx::query_scalar("SELECT sqlite_version()").fetch_one(pool).await?;
                format!("SQLite {v}")
            }
            Sql::Postgres(pool) => sqlx::query_scalar("SELECT version()").fetch_one(pool).await?,
        })
    }

    pub async fn count(&self, table: &str) -> anyhow::Result<i64> {
        let sql = format!("SELECT count(*) FROM {table}");
        Ok(match self {
            Sql::Sqlite(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await?,
            Sql::Postgres(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await?,
        })
    }

    /// Makes every record older than `age` expire now, by the database's clock:
    /// what the passing of the retention window would do, in seconds instead of hours.
    pub async fn expire_older_than(&self, age: std::time::Duration) -> anyhow::Result<u64> {
        let ms = age.as_millis() as i64;
        Ok(match self {
            Sql::Sqlite(pool) => {
                let now = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
                let sql = format!(
                    "UPDATE idempotency_records SET expires_at = {now} - 1 \
                     WHERE created_at <= {now} - ?1 AND expires_at > {now}"
                );
                sqlx::query(&sql).bind(ms).execute(pool).await?.rows_affected()
            }
            Sql::Postgres(pool) => sqlx::query(
                "UPDATE idempotency_records SET expires_at = now() - interval '1 millisecond' \
                 WHERE created_at <= now() - make_interval(secs => $1::float8 / 1000) AND expires_at > now()",
            )
            .bind(ms as f64)
            .execute(pool)
            .await?
            .rows_affected(),
        })
    }

    pub async fn close(self) {
        match self {
            Sql::Sqlite(pool) => pool.close().await,
            Sql::Postgres(pool) => pool.close().await,
        }
    }
}
