//! Each client command: its sentence, its `--json`, its exit code.

use tally_client::model::RewardKind;
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

async fn adjust_void_and_coupon_commands_and_their_resume(backend: Backend) {
    let env = start(backend).await;
    let customer = env.json(&["customer", "upsert", "--email", "cy@example.com"])["id"].as_str().unwrap().to_owned();
    let purchase = env.json(&["earn", "--customer", &customer, "--spend-cents", "50000", "--currency", "EUR"]);
    let purchase = purchase["id"].as_str().unwrap().to_owned();

    let debit = env.run(&["adjust", &customer, "--points", "-50", "--reason", "typo on the receipt"]);
    assert!(debit.status.success(), "{}", stderr(&debit));
    let sentence = stdout(&debit);
    assert!(sentence.starts_with(&format!("adjusted {customer} by -50 points (led_")), "{sentence}");
    assert!(sentence.contains("): balance 450 (key "), "{sentence}");
    let credit = env.json(&["adjust", &customer, "--points", "25", "--reason", "goodwill"]);
    assert_eq!((credit["operation"].as_str(), credit["reason"].as_str()), (Some("adjustment"), Some("goodwill")));
    assert_eq!(credit["balance_after"], 475);
    let no_reason = env.run(&["adjust", &customer, "--points", "5"]);
    assert_eq!(no_reason.status.code(), Some(2), "a reason is required: {}", stderr(&no_reason));
    let too_much = env.run(&["adjust", &customer, "--points", "-10000", "--reason", "oops"]);
    assert_eq!(too_much.status.code(), Some(1));
    assert!(stderr(&too_much).contains("insufficient_points"), "{}", stderr(&too_much));

    let voided = env.run(&["void", &purchase, "--amount-cents", "10000"]);
    assert!(voided.status.success(), "{}", stderr(&voided));
    assert!(
        stdout(&voided)
            .starts_with(&format!("{purchase} is partially_voided: 10000 of 50000 cents and 100 of 500 points voided")),
        "{}",
        stdout(&voided)
    );

    let voucher = NewReward { kind: Some(RewardKind::Voucher), ..NewReward::new("10 % off", 5) };
    let voucher = env.api().await.create_reward(&voucher).await.unwrap().value.id;
    let redemption = env.json(&["redeem", "--customer", &customer, "--reward", &voucher]);
    let code = redemption["coupon_code"].as_str().expect("a voucher issues a coupon").to_owned();
    let shown = stdout(&env.run(&["coupon", "show", &code]));
    assert!(shown.starts_with(&format!("coupon {code} is active")), "{shown}");
    let used = env.run(&["coupon", "redeem", &code.to_ascii_lowercase()]);
    assert!(used.status.success(), "{}", stderr(&used));
    let expected = format!("coupon {code} is redeemed: redemption {} fulfilled", redemption["id"].as_str().unwrap());
    assert!(stdout(&used).starts_with(&expected), "{}", stdout(&used));
    let twice = env.run(&["coupon", "redeem", &code]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(stderr(&twice).contains("422 already_redeemed"), "{}", stderr(&twice));
    assert_eq!(env.json(&["coupon", "show", &code])["status"], "redeemed");

    // An adjustment with no answer is journaled, exits 75, and resume applies it once.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let output = env
        .command(&["adjust", &customer, "--points", "3", "--reason", "late", "--url", &dead, "--max-retries", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(75), "{}", stderr(&output));
    let resumed = env.run(&["resume"]);
    assert!(stdout(&resumed).contains("customer.adjust: 201, done now"), "{}", stdout(&resumed));
    assert!(stdout(&resumed).contains("1 succeeded, 0 refused"), "{}", stdout(&resumed));
    assert_eq!(env.json(&["balance", &customer])["available"], 500 - 50 + 25 - 100 - 5 + 3);
    env.assert_verified();
}

backend_tests!(
    writes_and_reads_print_sentences_or_json_and_refusals_exit_1,
    a_write_without_an_answer_exits_75_and_resume_finishes_it_once,
    adjust_void_and_coupon_commands_and_their_resume,
);
