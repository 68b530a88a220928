//! The raw limit: the redemption transaction the server runs for
//! `POST /api/v1/redemptions` with a fresh key, executed in process through the
//! store (sqlx) with no HTTP at all — no listener, no parsing, no auth, no
//! client. Each call does what the idempotency executor and the handler do
//! between the request's arrival and its response:
//!
//! fingerprint the body; begin a transaction that claims the key's lock;
//! look the key's record up; run `operations::redemptions::redeem` (the very
//! function the handler calls); serialise the 201 body; save the idempotency
//! record; commit.
//!
//! So "first writes ÷ raw limit" is the share of the storage's capacity that
//! survives the HTTP layer, measured with the same database, pool and code.
//!
//! Each round runs in a process of its own (`tally-bench raw`, given a
//! [`Round`] on stdin, answering a [`MeasuredWire`] on stdout), as the server
//! does: a fresh runtime, pool and allocator, sharing nothing with the load
//! generator's process — so neither side of a ratio carries the other's state.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use tally_core::fingerprint::fingerprint;
use tally_core::model::Program;
use tally_server::operations::Outcome;
use tally_server::operations::redemptions::{RedeemRequest, redeem};
use tally_store::{KeyLock, NewIdempotencyRecord, ResourceKey, Store};
use tokio::io::AsyncWriteExt;

use crate::load::{self, Measured, MeasuredWire, Timing, Verdict};
use crate::setup::{Fixture, open_store};

pub const PATH: &str = "/api/v1/redemptions";

/// One raw-limit round, as handed to its process.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Round {
    database_url: String,
    pg_max_connections: u32,
    program_id: String,
    reward_id: String,
    customers: Vec<String>,
    concurrency: usize,
    warmup_secs: f64,
    measure_secs: f64,
    round: usize,
}

/// Runs one round in a child process (`bin raw`) and reads back what it measured.
pub async fn run_in_process(
    bin: &Path,
    fixture: &Fixture,
    concurrency: usize,
    timing: Timing,
    round: usize,
) -> anyhow::Result<Measured> {
    let spec = Round {
        database_url: fixture.database_url.clone(),
        pg_max_connections: fixture.pg_max_connections,
        program_id: fixture.program.id.clone(),
        reward_id: fixture.reward_id.clone(),
        customers: fixture.customers.clone(),
        concurrency,
        warmup_secs: timing.warmup.as_secs_f64(),
        measure_secs: timing.measure.as_secs_f64(),
        round,
    };
    let mut child = tokio::process::Command::new(bin)
        .arg("raw")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {} raw", bin.display()))?;
    let mut stdin = child.stdin.take().context("the raw round's stdin")?;
    stdin.write_all(&serde_json::to_vec(&spec)?).await?;
    drop(stdin);
    let output = child.wait_with_output().await?;
    if !output.status.success() {
        bail!("the raw round's process failed ({})", output.status);
    }
    let wire: MeasuredWire = serde_json::from_slice(&output.stdout).context("reading the raw round's result")?;
    wire.try_into()
}

/// The child's side: reads a [`Round`] from stdin, runs it, prints the result.
pub async fn serve_round() -> anyhow::Result<()> {
    let spec: Round = serde_json::from_reader(std::io::stdin().lock()).context("reading the round from stdin")?;
    let store = open_store(&spec.database_url, spec.pg_max_connections).await?;
    let program = store.program(&spec.program_id).await?.context("the benchmark's program is gone")?;
    let timing = Timing {
        warmup: Duration::from_secs_f64(spec.warmup_secs),
        measure: Duration::from_secs_f64(spec.measure_secs),
    };
    let shared = Arc::new((store.clone(), program, spec.reward_id, spec.customers));
    let (concurrency, round) = (spec.concurrency, spec.round);
    let measured = load::run(
        concurrency,
        timing,
        |i| async move { Ok(i) },
        move |worker, n| {
            let shared = shared.clone();
            async move {
                let (store, program, reward_id, customers) = &*shared;
                let customer = crate::scenarios::customer_for(customers, worker, n, concurrency);
                let key = format!("raw-{concurrency}-r{round}-{worker}-{n}");
                let verdict = match redeem_once(store, program, customer, reward_id, key).await {
                    Ok(()) => Verdict::Ok,
                    Err(e) => Verdict::Unexpected(e.to_string()),
                };
                (worker, verdict)
            }
        },
    )
    .await?;
    println!("{}", serde_json::to_string(&MeasuredWire::from(&measured))?);
    Ok(())
}

pub async fn redeem_once(
    store: &Arc<dyn Store>,
    program: &Program,
    customer_id: &str,
    reward_id: &str,
    key: String,
) -> anyhow::Result<()> {
    let body = format!(r#"{{"customer_id":"{customer_id}","reward_id":"{reward_id}"}}"#);
    let fingerprint = fingerprint("POST", PATH, None, body.as_bytes());
    let lock = KeyLock { program_id: program.id.clone(), key };
    let mut tx = store.begin(Some(&lock)).await?;
    if tx.idempotency_record(&program.id, &lock.key).await?.is_some() {
        bail!("a fresh key already has a record");
    }
    let request = RedeemRequest {
        customer_id: customer_id.to_owned(),
        reward_id: reward_id.to_owned(),
        quantity: 1,
        expected_points: None,
    }
    .validate()
    .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.detail))?;
    let resource_key = ResourceKey { key: lock.key.clone(), fingerprint: fingerprint.clone() };
    let outcome = redeem(tx.as_mut(), &program.id, request, Some(resource_key))
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.detail))?;
    let Outcome::Created(redemption) = outcome else {
        bail!("a fresh key found an existing redemption");
    };
    let record = NewIdempotencyRecord {
        key: lock.key.clone(),
        method: "POST".into(),
        path: PATH.into(),
        fingerprint,
        status: 201,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("location".into(), format!("{PATH}/{}", redemption.id)),
        ],
        body: serde_json::to_vec(&redemption).context("serialising the redemption")?,
        resource_id: Some(redemption.id),
    };
    tx.save_idempotency_record(&program.id, &record, program.settings.idempotency_retention_hours).await?;
    tx.commit().await?;
    Ok(())
}
