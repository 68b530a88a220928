//! Verifying Tally's webhook deliveries (Standard Webhooks v1).
//!
//! Every delivery is a `POST` with a JSON event body and three headers,
//! `webhook-id`, `webhook-timestamp` and `webhook-signature`. Check them
//! against the endpoint's secret (the `whsec_…` it was created with) on the
//! raw body bytes, before parsing it:
//!
//! ```no_run
//! use axum::body::Bytes;
//! use axum::http::{HeaderMap, StatusCode};
//!
//! async fn tally_webhook(headers: HeaderMap, body: Bytes) -> StatusCode {
//!     let secret = std::env::var("TALLY_WEBHOOK_SECRET").unwrap_or_default();
//!     if let Err(e) = tally_client::webhooks::verify(&secret, &headers, &body) {
//!         eprintln!("refused a webhook: {e}");
//!         return StatusCode::BAD_REQUEST;
//!     }
//!     let event: serde_json::Value = match serde_json::from_slice(&body) {
//!         Ok(event) => event,
//!         Err(_) => return StatusCode::BAD_REQUEST,
//!     };
//!     // Deliveries are at-least-once: skip an event whose webhook-id
//!     // (== event["id"]) was already applied, in the same transaction as
//!     // applying it.
//!     println!("{} {}", event["type"], event["id"]);
//!     StatusCode::NO_CONTENT
//! }
//!
//! let app: axum::Router = axum::Router::new().route("/webhooks/tally", axum::routing::post(tally_webhook));
//! # let _ = app;
//! ```
//!
//! **Deliveries are at-least-once.** A delivery whose answer was lost (a
//! timeout, a crash after the work but before the 2xx) is sent again with the
//! same `webhook-id`, so a receiver applies each `webhook-id` once — record
//! the ids it has handled, and treat a repeat as already done (answer 2xx).
//! Answer quickly (2xx) and do slow work afterwards: an answer that takes too
//! long may be taken for a failure, and the event sent again.
//!
//! While an endpoint's secret rotates, a delivery carries two signatures, one
//! per secret; [`verify`] with the old secret keeps working until the
//! rotation ends, and [`verify_any`] accepts either during the switch.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use tally_core::webhook_signature::{self, DEFAULT_TOLERANCE_SECS, HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};

pub use tally_core::webhook_signature::{SecretError, VerifyError, WebhookSecret};

/// How far a delivery's `webhook-timestamp` may be from this machine's clock,
/// either way, before it is refused as a possible replay: five minutes.
pub const TOLERANCE_SECS: i64 = DEFAULT_TOLERANCE_SECS;

/// Verifies a delivery against the endpoint's secret (`whsec_…`), by the
/// current clock with a five-minute tolerance. `body` is the raw request body.
pub fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
    verify_any_at(&[secret], headers, body, now_unix())
}

/// [`verify`] at a given time (Unix seconds), for tests and replays of a capture.
pub fn verify_at(secret: &str, headers: &HeaderMap, body: &[u8], now_unix: i64) -> Result<(), VerifyError> {
    verify_any_at(&[secret], headers, body, now_unix)
}

/// Verifies with any of several secrets: a receiver holds the old and the new
/// one while it switches over, and a delivery signed by either is accepted.
pub fn verify_any(secrets: &[&str], headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
    verify_any_at(secrets, headers, body, now_unix())
}

/// [`verify_any`] at a given time (Unix seconds).
pub fn verify_any_at(secrets: &[&str], headers: &HeaderMap, body: &[u8], now_unix: i64) -> Result<(), VerifyError> {
    let secrets = secrets.iter().map(|s| WebhookSecret::parse(s)).collect::<Result<Vec<_>, _>>()?;
    let id = header(headers, HEADER_ID)?;
    let timestamp = header(headers, HEADER_TIMESTAMP)?;
    // A signature list split over several header lines is one list (RFC 9110 §5.3).
    let mut signatures = Vec::new();
    for value in headers.get_all(HEADER_SIGNATURE) {
        signatures.push(value.to_str().map_err(|_| VerifyError::BadHeader(HEADER_SIGNATURE))?);
    }
    let signatures = signatures.join(" ");
    webhook_signature::verify(&secrets, id, timestamp, &signatures, body, now_unix, TOLERANCE_SECS)
}

/// One header's value, trimmed; absent and empty are both "missing".
fn header<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, VerifyError> {
    match headers.get(name) {
        None => Err(VerifyError::MissingHeader(name)),
        Some(value) => Ok(value.to_str().map_err(|_| VerifyError::BadHeader(name))?.trim()),
    }
}

fn now_unix() -> i64 {
    // A clock before 1970 is treated as 1970: every delivery is then refused
    // as out of tolerance, which is the safe way to be wrong.
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;
    use tally_core::webhook_signature::{sign, signature_header};

    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const OTHER: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const AT: i64 = 1614265330;

    fn headers(id: &str, timestamp: &str, signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER_ID, HeaderValue::from_str(id).unwrap());
        headers.insert(HEADER_TIMESTAMP, HeaderValue::from_str(timestamp).unwrap());
        headers.insert(HEADER_SIGNATURE, HeaderValue::from_str(signature).unwrap());
        headers
    }

    fn signed(secrets: &[&str], body: &[u8], at: i64) -> HeaderMap {
        let secrets: Vec<WebhookSecret> = secrets.iter().map(|s| WebhookSecret::parse(s).unwrap()).collect();
        let refs: Vec<&WebhookSecret> = secrets.iter().collect();
        headers("evt_01JTEST", &at.to_string(), &signature_header(&refs, "evt_01JTEST", at, body))
    }

    #[test]
    fn the_specification_vector_verifies_from_headers() {
        let headers =
            headers("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_eq!(verify_at(SECRET, &headers, BODY, AT), Ok(()));
        assert_eq!(verify_at(OTHER, &headers, BODY, AT), Err(VerifyError::NoMatchingSignature));
        assert_eq!(verify_at(SECRET, &headers, b"{}", AT), Err(VerifyError::NoMatchingSignature));
    }

    #[test]
    fn the_clock_is_the_current_one() {
        let now = now_unix();
        assert_eq!(verify(SECRET, &signed(&[SECRET], BODY, now), BODY), Ok(()));
        let stale = verify(SECRET, &signed(&[SECRET], BODY, now - TOLERANCE_SECS - 60), BODY);
        assert!(matches!(stale, Err(VerifyError::TimestampOutOfTolerance { .. })), "{stale:?}");
    }

    #[test]
    fn a_receiver_with_two_secrets_accepts_either() {
        assert_eq!(verify_any_at(&[OTHER, SECRET], &signed(&[SECRET], BODY, AT), BODY, AT), Ok(()));
        assert_eq!(verify_any_at(&[OTHER, SECRET], &signed(&[OTHER], BODY, AT), BODY, AT), Ok(()));
        // And a sender that rotates signs with both, so the old secret alone still verifies.
        assert_eq!(verify_at(SECRET, &signed(&[OTHER, SECRET], BODY, AT), BODY, AT), Ok(()));
        assert_eq!(verify_any(&[], &signed(&[SECRET], BODY, AT), BODY), Err(VerifyError::NoSecret));
    }

    #[test]
    fn signatures_on_several_header_lines_are_one_list() {
        let mut headers = signed(&[OTHER], BODY, AT);
        let secret = WebhookSecret::parse(SECRET).unwrap();
        headers.append(HEADER_SIGNATURE, HeaderValue::from_str(&sign(&secret, "evt_01JTEST", AT, BODY)).unwrap());
        assert_eq!(verify_at(SECRET, &headers, BODY, AT), Ok(()));
    }

    #[test]
    fn missing_or_malformed_parts_are_errors() {
        let good = signed(&[SECRET], BODY, AT);
        for name in [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE] {
            let mut headers = good.clone();
            headers.remove(name);
            assert_eq!(verify_at(SECRET, &headers, BODY, AT), Err(VerifyError::MissingHeader(name)), "{name}");
        }
        let mut binary = good.clone();
        binary.insert(HEADER_ID, HeaderValue::from_bytes(b"evt_\xff").unwrap());
        assert_eq!(verify_at(SECRET, &binary, BODY, AT), Err(VerifyError::BadHeader(HEADER_ID)));
        assert_eq!(
            verify_at("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &good, BODY, AT),
            Err(VerifyError::Secret(SecretError::MissingPrefix))
        );
        let mut bad_time = good.clone();
        bad_time.insert(HEADER_TIMESTAMP, HeaderValue::from_static("yesterday"));
        assert_eq!(verify_at(SECRET, &bad_time, BODY, AT), Err(VerifyError::BadTimestamp));
    }
}
