//! The two long runs: the growth benchmark (does a request's cost stay flat
//! as a freshly deployed database fills up?) and the retention run (do the
//! idempotency records level off with the sweeper on?).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::load::{self, Measured, Timing};
use crate::results::{GROWTH_CONCURRENCY, GROWTH_SLICES, Growth, RETENTION_CONCURRENCY, Retention};
use crate::server::Server;
use crate::setup::{Fixture, Sql};
use crate::writes::{self, KeyMode};

/// Keyed first writes on a fresh database whose planner statistics the
/// harness never gathered, until `target` redemptions were made (or `max`
/// passed), measured per tenth of the writes. `server` serves `fixture`, which
/// must have been created with `Statistics::Fresh` just before.
pub async fn growth(
    fixture: &Arc<Fixture>,
    sql: &Sql,
    server: &Server,
    target: u64,
    max: Duration,
) -> anyhow::Result<(Growth, Measured)> {
    let before = sql.count("redemptions").await? as u64;
    let token = fixture.token.clone();
    let addr = server.addr;
    let op = writes::first_write_op(fixture, GROWTH_CONCURRENCY, "growth".into(), KeyMode::Fresh, false);
    let measured = load::run_counted(
        GROWTH_CONCURRENCY,
        target,
        GROWTH_SLICES,
        max,
        |index| writes::open_worker(addr, token.clone(), index),
        op,
    )
    .await?;
    let after = sql.count("redemptions").await? as u64;
    // The whole run as one row of the table.
    let mut whole = Measured {
        ok: measured.all_ok,
        all_ok: measured.all_ok,
        all_errors: measured.all_errors,
        errors: measured.errors.clone(),
        elapsed: measured.elapsed,
        histogram: load::new_histogram(),
    };
    for slice in &measured.slices {
        whole.histogram.add(&slice.histogram).context("merging histograms")?;
    }
    Ok((Growth::new(target, max.as_secs_f64(), &measured, after, before), whole))
}

/// Constant first-write load on a server sweeping every second, while every
/// record older than the simulated retention is made to expire (by the
/// database clock) once a second: what hours of retention would do, in
/// seconds. The record count is sampled each second; bounded means it levels
/// off instead of growing with the number of writes.
pub async fn retention(
    fixture: &Arc<Fixture>,
    sql: &Sql,
    server: &Server,
    duration: Duration,
    simulated_retention: Duration,
) -> anyhow::Result<(Retention, Measured)> {
    // Start from an empty table: the earlier scenarios' records expire now and
    // the sweeper clears them before the load starts.
    sql.expire_older_than(Duration::ZERO).await?;
    let drain_deadline = Instant::now() + Duration::from_secs(120);
    while sql.count("idempotency_records").await? > 0 && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let before = sql.count("idempotency_records").await?;
    let timing = Timing { warmup: Duration::ZERO, measure: duration };
    let load = {
        let fixture = fixture.clone();
        let addr = server.addr;
        tokio::spawn(async move {
            writes::first_writes(
                &fixture,
                addr,
                RETENTION_CONCURRENCY,
                timing,
                "retention".into(),
                KeyMode::Fresh,
                false,
            )
            .await
        })
    };
    let start = Instant::now();
    let mut samples = vec![(0.0, before)];
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    while start.elapsed() < duration {
        ticker.tick().await;
        sql.expire_older_than(simulated_retention).await.context("simulating elapsed retention")?;
        samples.push((start.elapsed().as_secs_f64(), sql.count("idempotency_records").await?));
    }
    let measured = load.await.context("the retention load panicked")??;
    // After the load stops, the sweeper catches up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    sql.expire_older_than(Duration::ZERO).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = sql.count("idempotency_records").await?;
    let retention = Retention::new(
        simulated_retention.as_secs_f64(),
        duration.as_secs_f64(),
        before,
        samples,
        after,
        measured.all_ok,
    );
    Ok((retention, measured))
}
