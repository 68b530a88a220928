//! The `tally` command.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use tally_core::model::ProgramSettings;
use tally_server::{Application, Database, Settings, auth, demo};
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { storage, listen, demo, maintenance_interval_secs } => {
            let settings = Settings {
                listen,
                database: storage.database(),
                maintenance_interval: Duration::from_secs(maintenance_interval_secs.max(1)),
            };
            let app = Application::build(settings).await.context("starting the server")?;
            let addr = format!("127.0.0.1:{}", app.port());
            if demo {
                print_demo(&demo::ensure(app.store().as_ref()).await?, &addr);
            }
            tracing::info!(listen = %listen, storage = app.store().backend(), "tally is serving");
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
    }
    Ok(())
}

fn print_demo(demo: &demo::Demo, addr: &str) {
    println!(
        "\nDemo program {program} is ready.\n  token:    {token}\n  customer: {customer} (ada@example.com, 500 points)\n  rewards:  {rewards}\n\nTry a redemption (run it twice: the second is a replay):\n\n  curl -i -X POST http://{addr}/api/v1/redemptions \\\n    -H 'Authorization: Bearer {token}' \\\n    -H 'Content-Type: application/json' \\\n    -H 'Idempotency-Key: demo-redeem-1' \\\n    -d '{{\"customer_id\":\"{customer}\",\"reward_id\":\"{reward}\"}}'\n",
        program = demo.program_id,
        token = demo.token,
        customer = demo.customer_id,
        rewards = demo.reward_ids.join(", "),
        reward = demo.reward_ids[0],
    );
}
