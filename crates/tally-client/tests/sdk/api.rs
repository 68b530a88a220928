//! Every route that exists on this server, through the typed SDK.

use tally_client::model::{
    CouponStatus, LedgerOperation, RedemptionStatus, RewardKind, Tier, TierChangeReason, TierPeriod, TransactionStatus,
};
use tally_client::{
    CustomerFilter, IntentState, NewAdjustment, NewCustomer, NewRedemption, NewReward, NewTransaction, PageParams,
    ProgramPatch, RewardPatch, V2Redeem, VoidTransaction,
};

use crate::backend_tests;
use crate::helpers::{Backend, spawn_server};

async fn typed_calls_cover_customers_transactions_rewards_redemptions_program_and_keys(backend: Backend) {
    let server = spawn_server(backend).await;
    let client = server.client().await;

    let created = client
        .upsert_customer(&NewCustomer { email: Some("Ada@Example.com".into()), name: Some("Ada".into()), phone: None })
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    assert!(!created.replayed);
    let ada = created.value;
    assert_eq!(ada.email.as_deref(), Some("ada@example.com"));
    let found = client.upsert_customer(&NewCustomer::email("ada@example.com")).await.unwrap();
    assert_eq!((found.status, &found.value.id), (200, &ada.id), "upsert by email finds her");
    assert_eq!(client.customer(&ada.id).await.unwrap(), ada);
    let by_email = CustomerFilter { email: Some("ADA@example.com".into()), phone: None };
    let filtered = client.customers(&by_email, &PageParams::default()).await.unwrap();
    assert_eq!(filtered.data, std::slice::from_ref(&ada));
    assert_eq!(client.customer_by_email("nobody@example.com").await.unwrap(), None);

    let mut purchase = NewTransaction::new(&ada.id, 25_99, "EUR");
    purchase.external_id = Some("POS-1".into());
    let txn = client.record_purchase(&purchase).await.unwrap();
    assert_eq!((txn.status, txn.value.points), (201, 25));
    let again = client.record_purchase(&purchase).await.unwrap();
    assert_eq!((again.status, &again.value.id), (200, &txn.value.id), "the external_id dedupes a new intent");
    assert_eq!(client.transaction(&txn.value.id).await.unwrap(), txn.value);

    let reward = client
        .create_reward(&NewReward { stock: Some(3), kind: Some(RewardKind::Item), ..NewReward::new("Mug", 10) })
        .await
        .unwrap()
        .value;
    let rename = RewardPatch { name: Some("Big mug".into()), ..Default::default() };
    assert_eq!(client.update_reward(&reward.id, &rename).await.unwrap().value.name, "Big mug");
    assert_eq!(client.reward(&reward.id).await.unwrap().name, "Big mug");
    assert_eq!(client.rewards(&PageParams::default()).await.unwrap().data.len(), 1);

    let two = NewRedemption { quantity: Some(2), ..NewRedemption::new(&ada.id, &reward.id) };
    let redemption = client.redeem(&two).await.unwrap();
    assert_eq!(redemption.status, 201);
    assert_eq!((redemption.value.points_spent, redemption.value.status), (20, RedemptionStatus::Pending));
    assert_eq!(client.redemption(&redemption.value.id).await.unwrap(), redemption.value);
    let five = PageParams { limit: Some(5), starting_after: None };
    assert_eq!(
        client.customer_redemptions(&ada.id, &five).await.unwrap().data,
        std::slice::from_ref(&redemption.value)
    );

    let balance = client.balance(&ada.id).await.unwrap();
    assert_eq!((balance.available, balance.pending, balance.lifetime_earned), (5, 20, 25));
    let ledger = client.ledger(&ada.id, &PageParams::default()).await.unwrap();
    assert_eq!(ledger.data.len(), 2);
    assert_eq!(ledger.data[0].points, -20, "newest first");

    let triple = ProgramPatch { points_per_currency_unit: Some(3), ..Default::default() };
    assert_eq!(client.update_program(&triple).await.unwrap().value.settings.points_per_currency_unit, 3);
    assert_eq!(client.program().await.unwrap().settings.points_per_currency_unit, 3);

    let info = client.idempotency_key(&redemption.key).await.unwrap();
    assert_eq!(info.state, "completed");
    assert_eq!(info.resource_id.as_deref(), Some(redemption.value.id.as_str()));
    assert_eq!(info.path.as_deref(), Some("/api/v1/redemptions"));

    // Every write above was journaled under the key it was sent with, and is done.
    let journal = client.journal().unwrap().intents().await.unwrap();
    assert_eq!(journal.len(), 8);
    assert!(journal.iter().all(|i| i.state == IntentState::Done && (200..300).contains(&i.status.unwrap())));
    let keys: std::collections::HashSet<_> = journal.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys.len(), 8, "one key per intent");
    assert!(journal.iter().all(|i| uuid::Uuid::parse_str(&i.key).unwrap().get_version_num() == 4));
    let entry = journal.iter().find(|i| i.key == redemption.key).unwrap();
    assert_eq!(entry.operation, "redemption.create");
    assert_eq!(entry.response_json().unwrap()["id"], redemption.value.id);
    server.assert_verified().await;
}

async fn refusals_carry_status_code_and_detail_and_are_final(backend: Backend) {
    let server = spawn_server(backend).await;
    let (customer, reward) = server.customer_and_reward(100, 150).await;
    let client = server.client().await;

    let refused = client.redeem(&NewRedemption::new(&customer, &reward)).await.unwrap_err();
    assert_eq!((refused.status(), refused.code()), (Some(422), Some("insufficient_points")));
    assert!(refused.detail().is_some_and(|d| !d.is_empty()));
    assert!(!refused.is_pending());
    let missing = client.customer("cus_01J00000000000000000000000").await.unwrap_err();
    assert_eq!((missing.status(), missing.code()), (Some(404), Some("customer_not_found")));
    let unknown_key = client.idempotency_key("never-used").await.unwrap_err();
    assert_eq!(unknown_key.code(), Some("idempotency_key_not_found"));

    // The refusal is a final answer: journaled as done, with its code, and not re-sent by resume().
    let journal = client.journal().unwrap();
    let refusal = journal.intents().await.unwrap().into_iter().find(|i| i.operation == "redemption.create").unwrap();
    assert_eq!((refusal.state, refusal.code.as_deref()), (IntentState::Done, Some("insufficient_points")));
    assert_eq!(refusal.attempts, 1, "422 is never retried");
    assert_eq!(client.resume().await.unwrap().intents, []);
    assert_eq!(client.balance(&customer).await.unwrap().available, 100);

    let bad_token = tally_client::Client::builder(&server.address, "tly_wrong").build().await.unwrap();
    let unauthorized = bad_token.program().await.unwrap_err();
    assert_eq!(unauthorized.status(), Some(401));
}

async fn voids_adjustments_fulfil_cancel_coupons_and_v2_answer_in_their_types(backend: Backend) {
    let server = spawn_server(backend).await;
    let client = server.client().await;
    let ada = client.upsert_customer(&NewCustomer::email("ada@example.com")).await.unwrap().value.id;
    let purchase = client.record_purchase(&NewTransaction::new(&ada, 10_000, "EUR")).await.unwrap().value;
    assert_eq!((purchase.points, purchase.status), (100, TransactionStatus::Completed));

    // Voids: a part, the rest, then nothing left to void.
    let part = client.void_transaction(&purchase.id, &VoidTransaction { amount_cents: Some(25_00) }).await.unwrap();
    assert_eq!((part.status, part.replayed), (200, false));
    let t = &part.value;
    assert_eq!(
        (t.status, t.voided_amount_cents, t.voided_points, t.points),
        (TransactionStatus::PartiallyVoided, 25_00, 25, 100)
    );
    let rest = client.void_transaction(&purchase.id, &VoidTransaction::default()).await.unwrap().value;
    assert_eq!((rest.status, rest.voided_amount_cents, rest.voided_points), (TransactionStatus::Voided, 10_000, 100));
    assert_eq!(client.transaction(&purchase.id).await.unwrap(), rest);
    let again = client.void_transaction(&purchase.id, &VoidTransaction::default()).await.unwrap_err();
    assert_eq!((again.status(), again.code()), (Some(422), Some("already_voided")));

    // Adjustments answer with their ledger entry.
    let credit = NewAdjustment { points: 80, reason: "goodwill: late delivery".into() };
    let entry = client.adjust_points(&ada, &credit).await.unwrap();
    assert_eq!(entry.status, 201);
    let e = &entry.value;
    assert_eq!((e.operation, e.points, e.balance_after), (LedgerOperation::Adjustment, 80, 80));
    assert_eq!((e.customer_id.as_str(), e.reason.as_deref()), (ada.as_str(), Some("goodwill: late delivery")));
    assert!(e.token_id.is_some(), "the token that made it is recorded");
    let debit = client.adjust_points(&ada, &NewAdjustment { points: -30, reason: "typo".into() }).await.unwrap();
    assert_eq!((debit.value.points, debit.value.balance_after), (-30, 50));
    let too_much = client.adjust_points(&ada, &NewAdjustment { points: -51, reason: "x".into() }).await.unwrap_err();
    assert_eq!(too_much.code(), Some("insufficient_points"));
    let no_reason = client.adjust_points(&ada, &NewAdjustment { points: 5, reason: " ".into() }).await.unwrap_err();
    assert_eq!(no_reason.status(), Some(422), "{no_reason}");
    let ledger = client.ledger(&ada, &PageParams::default()).await.unwrap().data;
    assert_eq!(ledger[0], debit.value, "newest first, the same entry the write answered");
    assert_eq!(ledger.iter().filter(|l| l.operation == LedgerOperation::Void).count(), 2);

    // Fulfil and cancel: each only from pending.
    let mug = client.create_reward(&NewReward { stock: Some(5), ..NewReward::new("Mug", 10) }).await.unwrap().value;
    let first = client.redeem(&NewRedemption::new(&ada, &mug.id)).await.unwrap().value;
    let fulfilled = client.fulfil_redemption(&first.id).await.unwrap().value;
    assert_eq!((fulfilled.id.as_str(), fulfilled.status), (first.id.as_str(), RedemptionStatus::Fulfilled));
    assert_eq!(client.fulfil_redemption(&first.id).await.unwrap_err().code(), Some("already_fulfilled"));
    assert_eq!(client.cancel_redemption(&first.id).await.unwrap_err().code(), Some("already_fulfilled"));
    let second = client.redeem(&NewRedemption::new(&ada, &mug.id)).await.unwrap().value;
    assert_eq!(client.balance(&ada).await.unwrap().available, 30);
    let cancelled = client.cancel_redemption(&second.id).await.unwrap().value;
    assert_eq!(cancelled.status, RedemptionStatus::Cancelled);
    assert_eq!(client.balance(&ada).await.unwrap().available, 40, "the cancel refunded its points");
    assert_eq!(client.reward(&mug.id).await.unwrap().stock, Some(4), "and its stock");

    // A voucher's redemption carries a coupon, used once by its code in any case.
    let voucher = NewReward { kind: Some(RewardKind::Voucher), ..NewReward::new("10 % off", 5) };
    let voucher = client.create_reward(&voucher).await.unwrap().value;
    let with_coupon = client.redeem(&NewRedemption::new(&ada, &voucher.id)).await.unwrap().value;
    let code = with_coupon.coupon_code.clone().expect("a voucher issues a coupon");
    let coupon = client.coupon(&code.to_ascii_lowercase()).await.unwrap();
    assert_eq!((coupon.status, coupon.redemption_id.as_str()), (CouponStatus::Active, with_coupon.id.as_str()));
    let used = client.redeem_coupon(&code).await.unwrap();
    assert_eq!(
        (used.status, used.value.status, used.value.code.as_str()),
        (200, CouponStatus::Redeemed, code.as_str())
    );
    assert!(used.value.redeemed_at.is_some());
    assert_eq!(client.redemption(&with_coupon.id).await.unwrap().status, RedemptionStatus::Fulfilled);
    assert_eq!(client.redeem_coupon(&code).await.unwrap_err().code(), Some("already_redeemed"));
    let void_coupon = client.redeem(&NewRedemption::new(&ada, &voucher.id)).await.unwrap().value;
    client.cancel_redemption(&void_coupon.id).await.unwrap();
    let void_code = void_coupon.coupon_code.unwrap();
    assert_eq!(client.coupon(&void_code).await.unwrap().status, CouponStatus::Void);
    assert_eq!(client.redeem_coupon(&void_code).await.unwrap_err().code(), Some("coupon_void"));
    assert_eq!(client.coupon("NOSUCHCODE").await.unwrap_err().code(), Some("coupon_not_found"));

    // The v2 compatibility pair.
    let v2 = client.redeem_v2(&V2Redeem { points_amount: Some(10), ..V2Redeem::new(&ada, &mug.id) }).await.unwrap();
    assert_eq!(v2.status, 201);
    assert_eq!((v2.value.points_amount, v2.value.quantity, v2.value.status), (10, 1, RedemptionStatus::Pending));
    assert_eq!(
        client.redemption(&v2.value.redemption_id).await.unwrap().points_spent,
        10,
        "the same redemption as v1's"
    );
    let wrong = V2Redeem { points_amount: Some(9), ..V2Redeem::new(&ada, &mug.id) };
    assert_eq!(client.redeem_v2(&wrong).await.unwrap_err().code(), Some("points_amount_mismatch"));
    let listed = client.redemptions_v2(&ada).await.unwrap();
    assert_eq!((listed.customer_id.as_str(), listed.redemptions.len()), (ada.as_str(), 5));
    assert_eq!(listed.redemptions[0], v2.value, "newest first");

    // Every write was journaled and has its final answer.
    let journal = client.journal().unwrap();
    assert_eq!(journal.pending().await.unwrap(), []);
    let operations: std::collections::HashSet<String> =
        journal.intents().await.unwrap().into_iter().map(|i| i.operation).collect();
    for op in [
        "transaction.void",
        "customer.adjust",
        "redemption.fulfil",
        "redemption.cancel",
        "coupon.redeem",
        "redemption.create_v2",
    ] {
        assert!(operations.contains(op), "{op} is journaled: {operations:?}");
    }
    server.assert_verified().await;
}

backend_tests!(
    typed_calls_cover_customers_transactions_rewards_redemptions_program_and_keys,
    refusals_carry_status_code_and_detail_and_are_final,
    voids_adjustments_fulfil_cancel_coupons_and_v2_answer_in_their_types,
    tiers_and_holding_periods_through_the_sdk,
);

async fn tiers_and_holding_periods_through_the_sdk(backend: Backend) {
    let server = spawn_server(backend).await;
    let client = server.client().await;
    let silver = Tier { name: "Silver".into(), threshold_points: 100, earn_multiplier_percent: 150 };
    let patch = ProgramPatch {
        tiers: Some(vec![silver.clone()]),
        tier_period: Some(TierPeriod::CalendarYear),
        points_pending_days: Some(7),
        ..Default::default()
    };
    let program = client.update_program(&patch).await.unwrap().value;
    assert_eq!((program.settings.tiers, program.settings.tier_period), (vec![silver], TierPeriod::CalendarYear));
    assert_eq!(program.settings.points_pending_days, 7);

    let ada = client.upsert_customer(&NewCustomer::email("tiered@example.com")).await.unwrap().value;
    assert_eq!(ada.tier.as_ref().and_then(|t| t.next.as_ref()).map(|n| n.points_needed), Some(100));
    let first = client.record_purchase(&NewTransaction::new(&ada.id, 12_000, "EUR")).await.unwrap().value;
    assert_eq!((first.points, first.tier), (120, None));
    let second = client.record_purchase(&NewTransaction::new(&ada.id, 1000, "EUR")).await.unwrap().value;
    assert_eq!((second.points, second.tier.as_deref(), second.earn_multiplier_percent), (15, Some("Silver"), 150));

    let balance = client.balance(&ada.id).await.unwrap();
    assert_eq!((balance.available, balance.pending_earned), (0, 135), "held for the holding period");
    assert_eq!(balance.next_release.map(|r| r.points), Some(120), "the first purchase is released first");
    assert_eq!(balance.tier.and_then(|t| t.name).as_deref(), Some("Silver"));
    let history = client.tier_history(&ada.id, &PageParams::default()).await.unwrap().data;
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].to_tier.as_deref(), history[0].reason), (Some("Silver"), TierChangeReason::Upgrade));
    assert_eq!(history[0].transaction_id.as_deref(), Some(first.id.as_str()));
}
