//! `tally import`: killed mid-file and run again, the result equals one clean
//! import — rows without an external id included, which only the derived
//! keys keep from doubling.

use std::collections::HashMap;
use std::process::{Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use tally_client::{Client, PageParams};

use crate::backend_tests;
use crate::helpers::{Backend, Env, start, stderr};

const CUSTOMERS: usize = 20;
const ROWS: usize = 600;

fn customers_csv() -> String {
    let mut csv = String::from("email,phone,name\n");
    for i in 0..CUSTOMERS {
        csv.push_str(&format!("c{i}@example.com,,Customer {i}\n"));
    }
    csv.push_str("bad@example.com,12345,No country code\n");
    csv
}

/// ROWS purchases (every third with an external id), then two rows that cannot apply.
fn transactions_csv() -> String {
    let mut csv = String::from("email,spend_amount_cents,currency,external_id\n");
    for i in 0..ROWS {
        let external_id = if i % 3 == 0 { format!("EXT-{i}") } else { String::new() };
        csv.push_str(&format!("c{}@example.com,{},EUR,{external_id}\n", i % CUSTOMERS, 100 + (i * 37) % 5000));
    }
    csv.push_str("ghost@example.com,1000,EUR,\n");
    csv.push_str("c1@example.com,ten euros,EUR,\n");
    csv
}

fn summary(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("no JSON summary ({e}): {} {}", String::from_utf8_lossy(&output.stdout), stderr(output))
    })
}

fn import(env: &Env, token: &str, kind: &str, file: &str) -> (Option<i32>, Value) {
    let output = env
        .command(&["import", kind, file, "--json", "--concurrency", "8"])
        .env("TALLY_TOKEN", token)
        .output()
        .unwrap();
    (output.status.code(), summary(&output))
}

/// Each customer's balance, by email.
async fn balances(env: &Env, token: &str) -> HashMap<String, (i64, i64)> {
    let client = Client::builder(&env.node.url, token).build().await.unwrap();
    let page = PageParams { limit: Some(100), starting_after: None };
    let customers = client.customers(&Default::default(), &page).await.unwrap();
    let mut balances = HashMap::new();
    for customer in customers.data {
        let balance = client.balance(&customer.id).await.unwrap();
        balances.insert(customer.email.unwrap(), (balance.available, balance.lifetime_earned));
    }
    balances
}

fn earned(balances: &HashMap<String, (i64, i64)>) -> i64 {
    balances.values().map(|(_, earned)| earned).sum()
}

async fn an_import_killed_mid_file_and_run_again_equals_one_clean_import(backend: Backend) {
    let env = start(backend).await;
    std::fs::write(env.dir.path().join("customers.csv"), customers_csv()).unwrap();
    std::fs::write(env.dir.path().join("tx.csv"), transactions_csv()).unwrap();

    // The reference: one clean import, in a program of its own.
    let clean = env.other_token();
    let (code, customers) = import(&env, &clean, "customers", "customers.csv");
    assert_eq!((code, customers["applied"].as_u64(), customers["failed"].as_u64()), (Some(1), Some(20), Some(1)));
    let (code, reference) = import(&env, &clean, "transactions", "tx.csv");
    assert_eq!(code, Some(1), "two rows cannot apply: {reference}");
    assert_eq!((reference["applied"].as_u64(), reference["failed"].as_u64()), (Some(ROWS as u64), Some(2)));
    let expected = balances(&env, &clean).await;
    assert_eq!(expected.len(), CUSTOMERS);

    // The same files into the test's program: customers, then purchases killed mid-file.
    let token = env.token.clone();
    assert_eq!(import(&env, &token, "customers", "customers.csv").0, Some(1));
    let mut running = env
        .command(&["import", "transactions", "tx.csv", "--concurrency", "8"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut partial = 0;
    for _ in 0..400 {
        partial = earned(&balances(&env, &token).await);
        if partial > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.kill().unwrap(); // SIGKILL, mid-file.
    running.wait().unwrap();
    let partial = partial.max(earned(&balances(&env, &token).await));
    assert!(partial > 0 && partial < earned(&expected), "killed mid-file: {partial} of {} points", earned(&expected));

    let (code, rerun) = import(&env, &token, "transactions", "tx.csv");
    assert_eq!(code, Some(1), "{rerun}");
    let (applied, already) = (rerun["applied"].as_u64().unwrap(), rerun["already_applied"].as_u64().unwrap());
    assert_eq!(applied + already, ROWS as u64, "{rerun}");
    assert!(already > 0, "rows applied before the kill are replayed, not applied again: {rerun}");
    assert_eq!((rerun["failed"].as_u64(), rerun["pending"].as_u64()), (Some(2), Some(0)));
    assert_eq!(balances(&env, &token).await, expected, "the balances equal one clean import");

    // A third run changes nothing.
    let (_, third) = import(&env, &token, "transactions", "tx.csv");
    assert_eq!((third["applied"].as_u64(), third["already_applied"].as_u64()), (Some(0), Some(ROWS as u64)));
    assert_eq!(balances(&env, &token).await, expected);

    let report = std::fs::read_to_string(env.dir.path().join("tx.csv.errors.csv")).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "row,code,detail");
    assert!(lines[1].starts_with(&format!("{},customer_not_found,", ROWS + 1)), "{report}");
    assert!(lines[2].starts_with(&format!("{},invalid_row,", ROWS + 2)), "{report}");
    assert_eq!(lines.len(), 3, "{report}");
    env.assert_verified();
}

backend_tests!(an_import_killed_mid_file_and_run_again_equals_one_clean_import);
