//! Webhook signatures, as the Standard Webhooks specification (v1) defines them.
//!
//! A delivery carries three headers: `webhook-id` (the event's id, the same on
//! every retry), `webhook-timestamp` (Unix seconds when this attempt was
//! signed) and `webhook-signature`, a space-separated list of
//! `v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`. During a
//! secret rotation the list holds one signature per secret, so a receiver that
//! still knows only the old secret keeps verifying.
//!
//! The id and the timestamp are inside the signed content so that a captured
//! delivery cannot be replayed under another id or, past the tolerance, later.
//! Pure: the caller passes the clock (`now_unix`).

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

/// The header names, lower-case as HTTP/2 sends them.
pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// What the specification recommends a receiver accept: five minutes either way.
pub const DEFAULT_TOLERANCE_SECS: i64 = 5 * 60;

/// The prefix of a secret's text form.
pub const SECRET_PREFIX: &str = "whsec_";

/// The only signature version this module makes or checks.
const VERSION: &str = "v1";

type HmacSha256 = Hmac<Sha256>;

/// Encodes with padding (what the reference libraries send) and decodes with or
/// without it, so a secret or signature copied without its `=` still works.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// An endpoint's signing secret: the HMAC key, written `whsec_<base64 of the key>`.
///
/// `Debug` never shows the key, so a secret inside a logged struct stays secret;
/// `Display` does (it is how the secret is handed to the receiver, once).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    key: Vec<u8>,
}

/// Why a `whsec_…` string is not a secret. Never echoes the input: it may be
/// a real secret with a typo.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SecretError {
    #[error("a webhook secret starts with \"whsec_\" (it is the `secret` the endpoint was created with)")]
    MissingPrefix,
    #[error("a webhook secret is \"whsec_\" followed by base64 (A-Z, a-z, 0-9, +, /), which this is not")]
    NotBase64,
    #[error("a webhook secret has a key after \"whsec_\"; this one is empty")]
    Empty,
}

impl WebhookSecret {
    /// Parses `whsec_<base64>`; surrounding whitespace (a pasted newline) is ignored.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text.trim().strip_prefix(SECRET_PREFIX).ok_or(SecretError::MissingPrefix)?;
        if encoded.is_empty() {
            return Err(SecretError::Empty);
        }
        let key = BASE64.decode(encoded).map_err(|_| SecretError::NotBase64)?;
        Ok(Self { key })
    }

    /// A secret from raw key bytes (the server draws them; this crate has no randomness).
    pub fn from_bytes(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    /// The raw HMAC key.
    pub fn key_bytes(&self) -> &[u8] {
        &self.key
    }

    fn mac(&self, msg_id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC accepts any key length");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl fmt::Display for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SECRET_PREFIX}{}", BASE64.encode(&self.key))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookSecret(whsec_<{} bytes, redacted>)", self.key.len())
    }
}

impl FromStr for WebhookSecret {
    type Err = SecretError;

    fn from_str(text: &str) -> Result<Self, SecretError> {
        Self::parse(text)
    }
}

/// One signature, `v1,<base64>`, of a delivery signed at `timestamp` (Unix seconds).
pub fn sign(secret: &WebhookSecret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let digest = secret.mac(msg_id, &timestamp.to_string(), body).finalize().into_bytes();
    format!("{VERSION},{}", BASE64.encode(digest))
}

/// The `webhook-signature` header: one signature per secret, space-separated
/// (two during a rotation: the new secret's and the old one's).
pub fn signature_header(secrets: &[&WebhookSecret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|secret| sign(secret, msg_id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// Why a delivery was not accepted. The messages say what to check, never a
/// secret or the expected signature.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the {0} header is missing or empty")]
    MissingHeader(&'static str),
    #[error("the {0} header is not visible ASCII")]
    BadHeader(&'static str),
    #[error("the webhook-timestamp header is not an integer number of Unix seconds")]
    BadTimestamp,
    #[error(
        "the webhook-timestamp {timestamp} is {}s from now ({now}); more than {tolerance_secs}s is refused as a \
         possible replay (or check this machine's clock)",
        timestamp.abs_diff(*now)
    )]
    TimestampOutOfTolerance { timestamp: i64, now: i64, tolerance_secs: i64 },
    #[error("no v1 signature in webhook-signature matches a secret (wrong secret, or the body was changed)")]
    NoMatchingSignature,
    #[error("no secret to verify with")]
    NoSecret,
    #[error("{0}")]
    Secret(#[from] SecretError),
}

/// Checks a delivery: the timestamp within `tolerance_secs` of `now_unix`
/// either way, and at least one `v1,` signature of the header made by one of
/// `secrets` over exactly these bytes. Signatures of other versions (or
/// unreadable ones) are skipped, as the specification asks, so a sender can
/// add a scheme without breaking receivers. Comparison is constant-time.
///
/// `body` must be the raw bytes received: re-serialised JSON signs differently.
pub fn verify(
    secrets: &[WebhookSecret],
    msg_id: &str,
    timestamp: &str,
    signature_header: &str,
    body: &[u8],
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), VerifyError> {
    if secrets.is_empty() {
        return Err(VerifyError::NoSecret);
    }
    if msg_id.is_empty() {
        return Err(VerifyError::MissingHeader(HEADER_ID));
    }
    if timestamp.is_empty() {
        return Err(VerifyError::MissingHeader(HEADER_TIMESTAMP));
    }
    if signature_header.trim().is_empty() {
        return Err(VerifyError::MissingHeader(HEADER_SIGNATURE));
    }
    // Digits only: `i64::from_str` would also take a sign ("+1614265330"),
    // which the sender never writes, and the signed text must be what was sent.
    if !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::BadTimestamp);
    }
    let signed_at: i64 = timestamp.parse().map_err(|_| VerifyError::BadTimestamp)?;
    // abs_diff: a timestamp near i64::MAX must be refused, not overflow.
    if signed_at.abs_diff(now_unix) > tolerance_secs.max(0).unsigned_abs() {
        return Err(VerifyError::TimestampOutOfTolerance { timestamp: signed_at, now: now_unix, tolerance_secs });
    }
    let candidates: Vec<Vec<u8>> = signature_header
        .split_ascii_whitespace()
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == VERSION)
        .filter_map(|(_, encoded)| BASE64.decode(encoded).ok())
        .collect();
    for secret in secrets {
        let mac = secret.mac(msg_id, timestamp, body);
        // verify_slice compares in constant time (and refuses a wrong length).
        if candidates.iter().any(|candidate| mac.clone().verify_slice(candidate).is_ok()) {
            return Ok(());
        }
    }
    Err(VerifyError::NoMatchingSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The vector of the specification's reference libraries.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const TOLERANCE: i64 = DEFAULT_TOLERANCE_SECS;

    fn secret() -> WebhookSecret {
        WebhookSecret::parse(SECRET).unwrap()
    }

    fn check(secrets: &[WebhookSecret], header: &str, body: &[u8], now: i64) -> Result<(), VerifyError> {
        verify(secrets, MSG_ID, &TIMESTAMP.to_string(), header, body, now, TOLERANCE)
    }

    #[test]
    fn the_specification_vector_signs_and_verifies() {
        assert_eq!(sign(&secret(), MSG_ID, TIMESTAMP, BODY), SIGNATURE);
        assert_eq!(check(&[secret()], SIGNATURE, BODY, TIMESTAMP), Ok(()));
    }

    #[test]
    fn a_padded_key_and_a_utf8_body_match_the_python_reference_library() {
        // Made with the `standardwebhooks` package (1.1.0) from PyPI: a 32-byte
        // key (its base64 ends in `=`) and a body with a non-ASCII character.
        let key: Vec<u8> = (0u8..32).collect();
        let secret = WebhookSecret::from_bytes(&key);
        assert_eq!(secret.to_string(), "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        let body = r#"{"type":"points.earned","data":{"name":"Zoë"}}"#.as_bytes();
        let expected = "v1,iTMYZqg1WLcOEoOig9e6hmQpZvOtDASSQPs2lB/KNWU=";
        assert_eq!(sign(&secret, "evt_01JTEST", 1_700_000_000, body), expected);
        assert_eq!(verify(&[secret], "evt_01JTEST", "1700000000", expected, body, 1_700_000_000, TOLERANCE), Ok(()));
    }

    #[test]
    fn a_secret_round_trips_through_its_text_and_hides_its_key_in_debug() {
        let secret = secret();
        assert_eq!(secret.to_string(), SECRET);
        assert_eq!(SECRET.parse::<WebhookSecret>().unwrap(), secret);
        assert_eq!(WebhookSecret::from_bytes(secret.key_bytes()), secret);
        let debug = format!("{secret:?}");
        assert!(!debug.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "{debug}");
        assert_eq!(debug, "WebhookSecret(whsec_<24 bytes, redacted>)");
        // A pasted newline and missing padding are forgiven.
        let key = [7u8; 32];
        let text = WebhookSecret::from_bytes(&key).to_string();
        assert!(text.ends_with('='), "{text}");
        assert_eq!(WebhookSecret::parse(&format!("{}\n", text.trim_end_matches('='))).unwrap().key_bytes(), key);
    }

    #[test]
    fn a_malformed_secret_is_an_error_that_does_not_echo_it() {
        assert_eq!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Err(SecretError::MissingPrefix));
        assert_eq!(WebhookSecret::parse("whsec_"), Err(SecretError::Empty));
        assert_eq!(WebhookSecret::parse("whsec_not base64!"), Err(SecretError::NotBase64));
        assert_eq!(WebhookSecret::parse(""), Err(SecretError::MissingPrefix));
        let message = WebhookSecret::parse("whsec_sekrit!").unwrap_err().to_string();
        assert!(!message.contains("sekrit"), "{message}");
    }

    #[test]
    fn a_wrong_secret_is_refused() {
        let other = WebhookSecret::from_bytes(b"another key entirely");
        assert_eq!(check(&[other], SIGNATURE, BODY, TIMESTAMP), Err(VerifyError::NoMatchingSignature));
    }

    #[test]
    fn a_tampered_body_id_or_timestamp_is_refused() {
        let body = br#"{"test": 2432232315}"#;
        assert_eq!(check(&[secret()], SIGNATURE, body, TIMESTAMP), Err(VerifyError::NoMatchingSignature));
        let other_id = verify(&[secret()], "msg_other", "1614265330", SIGNATURE, BODY, TIMESTAMP, TOLERANCE);
        assert_eq!(other_id, Err(VerifyError::NoMatchingSignature));
        let other_time = verify(&[secret()], MSG_ID, "1614265331", SIGNATURE, BODY, TIMESTAMP, TOLERANCE);
        assert_eq!(other_time, Err(VerifyError::NoMatchingSignature));
        // A truncated signature is a mismatch, not a panic.
        assert_eq!(check(&[secret()], &SIGNATURE[..20], BODY, TIMESTAMP), Err(VerifyError::NoMatchingSignature));
    }

    #[test]
    fn a_stale_or_future_timestamp_is_refused_even_when_signed() {
        let stale = check(&[secret()], SIGNATURE, BODY, TIMESTAMP + TOLERANCE + 1);
        assert!(matches!(stale, Err(VerifyError::TimestampOutOfTolerance { .. })), "{stale:?}");
        let future = check(&[secret()], SIGNATURE, BODY, TIMESTAMP - TOLERANCE - 1);
        assert!(matches!(future, Err(VerifyError::TimestampOutOfTolerance { .. })), "{future:?}");
        // The edges are inside.
        assert_eq!(check(&[secret()], SIGNATURE, BODY, TIMESTAMP + TOLERANCE), Ok(()));
        assert_eq!(check(&[secret()], SIGNATURE, BODY, TIMESTAMP - TOLERANCE), Ok(()));
        let message = stale.unwrap_err().to_string();
        assert!(message.contains("301s from now"), "{message}");
        // Extremes do not overflow.
        let far = verify(&[secret()], MSG_ID, &i64::MAX.to_string(), SIGNATURE, BODY, i64::MIN, TOLERANCE);
        assert!(matches!(far, Err(VerifyError::TimestampOutOfTolerance { .. })), "{far:?}");
    }

    #[test]
    fn during_a_rotation_either_secret_verifies() {
        let new = WebhookSecret::from_bytes(b"the new key, 32 bytes long......");
        let old = secret();
        let header = signature_header(&[&new, &old], MSG_ID, TIMESTAMP, BODY);
        assert_eq!(header.split(' ').count(), 2);
        assert!(header.ends_with(SIGNATURE), "{header}");
        assert_eq!(check(std::slice::from_ref(&old), &header, BODY, TIMESTAMP), Ok(()));
        assert_eq!(check(std::slice::from_ref(&new), &header, BODY, TIMESTAMP), Ok(()));
        // A receiver holding both secrets accepts a header signed by either alone.
        let both = [old.clone(), new.clone()];
        assert_eq!(check(&both, &sign(&new, MSG_ID, TIMESTAMP, BODY), BODY, TIMESTAMP), Ok(()));
        assert_eq!(check(&both, SIGNATURE, BODY, TIMESTAMP), Ok(()));
        let stranger = WebhookSecret::from_bytes(b"neither");
        assert_eq!(check(&[stranger], &header, BODY, TIMESTAMP), Err(VerifyError::NoMatchingSignature));
    }

    #[test]
    fn unknown_versions_and_junk_entries_are_skipped() {
        let header = format!("v2,c29tZXRoaW5nIGVsc2U= v1a,{} junk ,, {SIGNATURE}", &SIGNATURE[3..]);
        assert_eq!(check(&[secret()], &header, BODY, TIMESTAMP), Ok(()));
        // A v1 signature under another version's name does not count.
        let renamed = SIGNATURE.replacen("v1,", "v1a,", 1);
        assert_eq!(check(&[secret()], &renamed, BODY, TIMESTAMP), Err(VerifyError::NoMatchingSignature));
        assert_eq!(check(&[secret()], "v2,abc", BODY, TIMESTAMP), Err(VerifyError::NoMatchingSignature));
        assert_eq!(check(&[secret()], "v1,***", BODY, TIMESTAMP), Err(VerifyError::NoMatchingSignature));
    }

    #[test]
    fn malformed_headers_are_errors_not_panics() {
        let ts = TIMESTAMP.to_string();
        let run = |id: &str, ts: &str, sig: &str| verify(&[secret()], id, ts, sig, BODY, TIMESTAMP, TOLERANCE);
        assert_eq!(run("", &ts, SIGNATURE), Err(VerifyError::MissingHeader(HEADER_ID)));
        assert_eq!(run(MSG_ID, "", SIGNATURE), Err(VerifyError::MissingHeader(HEADER_TIMESTAMP)));
        assert_eq!(run(MSG_ID, &ts, " "), Err(VerifyError::MissingHeader(HEADER_SIGNATURE)));
        for bad in ["soon", "1614265330.5", "+1614265330", "-1", "99999999999999999999999"] {
            assert_eq!(run(MSG_ID, bad, SIGNATURE), Err(VerifyError::BadTimestamp), "{bad}");
        }
        assert_eq!(verify(&[], MSG_ID, &ts, SIGNATURE, BODY, TIMESTAMP, TOLERANCE), Err(VerifyError::NoSecret));
    }
}
