//! The client commands' arguments: where the API is, who is calling, where
//! intents are journaled, and the subcommands themselves.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use tally_client::{Client, RetryPolicy};

use super::{export, import, webhooks};

/// Where the API is, who is calling, and where intents are journaled.
#[derive(Args, Clone, Debug)]
pub struct ClientArgs {
    /// The Tally server's base URL.
    #[arg(long, env = "TALLY_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The program's API token (`tally token create`).
    #[arg(long, env = "TALLY_TOKEN", hide_env_values = true)]
    token: String,
    /// The journal of intents (a SQLite file): every write is recorded here, with
    /// its idempotency key, before it is sent.
    #[arg(long, env = "TALLY_JOURNAL", default_value = "tally-journal.db")]
    pub(super) journal: PathBuf,
    /// Print the server's JSON instead of a sentence.
    #[arg(long)]
    pub(super) json: bool,
    /// Retries of a write or read that met an accident (a lost connection, a
    /// timeout, a 5xx, a 429, a 409 in use), always with the same key.
    #[arg(long, env = "TALLY_MAX_RETRIES", default_value_t = 4)]
    max_retries: u32,
    /// The first back-off, doubled on each retry (±20 % jitter).
    #[arg(long, env = "TALLY_RETRY_BASE_MS", default_value_t = 1000)]
    retry_base_ms: u64,
}

impl ClientArgs {
    /// The server's base URL, for the requests the SDK does not make (exports).
    pub(super) fn url(&self) -> &str {
        &self.url
    }

    pub(super) fn token(&self) -> &str {
        &self.token
    }

    fn retry_policy(&self) -> RetryPolicy {
        let base = Duration::from_millis(self.retry_base_ms);
        RetryPolicy { base, max_retries: self.max_retries, ..RetryPolicy::default() }
    }

    /// A client that journals its writes.
    pub(super) async fn writer(&self) -> anyhow::Result<Client> {
        Client::builder(&self.url, &self.token)
            .retry(self.retry_policy())
            .journal(&self.journal)
            .build()
            .await
            .with_context(|| format!("opening the journal {}", self.journal.display()))
    }

    /// A client for reads: no journal file is created.
    pub(super) async fn reader(&self) -> anyhow::Result<Client> {
        Ok(Client::builder(&self.url, &self.token).retry(self.retry_policy()).build().await?)
    }
}

#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Customers.
    Customer {
        #[command(subcommand)]
        command: CustomerCommand,
    },
    /// Record a purchase; it earns points by the program's rule.
    Earn {
        /// The customer (`cus_…`).
        #[arg(long)]
        customer: String,
        /// What was spent, in cents.
        #[arg(long)]
        spend_cents: i64,
        /// ISO 4217, e.g. EUR.
        #[arg(long)]
        currency: String,
        /// The POS receipt or order id (a second purchase with it returns the first).
        #[arg(long)]
        external_id: Option<String>,
        /// Points to credit instead of the earning rule's.
        #[arg(long)]
        points: Option<i64>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Spend points on a reward.
    Redeem {
        #[arg(long)]
        customer: String,
        #[arg(long)]
        reward: String,
        #[arg(long)]
        quantity: Option<i64>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Void a purchase (all of it, or --amount-cents of it).
    Void {
        /// The transaction (`txn_…`).
        transaction: String,
        #[arg(long)]
        amount_cents: Option<i64>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Add points to a customer's balance, or take them away, with a reason.
    Adjust {
        /// The customer (`cus_…`).
        customer: String,
        /// Signed: positive credits, negative debits (`--points -50`).
        #[arg(long, allow_negative_numbers = true)]
        points: i64,
        /// Why, for the ledger (required).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Mark a pending redemption fulfilled.
    Fulfil {
        /// The redemption (`rdm_…`).
        redemption: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Cancel a pending redemption, refunding its points and stock.
    Cancel {
        redemption: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Coupons issued by voucher rewards.
    Coupon {
        #[command(subcommand)]
        command: CouponCommand,
    },
    /// A customer's balance.
    Balance {
        customer: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Idempotency keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Send again, with their original keys, every journaled write that has no
    /// final answer yet (after a crash, a timeout or an outage).
    Resume {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Bulk import from CSV, resumable: rerunning the same file applies each row once.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Download the program's ledger or customers as CSV (to FILE.partial,
    /// renamed to FILE once complete), with a progress bar.
    Export(export::ExportArgs),
    /// Webhooks: a development receiver (`tally webhooks listen`).
    Webhooks {
        #[command(subcommand)]
        command: webhooks::WebhooksCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum CustomerCommand {
    /// Create a customer, or find the one with this email or phone.
    Upsert {
        #[arg(long)]
        email: Option<String>,
        /// E.164, with the country code: +4915112345678.
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum CouponCommand {
    /// Use a coupon, once: fulfils its redemption.
    Redeem {
        /// The coupon's code (case-insensitive).
        code: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// A coupon and its status.
    Show {
        code: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// What the server (and the local journal) know of a key.
    Show {
        key: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

impl ClientCommand {
    /// The default log filter: the SDK's retries and give-ups (warnings) show
    /// on stderr; `RUST_LOG=tally_client=info` shows every attempt.
    pub fn default_log_filter() -> &'static str {
        "warn"
    }
}
