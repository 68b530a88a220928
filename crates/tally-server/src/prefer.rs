//! `Prefer: wait=N` (RFC 7240 §4.3): how long a request that meets its
//! idempotency key in flight may wait for the first request to finish.

use std::time::Duration;

use axum::http::HeaderMap;
use axum::http::header::HeaderName;

pub const PREFER: HeaderName = HeaderName::from_static("prefer");

/// The longest wait honoured, whatever the client asks: a waiting request
/// holds a connection and a task, and a client that needs longer retries.
pub const MAX_WAIT: Duration = Duration::from_secs(10);

/// The `wait` preference of a request, clamped to [`MAX_WAIT`]; `None` when
/// absent, zero or malformed. Per RFC 7240 preferences are case-insensitive,
/// may be spread over several `Prefer` fields or joined by commas, may carry
/// `;` parameters and a quoted value, and only the first `wait` counts; one the
/// server cannot understand is ignored rather than refused.
pub fn wait(headers: &HeaderMap) -> Option<Duration> {
    let value =
        headers.get_all(PREFER).iter().filter_map(|v| v.to_str().ok()).flat_map(split_outside_quotes).find_map(
            |preference| {
                let head = split_params(preference);
                let (name, value) = head.split_once('=').map_or((head, ""), |(n, v)| (n, v));
                name.trim().eq_ignore_ascii_case("wait").then(|| value.trim().trim_matches('"').to_owned())
            },
        )?;
    let secs: u64 = value.parse().ok().filter(|s| *s > 0)?;
    Some(Duration::from_secs(secs).min(MAX_WAIT))
}

/// Splits a field value at commas that are not inside a quoted string.
fn split_outside_quotes(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

/// The `token[=word]` part of a preference, without its `;` parameters.
fn split_params(preference: &str) -> &str {
    let mut quoted = false;
    for (i, c) in preference.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => return &preference[..i],
            _ => {}
        }
    }
    preference
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(PREFER, v.parse().unwrap());
        }
        wait(&headers)
    }

    #[test]
    fn reads_the_wait_preference_in_its_rfc_7240_forms() {
        assert_eq!(parse(&["wait=5"]), Some(Duration::from_secs(5)));
        assert_eq!(parse(&["WAIT = 3"]), Some(Duration::from_secs(3)), "case-insensitive, BWS around '='");
        assert_eq!(parse(&["wait=\"4\""]), Some(Duration::from_secs(4)), "quoted value");
        assert_eq!(parse(&["respond-async, wait=2"]), Some(Duration::from_secs(2)));
        assert_eq!(parse(&["return=minimal; foo=\"a,b\"", "wait=7;x=1"]), Some(Duration::from_secs(7)));
        assert_eq!(parse(&["wait=2, wait=9"]), Some(Duration::from_secs(2)), "only the first counts");
    }

    #[test]
    fn clamps_to_ten_seconds_and_ignores_what_it_cannot_use() {
        assert_eq!(parse(&["wait=600"]), Some(MAX_WAIT));
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&["wait=0"]), None);
        assert_eq!(parse(&["wait=-1"]), None);
        assert_eq!(parse(&["wait=soon"]), None);
        assert_eq!(parse(&["wait"]), None);
        assert_eq!(parse(&["waiting=5"]), None);
        assert_eq!(parse(&["return=representation"]), None);
    }
}
