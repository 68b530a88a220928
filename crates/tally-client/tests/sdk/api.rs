//! Every route that exists on this server, through the typed SDK.

use tally_client::model::{RedemptionStatus, RewardKind};
use tally_client::{
    CustomerFilter, IntentState, NewCustomer, NewRedemption, NewReward, NewTransaction, PageParams, ProgramPatch,
    RewardPatch,
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

backend_tests!(
    typed_calls_cover_customers_transactions_rewards_redemptions_program_and_keys,
    refusals_carry_status_code_and_detail_and_are_final,
);
