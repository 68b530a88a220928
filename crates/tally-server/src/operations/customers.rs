use tally_core::contact::{normalize_email, normalize_phone};
use tally_core::model::Customer;
use tally_store::{NewCustomer, StoreTx};

use super::Outcome;
use crate::error::{ApiError, ApiResult};

pub const MAX_NAME_LEN: usize = 200;

/// Validates and normalises a customer's contact details.
pub fn validate(email: Option<&str>, phone: Option<&str>, name: Option<&str>) -> ApiResult<NewCustomer> {
    let email = email.map(normalize_email).transpose().map_err(|e| ApiError::invalid_field("email", e))?;
    let phone = phone.map(normalize_phone).transpose().map_err(|e| ApiError::invalid_field("phone", e))?;
    if email.is_none() && phone.is_none() {
        return Err(ApiError::unprocessable("contact_required", "a customer needs an email or a phone to be found by"));
    }
    // The length counts what was sent, as the OpenAPI document's `maxLength` does.
    let too_long = name.is_some_and(|n| n.chars().count() > MAX_NAME_LEN);
    let name = name.map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    if too_long || name.as_ref().is_some_and(|n| n.chars().any(char::is_control)) {
        return Err(ApiError::invalid_field("name", format!("at most {MAX_NAME_LEN} printable characters")));
    }
    Ok(NewCustomer { email, phone, name })
}

/// Finds the customer by e-mail, else phone, or creates one. The unique
/// constraints decide between two simultaneous first upserts: the loser's
/// insert does nothing and it finds the winner's row.
pub async fn upsert(tx: &mut dyn StoreTx, program_id: &str, new: &NewCustomer) -> ApiResult<Outcome<Customer>> {
    for _ in 0..2 {
        if let Some(found) = tx.find_customer(program_id, new.contact()).await? {
            let updated = tx.update_customer(program_id, &found.id, new).await.map_err(|e| match e {
                tally_store::StoreError::Conflict(_) => ApiError::new(
                    axum::http::StatusCode::CONFLICT,
                    "customer_conflict",
                    "the email and the phone belong to two different customers",
                ),
                other => other.into(),
            })?;
            // Only a change emits `customer.updated`; finding the customer as
            // it was is no event.
            return Ok(if updated == found { Outcome::Existing(updated) } else { Outcome::Changed(updated) });
        }
        if let Some(created) = tx.insert_customer(program_id, new).await? {
            return Ok(Outcome::Created(created));
        }
    }
    Err(ApiError::internal())
}
