//! Cases 22–27: the whole writes (`crate::writes`), which a backend may run in
//! one call of its own: every outcome, the order of refusals, nothing left by
//! a refusal once rolled back, replays by key, and a receipt race.

use std::sync::Arc;

use tally_core::model::{
    Coupon, CouponStatus, LedgerOperation, Redemption, RedemptionStatus, RewardKind, Transaction, TransactionStatus,
    VoidPolicy,
};
use tokio::sync::Barrier;

use super::Harness;
use super::redemptions::stock_of;
use super::support::*;
use crate::{
    Adjust, AdjustRefusal, Adjusted, NewReward, Purchase, PurchaseRefusal, Purchased, Redeem, RedeemRefusal, Redeemed,
    ResourceKey, Settle, SettleRefusal, Settled, Store, StoreResult, UseCoupon, Void, VoidRefusal, Voided,
};

fn redeem(customer_id: &str, reward_id: &str, quantity: i64, key: Option<ResourceKey>) -> Redeem {
    Redeem {
        customer_id: customer_id.to_owned(),
        reward_id: reward_id.to_owned(),
        quantity,
        expected_points: None,
        coupon_code: unique("code"),
        idempotency: key,
    }
}

/// Runs `wanted` in a transaction of its own, committing only what was made.
async fn run_redeem<S: Store>(store: &S, program_id: &str, wanted: &Redeem) -> Redeemed {
    let mut tx = store.begin(None).await.expect("begin");
    let outcome = tx.redeem(program_id, wanted).await.expect("redeem");
    match &outcome {
        Redeemed::Created(_) => tx.commit().await.expect("commit"),
        _ => tx.rollback().await.expect("rollback"),
    }
    outcome
}

fn refusal(outcome: Redeemed) -> RedeemRefusal {
    match outcome {
        Redeemed::Refused(refusal) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// 22. whole redemptions
// ---------------------------------------------------------------------------

pub async fn whole_redemptions<S: Harness>(store: Arc<S>) {
    let Tenants { program, other, customer, their_customer } = tenants(&*store).await;
    let (p, o, c) = (program.id.as_str(), other.id.as_str(), customer.id.as_str());
    fund(&*store, p, c, 100).await;
    let mut tx = store.begin(None).await.expect("begin");
    let mug = tx.insert_reward(p, &reward("mug", 30, Some(2))).await.expect("insert_reward");
    let voucher = tx.insert_reward(p, &reward("voucher", 10, None)).await.expect("insert_reward");
    let retired = NewReward { active: false, ..reward("retired", 1, None) };
    let retired = tx.insert_reward(p, &retired).await.expect("insert_reward");
    let huge = tx.insert_reward(p, &reward("huge", i64::MAX / 2 + 1, None)).await.expect("insert_reward");
    let pricey = tx.insert_reward(p, &reward("pricey", 1000, Some(5))).await.expect("insert_reward");
    tx.commit().await.expect("commit");
    assert_eq!(voucher.kind, RewardKind::Voucher);

    // Made: stock, points, the redemption and its ledger entry.
    let key = keyed(&unique("key"), "fp-mug");
    let Redeemed::Created(made) = run_redeem(&*store, p, &redeem(c, &mug.id, 1, Some(key.clone()))).await else {
        panic!("a covered, in-stock redemption is made");
    };
    assert_eq!((made.points_spent, made.quantity, made.status), (30, 1, RedemptionStatus::Pending));
    assert_eq!(made.coupon_code, None, "an item has no coupon");
    assert_eq!(stock_of(&*store, p, &mug.id).await, Some(1));
    assert_eq!(balance_of(&*store, p, c).await.available, 70);
    let ledger = store.ledger(p, c, &page(10)).await.expect("ledger");
    assert_eq!(ledger[0].operation, LedgerOperation::Redeem);
    assert_eq!((ledger[0].points, ledger[0].balance_after), (-30, 70));
    assert_eq!(ledger[0].redemption_id.as_deref(), Some(made.id.as_str()));

    // The same key again: the redemption it made, with its fingerprint; nothing moves.
    let again = run_redeem(&*store, p, &redeem(c, &mug.id, 1, Some(key.clone()))).await;
    let Redeemed::Replayed(found) = again else { panic!("a known key replays, got {again:?}") };
    assert_eq!((found.resource.id.as_str(), found.fingerprint.as_str()), (made.id.as_str(), "fp-mug"));
    assert_eq!(balance_of(&*store, p, c).await.available, 70);
    assert_eq!(stock_of(&*store, p, &mug.id).await, Some(1));
    // The key belongs to this program only.
    let theirs = run_redeem(&*store, o, &redeem(&their_customer.id, &mug.id, 1, Some(key))).await;
    assert_eq!(refusal(theirs), RedeemRefusal::RewardNotFound, "another program's reward is not found");

    // A voucher comes with its active coupon.
    let Redeemed::Created(bought) = run_redeem(&*store, p, &redeem(c, &voucher.id, 2, None)).await else {
        panic!("a voucher redemption is made");
    };
    assert_eq!(bought.points_spent, 20);
    let code = bought.coupon_code.clone().expect("a voucher's redemption names its coupon");
    let coupon = store.coupon(p, &code).await.expect("coupon").expect("the coupon exists");
    assert_eq!((coupon.status, coupon.redemption_id.as_str()), (CouponStatus::Active, bought.id.as_str()));
    assert_eq!(balance_of(&*store, p, c).await.available, 50);

    // Refusals, in their order; each rolled back leaves nothing behind.
    let before = (balance_of(&*store, p, c).await, stock_of(&*store, p, &mug.id).await);
    let ledger_before = store.ledger(p, c, &page(100)).await.expect("ledger").len();
    let cases = [
        (redeem(c, "rwd_missing", 1, None), RedeemRefusal::RewardNotFound),
        (redeem("cus_missing", "rwd_missing", 1, None), RedeemRefusal::RewardNotFound),
        (redeem(c, &retired.id, 1, None), RedeemRefusal::RewardInactive),
        (redeem("cus_missing", &retired.id, 1, None), RedeemRefusal::RewardInactive),
        (redeem(c, &huge.id, 2, None), RedeemRefusal::CostOverflow),
        (
            Redeem { expected_points: Some(29), ..redeem(c, &mug.id, 1, None) },
            RedeemRefusal::PriceMismatch { expected: 29, cost: 30 },
        ),
        (redeem(c, &mug.id, 2, None), RedeemRefusal::OutOfStock),
        (redeem(c, &voucher.id, 6, None), RedeemRefusal::InsufficientPoints { cost: 60 }),
        (redeem(c, &pricey.id, 1, None), RedeemRefusal::InsufficientPoints { cost: 1000 }),
        // A missing customer is reported before anything about points or stock.
        (redeem("cus_missing", &huge.id, 2, None), RedeemRefusal::CustomerNotFound),
        (redeem("cus_missing", &mug.id, 2, None), RedeemRefusal::CustomerNotFound),
        (redeem("cus_missing", &mug.id, 1, None), RedeemRefusal::CustomerNotFound),
        (redeem(&their_customer.id, &voucher.id, 1, None), RedeemRefusal::CustomerNotFound),
    ];
    for (wanted, expected) in cases {
        assert_eq!(refusal(run_redeem(&*store, p, &wanted).await), expected, "{wanted:?}");
    }
    assert_eq!((balance_of(&*store, p, c).await, stock_of(&*store, p, &mug.id).await), before);
    assert_eq!(store.ledger(p, c, &page(100)).await.expect("ledger").len(), ledger_before, "refusals wrote nothing");
    // The stock a refused redemption took (the debit failed after it) is back.
    assert_eq!(stock_of(&*store, p, &pricey.id).await, Some(5));
    let Redeemed::Created(_) = run_redeem(&*store, p, &redeem(c, &mug.id, 1, None)).await else {
        panic!("the unit a refusal did not keep is still there");
    };
    assert!(store.verify(Some(p)).await.expect("verify").is_empty());
}

// ---------------------------------------------------------------------------
// 23. whole purchases
// ---------------------------------------------------------------------------

fn purchase(customer_id: &str, cents: i64, external_id: Option<&str>, key: Option<ResourceKey>) -> Purchase {
    Purchase {
        customer_id: customer_id.to_owned(),
        spend_amount_cents: cents,
        currency: "EUR".into(),
        external_id: external_id.map(str::to_owned),
        points: None,
        idempotency: key,
    }
}

async fn run_purchase<S: Store>(store: &S, program_id: &str, wanted: &Purchase) -> StoreResult<Purchased> {
    let mut tx = store.begin(None).await?;
    let outcome = tx.record_purchase(program_id, wanted).await?;
    match &outcome {
        Purchased::Created(_) => tx.commit().await?,
        _ => tx.rollback().await?,
    }
    Ok(outcome)
}

pub async fn whole_purchases<S: Harness>(store: Arc<S>) {
    let Tenants { program, other, customer, their_customer } = tenants(&*store).await;
    let (p, o, c) = (program.id.as_str(), other.id.as_str(), customer.id.as_str());
    let rate = program.settings.points_per_currency_unit;

    // Earned by the program's rule, rounded down, with its lot and ledger entry.
    let key = keyed(&unique("key"), "fp-receipt");
    let receipt = unique("receipt");
    let first = purchase(c, 1999, Some(&receipt), Some(key.clone()));
    let Ok(Purchased::Created(made)) = run_purchase(&*store, p, &first).await else {
        panic!("a purchase of a known customer is recorded");
    };
    let earned = 1999 * rate / 100;
    assert_eq!((made.points, made.spend_amount_cents, made.currency.as_str()), (earned, 1999, "EUR"));
    assert_eq!(balance_of(&*store, p, c).await.available, earned);
    let ledger = store.ledger(p, c, &page(10)).await.expect("ledger");
    assert_eq!((ledger.len(), ledger[0].operation, ledger[0].points), (1, LedgerOperation::Earn, earned));
    assert_eq!(ledger[0].transaction_id.as_deref(), Some(made.id.as_str()));

    // The same key: the purchase it made. The same receipt under another key: the first purchase.
    let Ok(Purchased::Replayed(found)) = run_purchase(&*store, p, &first).await else { panic!("a known key replays") };
    assert_eq!((found.resource.id.as_str(), found.fingerprint.as_str()), (made.id.as_str(), "fp-receipt"));
    let other_key = purchase(c, 1999, Some(&receipt), Some(keyed(&unique("key"), "fp-2")));
    let Ok(Purchased::Existing(existing)) = run_purchase(&*store, p, &other_key).await else {
        panic!("a receipt recorded before answers with the first purchase");
    };
    assert_eq!(existing.id, made.id);
    assert_eq!(balance_of(&*store, p, c).await.available, earned, "neither earned again");

    // Points given by the caller win over the rule.
    let given = Purchase { points: Some(7), ..purchase(c, 100_000, None, None) };
    let Ok(Purchased::Created(promo)) = run_purchase(&*store, p, &given).await else { panic!("recorded") };
    assert_eq!(promo.points, 7);

    // Refusals change nothing.
    let before = balance_of(&*store, p, c).await;
    let missing = run_purchase(&*store, p, &purchase("cus_missing", 100, None, None)).await.expect("purchase");
    assert!(matches!(missing, Purchased::Refused(PurchaseRefusal::CustomerNotFound)), "{missing:?}");
    let theirs = run_purchase(&*store, p, &purchase(&their_customer.id, 100, None, None)).await.expect("purchase");
    assert!(matches!(theirs, Purchased::Refused(PurchaseRefusal::CustomerNotFound)), "{theirs:?}");
    let mut tx = store.begin(None).await.expect("begin");
    let patch = crate::ProgramPatch { points_per_currency_unit: Some(1_000_000), ..Default::default() };
    tx.patch_program(o, &patch).await.expect("patch_program").expect("the program exists");
    tx.commit().await.expect("commit");
    let rich = purchase(&their_customer.id, i64::MAX / 1000, None, None);
    let overflow = run_purchase(&*store, o, &rich).await.expect("purchase");
    assert!(matches!(overflow, Purchased::Refused(PurchaseRefusal::EarningOverflow)), "{overflow:?}");
    let top = Purchase { points: Some(i64::MAX), ..purchase(c, 100, None, None) };
    let full = run_purchase(&*store, p, &top).await.expect("purchase");
    assert!(matches!(full, Purchased::Refused(PurchaseRefusal::BalanceOverflow)), "{full:?}");
    assert_eq!(balance_of(&*store, p, c).await, before);
    assert_eq!(balance_of(&*store, o, &their_customer.id).await.available, 0);
    assert!(store.verify(Some(p)).await.expect("verify").is_empty());
    assert!(store.verify(Some(o)).await.expect("verify").is_empty());
}

// ---------------------------------------------------------------------------
// 24. receipt race: one receipt from many transactions at once
// ---------------------------------------------------------------------------

pub async fn receipt_race<S: Harness>(store: Arc<S>) {
    const TASKS: usize = 20;
    let program = new_program(&*store).await;
    let customer = new_customer(&*store, &program.id).await;
    let receipt = unique("receipt");
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            let wanted = purchase(&customer.id, 5000, Some(&receipt), Some(keyed(&unique("key"), "fp")));
            let p = program.id.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                retry_unavailable(|| run_purchase(&*store, &p, &wanted)).await
            })
        })
        .collect();
    let outcomes = futures::future::join_all(tasks).await;
    let mut ids = Vec::new();
    let mut created = 0;
    for outcome in outcomes {
        match outcome.expect("task panicked") {
            Purchased::Created(t) => {
                created += 1;
                ids.push(t.id);
            }
            Purchased::Existing(t) => ids.push(t.id),
            other => panic!("each attempt records the receipt or finds it: {other:?}"),
        }
    }
    ids.sort();
    ids.dedup();
    assert_eq!(created, 1, "one receipt is recorded once");
    assert_eq!(ids.len(), 1, "every attempt answers with the one purchase");
    let earned = 5000 * program.settings.points_per_currency_unit / 100;
    assert_eq!(balance_of(&*store, &program.id, &customer.id).await.available, earned, "earned once");
    assert!(store.verify(Some(&program.id)).await.expect("verify").is_empty());
}

// ---------------------------------------------------------------------------
// 25. whole adjustments
// ---------------------------------------------------------------------------

async fn run_adjust<S: Store>(store: &S, program_id: &str, wanted: &Adjust) -> Adjusted {
    let mut tx = store.begin(None).await.expect("begin");
    let outcome = tx.adjust(program_id, wanted).await.expect("adjust");
    match &outcome {
        Adjusted::Created(_) => tx.commit().await.expect("commit"),
        _ => tx.rollback().await.expect("rollback"),
    }
    outcome
}

pub async fn whole_adjustments<S: Harness>(store: Arc<S>) {
    let Tenants { program, customer, their_customer, .. } = tenants(&*store).await;
    let (p, c) = (program.id.as_str(), customer.id.as_str());
    let token = store.create_token(p, &unique("hash")).await.expect("create_token");
    let adjust = |customer_id: &str, points: i64, key: Option<ResourceKey>| Adjust {
        customer_id: customer_id.to_owned(),
        points,
        reason: "goodwill".into(),
        token_id: token.clone(),
        qualifying: false,
        idempotency: key,
    };

    let key = keyed(&unique("key"), "fp-adjust");
    let Adjusted::Created(credit) = run_adjust(&*store, p, &adjust(c, 40, Some(key.clone()))).await else {
        panic!("a credit is made");
    };
    assert_eq!((credit.points, credit.balance_after, credit.operation), (40, 40, LedgerOperation::Adjustment));
    assert_eq!((credit.reason.as_deref(), credit.token_id.as_deref()), (Some("goodwill"), Some(token.as_str())));
    let again = run_adjust(&*store, p, &adjust(c, 40, Some(key))).await;
    let Adjusted::Replayed(found) = again else { panic!("a known key replays, got {again:?}") };
    assert_eq!((&found.resource, found.fingerprint.as_str()), (&credit, "fp-adjust"));
    let Adjusted::Created(debit) = run_adjust(&*store, p, &adjust(c, -15, None)).await else {
        panic!("a covered debit is made");
    };
    assert_eq!((debit.points, debit.balance_after), (-15, 25));

    let before = balance_of(&*store, p, c).await;
    for (wanted, expected) in [
        (adjust(c, -26, None), AdjustRefusal::InsufficientPoints),
        (adjust(c, i64::MAX, None), AdjustRefusal::BalanceOverflow),
        (adjust("cus_missing", 5, None), AdjustRefusal::CustomerNotFound),
        (adjust(&their_customer.id, 5, None), AdjustRefusal::CustomerNotFound),
    ] {
        let outcome = run_adjust(&*store, p, &wanted).await;
        assert!(matches!(outcome, Adjusted::Refused(r) if r == expected), "{wanted:?}: {outcome:?}");
    }
    assert_eq!(balance_of(&*store, p, c).await, before, "refusals change nothing");
    assert_eq!(store.ledger(p, c, &page(10)).await.expect("ledger").len(), 2);
    assert!(store.verify(Some(p)).await.expect("verify").is_empty());
}

// ---------------------------------------------------------------------------
// 26. whole voids
// ---------------------------------------------------------------------------

async fn run_void<S: Store>(store: &S, program_id: &str, wanted: &Void) -> Voided {
    let mut tx = store.begin(None).await.expect("begin");
    let outcome = tx.void(program_id, wanted).await.expect("void");
    match &outcome {
        Voided::Changed(_) => tx.commit().await.expect("commit"),
        _ => tx.rollback().await.expect("rollback"),
    }
    outcome
}

/// A purchase of `points` points for `cents`, recorded through the whole write.
async fn bought<S: Store>(store: &S, program_id: &str, customer_id: &str, cents: i64, points: i64) -> Transaction {
    let wanted = Purchase { points: Some(points), ..purchase(customer_id, cents, None, None) };
    match run_purchase(store, program_id, &wanted).await.expect("purchase") {
        Purchased::Created(txn) => txn,
        other => panic!("a purchase is recorded: {other:?}"),
    }
}

pub async fn whole_voids<S: Harness>(store: Arc<S>) {
    let Tenants { program, other, customer, .. } = tenants(&*store).await;
    let (p, c) = (program.id.as_str(), customer.id.as_str());
    let txn = bought(&*store, p, c, 5000, 51).await;

    // A keyed partial void takes its share, rounded down, and keeps the key.
    let key = keyed(&unique("key"), "fp-void");
    let half = run_void(&*store, p, &void(&txn.id, Some(2500), Some(key.clone()))).await;
    let Voided::Changed(after) = half else { panic!("half of the purchase is voided, got {half:?}") };
    assert_eq!((after.voided_amount_cents, after.voided_points), (2500, 25));
    assert_eq!(after.status, TransactionStatus::PartiallyVoided);
    assert_eq!(balance_of(&*store, p, c).await.available, 26);
    let again = run_void(&*store, p, &void(&txn.id, Some(2500), Some(key.clone()))).await;
    let Voided::Replayed(found) = again else { panic!("a known key replays, got {again:?}") };
    assert_eq!((found.resource.voided_points, found.fingerprint.as_str()), (25, "fp-void"));
    assert_eq!(balance_of(&*store, p, c).await.available, 26, "a replay takes nothing");

    // A key that made something else is not a void's.
    let token = store.create_token(p, &unique("hash")).await.expect("create_token");
    let adjusted = keyed(&unique("key"), "fp-adjust");
    let credit = Adjust {
        customer_id: c.to_owned(),
        points: 1,
        reason: "r".into(),
        token_id: token,
        qualifying: false,
        idempotency: Some(adjusted.clone()),
    };
    assert!(matches!(run_adjust(&*store, p, &credit).await, Adjusted::Created(_)));
    let elsewhere = run_void(&*store, p, &void(&txn.id, Some(100), Some(adjusted))).await;
    assert!(matches!(elsewhere, Voided::Refused(VoidRefusal::KeyUsedElsewhere)), "{elsewhere:?}");

    // Refusals: too much, not found, another program's purchase.
    let too_much = run_void(&*store, p, &void(&txn.id, Some(2501), None)).await;
    assert!(matches!(too_much, Voided::Refused(VoidRefusal::ExceedsPurchase { left_cents: 2500 })), "{too_much:?}");
    let missing = run_void(&*store, p, &void("txn_missing", None, None)).await;
    assert!(matches!(missing, Voided::Refused(VoidRefusal::TransactionNotFound)), "{missing:?}");
    let theirs = run_void(&*store, &other.id, &void(&txn.id, None, None)).await;
    assert!(matches!(theirs, Voided::Refused(VoidRefusal::TransactionNotFound)), "{theirs:?}");

    // The rest: every point the purchase earned is back out, once.
    let Voided::Changed(full) = run_void(&*store, p, &void(&txn.id, None, None)).await else {
        panic!("the rest is voided");
    };
    assert_eq!((full.status, full.voided_amount_cents, full.voided_points), (TransactionStatus::Voided, 5000, 51));
    assert_eq!(balance_of(&*store, p, c).await.available, 1, "51 earned, 51 voided, the adjustment's 1 left");
    let twice = run_void(&*store, p, &void(&txn.id, None, None)).await;
    assert!(matches!(twice, Voided::Refused(VoidRefusal::AlreadyVoided)), "{twice:?}");

    // Spent points under `reject`: refused, nothing changed.
    let spent = bought(&*store, p, c, 1000, 10).await;
    spend(&*store, p, c, 11).await;
    let refused = run_void(&*store, p, &void(&spent.id, None, None)).await;
    assert!(matches!(refused, Voided::Refused(VoidRefusal::InsufficientPoints { points: 10 })), "{refused:?}");
    let unchanged = store.transaction(p, &spent.id).await.expect("transaction").expect("exists");
    assert_eq!((unchanged.status, unchanged.voided_points), (TransactionStatus::Completed, 0));
    assert!(store.verify(Some(p)).await.expect("verify").is_empty());

    // Under `allow_negative` the balance may go below zero.
    let lenient = program_with(&*store, None, VoidPolicy::AllowNegative).await;
    let debtor = new_customer(&*store, &lenient.id).await;
    let gone = bought(&*store, &lenient.id, &debtor.id, 1000, 10).await;
    spend(&*store, &lenient.id, &debtor.id, 10).await;
    assert!(matches!(run_void(&*store, &lenient.id, &void(&gone.id, None, None)).await, Voided::Changed(_)));
    assert_eq!(balance_of(&*store, &lenient.id, &debtor.id).await.available, -10);
    assert!(store.verify(Some(&lenient.id)).await.expect("verify").is_empty());
}

// ---------------------------------------------------------------------------
// 27. whole settles: fulfil, cancel, a coupon used (and raced)
// ---------------------------------------------------------------------------

async fn run_settle<S: Store>(store: &S, program_id: &str, wanted: &Settle) -> Settled<Redemption> {
    let mut tx = store.begin(None).await.expect("begin");
    let outcome = tx.settle(program_id, wanted).await.expect("settle");
    match &outcome {
        Settled::Changed(_) => tx.commit().await.expect("commit"),
        _ => tx.rollback().await.expect("rollback"),
    }
    outcome
}

async fn run_use<S: Store>(store: &S, program_id: &str, wanted: &UseCoupon) -> StoreResult<Settled<Coupon>> {
    let mut tx = store.begin(None).await?;
    let outcome = tx.use_coupon(program_id, wanted).await?;
    match &outcome {
        Settled::Changed(_) => tx.commit().await?,
        _ => tx.rollback().await?,
    }
    Ok(outcome)
}

fn settle(redemption_id: &str, to: RedemptionStatus, key: Option<ResourceKey>) -> Settle {
    Settle { redemption_id: redemption_id.to_owned(), to, idempotency: key }
}

fn refused<T: std::fmt::Debug>(outcome: Settled<T>) -> SettleRefusal {
    match outcome {
        Settled::Refused(refusal) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

pub async fn whole_settles<S: Harness>(store: Arc<S>) {
    let Tenants { program, other, customer, .. } = tenants(&*store).await;
    let (p, c) = (program.id.as_str(), customer.id.as_str());
    fund(&*store, p, c, 100).await;
    let mut tx = store.begin(None).await.expect("begin");
    let mug = tx.insert_reward(p, &reward("mug", 10, Some(5))).await.expect("insert_reward");
    let voucher = tx.insert_reward(p, &reward("voucher", 10, None)).await.expect("insert_reward");
    tx.commit().await.expect("commit");
    let made = |reward_id: &str| {
        let (store, wanted) = (store.clone(), redeem(c, reward_id, 1, None));
        async move {
            match run_redeem(&*store, p, &wanted).await {
                Redeemed::Created(redemption) => redemption,
                other => panic!("a redemption is made: {other:?}"),
            }
        }
    };
    let (fulfilled, cancelled) = (made(&mug.id).await, made(&mug.id).await);
    assert_eq!((stock_of(&*store, p, &mug.id).await, balance_of(&*store, p, c).await.available), (Some(3), 80));

    // Fulfil, keyed; the same key again is a replay with the move's fingerprint.
    let key = keyed(&unique("key"), "fp-fulfil");
    let done = run_settle(&*store, p, &settle(&fulfilled.id, RedemptionStatus::Fulfilled, Some(key.clone()))).await;
    let Settled::Changed(done) = done else { panic!("a pending redemption is fulfilled, got {done:?}") };
    assert_eq!(done.status, RedemptionStatus::Fulfilled);
    let again = run_settle(&*store, p, &settle(&fulfilled.id, RedemptionStatus::Fulfilled, Some(key))).await;
    let Settled::Replayed(found) = again else { panic!("the key that moved it replays, got {again:?}") };
    assert_eq!((found.resource.status, found.fingerprint.as_str()), (RedemptionStatus::Fulfilled, "fp-fulfil"));

    // Cancel: stock and points back, with a refund entry.
    let back = run_settle(&*store, p, &settle(&cancelled.id, RedemptionStatus::Cancelled, None)).await;
    assert!(matches!(&back, Settled::Changed(r) if r.status == RedemptionStatus::Cancelled), "{back:?}");
    assert_eq!((stock_of(&*store, p, &mug.id).await, balance_of(&*store, p, c).await.available), (Some(4), 90));
    let ledger = store.ledger(p, c, &page(1)).await.expect("ledger");
    assert_eq!((ledger[0].operation, ledger[0].points), (LedgerOperation::Refund, 10));
    assert_eq!(ledger[0].redemption_id.as_deref(), Some(cancelled.id.as_str()));

    // Refusals.
    let cases = [
        (settle(&fulfilled.id, RedemptionStatus::Cancelled, None), SettleRefusal::AlreadyFulfilled),
        (
            settle(&fulfilled.id, RedemptionStatus::Fulfilled, Some(keyed("other", "f"))),
            SettleRefusal::AlreadyFulfilled,
        ),
        (settle(&cancelled.id, RedemptionStatus::Fulfilled, None), SettleRefusal::AlreadyCancelled),
        (settle("rdm_missing", RedemptionStatus::Fulfilled, None), SettleRefusal::RedemptionNotFound),
    ];
    for (wanted, expected) in cases {
        assert_eq!(refused(run_settle(&*store, p, &wanted).await), expected, "{wanted:?}");
    }
    let theirs = run_settle(&*store, &other.id, &settle(&fulfilled.id, RedemptionStatus::Cancelled, None)).await;
    assert_eq!(refused(theirs), SettleRefusal::RedemptionNotFound);

    // A voucher's coupon: used once, which fulfils its redemption; replayed by its key.
    let bought = made(&voucher.id).await;
    let code = bought.coupon_code.clone().expect("a voucher has a coupon");
    let key = keyed(&unique("key"), "fp-use");
    let wanted = UseCoupon { code: code.clone(), idempotency: Some(key.clone()) };
    let used = run_use(&*store, p, &wanted).await.expect("use");
    assert!(matches!(&used, Settled::Changed(c) if c.status == CouponStatus::Redeemed), "{used:?}");
    let redemption = store.redemption(p, &bought.id).await.expect("redemption").expect("exists");
    assert_eq!(redemption.status, RedemptionStatus::Fulfilled, "using the coupon fulfils its redemption");
    let again = run_use(&*store, p, &wanted).await.expect("use");
    let Settled::Replayed(found) = again else { panic!("the key that used it replays, got {again:?}") };
    assert_eq!(found.fingerprint, "fp-use");
    let other_key = UseCoupon { code: code.clone(), idempotency: Some(keyed("other", "f")) };
    assert_eq!(refused(run_use(&*store, p, &other_key).await.expect("use")), SettleRefusal::CouponRedeemed);
    let missing = UseCoupon { code: "NO-SUCH-CODE".into(), idempotency: None };
    assert_eq!(refused(run_use(&*store, p, &missing).await.expect("use")), SettleRefusal::CouponNotFound);
    // A cancelled voucher's coupon is void; a redeemed one's redemption cannot be cancelled.
    let dropped = made(&voucher.id).await;
    let dropped_code = dropped.coupon_code.clone().expect("a voucher has a coupon");
    assert!(matches!(
        run_settle(&*store, p, &settle(&dropped.id, RedemptionStatus::Cancelled, None)).await,
        Settled::Changed(_)
    ));
    let void = UseCoupon { code: dropped_code, idempotency: None };
    assert_eq!(refused(run_use(&*store, p, &void).await.expect("use")), SettleRefusal::CouponVoid);
    assert!(store.verify(Some(p)).await.expect("verify").is_empty());

    // Twenty tills use one coupon at once: one wins, the rest hear it was used.
    let raced = made(&voucher.id).await;
    let raced_code = raced.coupon_code.clone().expect("a voucher has a coupon");
    let barrier = Arc::new(Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, barrier, p) = (store.clone(), barrier.clone(), p.to_owned());
            let wanted = UseCoupon { code: raced_code.clone(), idempotency: Some(keyed(&unique("key"), "fp")) };
            tokio::spawn(async move {
                barrier.wait().await;
                retry_unavailable(|| run_use(&*store, &p, &wanted)).await
            })
        })
        .collect();
    let outcomes: Vec<_> = futures::future::join_all(tasks).await.into_iter().map(|r| r.expect("task")).collect();
    let winners = outcomes.iter().filter(|o| matches!(o, Settled::Changed(_))).count();
    assert_eq!(winners, 1, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|o| matches!(o, Settled::Changed(_) | Settled::Refused(SettleRefusal::CouponRedeemed)))
    );
    assert!(store.verify(Some(p)).await.expect("verify").is_empty());
}
