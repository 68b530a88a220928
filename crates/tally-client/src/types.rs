//! Request bodies, and the few response shapes the core model does not hold.
//! Resources themselves (`Customer`, `Transaction`, `Redemption`, …) are
//! `tally_core::model`'s types, re-exported as `tally_client::model`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tally_core::model::{RewardKind, Tier, TierPeriod, VoidPolicy};
pub use tally_core::model::{V2Redemption, V2RedemptionList};

/// `POST /customers`: upsert by email or phone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCustomer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// E.164 with its country code, e.g. `+4915112345678`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl NewCustomer {
    pub fn email(email: impl Into<String>) -> Self {
        Self { email: Some(email.into()), ..Self::default() }
    }
}

/// `GET /customers?email=&phone=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CustomerFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `POST /transactions`: a purchase, which earns points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTransaction {
    pub customer_id: String,
    pub spend_amount_cents: i64,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
    /// The POS receipt or order id: a second purchase with it returns the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Overrides the program's earning rule for this purchase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
}

impl NewTransaction {
    pub fn new(customer_id: impl Into<String>, spend_amount_cents: i64, currency: impl Into<String>) -> Self {
        Self {
            customer_id: customer_id.into(),
            spend_amount_cents,
            currency: currency.into(),
            external_id: None,
            points: None,
        }
    }
}

/// `POST /transactions/{id}/void`: the whole purchase, or part of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidTransaction {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_cents: Option<i64>,
}

/// `POST /customers/{id}/adjustments`: signed points with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAdjustment {
    pub points: i64,
    pub reason: String,
}

/// `POST /rewards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReward {
    pub name: String,
    pub cost_points: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<RewardKind>,
    /// Finite inventory; `None` is unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

impl NewReward {
    pub fn new(name: impl Into<String>, cost_points: i64) -> Self {
        Self { name: name.into(), cost_points, kind: None, stock: None, active: None }
    }
}

/// `PATCH /rewards/{id}`: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RewardPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_points: Option<i64>,
    /// `Some(Some(n))` sets the stock, `Some(None)` makes it unlimited, `None` leaves it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<Option<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// `POST /redemptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRedemption {
    pub customer_id: String,
    pub reward_id: String,
    /// Units of the reward (1 to 1000); the server's default is 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
}

impl NewRedemption {
    pub fn new(customer_id: impl Into<String>, reward_id: impl Into<String>) -> Self {
        Self { customer_id: customer_id.into(), reward_id: reward_id.into(), quantity: None }
    }
}

/// `POST /api/v2/loyalty/rewards/redeem`: the compatibility shape of a
/// one-unit redemption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V2Redeem {
    pub customer_id: String,
    pub reward_id: String,
    /// When sent, must equal the reward's cost (422 `points_amount_mismatch` otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_amount: Option<i64>,
    /// Accepted for compatibility; the server does not interpret it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redemption_type: Option<String>,
}

impl V2Redeem {
    pub fn new(customer_id: impl Into<String>, reward_id: impl Into<String>) -> Self {
        Self {
            customer_id: customer_id.into(),
            reward_id: reward_id.into(),
            points_amount: None,
            redemption_type: None,
        }
    }
}

/// `PATCH /program`: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProgramPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_per_currency_unit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void_policy: Option<VoidPolicy>,
    /// `Some(None)` turns expiry off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_expire_after_days: Option<Option<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_retention_hours: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_idempotency_key: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_minute: Option<i32>,
    /// Days a purchase's points stay pending, 0 to 365.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_pending_days: Option<i32>,
    /// Replaces the program's tiers; `Some(vec![])` removes them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Vec<Tier>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier_period: Option<TierPeriod>,
}

/// Where a list starts and how long a page is (newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PageParams {
    /// 1 to 100; the server's default is 20.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The id of the last item of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_after: Option<String>,
}

/// A page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Whether older items follow: ask again with `starting_after` = the last id.
    pub has_more: bool,
}

/// `GET /idempotency-keys/{key}`: what the server knows of a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    pub key: String,
    /// `in_flight` while its first request runs, `completed` once stored.
    pub state: String,
    pub method: Option<String>,
    pub path: Option<String>,
    pub first_seen_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub status: Option<u16>,
    pub resource_id: Option<String>,
}

/// A write's answer, with the facts of how it was obtained.
#[derive(Debug, Clone, PartialEq)]
pub struct Written<T> {
    pub value: T,
    /// The idempotency key it was sent with (the journal's, or the caller's).
    pub key: String,
    pub status: u16,
    /// The server answered from its stored response (`Idempotent-Replayed: true`):
    /// an earlier attempt of this intent had already taken effect.
    pub replayed: bool,
    /// Sends it took in this call.
    pub attempts: u32,
}

impl<T> Written<T> {
    pub fn into_inner(self) -> T {
        self.value
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Written<U> {
        Written {
            value: f(self.value),
            key: self.key,
            status: self.status,
            replayed: self.replayed,
            attempts: self.attempts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_fields_are_not_sent_and_null_is_sent_when_meant() {
        let body = serde_json::to_value(NewRedemption::new("cus_1", "rwd_1")).unwrap();
        assert_eq!(body, json!({ "customer_id": "cus_1", "reward_id": "rwd_1" }));
        let patch = RewardPatch { stock: Some(None), ..RewardPatch::default() };
        assert_eq!(serde_json::to_value(patch).unwrap(), json!({ "stock": null }));
        assert_eq!(serde_json::to_value(VoidTransaction::default()).unwrap(), json!({}));
        let program = ProgramPatch { points_expire_after_days: Some(None), ..ProgramPatch::default() };
        assert_eq!(serde_json::to_value(program).unwrap(), json!({ "points_expire_after_days": null }));
    }
}
