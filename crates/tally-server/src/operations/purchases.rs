use tally_core::ids::IdKind;
use tally_core::model::{LedgerOperation, ProgramSettings, Transaction, TransactionStatus, VoidPolicy};
use tally_core::points::{earned_for_spend, void_points};
use tally_store::{KeyedResource, NewLedgerEntry, NewTransaction, ResourceKey, StoreTx};

use super::Outcome;
use crate::error::{ApiError, ApiResult};

/// A purchase, validated.
pub struct Purchase {
    pub customer_id: String,
    pub spend_amount_cents: i64,
    pub currency: String,
    pub external_id: Option<String>,
    /// Overrides the earning rule (e.g. a promotion computed by the POS).
    pub points: Option<i64>,
}

pub const MAX_EXTERNAL_ID_LEN: usize = 255;

impl Purchase {
    pub fn validate(self) -> ApiResult<Self> {
        if self.spend_amount_cents < 0 {
            return Err(ApiError::invalid_field("spend_amount_cents", "must be zero or more"));
        }
        let currency = self.currency.trim().to_ascii_uppercase();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ApiError::invalid_field("currency", "must be a three-letter ISO 4217 code, e.g. EUR"));
        }
        if let Some(ext) = &self.external_id
            && (ext.is_empty() || ext.chars().count() > MAX_EXTERNAL_ID_LEN || ext.chars().any(char::is_control))
        {
            return Err(ApiError::invalid_field("external_id", "1 to 255 printable characters"));
        }
        if self.points.is_some_and(|p| p < 0) {
            return Err(ApiError::invalid_field("points", "must be zero or more; take points back with a void"));
        }
        Ok(Self { currency, ..self })
    }
}

/// Records a purchase and credits its points, once per `external_id` and once
/// per idempotency key.
/// The earning rule is read in this transaction, not from a node's cached
/// copy of the program: a purchase never earns at a rate that was changed
/// before it began, on whichever node the change was made.
pub async fn record(
    tx: &mut dyn StoreTx,
    program_id: &str,
    purchase: Purchase,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Transaction>> {
    if let Some(key) = &key
        && let Some(found) = tx.transaction_by_key(program_id, &key.key).await?
    {
        return Ok(Outcome::Replayed(found));
    }
    // A malformed id is as unknown as a missing one, and never reaches a
    // query (PostgreSQL refuses a NUL in text outright).
    if !IdKind::Customer.matches(&purchase.customer_id)
        || tx.customer(program_id, &purchase.customer_id).await?.is_none()
    {
        return Err(ApiError::not_found("customer_not_found", "customer"));
    }
    let points = match purchase.points {
        Some(points) => points,
        None => earned_for_spend(purchase.spend_amount_cents, settings(tx, program_id).await?.points_per_currency_unit)
            .map_err(|e| ApiError::unprocessable("points_overflow", e.to_string()))?,
    };
    let new = NewTransaction {
        customer_id: purchase.customer_id,
        spend_amount_cents: purchase.spend_amount_cents,
        currency: purchase.currency,
        points,
        external_id: purchase.external_id,
        idempotency: key,
    };
    let Some(txn) = tx.insert_transaction(program_id, &new).await? else {
        // The receipt was recorded before: answer with the first purchase.
        let external_id = new.external_id.as_deref().unwrap_or_default();
        let first = tx.transaction_by_external_id(program_id, external_id).await?.ok_or_else(ApiError::internal)?;
        return Ok(Outcome::Existing(first));
    };
    let balance_after = tx
        .credit(program_id, &txn.customer_id, points)
        .await?
        .ok_or_else(|| ApiError::unprocessable("points_overflow", "the balance would exceed the points range"))?;
    tx.insert_ledger_entry(
        program_id,
        &NewLedgerEntry {
            transaction_id: Some(txn.id.clone()),
            ..NewLedgerEntry::new(&txn.customer_id, points, balance_after, LedgerOperation::Earn)
        },
    )
    .await?;
    Ok(Outcome::Created(txn))
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
