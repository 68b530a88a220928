use tally_core::ids::IdKind;
use tally_core::model::{Program, Transaction};
use tally_core::points::PointsError;
use tally_store::{PurchaseRefusal, Purchased, ResourceKey, StoreTx, Void, VoidRefusal, Voided};

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
        && (ext.is_empty() || ext.chars().count() > MAX_EXTERNAL_ID_LEN || ext.chars().any(char::is_control))
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
/// (`tally_store::writes::record_purchase`); a new purchase may then lift
/// the customer's tier, in the same transaction.
pub async fn record(
    tx: &mut dyn StoreTx,
    program: &Program,
    purchase: Purchase,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Transaction>> {
    let program_id = program.id.as_str();
    // A malformed id is as unknown as a missing one, and never reaches a
    // query (PostgreSQL refuses a NUL in text outright). A replay's body had
    // a well-formed id the first time, so checking first changes no replay.
    if !IdKind::Customer.matches(&purchase.customer_id) {
        return Err(ApiError::not_found("customer_not_found", "customer"));
    }
    let purchase = Purchase { idempotency: key, ..purchase };
    match tx.record_purchase(program_id, &purchase).await? {
        Purchased::Created(txn) => {
            let key = purchase.idempotency.as_ref().map(|k| k.key.as_str());
            super::tiers::after_earning(tx, program, &txn.customer_id, Some(&txn.id), key).await?;
            Ok(Outcome::Created(txn))
        }
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

/// Voids `amount_cents` of a purchase (all that is left when `None`), taking
/// back its points in proportion, in one call on the store
/// (`tally_store::writes::void`).
pub async fn void(
    tx: &mut dyn StoreTx,
    program_id: &str,
    transaction_id: &str,
    amount_cents: Option<i64>,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Transaction>> {
    if amount_cents.is_some_and(|amount| amount <= 0) {
        return Err(ApiError::invalid_field("amount_cents", "must be more than zero; omit it to void what is left"));
    }
    let void = Void { transaction_id: transaction_id.to_owned(), amount_cents, idempotency: key };
    let refusal = match tx.void(program_id, &void).await? {
        Voided::Changed(txn) => return Ok(Outcome::Changed(txn)),
        Voided::Replayed(found) => return Ok(Outcome::Replayed(found)),
        Voided::Refused(refusal) => refusal,
    };
    Err(match refusal {
        VoidRefusal::TransactionNotFound => ApiError::not_found("transaction_not_found", "transaction"),
        VoidRefusal::AlreadyVoided => {
            ApiError::unprocessable("already_voided", "this purchase has been voided in full already")
        }
        VoidRefusal::ExceedsPurchase { left_cents } => ApiError::unprocessable(
            "void_exceeds_purchase",
            format!("only {left_cents} cents of this purchase are left to void"),
        ),
        VoidRefusal::InsufficientPoints { points } => ApiError::unprocessable(
            "insufficient_points",
            format!(
                "the customer has spent the points; voiding needs {points} and the program's void_policy is 'reject'"
            ),
        ),
        VoidRefusal::BalanceOverflow => {
            ApiError::unprocessable("points_overflow", "the balance would leave the points range")
        }
        VoidRefusal::KeyUsedElsewhere => ApiError::unprocessable(
            "idempotency_key_reused",
            "this Idempotency-Key was first used for another operation",
        ),
    })
}
