//! Cases 8 and 17–19: the stock race, the redemption lifecycle, coupons and the coupon race.

use std::sync::Arc;

use tally_core::model::{Coupon, CouponStatus, LedgerOperation, Redemption, RedemptionStatus, Reward};
use tokio::sync::Barrier;

use super::Harness;
use super::support::*;
use crate::{KeyLock, Move, NewCoupon, NewLedgerEntry, NewRedemption, Store, StoreError, StoreResult, StoreTx};

// ---------------------------------------------------------------------------
// 8. stock race
// ---------------------------------------------------------------------------

pub async fn stock_race<S: Harness>(store: Arc<S>) {
    const TASKS: usize = 200;
    const STOCK: i64 = 10;
    const COST: i64 = 7;
    const FUNDS: i64 = 10_000;
    let program = new_program(&*store).await;
    let p = program.id.clone();
    let customer = new_customer(&*store, &p).await;
    fund(&*store, &p, &customer.id, FUNDS).await;
    let mut tx = store.begin(None).await.expect("begin");
    let prize = tx.insert_reward(&p, &reward("limited edition", COST, Some(STOCK))).await.expect("insert_reward");
    tx.commit().await.expect("commit");

    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (store, barrier, customer_id, reward_id) =
                (store.clone(), barrier.clone(), customer.id.clone(), prize.id.clone());
            let lock = KeyLock { program_id: p.clone(), key: unique("key") };
            let retention = program.settings.idempotency_retention_hours;
            tokio::spawn(async move {
                barrier.wait().await;
                retry_unavailable(|| redeem_one(&*store, &lock, &customer_id, &reward_id, retention)).await
            })
        })
        .collect();
    let outcomes: Vec<Redeem> =
        futures::future::join_all(tasks).await.into_iter().map(|r| r.expect("task panicked")).collect();

    let redeemed = outcomes.iter().filter(|&&o| o == Redeem::Redeemed).count();
    assert_eq!(redeemed, STOCK as usize, "exactly the stock is redeemed, never more");
    assert_eq!(outcomes.len() - redeemed, TASKS - STOCK as usize, "everyone else is told it is out of stock");
    let left = store.reward(&p, &prize.id).await.expect("reward").expect("reward exists");
    assert_eq!(left.stock, Some(0));

    let balance = store.balance(&p, &customer.id).await.expect("balance").expect("customer exists");
    assert_eq!(balance.available, FUNDS - STOCK * COST, "exactly the redeemed units were paid for");
    assert_eq!(balance.lifetime_spent, STOCK * COST);
    assert_eq!(balance.pending, STOCK * COST, "points held by the pending redemptions");
    let redemptions = store.redemptions(&p, &customer.id, &page(100)).await.expect("redemptions");
    assert_eq!(redemptions.len(), STOCK as usize, "one redemption per unit");
    assert!(redemptions.iter().all(|r| r.status == RedemptionStatus::Pending && r.points_spent == COST));
    let ledger = store.ledger(&p, &customer.id, &page(100)).await.expect("ledger");
    assert_eq!(ledger.len(), 1 + STOCK as usize, "the funding entry plus one per redemption");
    assert!(store.verify(Some(&p)).await.expect("verify").is_empty(), "no invariant broke under the race");
}

// ---------------------------------------------------------------------------
// 17. redemption lifecycle
// ---------------------------------------------------------------------------

pub async fn redemption_lifecycle<S: Harness>(store: Arc<S>) {
    let program = new_program(&*store).await;
    let other = new_program(&*store).await;
    let (p, o) = (program.id.as_str(), other.id.as_str());
    let customer = new_customer(&*store, p).await;
    let c = customer.id.as_str();
    fund(&*store, p, c, 100).await;
    let mut tx = store.begin(None).await.expect("begin");
    let finite = tx.insert_reward(p, &reward("mug", 10, Some(5))).await.expect("insert_reward");
    let unlimited = tx.insert_reward(p, &reward("voucher", 10, None)).await.expect("insert_reward");
    tx.commit().await.expect("commit");

    let first = redeem_reward(&*store, p, c, &finite, 2, None).await;
    let second = redeem_reward(&*store, p, c, &finite, 2, None).await;
    let third = redeem_reward(&*store, p, c, &unlimited, 1, None).await;
    assert_eq!(stock_of(&*store, p, &finite.id).await, Some(1));
    let balance = store.balance(p, c).await.expect("balance").expect("exists");
    assert_eq!((balance.available, balance.pending), (50, 50), "three pending redemptions hold 50 points");

    // Pending → fulfilled, once.
    let mut tx = store.begin(None).await.expect("begin");
    let across =
        tx.move_redemption(o, Move::new(&first.id, RedemptionStatus::Pending, RedemptionStatus::Fulfilled)).await;
    assert!(across.expect("move_redemption").is_none(), "scoped by program");
    let done = tx
        .move_redemption(p, Move::new(&first.id, RedemptionStatus::Pending, RedemptionStatus::Fulfilled))
        .await
        .expect("move_redemption")
        .expect("a pending redemption is fulfilled");
    assert_eq!(done, Redemption { status: RedemptionStatus::Fulfilled, ..first.clone() }, "only the status changes");
    let again =
        tx.move_redemption(p, Move::new(&first.id, RedemptionStatus::Pending, RedemptionStatus::Fulfilled)).await;
    assert!(again.expect("move_redemption").is_none(), "a redemption is fulfilled once");
    let cancel =
        tx.move_redemption(p, Move::new(&first.id, RedemptionStatus::Pending, RedemptionStatus::Cancelled)).await;
    assert!(cancel.expect("move_redemption").is_none(), "a fulfilled redemption is not pending any more");
    assert_eq!(tx.redemption(p, &first.id).await.expect("redemption").as_ref(), Some(&done));
    assert!(tx.redemption(o, &first.id).await.expect("redemption").is_none(), "scoped by program");
    tx.commit().await.expect("commit");
    assert_eq!(store.redemption(p, &first.id).await.expect("redemption").as_ref(), Some(&done));
    assert_eq!(store.balance(p, c).await.expect("balance").expect("exists").pending, 30, "fulfilled is not pending");

    // A transition in a transaction that is dropped never happened.
    let mut tx = store.begin(None).await.expect("begin");
    let cancelled =
        tx.move_redemption(p, Move::new(&second.id, RedemptionStatus::Pending, RedemptionStatus::Cancelled)).await;
    assert!(cancelled.expect("move_redemption").is_some());
    tx.return_stock(p, &finite.id, 2).await.expect("return_stock");
    drop(tx);
    assert_eq!(
        store.redemption(p, &second.id).await.expect("redemption").map(|r| r.status),
        Some(RedemptionStatus::Pending)
    );
    assert_eq!(stock_of(&*store, p, &finite.id).await, Some(1), "a rolled-back return must not stay");

    // Pending → cancelled: the units go back to finite stock and the points to the customer.
    let mut tx = store.begin(None).await.expect("begin");
    let cancelled = tx
        .move_redemption(p, Move::new(&second.id, RedemptionStatus::Pending, RedemptionStatus::Cancelled))
        .await
        .expect("move_redemption")
        .expect("a pending redemption is cancelled");
    assert_eq!(cancelled.status, RedemptionStatus::Cancelled);
    tx.return_stock(p, &finite.id, second.quantity).await.expect("return_stock");
    tx.return_stock(o, &finite.id, 100).await.expect("return_stock through another program is a no-op");
    refund(&mut *tx, p, &second).await;
    let fulfil =
        tx.move_redemption(p, Move::new(&second.id, RedemptionStatus::Pending, RedemptionStatus::Fulfilled)).await;
    assert!(fulfil.expect("move_redemption").is_none(), "a cancelled redemption cannot be fulfilled");
    assert_eq!(tx.reward(p, &finite.id).await.expect("reward").and_then(|r| r.stock), Some(3), "seen in the tx");
    tx.commit().await.expect("commit");
    assert_eq!(stock_of(&*store, p, &finite.id).await, Some(3), "the cancelled units are back, and only they");

    // Returning to unlimited stock leaves it unlimited.
    let mut tx = store.begin(None).await.expect("begin");
    tx.move_redemption(p, Move::new(&third.id, RedemptionStatus::Pending, RedemptionStatus::Cancelled))
        .await
        .expect("move_redemption")
        .expect("cancelled");
    tx.return_stock(p, &unlimited.id, third.quantity).await.expect("return_stock");
    refund(&mut *tx, p, &third).await;
    tx.commit().await.expect("commit");
    assert_eq!(stock_of(&*store, p, &unlimited.id).await, None, "unlimited stays unlimited");
    let balance = store.balance(p, c).await.expect("balance").expect("exists");
    assert_eq!((balance.available, balance.pending), (80, 0), "the cancelled redemptions' points came back");
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "fulfilled and cancelled redemptions are healthy");

    // verify checks each redemption's entries: a cancel whose points were not returned shows.
    let fourth = redeem_reward(&*store, p, c, &finite, 1, None).await;
    let mut tx = store.begin(None).await.expect("begin");
    tx.move_redemption(p, Move::new(&fourth.id, RedemptionStatus::Pending, RedemptionStatus::Cancelled))
        .await
        .expect("move_redemption")
        .expect("cancelled");
    tx.return_stock(p, &finite.id, 1).await.expect("return_stock");
    tx.commit().await.expect("commit");
    let found = store.verify(Some(p)).await.expect("verify");
    assert_eq!(found.len(), 1, "exactly the unrefunded redemption is reported: {found:?}");
    assert!(
        found[0].subject.contains(&fourth.id) || found[0].problem.contains(&fourth.id),
        "the violation names the redemption: {found:?}"
    );
    let mut tx = store.begin(None).await.expect("begin");
    refund(&mut *tx, p, &fourth).await;
    tx.commit().await.expect("commit");
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "the refund repairs it");
    assert_eq!(stock_of(&*store, p, &finite.id).await, Some(3));
}

/// Takes stock, debits, records the redemption and its ledger entry, and commits.
pub(super) async fn redeem_reward<S: Store>(
    store: &S,
    program_id: &str,
    customer_id: &str,
    reward: &Reward,
    quantity: i64,
    coupon_code: Option<&str>,
) -> Redemption {
    let cost = reward.cost_points * quantity;
    let mut tx = store.begin(None).await.expect("begin");
    assert!(tx.take_stock(program_id, &reward.id, quantity).await.expect("take_stock"), "the reward is in stock");
    let balance = tx.debit(program_id, customer_id, cost).await.expect("debit").expect("the balance covers it");
    let wanted = NewRedemption {
        customer_id: customer_id.to_owned(),
        reward_id: reward.id.clone(),
        quantity,
        points_spent: cost,
        coupon_code: coupon_code.map(str::to_owned),
        idempotency: None,
    };
    let redemption = tx.insert_redemption(program_id, &wanted).await.expect("insert_redemption");
    let spent = NewLedgerEntry {
        redemption_id: Some(redemption.id.clone()),
        ..entry(customer_id, -cost, balance, LedgerOperation::Redeem)
    };
    tx.insert_ledger_entry(program_id, &spent).await.expect("ledger entry");
    tx.commit().await.expect("commit");
    redemption
}

/// Returns a redemption's points with their ledger entry, as a cancel does.
pub(super) async fn refund(tx: &mut dyn StoreTx, program_id: &str, redemption: &Redemption) {
    let (customer_id, points) = (redemption.customer_id.as_str(), redemption.points_spent);
    let balance = tx.credit(program_id, customer_id, points).await.expect("credit").expect("credited");
    let returned = NewLedgerEntry {
        redemption_id: Some(redemption.id.clone()),
        ..entry(customer_id, points, balance, LedgerOperation::Refund)
    };
    tx.insert_ledger_entry(program_id, &returned).await.expect("ledger entry");
}

pub(super) async fn stock_of<S: Store>(store: &S, program_id: &str, reward_id: &str) -> Option<i64> {
    store.reward(program_id, reward_id).await.expect("reward").expect("the reward exists").stock
}

// ---------------------------------------------------------------------------
// 18. coupons
// ---------------------------------------------------------------------------

pub async fn coupons<S: Harness>(store: Arc<S>) {
    let Tenants { program, other, customer, their_customer } = tenants(&*store).await;
    let (p, o, c) = (program.id.as_str(), other.id.as_str(), customer.id.as_str());
    fund(&*store, p, c, 100).await;
    fund(&*store, o, &their_customer.id, 100).await;
    let mut tx = store.begin(None).await.expect("begin");
    let voucher = tx.insert_reward(p, &reward("voucher", 10, None)).await.expect("insert_reward");
    let their_voucher = tx.insert_reward(o, &reward("voucher", 10, None)).await.expect("insert_reward");
    tx.commit().await.expect("commit");

    let code = unique("CPN");
    let redemption = redeem_reward(&*store, p, c, &voucher, 1, Some(&code)).await;
    assert_eq!(redemption.coupon_code.as_deref(), Some(code.as_str()), "the redemption names its coupon");
    let mut tx = store.begin(None).await.expect("begin");
    let coupon = tx.insert_coupon(p, &new_coupon(&code, &redemption)).await.expect("insert_coupon");
    assert_eq!(
        (&coupon.code, &coupon.redemption_id, &coupon.customer_id, &coupon.reward_id),
        (&code, &redemption.id, &customer.id, &voucher.id),
        "insert_coupon returns what it stored"
    );
    assert_eq!((coupon.status, coupon.redeemed_at), (CouponStatus::Active, None), "a new coupon is active");
    assert_eq!(tx.coupon(p, &code).await.expect("coupon").as_ref(), Some(&coupon), "readable in its transaction");
    assert!(tx.coupon(o, &code).await.expect("coupon").is_none(), "scoped by program");
    assert!(store.coupon(p, &code).await.expect("coupon").is_none(), "an uncommitted coupon is invisible to others");
    tx.commit().await.expect("commit");
    assert_eq!(store.coupon(p, &code).await.expect("coupon").as_ref(), Some(&coupon), "the coupon round-trips");
    assert!(store.coupon(o, &code).await.expect("coupon").is_none(), "scoped by program");
    assert!(store.coupon(p, &unique("CPN")).await.expect("coupon").is_none(), "an unknown code");

    // Active → redeemed, once.
    let mut tx = store.begin(None).await.expect("begin");
    let across = tx.move_coupon(o, Move::new(&code, CouponStatus::Active, CouponStatus::Redeemed)).await;
    assert!(across.expect("move_coupon").is_none(), "another program cannot redeem our coupon");
    let redeemed = tx
        .move_coupon(p, Move::new(&code, CouponStatus::Active, CouponStatus::Redeemed))
        .await
        .expect("move_coupon")
        .expect("an active coupon is redeemed");
    let redeemed_at = redeemed.redeemed_at.expect("a redeemed coupon records when");
    assert!(redeemed_at >= coupon.created_at, "redeemed after it was made");
    assert_eq!(
        redeemed,
        Coupon { status: CouponStatus::Redeemed, redeemed_at: Some(redeemed_at), ..coupon.clone() },
        "only the status and redeemed_at change"
    );
    let again = tx.move_coupon(p, Move::new(&code, CouponStatus::Active, CouponStatus::Redeemed)).await;
    assert!(again.expect("move_coupon").is_none(), "a coupon is single-use");
    let void = tx.move_coupon(p, Move::new(&code, CouponStatus::Active, CouponStatus::Void)).await;
    assert!(void.expect("move_coupon").is_none(), "a redeemed coupon is not active any more");
    assert_eq!(tx.coupon(p, &code).await.expect("coupon").as_ref(), Some(&redeemed));
    tx.commit().await.expect("commit");
    assert_eq!(store.coupon(p, &code).await.expect("coupon").as_ref(), Some(&redeemed));

    // Active → void (its redemption was cancelled): never redeemable afterwards.
    let code2 = unique("CPN");
    let second = redeem_reward(&*store, p, c, &voucher, 1, Some(&code2)).await;
    let mut tx = store.begin(None).await.expect("begin");
    let coupon2 = tx.insert_coupon(p, &new_coupon(&code2, &second)).await.expect("insert_coupon");
    tx.commit().await.expect("commit");
    let mut tx = store.begin(None).await.expect("begin");
    let voided = tx
        .move_coupon(p, Move::new(&code2, CouponStatus::Active, CouponStatus::Void))
        .await
        .expect("move_coupon")
        .expect("an active coupon can be voided");
    assert_eq!(voided, Coupon { status: CouponStatus::Void, ..coupon2.clone() }, "voiding sets no redeemed_at");
    let late = tx.move_coupon(p, Move::new(&code2, CouponStatus::Active, CouponStatus::Redeemed)).await;
    assert!(late.expect("move_coupon").is_none(), "a void coupon cannot be redeemed");
    tx.commit().await.expect("commit");
    assert_eq!(store.coupon(p, &code2).await.expect("coupon").as_ref(), Some(&voided));

    // Codes are unique, across programs too.
    let third = redeem_reward(&*store, p, c, &voucher, 1, None).await;
    let mut tx = store.begin(None).await.expect("begin");
    let reused = tx.insert_coupon(p, &new_coupon(&code, &third)).await;
    assert!(matches!(reused, Err(StoreError::Conflict(_))), "a code already in use: {reused:?}");
    drop(tx);
    let theirs = redeem_reward(&*store, o, &their_customer.id, &their_voucher, 1, None).await;
    let mut tx = store.begin(None).await.expect("begin");
    let reused = tx.insert_coupon(o, &new_coupon(&code, &theirs)).await;
    assert!(matches!(reused, Err(StoreError::Conflict(_))), "a code in use by another program: {reused:?}");
    drop(tx);
    assert!(store.coupon(o, &code).await.expect("coupon").is_none(), "the refused coupon left nothing");
    assert_eq!(store.coupon(p, &code).await.expect("coupon").as_ref(), Some(&redeemed), "ours is untouched");

    // A coupon inserted in a transaction that is dropped never existed.
    let code3 = unique("CPN");
    let mut tx = store.begin(None).await.expect("begin");
    tx.insert_coupon(p, &new_coupon(&code3, &third)).await.expect("insert_coupon");
    drop(tx);
    assert!(store.coupon(p, &code3).await.expect("coupon").is_none(), "a rolled-back coupon must not stay");
}

pub(super) fn new_coupon(code: &str, redemption: &Redemption) -> NewCoupon {
    NewCoupon {
        code: code.to_owned(),
        redemption_id: redemption.id.clone(),
        customer_id: redemption.customer_id.clone(),
        reward_id: redemption.reward_id.clone(),
    }
}

// ---------------------------------------------------------------------------
// 19. coupon race
// ---------------------------------------------------------------------------

pub async fn coupon_race<S: Harness>(store: Arc<S>) {
    const TASKS: usize = 20;
    let program = new_program(&*store).await;
    let p = program.id.clone();
    let customer = new_customer(&*store, &p).await;
    fund(&*store, &p, &customer.id, 10).await;
    let mut tx = store.begin(None).await.expect("begin");
    let voucher = tx.insert_reward(&p, &reward("voucher", 10, None)).await.expect("insert_reward");
    tx.commit().await.expect("commit");
    let code = unique("CPN");
    let redemption = redeem_reward(&*store, &p, &customer.id, &voucher, 1, Some(&code)).await;
    let mut tx = store.begin(None).await.expect("begin");
    tx.insert_coupon(&p, &new_coupon(&code, &redemption)).await.expect("insert_coupon");
    tx.commit().await.expect("commit");

    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (store, barrier, p, code) = (store.clone(), barrier.clone(), p.clone(), code.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                retry_unavailable(|| redeem_coupon(&*store, &p, &code)).await
            })
        })
        .collect();
    let outcomes: Vec<bool> =
        futures::future::join_all(tasks).await.into_iter().map(|r| r.expect("task panicked")).collect();
    let redeemed = outcomes.iter().filter(|&&won| won).count();
    assert_eq!(redeemed, 1, "exactly one of {TASKS} concurrent redemptions of a coupon succeeds: {outcomes:?}");
    let coupon = store.coupon(&p, &code).await.expect("coupon").expect("the coupon exists");
    assert_eq!(coupon.status, CouponStatus::Redeemed);
    assert!(coupon.redeemed_at.is_some());
}

pub(super) async fn redeem_coupon<S: Store>(store: &S, program_id: &str, code: &str) -> StoreResult<bool> {
    let mut tx = store.begin(None).await?;
    let won = tx.move_coupon(program_id, Move::new(code, CouponStatus::Active, CouponStatus::Redeemed)).await?;
    tx.commit().await?;
    Ok(won.is_some())
}
