//! The `tally` command.

mod commands;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use tally_core::model::ProgramSettings;
use tally_server::shutdown::ShutdownSettings;
use tally_server::webhooks::{self, SecretKey, WebhookSettings};
use tally_server::{Application, Database, NodeSettings, Settings, auth, demo};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "tally", version, about = "Loyalty points with exactly-once writes")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct StorageArgs {
    /// `postgres://…` for PostgreSQL, otherwise the path of the SQLite file.
    #[arg(long, env = "TALLY_DATABASE_URL", default_value = "tally.db")]
    database_url: String,
    /// PostgreSQL connections per node (this PostgreSQL peaks at 4–8 on 2 cores).
    #[arg(long, env = "TALLY_PG_MAX_CONNECTIONS", default_value_t = 8)]
    pg_max_connections: u32,
}

impl StorageArgs {
    fn database(&self) -> Database {
        Database::from_url(&self.database_url, self.pg_max_connections)
    }
}

#[derive(Args, Clone)]
struct NodeArgs {
    /// Share rate limits with the other nodes through this Redis (`redis://host:port`);
    /// without it each node counts on its own.
    #[arg(long, env = "TALLY_REDIS_URL")]
    redis_url: Option<String>,
    /// Prefix of Tally's Redis keys, so several deployments can share one Redis.
    #[arg(long, env = "TALLY_REDIS_KEY_PREFIX", default_value = "tally")]
    redis_key_prefix: String,
    /// A Redis answer slower than this (milliseconds) counts as Redis being down:
    /// the node limits on its own rather than make requests wait.
    #[arg(long, env = "TALLY_REDIS_TIMEOUT_MS", default_value_t = 250)]
    redis_timeout_ms: u64,
    /// On SIGTERM, seconds `/readyz` answers 503 while the node still serves,
    /// so a load balancer stops routing to it before its port closes.
    #[arg(long, env = "TALLY_SHUTDOWN_DELAY_SECS", default_value_t = 1.0)]
    shutdown_delay_secs: f64,
    /// Then, seconds in-flight requests get to finish before the node exits anyway.
    #[arg(long, env = "TALLY_SHUTDOWN_GRACE_SECS", default_value_t = 10.0)]
    shutdown_grace_secs: f64,
    /// The wait before each webhook attempt, comma-separated (`0s` is at once):
    /// after the last one fails, the delivery fails.
    #[arg(long, env = "TALLY_WEBHOOK_RETRY_SCHEDULE", default_value = tally_server::webhooks::DEFAULT_RETRY_SCHEDULE)]
    webhook_retry_schedule: String,
    /// Seconds a receiver has to answer one webhook attempt.
    #[arg(long, env = "TALLY_WEBHOOK_TIMEOUT_SECS", default_value_t = 15.0)]
    webhook_timeout_secs: f64,
    /// Let webhook endpoints be loopback, private, link-local or metadata
    /// addresses (development; refused by default against SSRF).
    #[arg(long, env = "TALLY_WEBHOOKS_ALLOW_PRIVATE_NETWORKS")]
    webhooks_allow_private_networks: bool,
    /// 32 bytes (64 hex digits or base64), the same on every node, that seal
    /// webhook secrets in the database; without it they are stored as they are.
    #[arg(long, env = "TALLY_WEBHOOK_SECRET_KEY", hide_env_values = true)]
    webhook_secret_key: Option<String>,
}

impl NodeArgs {
    fn settings(&self) -> anyhow::Result<NodeSettings> {
        let secs = |name: &str, value: f64| {
            Duration::try_from_secs_f64(value).with_context(|| format!("--{name} must be a number of seconds >= 0"))
        };
        Ok(NodeSettings {
            redis_url: self.redis_url.clone().filter(|url| !url.is_empty()),
            redis_key_prefix: self.redis_key_prefix.clone(),
            redis_timeout: Duration::from_millis(self.redis_timeout_ms.max(1)),
            shutdown: ShutdownSettings {
                delay: secs("shutdown-delay-secs", self.shutdown_delay_secs)?,
                grace: secs("shutdown-grace-secs", self.shutdown_grace_secs)?,
            },
            webhooks: WebhookSettings {
                retry_schedule: webhooks::parse_retry_schedule(&self.webhook_retry_schedule)
                    .map_err(|e| anyhow::anyhow!("--webhook-retry-schedule: {e}"))?,
                timeout: secs("webhook-timeout-secs", self.webhook_timeout_secs)?.max(Duration::from_millis(1)),
                allow_private_networks: self.webhooks_allow_private_networks,
                secret_key: self
                    .webhook_secret_key
                    .as_deref()
                    .filter(|key| !key.is_empty())
                    .map(SecretKey::parse)
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("--webhook-secret-key: {e}"))?,
                ..WebhookSettings::default()
            },
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (runs migrations first).
    Serve {
        #[command(flatten)]
        storage: StorageArgs,
        #[arg(long, env = "TALLY_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Create a demo program, token, customer and rewards, and print a curl to try.
        #[arg(long)]
        demo: bool,
        /// Seconds between maintenance runs: sweeping expired idempotency
        /// records and expiring due points.
        #[arg(long, env = "TALLY_MAINTENANCE_INTERVAL_SECS", default_value_t = 60)]
        maintenance_interval_secs: u64,
        #[command(flatten)]
        node: NodeArgs,
        /// `json` for one JSON object per log line (for log shippers), `text` for people.
        #[arg(long, env = "TALLY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Create the schema or bring it up to date, then exit.
    Migrate {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Programs (tenants).
    Program {
        #[command(subcommand)]
        command: ProgramCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Check every invariant of the ledger; exits non-zero on any violation.
    Verify {
        #[command(flatten)]
        storage: StorageArgs,
        /// Only this program.
        #[arg(long)]
        program: Option<String>,
    },
    /// The client commands, on `tally-client`: writes are journaled and retried with their keys.
    #[command(flatten)]
    Client(commands::ClientCommand),
}

#[derive(Subcommand)]
enum ProgramCommand {
    /// Create a program and print its id.
    Create {
        name: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for a program and print it (shown once; only a hash is kept).
    Create {
        #[arg(long)]
        program: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

/// Logs go to stderr; stdout is for what a command prints (ids, tokens, the demo).
fn init_logging(format: LogFormat, default_filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    // Colour codes only for a person at a terminal, not in a log file.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => logs.init(),
        // One object per line: the event's own fields at the top level, and the
        // request span's (request id, route, program, key, outcome) under "span".
        LogFormat::Json => logs.json().flatten_event(true).with_current_span(true).with_span_list(false).init(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let (format, default_filter) = match &cli.command {
        Command::Serve { log_format, .. } => (*log_format, "info,sqlx=warn"),
        Command::Client(_) => (LogFormat::Text, commands::ClientCommand::default_log_filter()),
        _ => (LogFormat::Text, "info,sqlx=warn"),
    };
    init_logging(format, default_filter);
    match cli.command {
        Command::Serve { storage, listen, demo, maintenance_interval_secs, node, log_format: _ } => {
            let settings = Settings {
                listen,
                database: storage.database(),
                maintenance_interval: Duration::from_secs(maintenance_interval_secs.max(1)),
                node: node.settings()?,
            };
            let settings_redis = settings.node.redis_url.is_some();
            let app = Application::build(settings).await.context("starting the server")?;
            let addr = format!("127.0.0.1:{}", app.port());
            if demo {
                print_demo(&demo::ensure(app.store().as_ref()).await?, &addr);
            }
            tracing::info!(
                listen = %listen,
                console = %format_args!("http://{addr}/console"),
                storage = app.store().backend(),
                rate_limits = if settings_redis { "shared through Redis" } else { "counted on this node" },
                "tally is serving"
            );
            app.run_until_stopped().await?;
        }
        Command::Migrate { storage } => {
            storage.database().open().await?;
            println!("migrations applied");
        }
        Command::Program { command: ProgramCommand::Create { name, storage } } => {
            let store = storage.database().open().await?;
            let program = store.create_program(&name, &ProgramSettings::default()).await?;
            println!("{}", program.id);
        }
        Command::Token { command: TokenCommand::Create { program, storage } } => {
            let store = storage.database().open().await?;
            store.program(&program).await?.with_context(|| format!("no program {program}"))?;
            println!("{}", auth::issue_token(store.as_ref(), &program).await?);
        }
        Command::Verify { storage, program } => {
            let store = storage.database().open().await?;
            let violations = store.verify(program.as_deref()).await?;
            let programs = store.programs().await?.len();
            for v in &violations {
                println!("VIOLATION program={} subject={}: {}", v.program_id, v.subject, v.problem);
            }
            println!("verified {programs} program(s): {} violation(s)", violations.len());
            if !violations.is_empty() {
                std::process::exit(1);
            }
        }
        Command::Client(command) => return commands::run(command).await,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_demo(demo: &demo::Demo, addr: &str) {
    println!(
        "\nDemo program {program} is ready.\n  console:  http://{addr}/console  (sign in with the token)\n  token:    {token}\n  customer: {customer} (ada@example.com, 500 points)\n  rewards:  {rewards}\n\nTry a redemption (run it twice: the second is a replay):\n\n  curl -i -X POST http://{addr}/api/v1/redemptions \\\n    -H 'Authorization: Bearer {token}' \\\n    -H 'Content-Type: application/json' \\\n    -H 'Idempotency-Key: demo-redeem-1' \\\n    -d '{{\"customer_id\":\"{customer}\",\"reward_id\":\"{reward}\"}}'\n",
        program = demo.program_id,
        token = demo.token,
        customer = demo.customer_id,
        rewards = demo.reward_ids.join(", "),
        reward = demo.reward_ids[0],
    );
}
