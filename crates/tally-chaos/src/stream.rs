//! `tally-chaos redeem-stream`: journaled redemptions, one after another, until
//! COUNT are done or the process is killed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use tally_client::{Client, NewRedemption, RetryPolicy};

/// The connection arguments read the same environment variables as `tally`'s
/// client commands, so a test points both at one server and one journal.
#[derive(Args, Debug)]
pub struct StreamArgs {
    /// The Tally server's base URL.
    #[arg(long, env = "TALLY_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The program's API token.
    #[arg(long, env = "TALLY_TOKEN", hide_env_values = true)]
    token: String,
    /// The journal of intents (a SQLite file), as `tally resume` reads it.
    #[arg(long, env = "TALLY_JOURNAL", default_value = "tally-journal.db")]
    journal: PathBuf,
    /// Retries of a redemption that met an accident, always with the same key.
    #[arg(long, env = "TALLY_MAX_RETRIES", default_value_t = 4)]
    max_retries: u32,
    /// The first back-off, doubled on each retry.
    #[arg(long, env = "TALLY_RETRY_BASE_MS", default_value_t = 1000)]
    retry_base_ms: u64,
    #[arg(long)]
    customer: String,
    #[arg(long)]
    reward: String,
    #[arg(long)]
    count: u32,
}

pub async fn run(args: StreamArgs) -> anyhow::Result<ExitCode> {
    // The SDK's retries and give-ups (warnings) show on stderr, as with `tally`.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let retry = RetryPolicy {
        base: Duration::from_millis(args.retry_base_ms),
        max_retries: args.max_retries,
        ..RetryPolicy::default()
    };
    let client = Client::builder(&args.url, &args.token)
        .retry(retry)
        .journal(&args.journal)
        .build()
        .await
        .with_context(|| format!("opening the journal {}", args.journal.display()))?;
    for _ in 0..args.count {
        let done = client.redeem(&NewRedemption::new(&args.customer, &args.reward)).await?;
        println!("{} {}", done.key, done.value.id);
    }
    Ok(ExitCode::SUCCESS)
}
