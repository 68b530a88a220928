use rand::Rng;
use tally_core::model::{Coupon, CouponStatus, RedemptionStatus};
use tally_store::{KeyedResource, ResourceKey, StoreTx};

use super::Outcome;
use crate::error::{ApiError, ApiResult};

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

/// Redeems a coupon once: `active` → `redeemed` by one conditional update,
/// which also fulfils its redemption. The request's key stays on the coupon,
/// so a retry after its stored response expired is answered as a replay of
/// the use it made, not refused with `already_redeemed`.
///
/// The redemption row is changed before the coupon row: the order `cancel`
/// takes them in. The other way round, a use and a cancel of the same
/// redemption racing on PostgreSQL each held the row the other wanted next,
/// and the deadlock detector failed one of them with a 503.
pub async fn redeem(
    tx: &mut dyn StoreTx,
    program_id: &str,
    code: &str,
    key: Option<ResourceKey>,
) -> ApiResult<Outcome<Coupon>> {
    let Some(found) = tx.coupon(program_id, code).await? else {
        return Err(ApiError::not_found("coupon_not_found", "coupon"));
    };
    // Already fulfilled by hand is fine: the coupon's use is the fulfilment.
    // Cancelled is refused below: a cancelled redemption's coupon is void.
    tx.transition_redemption(program_id, &found.redemption_id, RedemptionStatus::Pending, RedemptionStatus::Fulfilled)
        .await?;
    let (from, to) = (CouponStatus::Active, CouponStatus::Redeemed);
    if let Some(coupon) = tx.transition_coupon_keyed(program_id, code, from, to, key.as_ref()).await? {
        return Ok(Outcome::Changed(coupon));
    }
    let Some(coupon) = tx.coupon(program_id, code).await? else {
        return Err(ApiError::not_found("coupon_not_found", "coupon"));
    };
    if let Some(key) = key
        && let Some(moved_by) = tx.coupon_moved_by(program_id, code).await?
        && moved_by.key == key.key
    {
        return Ok(Outcome::Replayed(KeyedResource { resource: coupon, fingerprint: moved_by.fingerprint }));
    }
    Err(match coupon.status {
        CouponStatus::Redeemed => ApiError::unprocessable("already_redeemed", "this coupon was redeemed already"),
        CouponStatus::Void => {
            ApiError::unprocessable("coupon_void", "this coupon's redemption was cancelled; it can no longer be used")
        }
        CouponStatus::Active => ApiError::internal(),
    })
}
