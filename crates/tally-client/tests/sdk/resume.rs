//! `resume()` against a real server: what it re-sends after the key's stored
//! response expired, judged by what the server can still answer — never by
//! the program's retention setting, which may have changed.

use std::path::Path;

use tally_client::{Client, IntentState, NewRedemption, NewReward, ProgramPatch, ResumeOutcome, RewardPatch};

use crate::backend_tests;
use crate::helpers::{Backend, Server, spawn_server};

/// Puts a finished intent back to `pending`, `hours_ago` old: what a client
/// that crashed after sending, before it journaled the answer, finds later.
async fn unfinish(journal: &Path, key: &str, hours_ago: i64) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", journal.display())).await.unwrap();
    let at = (chrono::Utc::now() - chrono::Duration::hours(hours_ago)).to_rfc3339();
    let changed = sqlx::query("UPDATE intents SET state = 'pending', status = NULL, created_at = ? WHERE key = ?")
        .bind(at)
        .bind(key)
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 1);
}

fn journal_of(server: &Server) -> std::path::PathBuf {
    server.dir.path().join("journal.db")
}

async fn resume_one(client: &Client) -> ResumeOutcome {
    let report = client.resume().await.unwrap();
    assert_eq!(report.intents.len(), 1, "{report:?}");
    report.intents[0].outcome.clone()
}

/// A PATCH sets absolute values: re-applied after other writes came between,
/// it would undo them (stock 10 again after three units were redeemed).
async fn a_patch_past_retention_is_not_sent_again(backend: Backend) {
    let server = spawn_server(backend).await;
    let client = server.client().await;
    let (customer, reward) = server.customer_and_reward(100, 1).await;
    let patched = client.update_reward(&reward, &RewardPatch { stock: Some(Some(10)), ..Default::default() }).await;
    let patched = patched.unwrap();
    for _ in 0..3 {
        client.redeem(&NewRedemption::new(&customer, &reward)).await.unwrap();
    }
    assert_eq!(client.reward(&reward).await.unwrap().stock, Some(7));
    unfinish(&journal_of(&server), &patched.key, 2).await;
    server.expire_idempotency_records().await;

    assert_eq!(resume_one(&client).await, ResumeOutcome::Stale { age_hours: 2 });
    assert_eq!(client.reward(&reward).await.unwrap().stock, Some(7), "no unit made from nothing");
    let intent = client.journal().unwrap().intent(&patched.key).await.unwrap().unwrap();
    assert_eq!(intent.state, IntentState::Pending, "left for a person to settle");
    server.assert_verified().await;
}

/// Raising the retention after a record expired does not bring it back: the
/// client asks the server about the key instead of trusting the setting.
async fn a_longer_retention_set_later_does_not_make_a_resend_safe(backend: Backend) {
    let server = spawn_server(backend).await;
    let client = server.client().await;
    let shortest = ProgramPatch { idempotency_retention_hours: Some(1), ..Default::default() };
    client.update_program(&shortest).await.unwrap();
    let made = client.create_reward(&NewReward::new("Mug", 10)).await.unwrap();
    unfinish(&journal_of(&server), &made.key, 2).await;
    server.expire_idempotency_records().await;
    let longer = ProgramPatch { idempotency_retention_hours: Some(720), ..Default::default() };
    client.update_program(&longer).await.unwrap();

    assert_eq!(resume_one(&client).await, ResumeOutcome::Stale { age_hours: 2 });
    let rewards = client.rewards(&Default::default()).await.unwrap();
    assert_eq!(rewards.data.len(), 1, "the reward exists once");
}

/// While the server still holds the key's record, any intent is re-sent,
/// however old: the re-send replays the stored answer.
async fn a_key_the_server_still_holds_is_resent_and_replays(backend: Backend) {
    let server = spawn_server(backend).await;
    let client = server.client().await;
    let made = client.create_reward(&NewReward::new("Mug", 10)).await.unwrap();
    unfinish(&journal_of(&server), &made.key, 3).await;

    assert_eq!(resume_one(&client).await, ResumeOutcome::Succeeded { status: 201, replayed: true });
    assert_eq!(client.rewards(&Default::default()).await.unwrap().data.len(), 1);
}

/// A coupon's use keeps its key: resumed past retention, it is recorded as
/// done with the server's 200 (a replay), not as refused `already_redeemed`.
async fn a_coupon_use_past_retention_is_done_not_refused(backend: Backend) {
    let server = spawn_server(backend).await;
    let client = server.client().await;
    let (customer, _) = server.customer_and_reward(100, 1).await;
    let voucher = NewReward { kind: Some(tally_client::model::RewardKind::Voucher), ..NewReward::new("Gift", 10) };
    let voucher = client.create_reward(&voucher).await.unwrap().value;
    let redemption = client.redeem(&NewRedemption::new(&customer, &voucher.id)).await.unwrap().value;
    let code = redemption.coupon_code.expect("a voucher's redemption issues a coupon");
    let used = client.redeem_coupon(&code).await.unwrap();
    unfinish(&journal_of(&server), &used.key, 30).await;
    server.expire_idempotency_records().await;

    assert_eq!(resume_one(&client).await, ResumeOutcome::Succeeded { status: 200, replayed: true });
    let intent = client.journal().unwrap().intent(&used.key).await.unwrap().unwrap();
    assert_eq!((intent.state, intent.status), (IntentState::Done, Some(200)));
    server.assert_verified().await;
}

backend_tests!(
    a_patch_past_retention_is_not_sent_again,
    a_longer_retention_set_later_does_not_make_a_resend_safe,
    a_key_the_server_still_holds_is_resent_and_replays,
    a_coupon_use_past_retention_is_done_not_refused,
);

/// Two processes resuming one journal: a 2xx, once recorded, is never
/// overwritten by a later refusal, while a refusal gives way to a 2xx.
#[tokio::test]
async fn a_recorded_success_is_never_overwritten_by_a_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let journal = tally_client::Journal::open(dir.path().join("j.db")).await.unwrap();
    for key in ["ok-first", "refused-first"] {
        let intent = tally_client::journal::NewIntent {
            key,
            scope: "s",
            operation: "redemption.create",
            method: "POST",
            path: "/api/v1/redemptions",
            body: b"{}",
        };
        journal.record(&intent).await.unwrap();
    }
    journal.complete("ok-first", 1, 201, None, b"{}").await.unwrap();
    journal.complete("ok-first", 1, 422, Some("insufficient_points"), b"{}").await.unwrap();
    journal.complete("refused-first", 1, 422, Some("insufficient_points"), b"{}").await.unwrap();
    journal.complete("refused-first", 1, 201, None, b"{}").await.unwrap();
    for key in ["ok-first", "refused-first"] {
        let intent = journal.intent(key).await.unwrap().unwrap();
        assert_eq!(
            (intent.state, intent.status, intent.code.as_deref()),
            (IntentState::Done, Some(201), None),
            "{key}"
        );
    }
}
