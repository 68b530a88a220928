//! The `Idempotency-Key` header: parsing and validation.
//!
//! The IETF draft defines the value as a structured-header string (`"abc"`),
//! but many clients send it bare (`abc`). Both are accepted as the same key,
//! so a client is never refused for a quoting style it did not choose.

use std::fmt;

use thiserror::Error;

pub const MAX_KEY_LEN: usize = 255;

/// A validated key: 1 to 255 visible ASCII characters (0x21–0x7E).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeyError {
    #[error(
        "an idempotency key is 1 to {MAX_KEY_LEN} visible ASCII characters (0x21-0x7E), sent bare or as a quoted string; {0}"
    )]
    Invalid(&'static str),
    #[error("Idempotency-Key and X-Idempotency-Key are both present and name different keys")]
    Conflicting,
}

impl IdempotencyKey {
    /// Parses one header value, quoted or bare.
    pub fn parse(raw: &[u8]) -> Result<Self, KeyError> {
        let raw = raw.trim_ascii();
        let text = std::str::from_utf8(raw).map_err(|_| KeyError::Invalid("the value is not ASCII"))?;
        let key = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            Some(inner) => unescape_sf_string(inner)?,
            None => text.to_owned(),
        };
        Self::from_unquoted(key)
    }

    fn from_unquoted(key: String) -> Result<Self, KeyError> {
        if key.is_empty() {
            return Err(KeyError::Invalid("this one is empty"));
        }
        if key.len() > MAX_KEY_LEN {
            return Err(KeyError::Invalid("this one is too long"));
        }
        if !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(KeyError::Invalid("this one contains a space, a control or a non-ASCII character"));
        }
        Ok(Self(key))
    }

    /// Reads the key from the primary header and its alias. Both present and
    /// different is an error: the server cannot guess which one the client meant.
    pub fn from_headers(primary: Option<&[u8]>, alias: Option<&[u8]>) -> Result<Option<Self>, KeyError> {
        let primary = primary.map(Self::parse).transpose()?;
        let alias = alias.map(Self::parse).transpose()?;
        match (primary, alias) {
            (Some(a), Some(b)) if a != b => Err(KeyError::Conflicting),
            (Some(a), _) => Ok(Some(a)),
            (None, b) => Ok(b),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 8941 sf-string: inside the quotes only `\"` and `\\` are escapes.
fn unescape_sf_string(inner: &str) -> Result<String, KeyError> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('"' | '\\')) => out.push(escaped),
                _ => return Err(KeyError::Invalid("a quoted key may only escape '\"' and '\\'")),
            },
            '"' => return Err(KeyError::Invalid("a quoted key may not contain an unescaped '\"'")),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> Result<String, KeyError> {
        IdempotencyKey::parse(raw.as_bytes()).map(|k| k.0)
    }

    #[test]
    fn quoted_and_bare_forms_are_the_same_key() {
        let uuid = "8e03978e-40d5-43e8-bc93-6894a57f9324";
        assert_eq!(key(uuid).unwrap(), uuid);
        assert_eq!(key(&format!("\"{uuid}\"")).unwrap(), uuid);
        assert_eq!(key(&format!("  \"{uuid}\" ")).unwrap(), uuid);
    }

    #[test]
    fn escapes_inside_quotes_are_undone() {
        assert_eq!(key(r#""a\"b\\c""#).unwrap(), r#"a"b\c"#);
        assert!(key(r#""a\nb""#).is_err());
        assert!(key(r#""a"b""#).is_err());
    }

    #[test]
    fn length_bounds_are_one_to_255() {
        assert!(key("").is_err());
        assert!(key("\"\"").is_err());
        assert!(key(&"k".repeat(255)).is_ok());
        assert!(key(&"k".repeat(256)).is_err());
    }

    #[test]
    fn only_visible_ascii_is_allowed() {
        for bad in ["a b", "a\tb", "ключ", "a\u{7f}b", "\"a b\""] {
            assert!(key(bad).is_err(), "{bad:?}");
        }
        assert!(key("!~{}[]<>'`").is_ok());
    }

    #[test]
    fn alias_header_is_accepted_but_must_agree() {
        let from =
            |a: Option<&str>, b: Option<&str>| IdempotencyKey::from_headers(a.map(str::as_bytes), b.map(str::as_bytes));
        assert_eq!(from(None, None), Ok(None));
        assert_eq!(from(None, Some("k1")).unwrap().unwrap().as_str(), "k1");
        assert_eq!(from(Some("k1"), Some("\"k1\"")).unwrap().unwrap().as_str(), "k1");
        assert_eq!(from(Some("k1"), Some("k2")), Err(KeyError::Conflicting));
    }
}
