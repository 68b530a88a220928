//! `tally key show`: what the server and the local journal know of a key.

use std::process::ExitCode;

use serde_json::json;
use tally_client::IntentState;

use super::arguments::ClientArgs;
use super::output::EXIT_REFUSED;

pub(super) async fn key_show(args: &ClientArgs, key: &str) -> anyhow::Result<ExitCode> {
    let client = args.reader().await?;
    let server = client.idempotency_key(key).await;
    // The journal is read only if it exists: showing a key never creates one.
    let local =
        if args.journal.exists() { tally_client::Journal::open(&args.journal).await?.intent(key).await? } else { None };
    if args.json {
        let journal = local.as_ref().map(|i| {
            json!({
                "operation": i.operation, "method": i.method, "path": i.path,
                "state": if i.state == IntentState::Done { "done" } else { "pending" },
                "attempts": i.attempts, "status": i.status, "code": i.code,
                "created_at": i.created_at, "updated_at": i.updated_at,
            })
        });
        let server_json = match &server {
            Ok(info) => serde_json::to_value(info)?,
            Err(e) => json!({ "error": e.problem(), "message": e.to_string() }),
        };
        println!("{:#}", json!({ "key": key, "server": server_json, "journal": journal }));
    } else {
        match &server {
            Ok(info) => {
                println!("key {}: {} on the server", info.key, info.state);
                if let (Some(method), Some(path)) = (&info.method, &info.path) {
                    println!("  request      {method} {path}");
                }
                if let Some(status) = info.status {
                    println!("  status       {status}");
                }
                if let Some(id) = &info.resource_id {
                    println!("  resource     {id}");
                }
                if let Some(at) = info.first_seen_at {
                    println!("  first seen   {}", at.to_rfc3339());
                }
                if let Some(at) = info.expires_at {
                    println!("  replayed until {}", at.to_rfc3339());
                }
            }
            Err(e) => println!("key {key}: {e}"),
        }
        match &local {
            Some(i) => {
                let state = if i.state == IntentState::Done { "done" } else { "pending" };
                let code = i.code.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
                let status = i.status.map(|s| format!(", last status {s}{code}")).unwrap_or_default();
                println!(
                    "  journal      {state}: {} {} {}, {} attempt(s){status}",
                    i.operation, i.method, i.path, i.attempts
                );
            }
            None => println!("  journal      not in {}", args.journal.display()),
        }
    }
    let found = server.is_ok() || local.is_some();
    Ok(if found { ExitCode::SUCCESS } else { ExitCode::from(EXIT_REFUSED) })
}
