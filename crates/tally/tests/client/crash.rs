//! A client process killed with SIGKILL at random points of a stream of
//! redemptions — before a send, mid-flight, after the server committed but
//! before the journal heard — loses and doubles nothing after `tally resume`.
//! The stream is `tally-chaos redeem-stream`, on the same journal.

use std::collections::HashSet;
use std::process::Stdio;
use std::time::Duration;

use rand::Rng;
use tally_client::model::LedgerOperation;
use tally_client::{IntentState, Journal, NewReward, PageParams};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::backend_tests;
use crate::helpers::{Backend, Env, start};

const ROUNDS: usize = 6;
const POINTS: i64 = 1_000_000;

/// Every redemption of the customer on the server, newest first.
async fn all_redemptions(env: &Env, customer: &str) -> Vec<String> {
    let api = env.api().await;
    let mut ids = Vec::new();
    let mut page = PageParams { limit: Some(100), starting_after: None };
    loop {
        let batch = api.customer_redemptions(customer, &page).await.unwrap();
        ids.extend(batch.data.iter().map(|r| r.id.clone()));
        if !batch.has_more {
            return ids;
        }
        page.starting_after = ids.last().cloned();
    }
}

async fn sigkill_at_random_points_then_resume_takes_each_intent_exactly_once(backend: Backend) {
    let env = start(backend).await;
    let customer = env.json(&["customer", "upsert", "--email", "kill@example.com"])["id"].as_str().unwrap().to_owned();
    env.json(&["earn", "--customer", &customer, "--spend-cents", &(POINTS * 100).to_string(), "--currency", "EUR"]);
    let reward = env.api().await.create_reward(&NewReward::new("Sticker", 1)).await.unwrap().value.id;
    let journal = Journal::open(env.journal()).await.unwrap();
    let before = journal.intents().await.unwrap().len();

    let (mut interrupted, mut replayed) = (0, 0);
    for _ in 0..ROUNDS {
        let mut command = tokio::process::Command::from(env.harness_command(&[
            "redeem-stream",
            "--customer",
            &customer,
            "--reward",
            &reward,
            "--count",
            "100000",
        ]));
        let mut stream = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        // Once the stream is going (one redemption printed), kill it at a random moment.
        let mut lines = BufReader::new(stream.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await;
        assert!(matches!(first, Ok(Ok(Some(_)))), "the stream did not start: {first:?}");
        let delay = rand::thread_rng().gen_range(0..400);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        stream.kill().await.unwrap(); // SIGKILL: no destructor, no flush, no goodbye.

        let report = env.json(&["resume"]);
        for intent in report["intents"].as_array().unwrap() {
            interrupted += 1;
            let outcome = &intent["outcome"];
            assert_eq!(outcome["status"], 201, "every interrupted intent succeeds on resume: {intent}");
            if outcome["replayed"] == true {
                replayed += 1;
            }
        }
    }
    eprintln!("{interrupted} intent(s) were cut off by SIGKILL; {replayed} of them had taken effect already");
    assert!(interrupted > 0, "the kills interrupted no intent: the test tested nothing");

    // Exactly once: each journaled intent made one redemption, and no redemption lacks an intent.
    let intents: Vec<_> = journal.intents().await.unwrap().into_iter().skip(before).collect();
    assert!(intents.len() > ROUNDS, "the streams got going ({} intents)", intents.len());
    let unsettled: Vec<_> = intents
        .iter()
        .filter(|i| !(i.state == IntentState::Done && i.status == Some(201)))
        .map(|i| (&i.key, i.state, i.status))
        .collect();
    assert!(unsettled.is_empty(), "intents without a 201 after resume: {unsettled:?}");
    let journaled: HashSet<String> =
        intents.iter().map(|i| i.response_json().unwrap()["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(journaled.len(), intents.len(), "no two intents share a redemption");
    let stored = all_redemptions(&env, &customer).await;
    assert_eq!(stored.len(), intents.len(), "one redemption per intent, none lost, none doubled");
    assert_eq!(stored.into_iter().collect::<HashSet<_>>(), journaled);
    let api = env.api().await;
    for intent in intents.iter().step_by(intents.len() / 10 + 1) {
        let info = api.idempotency_key(&intent.key).await.unwrap();
        assert_eq!(
            info.resource_id.as_ref(),
            intent.response_json().unwrap()["id"].as_str().map(str::to_owned).as_ref()
        );
    }
    // The ledger holds one debit per intent, each naming its redemption.
    let mut debits = Vec::new();
    let mut page = PageParams { limit: Some(100), starting_after: None };
    loop {
        let batch = api.ledger(&customer, &page).await.unwrap();
        page.starting_after = batch.data.last().map(|e| e.id.clone());
        debits.extend(batch.data.into_iter().filter(|e| e.operation == LedgerOperation::Redeem));
        if !batch.has_more {
            break;
        }
    }
    assert_eq!(debits.len(), intents.len());
    assert!(debits.iter().all(|e| e.points == -1));
    let debited: HashSet<String> = debits.into_iter().filter_map(|e| e.redemption_id).collect();
    assert_eq!(debited, journaled, "each intent's redemption was debited once");
    let balance = api.balance(&customer).await.unwrap();
    assert_eq!(balance.available, POINTS - intents.len() as i64);
    assert_eq!(balance.lifetime_spent, intents.len() as i64);
    env.assert_verified();
}

backend_tests!(sigkill_at_random_points_then_resume_takes_each_intent_exactly_once);
