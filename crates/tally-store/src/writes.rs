//! Whole writes: the domain writes that move points, stock or a coupon (a
//! redemption, a purchase, an adjustment, a void, a fulfil or cancel, a coupon
//! used) as one call
//! on the store transaction, so a backend with a network between it and the
//! data can run each in one round trip instead of one per primitive.
//!
//! The composition of primitives below is the reference: it is what every
//! backend runs unless it overrides the `StoreTx` method, and what an override
//! must agree with (the conformance suite and the HTTP suite run both).
//! SQLite keeps it, because its round trips are function calls; PostgreSQL
//! runs the same steps in a PL/pgSQL function (`tally_redeem`,
//! `tally_record_purchase`, `tally_adjust`, `tally_void`, `tally_settle`,
//! `tally_use_coupon`), where each step would otherwise be a pair of
//! context switches on CPUs the database and the nodes share.
//!
//! A refusal is an answer, not an error: the caller rolls the transaction back
//! (a refusal after the stock was taken leaves that to the rollback) and
//! tells the client why.

mod lots;
mod tiers;

pub use lots::{expire, release};
pub use tiers::{TierReview, review_tier};

use tally_core::model::{
    Coupon, CouponStatus, LedgerEntry, LedgerOperation, Redemption, RedemptionStatus, RewardKind, Transaction,
    TransactionStatus, VoidPolicy,
};
use tally_core::points::{earned_for_spend, total_cost, void_points};

use crate::{
    Hold, KeyedResource, Move, NewCoupon, NewLedgerEntry, NewRedemption, NewTransaction, ResourceKey, StoreTx,
};
use crate::{StoreError, StoreResult};

/// A redemption to make: `quantity` units of a reward for a customer.
#[derive(Debug, Clone)]
pub struct Redeem {
    pub customer_id: String,
    pub reward_id: String,
    pub quantity: i64,
    /// The price the client expects to pay (v2 route); refused if it differs.
    pub expected_points: Option<i64>,
    /// The coupon's code, used only if the reward is a voucher. Made by the
    /// caller, like every id, so a backend needs no random source of its own.
    pub coupon_code: String,
    pub idempotency: Option<ResourceKey>,
}

/// What became of a [`Redeem`].
#[derive(Debug, Clone)]
pub enum Redeemed {
    Created(Redemption),
    /// The key made this redemption before (its stored response expired).
    Replayed(KeyedResource<Redemption>),
    Refused(RedeemRefusal),
}

/// Why a redemption was not made. A missing customer is reported before
/// anything about the points or stock, never after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedeemRefusal {
    RewardNotFound,
    RewardInactive,
    CustomerNotFound,
    /// `quantity × cost_points` leaves the points range.
    CostOverflow,
    PriceMismatch {
        expected: i64,
        cost: i64,
    },
    OutOfStock,
    InsufficientPoints {
        cost: i64,
    },
}

/// Spends a customer's points on a reward: stock first, then points, each a
/// conditional update that refuses to go below zero; then the redemption row
/// (and the voucher's coupon) and its ledger entry. Stock before points keeps
/// the lock order the same in every transaction (reward row, then customer
/// row), so two redemptions never deadlock.
///
/// The success path makes only the steps it needs: an unlimited reward's
/// stock is not touched (an update that changes nothing would still lock the
/// reward's row, making every redemption of a popular reward wait for the one
/// before it), and the customer's existence is proven by the debit itself.
pub async fn redeem<T: StoreTx + ?Sized>(tx: &mut T, program_id: &str, r: &Redeem) -> StoreResult<Redeemed> {
    if let Some(key) = &r.idempotency
        && let Some(found) = tx.redemption_by_key(program_id, &key.key).await?
    {
        return Ok(Redeemed::Replayed(found));
    }
    let Some(reward) = tx.reward(program_id, &r.reward_id).await? else {
        return Ok(Redeemed::Refused(RedeemRefusal::RewardNotFound));
    };
    if !reward.active {
        return Ok(Redeemed::Refused(RedeemRefusal::RewardInactive));
    }
    let Ok(cost) = total_cost(reward.cost_points, r.quantity) else {
        return refuse_unless_missing(tx, program_id, &r.customer_id, RedeemRefusal::CostOverflow).await;
    };
    if let Some(expected) = r.expected_points
        && expected != cost
    {
        let mismatch = RedeemRefusal::PriceMismatch { expected, cost };
        return refuse_unless_missing(tx, program_id, &r.customer_id, mismatch).await;
    }
    // Stock can only change from unlimited to finite (or back) by a reward
    // update, which sets it outright: a redemption that read "unlimited" is
    // ordered before such an update, and needs no write here.
    if reward.stock.is_some() && !tx.take_stock(program_id, &reward.id, r.quantity).await? {
        return refuse_unless_missing(tx, program_id, &r.customer_id, RedeemRefusal::OutOfStock).await;
    }
    let Some(balance_after) = tx.debit(program_id, &r.customer_id, cost).await? else {
        let refusal = RedeemRefusal::InsufficientPoints { cost };
        return refuse_unless_missing(tx, program_id, &r.customer_id, refusal).await;
    };
    let coupon_code = (reward.kind == RewardKind::Voucher).then(|| r.coupon_code.clone());
    let new = NewRedemption {
        customer_id: r.customer_id.clone(),
        reward_id: reward.id.clone(),
        quantity: r.quantity,
        points_spent: cost,
        coupon_code: coupon_code.clone(),
        idempotency: r.idempotency.clone(),
    };
    let redemption = tx.insert_redemption(program_id, &new).await?;
    if let Some(code) = coupon_code {
        let coupon = NewCoupon {
            code,
            redemption_id: redemption.id.clone(),
            customer_id: redemption.customer_id.clone(),
            reward_id: reward.id.clone(),
        };
        tx.insert_coupon(program_id, &coupon).await?;
    }
    let entry = NewLedgerEntry {
        redemption_id: Some(redemption.id.clone()),
        ..NewLedgerEntry::new(&r.customer_id, -cost, balance_after, LedgerOperation::Redeem)
    };
    tx.insert_ledger_entry(program_id, &entry).await?;
    Ok(Redeemed::Created(redemption))
}

/// `refusal`, or `CustomerNotFound` if there is no such customer.
async fn refuse_unless_missing<T: StoreTx + ?Sized>(
    tx: &mut T,
    program_id: &str,
    customer_id: &str,
    refusal: RedeemRefusal,
) -> StoreResult<Redeemed> {
    Ok(Redeemed::Refused(match tx.customer(program_id, customer_id).await? {
        Some(_) => refusal,
        None => RedeemRefusal::CustomerNotFound,
    }))
}

/// A purchase to record.
#[derive(Debug, Clone)]
pub struct Purchase {
    pub customer_id: String,
    pub spend_amount_cents: i64,
    pub currency: String,
    pub external_id: Option<String>,
    /// Overrides the earning rule (e.g. a promotion computed by the POS).
    pub points: Option<i64>,
    pub idempotency: Option<ResourceKey>,
}

/// What became of a [`Purchase`].
#[derive(Debug, Clone)]
pub enum Purchased {
    Created(Transaction),
    /// The program had a purchase with this `external_id` already: that one.
    Existing(Transaction),
    /// The key made this purchase before (its stored response expired).
    Replayed(KeyedResource<Transaction>),
    Refused(PurchaseRefusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurchaseRefusal {
    CustomerNotFound,
    /// The earning rule's points leave the points range.
    EarningOverflow,
    /// The credit would take the balance out of the points range.
    BalanceOverflow,
}

/// Records a purchase and credits its points, once per `external_id` and once
/// per idempotency key. The earning rule is read in this transaction, not
/// from a node's cached copy of the program: a purchase never earns at a rate
/// that was changed before it began, on whichever node the change was made.
pub async fn record_purchase<T: StoreTx + ?Sized>(
    tx: &mut T,
    program_id: &str,
    p: &Purchase,
) -> StoreResult<Purchased> {
    if let Some(key) = &p.idempotency
        && let Some(found) = tx.transaction_by_key(program_id, &key.key).await?
    {
        return Ok(Purchased::Replayed(found));
    }
    let Some(customer) = tx.customer(program_id, &p.customer_id).await? else {
        return Ok(Purchased::Refused(PurchaseRefusal::CustomerNotFound));
    };
    let program = tx.program(program_id).await?.ok_or_else(|| StoreError::Other(format!("no program {program_id}")))?;
    // The tier the customer holds now decides the multiplier, kept on the
    // purchase: a replay or a later tier change never changes what it earned.
    let tier = customer.tier.and_then(|t| t.name);
    let (points, multiplier) = match p.points {
        // Points given by the client are taken as they are.
        Some(points) => (points, 100),
        None => {
            let multiplier = program.settings.earn_multiplier_percent(tier.as_deref());
            let earned = earned_for_spend(p.spend_amount_cents, program.settings.points_per_currency_unit)
                .and_then(|base| multiplied(base, multiplier));
            match earned {
                Ok(points) => (points, multiplier),
                Err(_) => return Ok(Purchased::Refused(PurchaseRefusal::EarningOverflow)),
            }
        }
    };
    let new = NewTransaction {
        customer_id: p.customer_id.clone(),
        spend_amount_cents: p.spend_amount_cents,
        currency: p.currency.clone(),
        points,
        external_id: p.external_id.clone(),
        idempotency: p.idempotency.clone(),
        tier,
        earn_multiplier_percent: multiplier,
    };
    let Some(txn) = tx.insert_transaction(program_id, &new).await? else {
        // The receipt was recorded before: answer with the first purchase.
        let external_id = new.external_id.as_deref().unwrap_or_default();
        let first = tx
            .transaction_by_external_id(program_id, external_id)
            .await?
            .ok_or_else(|| StoreError::Other(format!("purchase {external_id} clashed but cannot be read")))?;
        return Ok(Purchased::Existing(first));
    };
    // In a holding period the points wait beside the balance (the release
    // job credits them when it ends); the entry records them as pending.
    let held = program.settings.points_pending_days > 0 && points > 0;
    let credited = match held {
        true => tx.hold(program_id, &Hold { customer_id: &txn.customer_id, transaction_id: &txn.id, points }).await?,
        false => tx.credit(program_id, &txn.customer_id, points).await?,
    };
    let Some(balance_after) = credited else {
        return Ok(Purchased::Refused(PurchaseRefusal::BalanceOverflow));
    };
    let (available, pending) = if held { (0, points) } else { (points, 0) };
    let entry = NewLedgerEntry {
        transaction_id: Some(txn.id.clone()),
        pending_points: pending,
        qualifying_points: points,
        ..NewLedgerEntry::new(&txn.customer_id, available, balance_after, LedgerOperation::Earn)
    };
    tx.insert_ledger_entry(program_id, &entry).await?;
    Ok(Purchased::Created(txn))
}

/// `floor(base × multiplier_percent / 100)`, or an overflow.
fn multiplied(base: i64, multiplier_percent: i32) -> Result<i64, tally_core::points::PointsError> {
    i64::try_from(i128::from(base) * i128::from(multiplier_percent) / 100)
        .map_err(|_| tally_core::points::PointsError::Overflow)
}

/// A manual adjustment of a customer's points by a person (a token).
#[derive(Debug, Clone)]
pub struct Adjust {
    pub customer_id: String,
    /// Positive credits, negative debits; never zero.
    pub points: i64,
    pub reason: String,
    pub token_id: String,
    /// Counts towards the customer's tier, like a purchase's points.
    pub qualifying: bool,
    pub idempotency: Option<ResourceKey>,
}

/// What became of an [`Adjust`]: its ledger entry is the resource.
#[derive(Debug, Clone)]
pub enum Adjusted {
    Created(LedgerEntry),
    /// The key made this entry before (its stored response expired).
    Replayed(KeyedResource<LedgerEntry>),
    Refused(AdjustRefusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdjustRefusal {
    CustomerNotFound,
    /// The credit would take the balance out of the points range.
    BalanceOverflow,
    /// A debit of more than the balance.
    InsufficientPoints,
}

/// Credits or debits a customer by hand, with the reason and the token on the
/// ledger entry. The customer's row is locked first, as every change to a
/// customer's points does.
pub async fn adjust<T: StoreTx + ?Sized>(tx: &mut T, program_id: &str, a: &Adjust) -> StoreResult<Adjusted> {
    if let Some(key) = &a.idempotency
        && let Some(found) = tx.ledger_entry_by_key(program_id, &key.key).await?
    {
        return Ok(Adjusted::Replayed(found));
    }
    if !tx.lock_customer(program_id, &a.customer_id).await? {
        return Ok(Adjusted::Refused(AdjustRefusal::CustomerNotFound));
    }
    let balance_after = if a.points > 0 {
        tx.credit(program_id, &a.customer_id, a.points).await?.ok_or(AdjustRefusal::BalanceOverflow)
    } else {
        tx.debit(program_id, &a.customer_id, -a.points).await?.ok_or(AdjustRefusal::InsufficientPoints)
    };
    let balance_after = match balance_after {
        Ok(balance) => balance,
        Err(refusal) => return Ok(Adjusted::Refused(refusal)),
    };
    let entry = NewLedgerEntry {
        qualifying_points: if a.qualifying { a.points } else { 0 },
        reason: Some(a.reason.clone()),
        token_id: Some(a.token_id.clone()),
        idempotency: a.idempotency.clone(),
        ..NewLedgerEntry::new(&a.customer_id, a.points, balance_after, LedgerOperation::Adjustment)
    };
    Ok(Adjusted::Created(tx.insert_ledger_entry(program_id, &entry).await?))
}

/// A void of a purchase: `amount_cents` more of it (more than zero; the
/// caller checks), or all that is left.
#[derive(Debug, Clone)]
pub struct Void {
    pub transaction_id: String,
    pub amount_cents: Option<i64>,
    pub idempotency: Option<ResourceKey>,
}

/// What became of a [`Void`]: the purchase, as it stands after it.
#[derive(Debug, Clone)]
pub enum Voided {
    Changed(Transaction),
    /// The key voided this purchase before (its stored response expired).
    Replayed(KeyedResource<Transaction>),
    Refused(VoidRefusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoidRefusal {
    TransactionNotFound,
    AlreadyVoided,
    /// More than is left of the purchase: `left_cents`.
    ExceedsPurchase {
        left_cents: i64,
    },
    /// The customer spent the points and the program's void policy is `reject`.
    InsufficientPoints {
        points: i64,
    },
    /// The debit would take the balance out of the points range (`allow_negative`).
    BalanceOverflow,
    /// The key made something other than a void (e.g. an adjustment).
    KeyUsedElsewhere,
}

/// Voids part or all of a purchase, taking back its points in proportion
/// (`void_points`: cumulative, so no sequence of partial voids creates or
/// loses a point). The purchase row's conditional update decides between
/// simultaneous voids; the program's void policy decides whether the balance
/// may go below zero. A keyed void keeps its key on its ledger entry (written
/// even when it takes no points): a partial void retried after its stored
/// response expired must find what it did, not void again.
pub async fn void<T: StoreTx + ?Sized>(tx: &mut T, program_id: &str, v: &Void) -> StoreResult<Voided> {
    if let Some(key) = &v.idempotency
        && let Some(entry) = tx.ledger_entry_by_key(program_id, &key.key).await?
    {
        let voided = match entry.resource.transaction_id.as_deref() {
            Some(id) if entry.resource.operation == LedgerOperation::Void => tx.transaction(program_id, id).await?,
            _ => None,
        };
        return Ok(match voided {
            Some(resource) => Voided::Replayed(KeyedResource { resource, fingerprint: entry.fingerprint }),
            None => Voided::Refused(VoidRefusal::KeyUsedElsewhere),
        });
    }
    if let Some(amount) = v.amount_cents {
        // Refuse up front what the conditional update below would refuse
        // anyway: an amount beyond what is left can overflow the sum in SQL.
        // The update still decides between simultaneous voids.
        let found = tx.transaction(program_id, &v.transaction_id).await?;
        if found.as_ref().is_none_or(|t| {
            t.status == TransactionStatus::Voided || amount > t.spend_amount_cents - t.voided_amount_cents
        }) {
            return Ok(Voided::Refused(void_refusal(found)));
        }
    }
    let Some(after) = tx.void_amount(program_id, v).await? else {
        return Ok(Voided::Refused(void_refusal(tx.transaction(program_id, &v.transaction_id).await?)));
    };
    let take = void_points(after.points, after.spend_amount_cents, after.voided_points, after.voided_amount_cents);
    if take > 0 || v.idempotency.is_some() {
        let program =
            tx.program(program_id).await?.ok_or_else(|| StoreError::Other(format!("no program {program_id}")))?;
        // Points still in their holding period go back first: they were never
        // spendable, so taking them cannot take the balance below zero. Only
        // the rest is a debit, under the void policy as without a holding
        // period. The customer's row is locked before the pending lot's, the
        // order the release takes them in.
        let held = match take > 0 && tx.lock_customer(program_id, &after.customer_id).await? {
            true => tx.take_held(program_id, &after.id, take).await?,
            false => 0,
        };
        let debt = take - held;
        let balance_after = match program.settings.void_policy {
            VoidPolicy::Reject => tx
                .debit(program_id, &after.customer_id, debt)
                .await?
                .ok_or(VoidRefusal::InsufficientPoints { points: debt }),
            VoidPolicy::AllowNegative => {
                tx.overdraw(program_id, &after.customer_id, debt).await?.ok_or(VoidRefusal::BalanceOverflow)
            }
        };
        let balance_after = match balance_after {
            Ok(balance) => balance,
            Err(refusal) => return Ok(Voided::Refused(refusal)),
        };
        let entry = NewLedgerEntry {
            transaction_id: Some(after.id.clone()),
            pending_points: -held,
            qualifying_points: -take,
            idempotency: v.idempotency.clone(),
            ..NewLedgerEntry::new(&after.customer_id, -debt, balance_after, LedgerOperation::Void)
        };
        tx.insert_ledger_entry(program_id, &entry).await?;
    }
    Ok(Voided::Changed(tx.set_voided_points(program_id, &after.id, after.voided_points + take).await?))
}

/// Why a void of the purchase, as it now stands, cannot be made.
fn void_refusal(found: Option<Transaction>) -> VoidRefusal {
    match found {
        None => VoidRefusal::TransactionNotFound,
        Some(t) if t.status == TransactionStatus::Voided => VoidRefusal::AlreadyVoided,
        Some(t) => VoidRefusal::ExceedsPurchase { left_cents: t.spend_amount_cents - t.voided_amount_cents },
    }
}

/// A redemption moved out of `pending`: fulfilled, or cancelled with its
/// points, stock and coupon given back.
#[derive(Debug, Clone)]
pub struct Settle {
    pub redemption_id: String,
    /// `Fulfilled` or `Cancelled`.
    pub to: RedemptionStatus,
    pub idempotency: Option<ResourceKey>,
}

/// What became of a [`Settle`] or a [`UseCoupon`].
#[derive(Debug, Clone)]
pub enum Settled<T> {
    Changed(T),
    /// The key made this move before (its stored response expired).
    Replayed(KeyedResource<T>),
    Refused(SettleRefusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleRefusal {
    RedemptionNotFound,
    AlreadyFulfilled,
    AlreadyCancelled,
    CouponNotFound,
    /// The coupon (of a redemption being cancelled, or being used) was used already.
    CouponRedeemed,
    /// The coupon's redemption was cancelled.
    CouponVoid,
    /// The refund would take the balance out of the points range.
    BalanceOverflow,
}

/// `pending` → `fulfilled` or `cancelled`, decided by one conditional update
/// that also keeps the request's key; a cancel refunds points and stock and
/// voids the coupon in the same transaction: all of it happens, or none.
/// Rows are locked in the order every write uses: redemption, reward, coupon,
/// customer.
pub async fn settle<T: StoreTx + ?Sized>(tx: &mut T, program_id: &str, s: &Settle) -> StoreResult<Settled<Redemption>> {
    let (id, key) = (s.redemption_id.as_str(), s.idempotency.as_ref());
    let out_of_pending = Move { id, from: RedemptionStatus::Pending, to: s.to, key };
    let Some(redemption) = tx.move_redemption(program_id, out_of_pending).await? else {
        return not_pending(tx, program_id, id, key).await;
    };
    if s.to == RedemptionStatus::Fulfilled {
        return Ok(Settled::Changed(redemption));
    }
    tx.return_stock(program_id, &redemption.reward_id, redemption.quantity).await?;
    if let Some(code) = &redemption.coupon_code
        && tx.move_coupon(program_id, Move::new(code, CouponStatus::Active, CouponStatus::Void)).await?.is_none()
    {
        // Redeeming a coupon fulfils its redemption, so a pending one's coupon is active.
        return Ok(Settled::Refused(SettleRefusal::CouponRedeemed));
    }
    let Some(balance_after) = tx.credit(program_id, &redemption.customer_id, redemption.points_spent).await? else {
        return Ok(Settled::Refused(SettleRefusal::BalanceOverflow));
    };
    let entry = NewLedgerEntry {
        redemption_id: Some(redemption.id.clone()),
        ..NewLedgerEntry::new(&redemption.customer_id, redemption.points_spent, balance_after, LedgerOperation::Refund)
    };
    tx.insert_ledger_entry(program_id, &entry).await?;
    Ok(Settled::Changed(redemption))
}

/// Why a redemption could not leave `pending` — or, when `key` is the key
/// that moved it, a replay: a fulfil or cancel retried after its stored
/// response expired did happen, and is not refused.
async fn not_pending<T: StoreTx + ?Sized>(
    tx: &mut T,
    program_id: &str,
    id: &str,
    key: Option<&ResourceKey>,
) -> StoreResult<Settled<Redemption>> {
    let Some(redemption) = tx.redemption(program_id, id).await? else {
        return Ok(Settled::Refused(SettleRefusal::RedemptionNotFound));
    };
    if let Some(fingerprint) = moved_by(key, tx.redemption_moved_by(program_id, id)).await? {
        return Ok(Settled::Replayed(KeyedResource { resource: redemption, fingerprint }));
    }
    match redemption.status {
        RedemptionStatus::Fulfilled => Ok(Settled::Refused(SettleRefusal::AlreadyFulfilled)),
        RedemptionStatus::Cancelled => Ok(Settled::Refused(SettleRefusal::AlreadyCancelled)),
        RedemptionStatus::Pending => Err(StoreError::Other(format!("redemption {id} is pending but did not move"))),
    }
}

/// The fingerprint of the request of `key` when `key` is the one that moved a
/// row (`moved_by` reads who did, and is awaited only when there is a key): a
/// move retried after its stored response expired did happen, and is
/// answered as a replay, not refused.
async fn moved_by(
    key: Option<&ResourceKey>,
    moved_by: impl Future<Output = StoreResult<Option<ResourceKey>>>,
) -> StoreResult<Option<String>> {
    let Some(key) = key else { return Ok(None) };
    Ok(moved_by.await?.filter(|by| by.key == key.key).map(|by| by.fingerprint))
}

/// A voucher's coupon used at the till.
#[derive(Debug, Clone)]
pub struct UseCoupon {
    /// Normalised (upper case) by the caller.
    pub code: String,
    pub idempotency: Option<ResourceKey>,
}

/// Uses a coupon once: its redemption is fulfilled (if still pending) and the
/// coupon moves `active` → `redeemed` by one conditional update. The
/// request's key stays on the coupon, so a retry after its stored response
/// expired is answered as a replay of the use it made, not refused.
///
/// The redemption row is changed before the coupon row: the order `settle`
/// takes them in. The other way round, a use and a cancel of the same
/// redemption racing on PostgreSQL each held the row the other wanted next,
/// and the deadlock detector failed one of them.
pub async fn use_coupon<T: StoreTx + ?Sized>(
    tx: &mut T,
    program_id: &str,
    u: &UseCoupon,
) -> StoreResult<Settled<Coupon>> {
    let (code, key) = (u.code.as_str(), u.idempotency.as_ref());
    let Some(found) = tx.coupon(program_id, code).await? else {
        return Ok(Settled::Refused(SettleRefusal::CouponNotFound));
    };
    let fulfil = Move::new(found.redemption_id.as_str(), RedemptionStatus::Pending, RedemptionStatus::Fulfilled);
    tx.move_redemption(program_id, fulfil).await?;
    let redeem = Move { id: code, from: CouponStatus::Active, to: CouponStatus::Redeemed, key };
    if let Some(coupon) = tx.move_coupon(program_id, redeem).await? {
        return Ok(Settled::Changed(coupon));
    }
    let Some(coupon) = tx.coupon(program_id, code).await? else {
        return Ok(Settled::Refused(SettleRefusal::CouponNotFound));
    };
    if let Some(fingerprint) = moved_by(key, tx.coupon_moved_by(program_id, code)).await? {
        return Ok(Settled::Replayed(KeyedResource { resource: coupon, fingerprint }));
    }
    match coupon.status {
        CouponStatus::Redeemed => Ok(Settled::Refused(SettleRefusal::CouponRedeemed)),
        CouponStatus::Void => Ok(Settled::Refused(SettleRefusal::CouponVoid)),
        CouponStatus::Active => Err(StoreError::Other(format!("coupon {code} is active but did not move"))),
    }
}
