//! `tally resume`: send again every journaled write with no final answer yet,
//! and report what became of each.

use std::process::ExitCode;

use serde_json::{Value, json};
use tally_client::ResumeOutcome;

use super::arguments::ClientArgs;
use super::output::EXIT_PENDING;

pub(super) async fn resume(args: &ClientArgs) -> anyhow::Result<ExitCode> {
    let client = args.writer().await?;
    let report = client.resume().await?;
    if args.json {
        let intents: Vec<Value> = report
            .intents
            .iter()
            .map(|r| {
                let outcome = match &r.outcome {
                    ResumeOutcome::Succeeded { status, replayed } => json!({ "status": status, "replayed": replayed }),
                    ResumeOutcome::Refused(problem) => json!({ "refused": problem }),
                    ResumeOutcome::StillPending(failure) => json!({ "pending": failure.to_string() }),
                    ResumeOutcome::Stale { age_hours } => json!({ "stale": { "age_hours": age_hours } }),
                };
                json!({ "key": r.key, "operation": r.operation, "outcome": outcome })
            })
            .collect();
        println!("{:#}", json!({ "intents": intents, "other_scope": report.other_scope }));
    } else {
        for r in &report.intents {
            let outcome = match &r.outcome {
                ResumeOutcome::Succeeded { status, replayed: true } => format!("{status}, already done (replayed)"),
                ResumeOutcome::Succeeded { status, replayed: false } => format!("{status}, done now"),
                ResumeOutcome::Refused(problem) => format!("refused: {problem}"),
                ResumeOutcome::StillPending(failure) => format!("still pending: {failure}"),
                ResumeOutcome::Stale { age_hours } => format!(
                    "not sent: {age_hours} h old, and the server no longer holds its key's record, so a re-send \
                     could apply it twice; check `tally key show {}` and settle it by hand",
                    r.key
                ),
            };
            println!("{} {}: {outcome}", r.key, r.operation);
        }
        println!(
            "resumed {} intent(s): {} succeeded, {} refused, {} still pending, {} too old to re-send",
            report.intents.len(),
            report.succeeded(),
            report.refused(),
            report.still_pending(),
            report.stale()
        );
        if report.other_scope > 0 {
            println!("{} pending intent(s) belong to another token and were left alone", report.other_scope);
        }
    }
    let unsettled = report.still_pending() + report.stale();
    Ok(if unsettled > 0 { ExitCode::from(EXIT_PENDING) } else { ExitCode::SUCCESS })
}
