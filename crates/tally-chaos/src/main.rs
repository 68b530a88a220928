//! `tally-chaos`: the test harnesses that drive Tally from outside, kept out of
//! the shipped `tally` binary so that `tally --help` lists only what operators
//! use.
//!
//! - `tally-chaos run`: the chaos run (see the README, "Chaos run").
//! - `tally-chaos redeem-stream`: a stream of journaled redemptions for a test
//!   to kill with SIGKILL at a random moment.
//!
//! Both use the `tally` binary as it ships: the chaos run starts its nodes and
//! runs `migrate`, `program create`, `token create` and `verify` with it, and
//! the stream writes through the same SDK journal `tally resume` reads.

mod run;
mod stream;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "tally-chaos", version, about = "Test harnesses for Tally (not part of the shipped CLI)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Chaos run: private PostgreSQL and Redis, several `tally serve` nodes killed
    /// and restarted under journaled SDK writes; checks every intent took effect once.
    Run(run::ChaosArgs),
    /// Redeem the same reward COUNT times, one journaled intent each, printing
    /// each key and redemption id (a process for a crash test to kill).
    RedeemStream(stream::StreamArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    match Cli::parse().command {
        // It sets up its own logging: it counts the SDK's retries from their log events.
        Command::Run(args) => run::run(args).await,
        Command::RedeemStream(args) => stream::run(args).await,
    }
}
