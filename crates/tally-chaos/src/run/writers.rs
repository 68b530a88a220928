//! The SDK clients: journaled purchases and redemptions to random nodes, some
//! sent twice with the same key, and `resume()` for what gave up.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;
use serde::de::DeserializeOwned;
use tally_client::{Client, NewRedemption, NewTransaction, RetryPolicy, WriteRequest, ops};

#[derive(Default)]
pub(super) struct Counts {
    pub(super) intents: AtomicU64,
    pub(super) succeeded: AtomicU64,
    pub(super) refused: AtomicU64,
    pub(super) gave_up: AtomicU64,
    pub(super) resumed: AtomicU64,
    pub(super) duplicates: AtomicU64,
    pub(super) duplicates_replayed: AtomicU64,
}

pub(super) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// Violations found while running (a duplicate that did not replay, a refusal
/// that makes no sense); the rest are found at the end.
pub(super) type Violations = Arc<std::sync::Mutex<Vec<String>>>;

pub(super) struct Fixture {
    pub(super) token: String,
    pub(super) customers: Vec<String>,
    pub(super) reward: String,
}

pub(super) fn retry_policy() -> RetryPolicy {
    RetryPolicy { max_retries: 4, ..RetryPolicy::scaled(Duration::from_millis(200)) }
}

pub(super) async fn sdk(base: &str, token: &str, journal: &Path) -> anyhow::Result<Client> {
    Ok(Client::builder(base, token)
        .journal(journal)
        .retry(retry_policy())
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .await?)
}

/// Resumes the journal through each node in turn until nothing is pending.
pub(super) async fn settle(clients: &[Client], counts: &Counts, rounds: usize) -> anyhow::Result<usize> {
    let mut pending = usize::MAX;
    for round in 0..rounds {
        let client = &clients[round % clients.len()];
        let report = client.resume().await?;
        add(&counts.resumed, (report.succeeded() + report.refused()) as u64);
        pending = report.still_pending() + report.stale();
        if pending == 0 {
            return Ok(0);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(pending)
}

pub(super) async fn client_loop(
    bases: Vec<String>,
    journal: PathBuf,
    fixture: Arc<Fixture>,
    stop: Arc<AtomicBool>,
    counts: Arc<Counts>,
    violations: Violations,
) -> anyhow::Result<()> {
    let mut clients = Vec::new();
    for base in &bases {
        clients.push(sdk(base, &fixture.token, &journal).await?);
    }
    while !stop.load(Ordering::Relaxed) {
        let (node, is_purchase, customer, points, duplicate) = {
            let mut rng = rand::thread_rng();
            (
                rng.gen_range(0..clients.len()),
                rng.gen_bool(0.45),
                fixture.customers[rng.gen_range(0..fixture.customers.len())].clone(),
                rng.gen_range(10..80),
                rng.gen_bool(0.15),
            )
        };
        let client = &clients[node];
        add(&counts.intents, 1);
        let again = &clients[(node + 1) % clients.len()];
        let outcome = if is_purchase {
            let body = NewTransaction { points: Some(points), ..NewTransaction::new(&customer, points * 100, "EUR") };
            let request = || ops::record_purchase(&body);
            write(client, duplicate.then_some(again), request, |t| t.id.clone(), &counts, &violations).await
        } else {
            let body = NewRedemption::new(&customer, &fixture.reward);
            let request = || ops::redeem(&body);
            write(client, duplicate.then_some(again), request, |r| r.id.clone(), &counts, &violations).await
        };
        match outcome {
            Ok(()) => add(&counts.succeeded, 1),
            Err(e) if e.code() == Some("insufficient_points") => add(&counts.refused, 1),
            Err(e) if e.is_pending() => {
                add(&counts.gave_up, 1);
                // Another node finishes it, with the same key.
                settle(&clients, &counts, 3).await?;
            }
            Err(e) => {
                add(&counts.refused, 1);
                violations.lock().expect("not poisoned").push(format!("unexpected answer: {e}"));
            }
        }
    }
    let pending = settle(&clients, &counts, 60).await?;
    if pending > 0 {
        violations
            .lock()
            .expect("not poisoned")
            .push(format!("{} has {pending} intent(s) still pending", journal.display()));
    }
    Ok(())
}

/// Sends one write through `client`; with `again`, sends the same request with
/// the same key through that other node too, which must replay the first answer.
pub(super) async fn write<T: DeserializeOwned>(
    client: &Client,
    again: Option<&Client>,
    request: impl Fn() -> WriteRequest<T>,
    id: impl Fn(&T) -> String,
    counts: &Counts,
    violations: &Violations,
) -> Result<(), tally_client::Error> {
    let first = client.submit(request()).await?;
    if let Some(other) = again {
        let second = other.submit_with_key(request(), &first.key).await;
        check_duplicate(counts, violations, &first.key, &id(&first.value), second.map(|w| (id(&w.value), w.replayed)));
    }
    Ok(())
}

pub(super) fn check_duplicate(
    counts: &Counts,
    violations: &Violations,
    key: &str,
    first_id: &str,
    again: Result<(String, bool), tally_client::Error>,
) {
    add(&counts.duplicates, 1);
    match again {
        Ok((id, true)) if id == first_id => add(&counts.duplicates_replayed, 1),
        Ok((id, replayed)) => violations
            .lock()
            .expect("not poisoned")
            .push(format!("duplicate of key {key}: got {id} (replayed: {replayed}), first was {first_id}")),
        // A duplicate that met a killed node and gave up: it proves nothing either way.
        Err(e) if e.is_pending() => {}
        Err(e) => violations.lock().expect("not poisoned").push(format!("duplicate of key {key} refused: {e}")),
    }
}
