//! What can go wrong, with the server's problem+json kept whole.

use serde::{Deserialize, Serialize};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An RFC 9457 problem, as the server sent it. A non-JSON error body (from a
/// proxy, say) becomes a problem with code `http_<status>` and the text as detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub status: u16,
    /// Stable machine-readable code, e.g. `insufficient_points`.
    pub code: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub title: String,
    #[serde(rename = "type", default)]
    pub kind: String,
}

impl Problem {
    /// Reads an error body; falls back to the status when it is not problem+json.
    pub fn from_body(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<Problem>(body) {
            Ok(mut problem) => {
                problem.status = status;
                problem
            }
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let detail: String = text.trim().chars().take(500).collect();
                Problem { status, code: format!("http_{status}"), detail, title: String::new(), kind: String::new() }
            }
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.detail)
    }
}

/// Why the last attempt of an intent that was given up on failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with a retryable status (5xx, 429, 409 in use).
    Status(Box<Problem>),
    /// No answer: refused, reset, dropped mid-flight, or timed out.
    Transport(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Status(problem) => problem.fmt(f),
            Failure::Transport(cause) => write!(f, "transport: {cause}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server's final answer: a 4xx that retrying cannot change. For a
    /// journaled write, the intent is done (recorded with this problem's code).
    #[error("{0}")]
    Api(Problem),
    /// Every allowed attempt failed by accident. Whether the effect happened is
    /// unknown here; a journaled intent stays pending, and `resume()` (or the
    /// same key, sent again) settles it exactly once.
    #[error("gave up after {attempts} attempt(s): {last}{}", pending_note(.key))]
    GaveUp { key: Option<String>, attempts: u32, last: Failure },
    /// The local journal could not be read or written. A write whose intent
    /// could not be recorded was not sent.
    #[error("journal: {0}")]
    Journal(#[from] sqlx::Error),
    /// A success whose body is not what the SDK expected (the effect stands).
    #[error("unexpected response body: {0}")]
    Decode(String),
    #[error("{0}")]
    Config(String),
}

fn pending_note(key: &Option<String>) -> String {
    match key {
        Some(key) => format!(" (key {key}; still pending, resume() will finish it)"),
        None => String::new(),
    }
}

impl Error {
    /// The problem+json behind this error, final or last seen before giving up.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Error::Api(problem) => Some(problem),
            Error::GaveUp { last: Failure::Status(problem), .. } => Some(problem),
            _ => None,
        }
    }

    /// The problem's stable `code`, e.g. `insufficient_points`.
    pub fn code(&self) -> Option<&str> {
        self.problem().map(|p| p.code.as_str())
    }

    /// The HTTP status of the (last) answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        self.problem().map(|p| p.status)
    }

    pub fn detail(&self) -> Option<&str> {
        self.problem().map(|p| p.detail.as_str())
    }

    /// Whether the outcome is still open: sending the same key again may succeed.
    pub fn is_pending(&self) -> bool {
        matches!(self, Error::GaveUp { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_json_is_kept_whole() {
        let body = br#"{"type":"/problems/insufficient_points","title":"Unprocessable Entity","status":422,"detail":"needs 150, has 100","code":"insufficient_points"}"#;
        let problem = Problem::from_body(422, body);
        assert_eq!(problem.code, "insufficient_points");
        assert_eq!(problem.detail, "needs 150, has 100");
        assert_eq!(problem.kind, "/problems/insufficient_points");
        let error = Error::Api(problem);
        assert_eq!(error.code(), Some("insufficient_points"));
        assert_eq!(error.status(), Some(422));
        assert!(!error.is_pending());
        assert_eq!(error.to_string(), "422 insufficient_points: needs 150, has 100");
    }

    #[test]
    fn a_body_that_is_not_a_problem_still_gives_a_code() {
        let problem = Problem::from_body(502, b"<html>Bad Gateway</html>");
        assert_eq!(problem.code, "http_502");
        assert_eq!(problem.detail, "<html>Bad Gateway</html>");
        let error = Error::GaveUp { key: Some("k1".into()), attempts: 5, last: Failure::Status(Box::new(problem)) };
        assert_eq!(error.status(), Some(502));
        assert!(error.is_pending());
        assert!(error.to_string().contains("gave up after 5 attempt(s)"), "{error}");
        assert!(error.to_string().contains("key k1"), "{error}");
    }
}
