//! The domain objects, as the API shows them.
//!
//! They serialise directly as response bodies: one definition for the store,
//! the server, the OpenAPI document and the SDK, so the four cannot drift.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Program {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub settings: ProgramSettings,
    pub created_at: DateTime<Utc>,
}

/// A program's rules. Every field has a default, so a new program works at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProgramSettings {
    /// Earning rule: points per whole currency unit spent (rounded down per purchase).
    pub points_per_currency_unit: i64,
    pub void_policy: VoidPolicy,
    pub points_expire_after_days: Option<i32>,
    /// How long stored idempotent responses are replayed (1 h to 30 days).
    pub idempotency_retention_hours: i32,
    /// When false, points-moving routes accept requests without a key (natural keys still dedupe).
    pub require_idempotency_key: bool,
    pub rate_limit_per_minute: i32,
}

impl Default for ProgramSettings {
    fn default() -> Self {
        Self {
            points_per_currency_unit: 1,
            void_policy: VoidPolicy::Reject,
            points_expire_after_days: None,
            idempotency_retention_hours: 24,
            require_idempotency_key: true,
            rate_limit_per_minute: 600,
        }
    }
}

pub const MIN_RETENTION_HOURS: i32 = 1;
pub const MAX_RETENTION_HOURS: i32 = 30 * 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoidPolicy {
    Reject,
    AllowNegative,
}

impl VoidPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            VoidPolicy::Reject => "reject",
            VoidPolicy::AllowNegative => "allow_negative",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reject" => Some(VoidPolicy::Reject),
            "allow_negative" => Some(VoidPolicy::AllowNegative),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    pub id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Balance {
    pub customer_id: String,
    /// Points the customer can spend now.
    pub available: i64,
    /// Points held by redemptions that are still pending (a cancel would return them).
    pub pending: i64,
    pub lifetime_earned: i64,
    pub lifetime_spent: i64,
    /// Points that expire within the next 30 days.
    pub expiring_soon: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Transaction {
    pub id: String,
    pub customer_id: String,
    pub spend_amount_cents: i64,
    pub currency: String,
    pub points: i64,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RewardKind {
    Item,
    Voucher,
}

impl RewardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RewardKind::Item => "item",
            RewardKind::Voucher => "voucher",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "item" => Some(RewardKind::Item),
            "voucher" => Some(RewardKind::Voucher),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reward {
    pub id: String,
    pub name: String,
    pub cost_points: i64,
    pub kind: RewardKind,
    /// Units left; absent means unlimited.
    pub stock: Option<i64>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedemptionStatus {
    Pending,
    Fulfilled,
    Cancelled,
}

impl RedemptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RedemptionStatus::Pending => "pending",
            RedemptionStatus::Fulfilled => "fulfilled",
            RedemptionStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(RedemptionStatus::Pending),
            "fulfilled" => Some(RedemptionStatus::Fulfilled),
            "cancelled" => Some(RedemptionStatus::Cancelled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Redemption {
    pub id: String,
    pub customer_id: String,
    pub reward_id: String,
    pub quantity: i64,
    pub points_spent: i64,
    pub status: RedemptionStatus,
    pub created_at: DateTime<Utc>,
}

/// What made a ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerOperation {
    /// Points earned by a purchase.
    Earn,
    /// Points spent on a redemption.
    Redeem,
}

impl LedgerOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerOperation::Earn => "earn",
            LedgerOperation::Redeem => "redeem",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "earn" => Some(LedgerOperation::Earn),
            "redeem" => Some(LedgerOperation::Redeem),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerEntry {
    pub id: String,
    pub customer_id: String,
    /// Signed: positive credits, negative debits.
    pub points: i64,
    pub balance_after: i64,
    pub operation: LedgerOperation,
    pub transaction_id: Option<String>,
    pub redemption_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A stored response: replayed byte for byte for the key's retention window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub key: String,
    pub method: String,
    pub path: String,
    pub fingerprint: String,
    pub status: u16,
    /// Allow-listed response headers (`Content-Type`, `Location`), in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub resource_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}
