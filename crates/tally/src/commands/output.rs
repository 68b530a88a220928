//! What a client command prints, and its exit status: a sentence or the
//! server's JSON for an answer, the error (and how to finish a pending write)
//! for a failure.

use std::process::ExitCode;

use serde_json::json;
use tally_client::Written;

use super::arguments::ClientArgs;

/// Exit status of a write the server refused (a final answer, e.g. 422).
pub(super) const EXIT_REFUSED: u8 = 1;
/// Exit status of a write with no final answer yet: it stays pending in the
/// journal, and `tally resume` finishes it (EX_TEMPFAIL).
pub(super) const EXIT_PENDING: u8 = 75;

/// Prints a write's answer; maps a refusal or a give-up to its exit status.
pub(super) fn answer<T: serde::Serialize>(
    args: &ClientArgs,
    result: tally_client::Result<Written<T>>,
    sentence: impl FnOnce(&Written<T>) -> String,
) -> ExitCode {
    match result {
        Ok(written) if args.json => print_json(&written.value),
        Ok(written) => {
            let replay = if written.replayed { ", replayed" } else { "" };
            println!("{} (key {}{replay})", sentence(&written), written.key);
            ExitCode::SUCCESS
        }
        Err(e) => failure(args, &e),
    }
}

pub(super) fn print_json(value: &impl serde::Serialize) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(super) fn failure(args: &ClientArgs, error: &tally_client::Error) -> ExitCode {
    let pending = error.is_pending();
    if args.json {
        let body = json!({ "error": error.problem(), "message": error.to_string(), "pending": pending });
        println!("{body:#}");
    } else {
        eprintln!("error: {error}");
        if pending {
            eprintln!("the write is journaled in {}; run `tally resume` to finish it", args.journal.display());
        }
    }
    ExitCode::from(if pending { EXIT_PENDING } else { EXIT_REFUSED })
}
