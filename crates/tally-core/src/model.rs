//! The domain objects, as the API shows them.
//!
//! They serialise directly as response bodies: one definition for the store,
//! the server, the OpenAPI document and the SDK, so the four cannot drift.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A snake_case string enum stored as text: one list of variants gives
/// `as_str` and `parse`, so storage and API can never disagree on spelling.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

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

text_enum!(VoidPolicy {
    /// A void that would take the balance below zero is refused (422 `insufficient_points`).
    Reject = "reject",
    /// The balance may go below zero; later earning pays it back first.
    AllowNegative = "allow_negative",
});

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
    /// Every point ever credited: purchases, positive adjustments, refunds.
    pub lifetime_earned: i64,
    /// Every point ever debited: redemptions, voids, negative adjustments, expiry.
    /// `lifetime_earned - lifetime_spent` is the balance.
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
    pub status: TransactionStatus,
    /// How much of the spend has been voided so far.
    pub voided_amount_cents: i64,
    /// Points taken back by voids so far.
    pub voided_points: i64,
    pub created_at: DateTime<Utc>,
}

text_enum!(TransactionStatus {
    Completed = "completed",
    PartiallyVoided = "partially_voided",
    Voided = "voided",
});

text_enum!(RewardKind {
    Item = "item",
    /// Its redemption issues a single-use coupon.
    Voucher = "voucher",
});

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

text_enum!(RedemptionStatus {
    Pending = "pending",
    Fulfilled = "fulfilled",
    Cancelled = "cancelled",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Redemption {
    pub id: String,
    pub customer_id: String,
    pub reward_id: String,
    pub quantity: i64,
    pub points_spent: i64,
    pub status: RedemptionStatus,
    /// The single-use coupon issued when the reward is a voucher.
    pub coupon_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

// A redemption in the v2 compatibility shape (`/api/v2/loyalty/…`): one
// definition for the server that answers with it and the SDK that reads it.
// Plain comments, not doc comments: the OpenAPI document keeps these two
// schemas undescribed, as they always were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct V2Redemption {
    pub redemption_id: String,
    pub customer_id: String,
    pub reward_id: String,
    pub points_amount: i64,
    pub quantity: i64,
    pub status: RedemptionStatus,
    pub created_at: DateTime<Utc>,
}

impl From<Redemption> for V2Redemption {
    fn from(r: Redemption) -> Self {
        Self {
            redemption_id: r.id,
            customer_id: r.customer_id,
            reward_id: r.reward_id,
            points_amount: r.points_spent,
            quantity: r.quantity,
            status: r.status,
            created_at: r.created_at,
        }
    }
}

// `GET /api/v2/loyalty/redemptions/{customer_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct V2RedemptionList {
    pub customer_id: String,
    pub redemptions: Vec<V2Redemption>,
}

text_enum!(CouponStatus {
    Active = "active",
    Redeemed = "redeemed",
    /// Its redemption was cancelled: it can no longer be redeemed.
    Void = "void",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Coupon {
    pub id: String,
    pub code: String,
    pub redemption_id: String,
    pub customer_id: String,
    pub reward_id: String,
    pub status: CouponStatus,
    pub created_at: DateTime<Utc>,
    pub redeemed_at: Option<DateTime<Utc>>,
}

text_enum!(
    /// What made a ledger entry.
    LedgerOperation {
        /// Points earned by a purchase.
        Earn = "earn",
        /// Points spent on a redemption.
        Redeem = "redeem",
        /// Points taken back by voiding (part of) a purchase.
        Void = "void",
        /// A manual correction, with its reason.
        Adjustment = "adjustment",
        /// Points returned by a cancelled redemption.
        Refund = "refund",
        /// Points that reached their expiry date unspent.
        Expire = "expire",
    }
);

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
    /// Why a manual adjustment was made.
    pub reason: Option<String>,
    /// The API token that made a manual adjustment.
    pub token_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Earned points that have not been spent or expired yet. Spending takes the
/// oldest lots first; a lot past its date expires as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointLot {
    pub id: String,
    pub customer_id: String,
    pub remaining: i64,
    pub expires_at: Option<DateTime<Utc>>,
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
