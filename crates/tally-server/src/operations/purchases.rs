use tally_core::model::{LedgerOperation, ProgramSettings, Transaction, TransactionStatus, VoidPolicy};
use tally_core::points::{PointsError, void_points};
use tally_store::{KeyedResource, NewLedgerEntry, PurchaseRefusal, Purchased, ResourceKey, StoreTx};

use super::Outcome;
use crate::error::{ApiError, ApiResult};

pub use tally_store::Purchase;

pub const MAX_EXTERNAL_ID_LEN: usize = 255;

/// A purchase as the API accepts it, or why not; the currency comes back upper-cased.
pub fn validate(purchase: Purchase) -> ApiResult<Purchase> {
    if purchase.spend_amount_cents < 0 {
        return Err(ApiError::invalid_field("spend_amount_cents", "must be zero or more"));
    }
    let currency = purchase.currency.trim().to_ascii_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::invalid_field("currency", "must be a three-letter ISO 4217 code, e.g. EUR"));
    }
    if let Some(ext) = &purchase.external_id
        && (ext.is_empty() || ext.len() > MAX_EXTERNAL_ID_LEN || ext.chars().any(char::is_control))
    {
        return Err(ApiError::invalid_field("external_id", "1 to 255 printable characters"));
    }
    if purchase.points.is_some_and(|p| p < 0) {
        return Err(ApiError::invalid_field("points", "must be zero or more; take points back with a void"));
    }
    Ok(Purchase { currency, ..purchase })
}

/// Records a purchase and credits its points, once per `external_id` and once
/// per idempotency key, in one call on the store
/// (`tally_store::writes::record_purchase`).
pub async fn record(
    tx: &mut dyn StoreTx,
    program_id: &str,
    purchase: Purchase,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Transaction>> {
    let purchase = Purchase { idempotency: key, ..purchase };
    match tx.record_purchase(program_id, &purchase).await? {
        Purchased::Created(txn) => Ok(Outcome::Created(txn)),
        Purchased::Existing(first) => Ok(Outcome::Existing(first)),
        Purchased::Replayed(found) => Ok(Outcome::Replayed(found)),
        Purchased::Refused(PurchaseRefusal::CustomerNotFound) => {
            Err(ApiError::not_found("customer_not_found", "customer"))
        }
        Purchased::Refused(PurchaseRefusal::EarningOverflow) => {
            Err(ApiError::unprocessable("points_overflow", PointsError::Overflow.to_string()))
        }
        Purchased::Refused(PurchaseRefusal::BalanceOverflow) => {
            Err(ApiError::unprocessable("points_overflow", "the balance would exceed the points range"))
        }
    }
}

/// Voids `amount_cents` of a purchase (all that is left when `None`), taking back
/// its points in proportion. The purchase row's conditional update decides
/// between simultaneous voids; the program's void policy decides whether the
/// balance may go below zero.
///
/// A keyed void keeps its key on its ledger entry (written even when it takes
/// no points): a partial void retried after its stored response expired must
/// find what it did, not void again.
pub async fn void(
    tx: &mut dyn StoreTx,
    program_id: &str,
    transaction_id: &str,
    amount_cents: Option<i64>,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Transaction>> {
    if let Some(key) = &key
        && let Some(entry) = tx.ledger_entry_by_key(program_id, &key.key).await?
    {
        let voided = match entry.resource.transaction_id.as_deref() {
            Some(id) if entry.resource.operation == LedgerOperation::Void => tx.transaction(program_id, id).await?,
            _ => None,
        };
        // The key made something else (e.g. an adjustment): a different request.
        let resource = voided.ok_or_else(|| {
            ApiError::unprocessable(
                "idempotency_key_reused",
                "this Idempotency-Key was first used for another operation",
            )
        })?;
        return Ok(Outcome::Replayed(KeyedResource { resource, fingerprint: entry.fingerprint }));
    }
    if let Some(amount) = amount_cents {
        if amount <= 0 {
            return Err(ApiError::invalid_field(
                "amount_cents",
                "must be more than zero; omit it to void what is left",
            ));
        }
        // Refuse up front what the conditional update below would refuse
        // anyway: an amount beyond what is left can overflow the sum in SQL
        // (PostgreSQL raises on bigint overflow, which read as `points_overflow`).
        // The update still decides between simultaneous voids.
        let found = tx.transaction(program_id, transaction_id).await?;
        if found.as_ref().is_none_or(|t| {
            t.status == TransactionStatus::Voided || amount > t.spend_amount_cents - t.voided_amount_cents
        }) {
            return Err(void_refusal(found));
        }
    }
    let Some(after) = tx.void_amount(program_id, transaction_id, amount_cents).await? else {
        return Err(void_refusal(tx.transaction(program_id, transaction_id).await?));
    };
    let take = void_points(after.points, after.spend_amount_cents, after.voided_points, after.voided_amount_cents);
    if take > 0 || key.is_some() {
        let balance_after = match settings(tx, program_id).await?.void_policy {
            VoidPolicy::Reject => tx.debit(program_id, &after.customer_id, take).await?.ok_or_else(|| {
                ApiError::unprocessable(
                    "insufficient_points",
                    format!("the customer has spent the points; voiding needs {take} and the program's void_policy is 'reject'"),
                )
            })?,
            VoidPolicy::AllowNegative => tx
                .debit_allowing_negative(program_id, &after.customer_id, take)
                .await?
                .ok_or_else(|| ApiError::unprocessable("points_overflow", "the balance would leave the points range"))?,
        };
        tx.insert_ledger_entry(
            program_id,
            &NewLedgerEntry {
                transaction_id: Some(after.id.clone()),
                idempotency: key,
                ..NewLedgerEntry::new(&after.customer_id, -take, balance_after, LedgerOperation::Void)
            },
        )
        .await?;
    }
    Ok(Outcome::Changed(tx.set_voided_points(program_id, &after.id, after.voided_points + take).await?))
}

/// The program's settings as this transaction sees them (see `record`).
async fn settings(tx: &mut dyn StoreTx, program_id: &str) -> ApiResult<ProgramSettings> {
    Ok(tx.program(program_id).await?.ok_or_else(ApiError::internal)?.settings)
}

/// Why a void of the purchase, as it now stands, cannot be made.
fn void_refusal(found: Option<Transaction>) -> ApiError {
    match found {
        None => ApiError::not_found("transaction_not_found", "transaction"),
        Some(t) if t.status == TransactionStatus::Voided => {
            ApiError::unprocessable("already_voided", "this purchase has been voided in full already")
        }
        Some(t) => ApiError::unprocessable(
            "void_exceeds_purchase",
            format!("only {} cents of this purchase are left to void", t.spend_amount_cents - t.voided_amount_cents),
        ),
    }
}
