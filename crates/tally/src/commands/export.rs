//! `tally export ledger|customers [--from T] [--to T] FILE`: the server's CSV
//! export, streamed to a file as it arrives, for reconciling with accounting.
//!
//! The download goes to `FILE.partial` and is renamed to `FILE` only once the
//! server has ended the body properly and the file is on disk: a `FILE` that
//! exists is always a whole export. A transfer the server cut off (it failed
//! mid-export) or the network lost is an error, and the partial file is
//! removed (an export is not resumable: a new one is a new snapshot).
//!
//! This is a plain HTTP GET rather than an SDK call: the SDK reads whole
//! bodies under a per-attempt timeout, and an export of millions of rows is
//! neither small nor quick. It is not retried either; running it again is.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::arguments::ClientArgs;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportKind {
    /// Every ledger entry: id, created_at, customer_id, operation, points,
    /// balance_after, transaction_id, redemption_id, reason, token_id,
    /// pending_points.
    Ledger,
    /// Every customer: id, created_at, email, phone, name, balance,
    /// lifetime_earned, lifetime_spent, pending_earned.
    Customers,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// What to export.
    kind: ExportKind,
    /// Where to write the CSV (written to FILE.partial first, renamed when complete).
    file: PathBuf,
    /// Only rows created at or after this instant (RFC 3339, e.g. 2025-01-01T00:00:00Z).
    #[arg(long)]
    from: Option<String>,
    /// Only rows created before this instant (RFC 3339).
    #[arg(long)]
    to: Option<String>,
    /// No progress bar (it is also hidden when stderr is not a terminal).
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    client: ClientArgs,
}

/// Counts CSV records as bytes go by: a record ends at a line feed outside
/// quotes. A doubled quote inside a quoted field flips the state twice, so
/// it needs no case of its own.
#[derive(Default)]
struct RecordCounter {
    quoted: bool,
    records: u64,
}

impl RecordCounter {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'"' => self.quoted = !self.quoted,
                b'\n' if !self.quoted => self.records += 1,
                _ => {}
            }
        }
    }
}

fn progress_bar(hidden: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
    if hidden {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template("{spinner} {elapsed_precise} {bytes} ({bytes_per_sec})  {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar
}

fn partial_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    file.with_file_name(name)
}

pub async fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let name = match args.kind {
        ExportKind::Ledger => "ledger",
        ExportKind::Customers => "customers",
    };
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        // No total timeout (a large export takes minutes), but a server that
        // sends nothing for this long is gone.
        .read_timeout(Duration::from_secs(60))
        .user_agent(concat!("tally/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let mut query = Vec::new();
    query.extend(args.from.as_deref().map(|t| ("from", t)));
    query.extend(args.to.as_deref().map(|t| ("to", t)));
    let url = format!("{}/api/v1/exports/{name}.csv", args.client.url().trim_end_matches('/'));
    let mut response = http
        .get(&url)
        .bearer_auth(args.client.token())
        .query(&query)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    if !response.status().is_success() {
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let code = body["code"].as_str().unwrap_or("-");
        let detail = body["detail"].as_str().unwrap_or("");
        eprintln!("export failed: {status} {code}: {detail}");
        return Ok(ExitCode::FAILURE);
    }

    let partial = partial_path(&args.file);
    let bar = progress_bar(args.quiet);
    let written = download(&mut response, &partial, &bar).await;
    bar.finish_and_clear();
    match written {
        Ok((bytes, records)) => {
            std::fs::rename(&partial, &args.file)
                .with_context(|| format!("renaming {} to {}", partial.display(), args.file.display()))?;
            // The header is a record too.
            let rows = records.saturating_sub(1);
            println!("exported {rows} {name} rows ({}) to {}", HumanBytes(bytes), args.file.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            eprintln!("export failed: {e:#}; nothing was written to {}", args.file.display());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Streams the body into `path` and syncs it; the bytes and records written.
///
/// The file is written with blocking calls: they land in the page cache in
/// microseconds, and this command's runtime has nothing else to do meanwhile
/// (only the final sync waits for the disk).
async fn download(response: &mut reqwest::Response, path: &Path, bar: &ProgressBar) -> anyhow::Result<(u64, u64)> {
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, file);
    let (mut bytes, mut counter) = (0u64, RecordCounter::default());
    // `chunk` yields each piece as it arrives, so memory holds one at a time;
    // an error here is a transfer the server or the network cut off.
    while let Some(chunk) = response.chunk().await.context("the download was cut off")? {
        out.write_all(&chunk).with_context(|| format!("writing {}", path.display()))?;
        counter.feed(&chunk);
        bytes += chunk.len() as u64;
        bar.set_position(bytes);
        bar.set_message(format!("{} rows", counter.records.saturating_sub(1)));
    }
    let file = out.into_inner().map_err(|e| e.into_error()).with_context(|| format!("writing {}", path.display()))?;
    file.sync_all().with_context(|| format!("syncing {}", path.display()))?;
    Ok((bytes, counter.records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_counted_by_line_ends_outside_quotes() {
        let mut counter = RecordCounter::default();
        let csv = b"id,reason\r\na,\"two\r\nlines, \"\"q\"\"\"\r\nb,\r\n";
        // Fed in pieces that split the quoted field, as chunks arrive.
        for piece in csv.chunks(3) {
            counter.feed(piece);
        }
        assert_eq!(counter.records, 3);
        assert!(!counter.quoted);
    }

    #[test]
    fn the_partial_file_sits_beside_the_file() {
        assert_eq!(partial_path(Path::new("out/ledger.csv")), Path::new("out/ledger.csv.partial"));
        assert_eq!(partial_path(Path::new("ledger.csv")), Path::new("ledger.csv.partial"));
    }
}
