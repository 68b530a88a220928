use rand::Rng;
use tally_core::model::Coupon;
use tally_store::{ResourceKey, StoreTx, UseCoupon};

use super::Outcome;
use crate::error::ApiResult;

/// A fresh coupon code: 128 random bits in Crockford base32 (26 characters,
/// no I, L, O or U to misread). Unguessable, so a code alone is the bearer's
/// proof; unique in the whole database by constraint.
pub fn new_code() -> String {
    ulid::Ulid(rand::thread_rng().r#gen::<u128>()).to_string()
}

/// Codes are read aloud and typed by hand: case does not matter.
pub fn normalize_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// Uses a coupon at the till, once, in one call on the store
/// (`tally_store::writes::use_coupon`).
pub async fn redeem(
    tx: &mut dyn StoreTx,
    program_id: &str,
    code: &str,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Coupon>> {
    let wanted = UseCoupon { code: code.to_owned(), idempotency: key };
    super::redemptions::settled(tx.use_coupon(program_id, &wanted).await?)
}
