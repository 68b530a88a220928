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

use std::sync::Arc;

use anyhow::{Context, bail};
use tally_core::fingerprint::fingerprint;
use tally_core::model::Program;
use tally_server::operations::Outcome;
use tally_server::operations::redemptions::{RedeemRequest, redeem};
use tally_store::{KeyLock, NewIdempotencyRecord, ResourceKey, Store};

pub const PATH: &str = "/api/v1/redemptions";

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
