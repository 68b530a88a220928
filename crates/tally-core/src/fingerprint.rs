//! The request fingerprint stored beside an idempotency key.
//!
//! SHA-256 over method, path, sorted query and the canonical JSON body (keys
//! sorted, no insignificant whitespace, numbers normalised, in the spirit of
//! RFC 8785), so a retry that only reorders keys or re-indents is recognised as
//! the same request, while any change of meaning is not.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Hex SHA-256 fingerprint of a request.
pub fn fingerprint(method: &str, path: &str, query: Option<&str>, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.to_ascii_uppercase().as_bytes());
    hasher.update(b"\n");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(sorted_query(query.unwrap_or("")).as_bytes());
    hasher.update(b"\n");
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => hasher.update(canonical_json(&value).as_bytes()),
        // Not JSON: the request will be refused anyway, but the fingerprint must
        // still tell two different bodies apart.
        Err(_) => hasher.update(body),
    }
    hex::encode(hasher.finalize())
}

fn sorted_query(query: &str) -> String {
    let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    pairs.sort_unstable();
    pairs.join("&")
}

/// Serialises `value` canonically: object keys sorted by their UTF-16 code
/// units as RFC 8785 asks, no whitespace, integral numbers without a fraction.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        Value::Number(n) => out.push_str(&canonical_number(n)),
        other => out.push_str(&other.to_string()),
    }
}

fn canonical_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    // 2^53: beyond it an f64 no longer holds every integer exactly.
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 { format!("{}", f as i64) } else { format!("{f}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reordering_and_reindenting_keeps_the_fingerprint() {
        let a = br#"{"customer_id":"cus_1","reward_id":"rwd_1","quantity":1}"#;
        let b = b"{\n  \"quantity\": 1.0,\n  \"reward_id\": \"rwd_1\",\n  \"customer_id\": \"cus_1\"\n}";
        assert_eq!(fingerprint("POST", "/x", None, a), fingerprint("post", "/x", None, b));
    }

    #[test]
    fn any_change_of_meaning_changes_the_fingerprint() {
        let base = fingerprint("POST", "/x", None, br#"{"q":1}"#);
        assert_ne!(base, fingerprint("POST", "/x", None, br#"{"q":2}"#));
        assert_ne!(base, fingerprint("PUT", "/x", None, br#"{"q":1}"#));
        assert_ne!(base, fingerprint("POST", "/y", None, br#"{"q":1}"#));
        assert_ne!(base, fingerprint("POST", "/x", Some("a=1"), br#"{"q":1}"#));
        assert_ne!(base, fingerprint("POST", "/x", None, br#"{"q":"1"}"#));
    }

    #[test]
    fn query_order_does_not_matter() {
        assert_eq!(fingerprint("GET", "/x", Some("b=2&a=1"), b""), fingerprint("GET", "/x", Some("a=1&b=2"), b""));
    }

    #[test]
    fn canonical_form_is_compact_and_sorted() {
        let v: Value = serde_json::from_str(r#"{ "b": [1, 2.50, {"d":null,"c":true}], "a": "x\"y" }"#).unwrap();
        assert_eq!(canonical_json(&v), r#"{"a":"x\"y","b":[1,2.5,{"c":true,"d":null}]}"#);
    }
}
