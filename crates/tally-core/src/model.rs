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
    /// Days a purchase's points stay pending before they can be spent (0 to
    /// 365; 0, the default: available at once). A void within the period takes
    /// the pending points back before they could be spent.
    #[serde(default)]
    pub points_pending_days: i32,
    /// The program's tiers, by ascending `threshold_points`; none by default.
    /// A customer holds the highest tier whose threshold their qualifying
    /// points reach; a change applies from the customer's next evaluation.
    #[serde(default)]
    pub tiers: Vec<Tier>,
    /// The window qualifying points are counted in.
    #[serde(default)]
    pub tier_period: TierPeriod,
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
            points_pending_days: 0,
            tiers: Vec::new(),
            tier_period: TierPeriod::Rolling365Days,
            idempotency_retention_hours: 24,
            require_idempotency_key: true,
            rate_limit_per_minute: 600,
        }
    }
}

pub const MAX_PENDING_DAYS: i32 = 365;

/// A level a customer reaches by qualifying points, and what it earns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Silver", "threshold_points": 1000, "earn_multiplier_percent": 125}))]
pub struct Tier {
    /// 1 to 50 characters (surrounding whitespace is dropped), unique within the program.
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// Qualifying points needed, at least 1; ascending from one tier to the next.
    #[schema(minimum = 1)]
    pub threshold_points: i64,
    /// Purchases earn `floor(base × multiplier / 100)`: 100 (no bonus) to 1000.
    #[schema(minimum = 100, maximum = 1000)]
    pub earn_multiplier_percent: i32,
}

pub const MAX_TIERS: usize = 10;

text_enum!(
    /// The window a customer's qualifying points are counted in.
    #[derive(Default)]
    TierPeriod {
        /// The last 365 days, moving with the clock.
        #[default]
        #[serde(rename = "rolling_365_days")]
        Rolling365Days = "rolling_365_days",
        /// Since 1 January (UTC) of the current year.
        CalendarYear = "calendar_year",
    }
);

impl ProgramSettings {
    /// The highest tier `qualifying_points` reach, with its rank (0 the lowest).
    pub fn tier_reached(&self, qualifying_points: i64) -> Option<(usize, &Tier)> {
        self.tiers.iter().enumerate().rev().find(|(_, t)| qualifying_points >= t.threshold_points)
    }

    /// The tier called `name`, with its rank; `None` if the program has no such tier (any more).
    pub fn tier_named(&self, name: &str) -> Option<(usize, &Tier)> {
        self.tiers.iter().enumerate().find(|(_, t)| t.name == name)
    }

    /// What a customer holding `tier` earns on a purchase, in percent.
    pub fn earn_multiplier_percent(&self, tier: Option<&str>) -> i32 {
        tier.and_then(|name| self.tier_named(name)).map_or(100, |(_, t)| t.earn_multiplier_percent)
    }

    /// A customer's tier as the API shows it, from the tier held as the
    /// store keeps it: `None` when the program has no tiers; otherwise with
    /// what the next tier above needs.
    pub fn tier_status(&self, held: CustomerTier) -> Option<CustomerTier> {
        if self.tiers.is_empty() {
            return None;
        }
        let rank = held.name.as_deref().and_then(|name| self.tier_named(name)).map(|(rank, _)| rank);
        let above = rank.map_or(0, |rank| rank + 1);
        let next = self.tiers.get(above).map(|t| NextTier {
            name: t.name.clone(),
            points_needed: (t.threshold_points - held.qualifying_points).max(0),
        });
        Some(CustomerTier { next, ..held })
    }
}

/// A customer's tier, on the customer and the balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CustomerTier {
    /// The tier held; `null` below the first tier.
    pub name: Option<String>,
    /// When it was reached.
    pub since: Option<DateTime<Utc>>,
    /// Points earned by purchases (less their voids, plus adjustments marked
    /// `qualifying`) in the program's `tier_period`, as counted at the
    /// customer's last evaluation: each purchase, void and qualifying
    /// adjustment, and the daily tier review.
    pub qualifying_points: i64,
    /// The tier above, and how many more qualifying points reach it; `null` at the top.
    pub next: Option<NextTier>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NextTier {
    pub name: String,
    pub points_needed: i64,
}

text_enum!(
    /// Why a customer's tier changed.
    TierChangeReason {
        /// Reached by a purchase or a qualifying adjustment, in its transaction.
        Upgrade = "upgrade",
        /// Qualifying points left the period (or the program's tiers changed),
        /// found by the tier review.
        Downgrade = "downgrade",
    }
);

/// One change of a customer's tier (`GET /customers/{id}/tier-history`, `tier.changed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TierChange {
    pub id: String,
    pub customer_id: String,
    /// `null`: below the first tier.
    pub from_tier: Option<String>,
    pub to_tier: Option<String>,
    pub reason: TierChangeReason,
    /// The qualifying points that decided it.
    pub qualifying_points: i64,
    /// The purchase that made an upgrade, if one did.
    pub transaction_id: Option<String>,
    pub created_at: DateTime<Utc>,
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
    /// `null` when the program has no tiers.
    pub tier: Option<CustomerTier>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Balance {
    pub customer_id: String,
    /// Points the customer can spend now.
    pub available: i64,
    /// Points held by redemptions that are still pending (a cancel would
    /// return them). Not part of `available`; not the same as `pending_earned`.
    pub pending: i64,
    /// Points earned by purchases that are still in the program's holding
    /// period (`points_pending_days`): not yet part of `available`, not
    /// spendable, and taken back first by a void of their purchase.
    pub pending_earned: i64,
    /// When the earliest pending points become available, and how many do
    /// then; `null` when nothing is pending.
    pub next_release: Option<Release>,
    /// Every point ever credited: purchases, positive adjustments, refunds.
    pub lifetime_earned: i64,
    /// Every point ever debited: redemptions, voids, negative adjustments, expiry.
    /// `lifetime_earned - lifetime_spent` is the balance.
    pub lifetime_spent: i64,
    /// Points that expire within the next 30 days.
    pub expiring_soon: i64,
    /// `null` when the program has no tiers.
    pub tier: Option<CustomerTier>,
}

/// Pending points that become available together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Release {
    pub points: i64,
    pub at: DateTime<Utc>,
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
    /// The tier the customer held when the purchase was recorded, if any.
    pub tier: Option<String>,
    /// What that tier multiplied the earning rule by (100: no bonus). A
    /// replay, or a later change of tier or program, never changes it.
    pub earn_multiplier_percent: i32,
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
        /// A purchase's pending points that finished their holding period and
        /// became available (`points` in, `pending_points` out).
        Release = "release",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerEntry {
    pub id: String,
    pub customer_id: String,
    /// Signed change of the available balance: positive credits, negative debits.
    pub points: i64,
    /// Signed change of the pending points (`Balance::pending_earned`): a
    /// purchase in a holding period adds here instead of to `points`; its
    /// release and a void during the period take from here. 0 otherwise.
    pub pending_points: i64,
    /// What the entry counts towards the customer's tier: a purchase's
    /// points (held or not), less its voids; an adjustment's points if it was
    /// marked `qualifying`; 0 for everything else.
    pub qualifying_points: i64,
    /// The available balance after this entry.
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

/// A purchase's points in their holding period: `remaining` of them become
/// available at `releases_at` (less what voids take back before then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLot {
    pub id: String,
    pub customer_id: String,
    pub transaction_id: String,
    pub remaining: i64,
    pub releases_at: DateTime<Utc>,
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
