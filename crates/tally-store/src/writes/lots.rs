//! The lot jobs' whole writes: a due lot expired, a due pending lot released,
//! each exactly once (the customer locked first, then one conditional update).

use tally_core::model::{LedgerEntry, LedgerOperation};

use crate::{NewLedgerEntry, StoreTx};
use crate::{StoreError, StoreResult};

/// Expires a due lot: its remaining points leave the balance with an
/// `expire` ledger entry. The customer's row is locked first, the order every
/// points change uses; the lot's conditional update lets exactly one node
/// take it. `None`: no such customer, or the lot was taken already or is not
/// due.
pub async fn expire<T: StoreTx + ?Sized>(
    tx: &mut T,
    program_id: &str,
    customer_id: &str,
    lot_id: &str,
) -> StoreResult<Option<LedgerEntry>> {
    if !tx.lock_customer(program_id, customer_id).await? {
        return Ok(None);
    }
    let Some((points, balance_after)) = tx.expire_lot(program_id, lot_id).await? else {
        return Ok(None);
    };
    let entry = NewLedgerEntry::new(customer_id, -points, balance_after, LedgerOperation::Expire);
    Ok(Some(tx.insert_ledger_entry(program_id, &entry).await?))
}

/// Ends a due lot's holding period: its pending points become available with
/// a `release` ledger entry, starting a lot of their own (so their expiry
/// counts from now). The customer's row is locked first, the order every
/// points change uses; the pending lot's conditional update lets exactly one
/// node take it, and the ledger's unique release per purchase backs that up.
/// `None`: no such customer, or the lot was released already, is not due, or
/// was voided whole.
pub async fn release<T: StoreTx + ?Sized>(
    tx: &mut T,
    program_id: &str,
    customer_id: &str,
    lot_id: &str,
) -> StoreResult<Option<LedgerEntry>> {
    if !tx.lock_customer(program_id, customer_id).await? {
        return Ok(None);
    }
    let Some((transaction_id, points)) = tx.release_lot(program_id, lot_id).await? else {
        return Ok(None);
    };
    // Pending points never exceed what the balance could take when they were
    // earned, but the balance may have grown since: then the lot stays
    // pending (this transaction rolls back) and the error is logged each run.
    let balance_after = tx
        .credit(program_id, customer_id, points)
        .await?
        .ok_or_else(|| StoreError::Other(format!("releasing lot {lot_id} would overflow the balance")))?;
    let entry = NewLedgerEntry {
        transaction_id: Some(transaction_id),
        pending_points: -points,
        ..NewLedgerEntry::new(customer_id, points, balance_after, LedgerOperation::Release)
    };
    Ok(Some(tx.insert_ledger_entry(program_id, &entry).await?))
}
