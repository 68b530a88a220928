//! Each client command: its sentence, its `--json`, its exit code.

use tally_client::{IntentState, Journal, NewReward};

use crate::backend_tests;
use crate::helpers::{Backend, free_port, start, stderr, stdout};

async fn writes_and_reads_print_sentences_or_json_and_refusals_exit_1(backend: Backend) {
    let env = start(backend).await;
    let created = env.run(&["customer", "upsert", "--email", "Ada@Example.com", "--name", "Ada"]);
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(stdout(&created).starts_with("created customer cus_"), "{}", stdout(&created));
    let ada = env.json(&["customer", "upsert", "--email", "ada@example.com"]);
    let customer = ada["id"].as_str().unwrap().to_owned();
    assert_eq!(ada["name"], "Ada", "found by email, not created again");

    let earned = env.run(&["earn", "--customer", &customer, "--spend-cents", "50000", "--currency", "EUR"]);
    assert!(stdout(&earned).contains("+500 points"), "{}", stdout(&earned));
    let purchase = env.json(&[
        "earn",
        "--customer",
        &customer,
        "--spend-cents",
        "1000",
        "--currency",
        "EUR",
        "--external-id",
        "POS-9",
    ]);
    assert_eq!((purchase["points"].as_i64(), purchase["external_id"].as_str()), (Some(10), Some("POS-9")));

    let reward = env.api().await.create_reward(&NewReward::new("Mug", 100)).await.unwrap().value.id;
    let redeemed = env.run(&["redeem", "--customer", &customer, "--reward", &reward]);
    assert!(redeemed.status.success(), "{}", stderr(&redeemed));
    let sentence = stdout(&redeemed);
    assert!(sentence.starts_with("redeemed rdm_") && sentence.contains("-100 points, pending"), "{sentence}");
    let key = sentence.split("(key ").nth(1).unwrap().trim_end().trim_end_matches(')').to_owned();

    let refused = env.run(&["redeem", "--customer", &customer, "--reward", &reward, "--quantity", "10"]);
    assert_eq!(refused.status.code(), Some(1), "a refusal is final: exit 1");
    assert!(stderr(&refused).contains("422 insufficient_points"), "{}", stderr(&refused));
    let refused_json = env.run(&["redeem", "--customer", &customer, "--reward", &reward, "--quantity", "10", "--json"]);
    let problem: serde_json::Value = serde_json::from_slice(&refused_json.stdout).unwrap();
    assert_eq!(
        (problem["error"]["code"].as_str(), problem["pending"].as_bool()),
        (Some("insufficient_points"), Some(false))
    );

    let balance = env.json(&["balance", &customer]);
    assert_eq!((balance["available"].as_i64(), balance["pending"].as_i64()), (Some(410), Some(100)));
    let human = stdout(&env.run(&["balance", &customer]));
    assert!(human.starts_with(&format!("{customer}: 410 points available")), "{human}");

    let shown = env.json(&["key", "show", &key]);
    assert_eq!(shown["server"]["state"], "completed");
    assert_eq!(shown["server"]["path"], "/api/v1/redemptions");
    assert_eq!(shown["journal"]["state"], "done");
    assert_eq!(shown["journal"]["status"], 201);
    let human = stdout(&env.run(&["key", "show", &key]));
    assert!(human.contains("completed on the server") && human.contains("journal      done"), "{human}");
    let unknown = env.run(&["key", "show", "no-such-key"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stdout(&unknown).contains("idempotency_key_not_found"), "{}", stdout(&unknown));
    env.assert_verified();
}

async fn a_write_without_an_answer_exits_75_and_resume_finishes_it_once(backend: Backend) {
    let env = start(backend).await;
    let customer = env.json(&["customer", "upsert", "--email", "bob@example.com"])["id"].as_str().unwrap().to_owned();
    env.json(&["earn", "--customer", &customer, "--spend-cents", "100000", "--currency", "EUR"]);
    let reward = env.api().await.create_reward(&NewReward::new("Mug", 100)).await.unwrap().value.id;

    // The server is unreachable (nothing listens there): the intent is journaled, tried, and left pending.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let output = env
        .command(&["redeem", "--customer", &customer, "--reward", &reward, "--url", &dead, "--max-retries", "2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(75), "{}", stderr(&output));
    assert!(stderr(&output).contains("tally resume"), "{}", stderr(&output));
    let journal = Journal::open(env.journal()).await.unwrap();
    let pending = journal.pending().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 3, "the first send and 2 retries");

    // Another token's resume leaves it alone.
    let other = env.command(&["resume"]).env("TALLY_TOKEN", env.other_token()).output().unwrap();
    assert!(stdout(&other).contains("1 pending intent(s) belong to another token"), "{}", stdout(&other));

    let resumed = env.run(&["resume"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(stdout(&resumed).contains("1 succeeded, 0 refused, 0 still pending, 0 too old"), "{}", stdout(&resumed));
    assert_eq!(journal.intent(&pending[0].key).await.unwrap().unwrap().state, IntentState::Done);
    let again = env.run(&["resume"]);
    assert!(stdout(&again).contains("resumed 0 intent(s)"), "{}", stdout(&again));
    let balance = env.json(&["balance", &customer]);
    assert_eq!(balance["available"], 900, "redeemed exactly once");
    env.assert_verified();
}

backend_tests!(
    writes_and_reads_print_sentences_or_json_and_refusals_exit_1,
    a_write_without_an_answer_exits_75_and_resume_finishes_it_once,
);
