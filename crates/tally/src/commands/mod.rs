//! The client commands: every one goes through `tally-client`, so each write
//! is journaled with its key before it is sent, and retried with that key.

mod import;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use tally_client::{
    Client, IntentState, NewAdjustment, NewCustomer, NewRedemption, NewTransaction, ResumeOutcome, RetryPolicy,
    VoidTransaction, Written,
};

/// Exit status of a write the server refused (a final answer, e.g. 422).
const EXIT_REFUSED: u8 = 1;
/// Exit status of a write with no final answer yet: it stays pending in the
/// journal, and `tally resume` finishes it (EX_TEMPFAIL).
const EXIT_PENDING: u8 = 75;

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
    journal: PathBuf,
    /// Print the server's JSON instead of a sentence.
    #[arg(long)]
    json: bool,
    /// Retries of a write or read that met an accident (a lost connection, a
    /// timeout, a 5xx, a 429, a 409 in use), always with the same key.
    #[arg(long, env = "TALLY_MAX_RETRIES", default_value_t = 4)]
    max_retries: u32,
    /// The first back-off, doubled on each retry (±20 % jitter).
    #[arg(long, env = "TALLY_RETRY_BASE_MS", default_value_t = 1000)]
    retry_base_ms: u64,
}

impl ClientArgs {
    fn retry_policy(&self) -> RetryPolicy {
        let base = Duration::from_millis(self.retry_base_ms);
        RetryPolicy { base, max_retries: self.max_retries, ..RetryPolicy::default() }
    }

    /// A client that journals its writes.
    async fn writer(&self) -> anyhow::Result<Client> {
        Client::builder(&self.url, &self.token)
            .retry(self.retry_policy())
            .journal(&self.journal)
            .build()
            .await
            .with_context(|| format!("opening the journal {}", self.journal.display()))
    }

    /// A client for reads: no journal file is created.
    async fn reader(&self) -> anyhow::Result<Client> {
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

pub async fn run(command: ClientCommand) -> anyhow::Result<ExitCode> {
    match command {
        ClientCommand::Customer { command: CustomerCommand::Upsert { email, phone, name, client: args } } => {
            let client = args.writer().await?;
            let result = client.upsert_customer(&NewCustomer { email, phone, name }).await;
            Ok(answer(&args, result, |c| {
                let how = if c.status == 201 { "created" } else { "found" };
                let contact = c.value.email.as_deref().or(c.value.phone.as_deref()).unwrap_or("-");
                format!("{how} customer {} ({contact})", c.value.id)
            }))
        }
        ClientCommand::Earn { customer, spend_cents, currency, external_id, points, client: args } => {
            let client = args.writer().await?;
            let purchase = NewTransaction {
                customer_id: customer,
                spend_amount_cents: spend_cents,
                currency,
                external_id,
                points,
            };
            let result = client.record_purchase(&purchase).await;
            Ok(answer(&args, result, |t| {
                format!("recorded {}: +{} points for {}", t.value.id, t.value.points, t.value.customer_id)
            }))
        }
        ClientCommand::Redeem { customer, reward, quantity, client: args } => {
            let client = args.writer().await?;
            let result = client.redeem(&NewRedemption { customer_id: customer, reward_id: reward, quantity }).await;
            Ok(answer(&args, result, |r| {
                format!("redeemed {}: -{} points, {}", r.value.id, r.value.points_spent, r.value.status.as_str())
            }))
        }
        ClientCommand::Void { transaction, amount_cents, client: args } => {
            let client = args.writer().await?;
            let result = client.void_transaction(&transaction, &VoidTransaction { amount_cents }).await;
            Ok(answer(&args, result, |v| {
                let t = &v.value;
                format!(
                    "{} is {}: {} of {} cents and {} of {} points voided",
                    t.id,
                    t.status.as_str(),
                    t.voided_amount_cents,
                    t.spend_amount_cents,
                    t.voided_points,
                    t.points
                )
            }))
        }
        ClientCommand::Adjust { customer, points, reason, client: args } => {
            let client = args.writer().await?;
            let result = client.adjust_points(&customer, &NewAdjustment { points, reason }).await;
            Ok(answer(&args, result, |e| {
                let e = &e.value;
                format!("adjusted {} by {:+} points ({}): balance {}", e.customer_id, e.points, e.id, e.balance_after)
            }))
        }
        ClientCommand::Coupon { command: CouponCommand::Redeem { code, client: args } } => {
            let client = args.writer().await?;
            let result = client.redeem_coupon(&code).await;
            Ok(answer(&args, result, |c| {
                let c = &c.value;
                format!("coupon {} is {}: redemption {} fulfilled", c.code, c.status.as_str(), c.redemption_id)
            }))
        }
        ClientCommand::Coupon { command: CouponCommand::Show { code, client: args } } => {
            let client = args.reader().await?;
            Ok(match client.coupon(&code).await {
                Ok(c) if args.json => print_json(&c),
                Ok(c) => {
                    println!("coupon {} is {}", c.code, c.status.as_str());
                    println!("  customer     {}", c.customer_id);
                    println!("  reward       {}", c.reward_id);
                    println!("  redemption   {}", c.redemption_id);
                    if let Some(at) = c.redeemed_at {
                        println!("  redeemed at  {}", at.to_rfc3339());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => failure(&args, &e),
            })
        }
        ClientCommand::Fulfil { redemption, client: args } => {
            let client = args.writer().await?;
            let result = client.fulfil_redemption(&redemption).await;
            Ok(answer(&args, result, |r| format!("{} is {}", r.value.id, r.value.status.as_str())))
        }
        ClientCommand::Cancel { redemption, client: args } => {
            let client = args.writer().await?;
            let result = client.cancel_redemption(&redemption).await;
            Ok(answer(&args, result, |r| format!("{} is {}", r.value.id, r.value.status.as_str())))
        }
        ClientCommand::Balance { customer, client: args } => {
            let client = args.reader().await?;
            Ok(match client.balance(&customer).await {
                Ok(b) if args.json => print_json(&b),
                Ok(b) => {
                    println!("{}: {} points available", b.customer_id, b.available);
                    println!("  pending          {}", b.pending);
                    println!("  lifetime earned  {}", b.lifetime_earned);
                    println!("  lifetime spent   {}", b.lifetime_spent);
                    println!("  expiring soon    {}", b.expiring_soon);
                    ExitCode::SUCCESS
                }
                Err(e) => failure(&args, &e),
            })
        }
        ClientCommand::Key { command: KeyCommand::Show { key, client: args } } => key_show(&args, &key).await,
        ClientCommand::Resume { client: args } => resume(&args).await,
        ClientCommand::Import { command } => import::run(command).await,
    }
}

/// Prints a write's answer; maps a refusal or a give-up to its exit status.
fn answer<T: serde::Serialize>(
    args: &ClientArgs,
    result: tally_client::Result<Written<T>>,
    sentence: impl FnOnce(&Written<T>) -> String,
) -> ExitCode {
    match result {
        Ok(written) if args.json => print_json(&written.value),
        Ok(written) => {
            let replay = if written.replayed { ", replayed" } else { "" };
            println!("{} (key {}{replay})", sentence(&written), written.key);
            ExitCode::SUCCESS
        }
        Err(e) => failure(args, &e),
    }
}

fn print_json(value: &impl serde::Serialize) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn failure(args: &ClientArgs, error: &tally_client::Error) -> ExitCode {
    let pending = error.is_pending();
    if args.json {
        let body = json!({ "error": error.problem(), "message": error.to_string(), "pending": pending });
        println!("{body:#}");
    } else {
        eprintln!("error: {error}");
        if pending {
            eprintln!("the write is journaled in {}; run `tally resume` to finish it", args.journal.display());
        }
    }
    ExitCode::from(if pending { EXIT_PENDING } else { EXIT_REFUSED })
}

async fn key_show(args: &ClientArgs, key: &str) -> anyhow::Result<ExitCode> {
    let client = args.reader().await?;
    let server = client.idempotency_key(key).await;
    // The journal is read only if it exists: showing a key never creates one.
    let local =
        if args.journal.exists() { tally_client::Journal::open(&args.journal).await?.intent(key).await? } else { None };
    if args.json {
        let journal = local.as_ref().map(|i| {
            json!({
                "operation": i.operation, "method": i.method, "path": i.path,
                "state": if i.state == IntentState::Done { "done" } else { "pending" },
                "attempts": i.attempts, "status": i.status, "code": i.code,
                "created_at": i.created_at, "updated_at": i.updated_at,
            })
        });
        let server_json = match &server {
            Ok(info) => serde_json::to_value(info)?,
            Err(e) => json!({ "error": e.problem(), "message": e.to_string() }),
        };
        println!("{:#}", json!({ "key": key, "server": server_json, "journal": journal }));
    } else {
        match &server {
            Ok(info) => {
                println!("key {}: {} on the server", info.key, info.state);
                if let (Some(method), Some(path)) = (&info.method, &info.path) {
                    println!("  request      {method} {path}");
                }
                if let Some(status) = info.status {
                    println!("  status       {status}");
                }
                if let Some(id) = &info.resource_id {
                    println!("  resource     {id}");
                }
                if let Some(at) = info.first_seen_at {
                    println!("  first seen   {}", at.to_rfc3339());
                }
                if let Some(at) = info.expires_at {
                    println!("  replayed until {}", at.to_rfc3339());
                }
            }
            Err(e) => println!("key {key}: {e}"),
        }
        match &local {
            Some(i) => {
                let state = if i.state == IntentState::Done { "done" } else { "pending" };
                let code = i.code.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
                let status = i.status.map(|s| format!(", last status {s}{code}")).unwrap_or_default();
                println!(
                    "  journal      {state}: {} {} {}, {} attempt(s){status}",
                    i.operation, i.method, i.path, i.attempts
                );
            }
            None => println!("  journal      not in {}", args.journal.display()),
        }
    }
    let found = server.is_ok() || local.is_some();
    Ok(if found { ExitCode::SUCCESS } else { ExitCode::from(EXIT_REFUSED) })
}

async fn resume(args: &ClientArgs) -> anyhow::Result<ExitCode> {
    let client = args.writer().await?;
    let report = client.resume().await?;
    if args.json {
        let intents: Vec<Value> = report
            .intents
            .iter()
            .map(|r| {
                let outcome = match &r.outcome {
                    ResumeOutcome::Succeeded { status, replayed } => json!({ "status": status, "replayed": replayed }),
                    ResumeOutcome::Refused(problem) => json!({ "refused": problem }),
                    ResumeOutcome::StillPending(failure) => json!({ "pending": failure.to_string() }),
                    ResumeOutcome::Stale { age_hours, retention_hours } => {
                        json!({ "stale": { "age_hours": age_hours, "retention_hours": retention_hours } })
                    }
                };
                json!({ "key": r.key, "operation": r.operation, "outcome": outcome })
            })
            .collect();
        println!("{:#}", json!({ "intents": intents, "other_scope": report.other_scope }));
    } else {
        for r in &report.intents {
            let outcome = match &r.outcome {
                ResumeOutcome::Succeeded { status, replayed: true } => format!("{status}, already done (replayed)"),
                ResumeOutcome::Succeeded { status, replayed: false } => format!("{status}, done now"),
                ResumeOutcome::Refused(problem) => format!("refused: {problem}"),
                ResumeOutcome::StillPending(failure) => format!("still pending: {failure}"),
                ResumeOutcome::Stale { age_hours, retention_hours } => format!(
                    "not sent: {age_hours} h old, beyond the program's {retention_hours} h retention, so a re-send \
                     could apply it twice; check `tally key show {}` and settle it by hand",
                    r.key
                ),
            };
            println!("{} {}: {outcome}", r.key, r.operation);
        }
        println!(
            "resumed {} intent(s): {} succeeded, {} refused, {} still pending, {} too old to re-send",
            report.intents.len(),
            report.succeeded(),
            report.refused(),
            report.still_pending(),
            report.stale()
        );
        if report.other_scope > 0 {
            println!("{} pending intent(s) belong to another token and were left alone", report.other_scope);
        }
    }
    let unsettled = report.still_pending() + report.stale();
    Ok(if unsettled > 0 { ExitCode::from(EXIT_PENDING) } else { ExitCode::SUCCESS })
}
