//! `tally import`: bulk customers and purchases from CSV, resumable.
//!
//! Each row's idempotency key is derived from the file's content and the row
//! number, `hex(sha256(sha256(file) ‖ kind ‖ row))`, so running the same file
//! again — after a crash, a Ctrl-C, or to retry failed rows — sends every row
//! with the key it had before: rows that took effect are replayed, the others
//! run. No journal is needed: the file is the journal. (Editing the file makes
//! new keys; to fix failed rows, put the corrected rows in a new file.)

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use serde_json::json;
use sha2::{Digest, Sha256};
use tally_client::{Client, NewCustomer, NewTransaction, ops};
use tokio::sync::OnceCell;

use super::arguments::ClientArgs;
use super::output::{EXIT_PENDING, EXIT_REFUSED};

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Customers from a CSV with the columns `email`, `phone`, `name` (each
    /// row upserted by email or phone).
    Customers {
        /// The CSV file, with a header row.
        file: PathBuf,
        #[command(flatten)]
        options: ImportArgs,
    },
    /// Purchases from a CSV: the customer by an `email` or a `customer_id`
    /// column, then `spend_amount_cents`, `currency`, optional `external_id`.
    Transactions {
        /// The CSV file, with a header row.
        file: PathBuf,
        #[command(flatten)]
        options: ImportArgs,
    },
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Rows in flight at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// Where to write the rows that failed, as CSV `row,code,detail`
    /// (default: FILE.errors.csv). Rewritten on every run.
    #[arg(long)]
    errors: Option<PathBuf>,
    /// No progress bar (it is also hidden when stderr is not a terminal).
    #[arg(long)]
    no_progress: bool,
    #[command(flatten)]
    client: ClientArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Customers,
    Transactions,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Customers => "customers",
            Kind::Transactions => "transactions",
        }
    }
}

/// The idempotency key of one row of one file.
pub fn row_key(file_hash: &[u8; 32], kind: &str, row: u64) -> String {
    let digest = Sha256::new()
        .chain_update(file_hash)
        .chain_update(b"\0")
        .chain_update(kind.as_bytes())
        .chain_update(b"\0")
        .chain_update(row.to_string().as_bytes())
        .finalize();
    hex::encode(digest)
}

/// How a row names its customer.
#[derive(Debug, Clone)]
enum CustomerRef {
    Id(String),
    Email(String),
}

#[derive(Debug, Clone)]
enum Job {
    Customer(NewCustomer),
    Purchase { customer: CustomerRef, spend_amount_cents: i64, currency: String, external_id: Option<String> },
}

/// One data row: its number (1 is the first row after the header) and what to do.
#[derive(Debug)]
struct Row {
    number: u64,
    job: Result<Job, String>,
}

#[derive(Debug)]
enum Outcome {
    /// Took effect now.
    Applied,
    /// Had taken effect before (a replay, an existing customer or external id).
    AlreadyApplied,
    /// A final refusal from the server, or a row that could not be read.
    Failed { code: String, detail: String },
    /// No final answer after every retry: rerun the import.
    Pending { detail: String },
}

/// Column positions, by (trimmed, case-insensitive) header name.
struct Columns(HashMap<String, usize>);

impl Columns {
    fn get<'r>(&self, record: &'r csv::StringRecord, name: &str) -> Option<&'r str> {
        let value = record.get(*self.0.get(name)?)?.trim();
        (!value.is_empty()).then_some(value)
    }

    fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

fn read_rows(kind: Kind, content: &[u8]) -> anyhow::Result<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(content);
    let headers = reader.headers().context("reading the CSV header")?.clone();
    let columns = Columns(headers.iter().enumerate().map(|(i, h)| (h.trim().to_ascii_lowercase(), i)).collect());
    match kind {
        Kind::Customers if !(columns.has("email") || columns.has("phone")) => {
            bail!(
                "a customers file needs an `email` or a `phone` column (found: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        }
        Kind::Transactions => {
            if !(columns.has("email") || columns.has("customer_id")) {
                bail!("a transactions file needs an `email` or a `customer_id` column");
            }
            for required in ["spend_amount_cents", "currency"] {
                if !columns.has(required) {
                    bail!("a transactions file needs a `{required}` column");
                }
            }
        }
        Kind::Customers => {}
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let number = index as u64 + 1;
        let job = match record {
            Err(e) => Err(format!("unreadable row: {e}")),
            Ok(record) => parse_job(kind, &columns, &record),
        };
        rows.push(Row { number, job });
    }
    Ok(rows)
}

fn parse_job(kind: Kind, columns: &Columns, record: &csv::StringRecord) -> Result<Job, String> {
    let text = |name: &str| columns.get(record, name).map(str::to_owned);
    match kind {
        Kind::Customers => {
            Ok(Job::Customer(NewCustomer { email: text("email"), phone: text("phone"), name: text("name") }))
        }
        Kind::Transactions => {
            let customer = match (text("customer_id"), text("email")) {
                (Some(id), _) => CustomerRef::Id(id),
                (None, Some(email)) => CustomerRef::Email(email),
                (None, None) => return Err("the row names no customer (customer_id or email)".into()),
            };
            let spend = text("spend_amount_cents").ok_or("spend_amount_cents is empty")?;
            let spend_amount_cents = spend
                .parse::<i64>()
                .map_err(|_| format!("spend_amount_cents is not a whole number of cents: {spend:?}"))?;
            let currency = text("currency").ok_or("currency is empty")?;
            Ok(Job::Purchase { customer, spend_amount_cents, currency, external_id: text("external_id") })
        }
    }
}

/// What every row task shares.
struct Import {
    client: Client,
    kind: Kind,
    file_hash: [u8; 32],
    /// Email → customer id, looked up once per email however many rows name it.
    customers: Mutex<HashMap<String, Arc<OnceCell<Option<String>>>>>,
}

impl Import {
    async fn customer_id(&self, email: &str) -> tally_client::Result<Option<String>> {
        let cell = {
            let mut map = self.customers.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(email.to_lowercase()).or_default().clone()
        };
        let found = cell
            .get_or_try_init(|| async {
                Ok::<_, tally_client::Error>(self.client.customer_by_email(email).await?.map(|c| c.id))
            })
            .await?;
        Ok(found.clone())
    }

    async fn apply(&self, number: u64, job: Job) -> Outcome {
        let key = row_key(&self.file_hash, self.kind.as_str(), number);
        let result = match job {
            Job::Customer(customer) => {
                self.client.submit_with_key(ops::upsert_customer(&customer), &key).await.map(|w| (w.status, w.replayed))
            }
            Job::Purchase { customer, spend_amount_cents, currency, external_id } => {
                let customer_id = match customer {
                    CustomerRef::Id(id) => id,
                    CustomerRef::Email(email) => match self.customer_id(&email).await {
                        Ok(Some(id)) => id,
                        Ok(None) => {
                            return Outcome::Failed {
                                code: "customer_not_found".into(),
                                detail: format!("no customer with email {email}"),
                            };
                        }
                        Err(e) => return outcome_of_error(e),
                    },
                };
                let purchase = NewTransaction { customer_id, spend_amount_cents, currency, external_id, points: None };
                self.client.submit_with_key(ops::record_purchase(&purchase), &key).await.map(|w| (w.status, w.replayed))
            }
        };
        match result {
            Ok((201, false)) => Outcome::Applied,
            Ok(_) => Outcome::AlreadyApplied,
            Err(e) => outcome_of_error(e),
        }
    }
}

fn outcome_of_error(error: tally_client::Error) -> Outcome {
    if error.is_pending() {
        return Outcome::Pending { detail: error.to_string() };
    }
    match error.problem() {
        Some(problem) => Outcome::Failed { code: problem.code.clone(), detail: problem.detail.clone() },
        None => Outcome::Failed { code: "client_error".into(), detail: error.to_string() },
    }
}

#[derive(Default, Debug)]
struct Tally {
    applied: u64,
    already: u64,
    failed: u64,
    pending: u64,
    /// (row, code, detail) of every row that did not take effect.
    report: Vec<(u64, String, String)>,
}

impl Tally {
    fn add(&mut self, number: u64, outcome: Outcome) {
        match outcome {
            Outcome::Applied => self.applied += 1,
            Outcome::AlreadyApplied => self.already += 1,
            Outcome::Failed { code, detail } => {
                self.failed += 1;
                self.report.push((number, code, detail));
            }
            Outcome::Pending { detail } => {
                self.pending += 1;
                self.report.push((number, "pending".into(), detail));
            }
        }
    }
}

fn default_errors_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".errors.csv");
    file.with_file_name(name)
}

fn write_report(path: &Path, report: &mut [(u64, String, String)]) -> anyhow::Result<()> {
    report.sort_by_key(|(row, _, _)| *row);
    let mut writer = csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
    writer.write_record(["row", "code", "detail"])?;
    for (row, code, detail) in report.iter() {
        writer.write_record([row.to_string().as_str(), code, detail])?;
    }
    writer.flush()?;
    Ok(())
}

fn progress_bar(rows: u64, hidden: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(rows), ProgressDrawTarget::stderr_with_hz(4));
    if hidden {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template(
        "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} rows  {rate}  ETA {eta}  {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.0} rows/s", state.per_sec());
    })
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}

pub async fn run(command: ImportCommand) -> anyhow::Result<ExitCode> {
    let (kind, file, options) = match command {
        ImportCommand::Customers { file, options } => (Kind::Customers, file, options),
        ImportCommand::Transactions { file, options } => (Kind::Transactions, file, options),
    };
    let content = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let file_hash: [u8; 32] = Sha256::digest(&content).into();
    let rows = read_rows(kind, &content)?;
    let errors_path = options.errors.clone().unwrap_or_else(|| default_errors_path(&file));
    let import =
        Arc::new(Import { client: options.client.reader().await?, kind, file_hash, customers: Mutex::default() });

    let started = Instant::now();
    let bar = progress_bar(rows.len() as u64, options.no_progress);
    let mut tally = Tally::default();
    let mut results = futures::stream::iter(rows)
        .map(|row| {
            let import = import.clone();
            async move {
                let outcome = match row.job {
                    Ok(job) => import.apply(row.number, job).await,
                    Err(detail) => Outcome::Failed { code: "invalid_row".into(), detail },
                };
                (row.number, outcome)
            }
        })
        .buffer_unordered(usize::from(options.concurrency));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut interrupted = false;
    loop {
        tokio::select! {
            next = results.next() => match next {
                Some((number, outcome)) => {
                    tally.add(number, outcome);
                    bar.inc(1);
                    if tally.failed + tally.pending > 0 {
                        bar.set_message(format!("{} failed", tally.failed + tally.pending));
                    }
                }
                None => break,
            },
            _ = &mut ctrl_c => {
                interrupted = true;
                break;
            }
        }
    }
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    write_report(&errors_path, &mut tally.report)?;
    print_summary(&options.client, kind, &file, &errors_path, &tally, elapsed, interrupted);
    Ok(if interrupted {
        ExitCode::from(130)
    } else if tally.pending > 0 {
        ExitCode::from(EXIT_PENDING)
    } else if tally.failed > 0 {
        ExitCode::from(EXIT_REFUSED)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_summary(
    args: &ClientArgs,
    kind: Kind,
    file: &Path,
    errors: &Path,
    tally: &Tally,
    elapsed: Duration,
    interrupted: bool,
) {
    let done = tally.applied + tally.already + tally.failed + tally.pending;
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
    if args.json {
        let summary = json!({
            "kind": kind.as_str(), "file": file.display().to_string(), "rows": done,
            "applied": tally.applied, "already_applied": tally.already, "failed": tally.failed,
            "pending": tally.pending, "seconds": elapsed.as_secs_f64(), "rows_per_second": rate,
            "errors_file": errors.display().to_string(), "interrupted": interrupted,
        });
        println!("{summary:#}");
        return;
    }
    println!(
        "{} {done} {} row(s) from {} in {:.1} s ({rate:.0} rows/s): {} applied, {} already applied, {} failed, {} pending",
        if interrupted { "interrupted after" } else { "imported" },
        kind.as_str(),
        file.display(),
        elapsed.as_secs_f64(),
        tally.applied,
        tally.already,
        tally.failed,
        tally.pending,
    );
    if tally.failed + tally.pending > 0 {
        println!("rows that did not take effect: {}", errors.display());
    }
    if interrupted || tally.pending > 0 {
        println!("run the same command again to finish: rows already applied are not applied twice");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_keys_depend_on_the_file_the_kind_and_the_row_only() {
        let a: [u8; 32] = Sha256::digest(b"email\nada@example.com\n").into();
        let b: [u8; 32] = Sha256::digest(b"email\nbob@example.com\n").into();
        let key = row_key(&a, "customers", 1);
        assert_eq!(key.len(), 64);
        assert_eq!(key, row_key(&a, "customers", 1), "the same row of the same file: the same key");
        assert_ne!(key, row_key(&a, "customers", 2));
        assert_ne!(key, row_key(&a, "transactions", 1));
        assert_ne!(key, row_key(&b, "customers", 1));
        assert_ne!(row_key(&a, "customers", 11), row_key(&a, "customers1", 1), "fields are separated");
    }

    #[test]
    fn rows_are_numbered_from_one_and_bad_rows_become_errors() {
        let csv = b"Email , spend_amount_cents,currency,external_id\nada@example.com,2599,EUR,POS-1\nbob@example.com,12.5,EUR,\n,100,EUR,\n";
        let rows = read_rows(Kind::Transactions, csv).unwrap();
        assert_eq!(rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 3]);
        match &rows[0].job {
            Ok(Job::Purchase {
                customer: CustomerRef::Email(email),
                spend_amount_cents: 2599,
                currency,
                external_id,
            }) => {
                assert_eq!(
                    (email.as_str(), currency.as_str(), external_id.as_deref()),
                    ("ada@example.com", "EUR", Some("POS-1"))
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(rows[1].job.as_ref().unwrap_err().contains("whole number of cents"));
        assert!(rows[2].job.as_ref().unwrap_err().contains("names no customer"));
        assert!(
            read_rows(Kind::Transactions, b"email,currency\n").unwrap_err().to_string().contains("spend_amount_cents")
        );
        assert!(read_rows(Kind::Customers, b"name\nAda\n").is_err());
    }

    #[test]
    fn a_customer_id_column_wins_over_email() {
        let csv = b"customer_id,email,spend_amount_cents,currency\ncus_1,ada@example.com,100,EUR\n";
        let rows = read_rows(Kind::Transactions, csv).unwrap();
        assert!(matches!(&rows[0].job, Ok(Job::Purchase { customer: CustomerRef::Id(id), .. }) if id == "cus_1"));
        let customers = read_rows(Kind::Customers, b"email,phone,name\nada@example.com,,Ada\n").unwrap();
        match &customers[0].job {
            Ok(Job::Customer(c)) => assert_eq!(
                (c.email.as_deref(), c.phone.as_deref(), c.name.as_deref()),
                (Some("ada@example.com"), None, Some("Ada"))
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_error_report_sits_beside_the_file() {
        assert_eq!(default_errors_path(Path::new("/data/tx.csv")), PathBuf::from("/data/tx.csv.errors.csv"));
    }
}
