//! `tally export`: the CLI writes exactly the bytes the route serves, only
//! once the download is whole, and refuses a bad range without a file.

use crate::backend_tests;
use crate::helpers::{Backend, Env, start, stderr, stdout};

/// The route's body, fetched directly.
async fn route(env: &Env, path: &str) -> Vec<u8> {
    let response =
        reqwest::Client::new().get(format!("{}{path}", env.node.url)).bearer_auth(&env.token).send().await.unwrap();
    assert!(response.status().is_success(), "GET {path}: {}", response.status());
    response.bytes().await.unwrap().to_vec()
}

async fn the_cli_writes_the_bytes_the_route_serves(backend: Backend) {
    let env = start(backend).await;
    for (email, name) in [("a@example.com", "Ada, \"the first\""), ("b@example.com", "Bob")] {
        let created = env.json(&["customer", "upsert", "--email", email, "--name", name]);
        let customer = created["id"].as_str().unwrap().to_owned();
        let earned = env.run(&["earn", "--customer", &customer, "--spend-cents", "1200", "--currency", "EUR"]);
        assert!(earned.status.success(), "{}", stderr(&earned));
        let adjusted = env.run(&["adjust", &customer, "--points", "-2", "--reason", "a, \"b\""]);
        assert!(adjusted.status.success(), "{}", stderr(&adjusted));
    }

    let ledger = env.dir.path().join("ledger.csv");
    let output = env.run(&["export", "ledger", "--quiet", ledger.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("exported 4 ledger rows"), "{}", stdout(&output));
    let written = std::fs::read(&ledger).unwrap();
    assert_eq!(written, route(&env, "/api/v1/exports/ledger.csv").await);
    assert!(String::from_utf8_lossy(&written).starts_with("id,created_at,customer_id,operation,points,"));
    assert!(!env.dir.path().join("ledger.csv.partial").exists(), "the partial file was renamed");

    let customers = env.dir.path().join("customers.csv");
    let from = "2000-01-01T00:00:00Z";
    let output = env.run(&["export", "customers", "--from", from, "--quiet", customers.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("exported 2 customers rows"), "{}", stdout(&output));
    let served = route(&env, &format!("/api/v1/exports/customers.csv?from={from}")).await;
    assert_eq!(std::fs::read(&customers).unwrap(), served);

    // A range the server refuses: its problem on stderr, exit 1, no file.
    let refused = env.dir.path().join("refused.csv");
    let output = env.run(&["export", "ledger", "--from", "yesterday", refused.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("invalid_query"), "{}", stderr(&output));
    assert!(!refused.exists() && !env.dir.path().join("refused.csv.partial").exists());
    env.assert_verified();
}

backend_tests!(the_cli_writes_the_bytes_the_route_serves);
