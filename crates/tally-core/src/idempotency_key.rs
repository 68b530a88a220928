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
    #[error(
        "the request names more than one idempotency key (Idempotency-Key repeated, or Idempotency-Key and X-Idempotency-Key disagree); send exactly one"
    )]
    Conflicting,
}

impl IdempotencyKey {
    /// Parses one header value, quoted or bare. A quoted value is an RFC 8941
    /// sf-string item and may carry parameters (`"k";p=1`): the key is the
    /// string alone, so a client that adds parameters names the same key
    /// instead of a different bare one.
    pub fn parse(raw: &[u8]) -> Result<Self, KeyError> {
        let raw = raw.trim_ascii();
        let text = std::str::from_utf8(raw).map_err(|_| KeyError::Invalid("the value is not ASCII"))?;
        let key = match text.strip_prefix('"') {
            Some(quoted) => sf_string_item(quoted)?,
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

    /// Reads the key from every value of the primary header and its alias.
    /// Values that name different keys are an error, never "the first wins":
    /// the server cannot guess which intent the client meant, and silently
    /// picking one could replay or execute the wrong one.
    pub fn from_headers<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Result<Option<Self>, KeyError> {
        let mut found: Option<Self> = None;
        for value in values {
            let key = Self::parse(value)?;
            match &found {
                Some(first) if *first != key => return Err(KeyError::Conflicting),
                Some(_) => {}
                None => found = Some(key),
            }
        }
        Ok(found)
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

/// RFC 8941 sf-string item, after its opening quote: the string up to the
/// closing quote (only `\"` and `\\` are escapes), then nothing or parameters
/// (`;name` or `;name=value`), which carry no part of the key.
fn sf_string_item(quoted: &str) -> Result<String, KeyError> {
    let mut out = String::with_capacity(quoted.len());
    let mut chars = quoted.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, escaped @ ('"' | '\\'))) => out.push(escaped),
                _ => return Err(KeyError::Invalid("a quoted key may only escape '\"' and '\\'")),
            },
            '"' => {
                let rest = &quoted[at + 1..];
                return if rest.is_empty() || valid_parameters(rest) {
                    Ok(out)
                } else {
                    Err(KeyError::Invalid("a quoted key may be followed only by parameters (;name=value)"))
                };
            }
            c => out.push(c),
        }
    }
    Err(KeyError::Invalid("a quoted key needs its closing '\"'"))
}

/// `;name[=value]` repeated, RFC 8941 §3.1.2 (names: lowercase letter or `*`
/// first; values: any bare item, checked only for being visible ASCII).
fn valid_parameters(text: &str) -> bool {
    text.strip_prefix(';').is_some_and(|params| {
        params.split(';').all(|param| {
            let param = param.trim_start_matches(' ');
            let (name, value) = param.split_once('=').unwrap_or((param, "?1"));
            let mut name_chars = name.chars();
            name_chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '*')
                && name_chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.*".contains(c))
                && !value.is_empty()
                && value.bytes().all(|b| (0x21..=0x7e).contains(&b))
        })
    })
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
    fn every_header_value_must_name_the_same_key() {
        let from = |values: &[&str]| IdempotencyKey::from_headers(values.iter().map(|v| v.as_bytes()));
        assert_eq!(from(&[]), Ok(None));
        assert_eq!(from(&["k1"]).unwrap().unwrap().as_str(), "k1");
        assert_eq!(from(&["k1", "\"k1\""]).unwrap().unwrap().as_str(), "k1");
        assert_eq!(from(&["k1", "k2"]), Err(KeyError::Conflicting));
        assert_eq!(from(&["k1", "k1", "k2"]), Err(KeyError::Conflicting));
    }

    #[test]
    fn parameters_of_a_quoted_key_are_not_part_of_it() {
        assert_eq!(key(r#""p5";x=1"#).unwrap(), "p5");
        assert_eq!(key(r#""p5";x=1;y;z="q""#).unwrap(), "p5");
        assert_eq!(key(r#""a\"b";x=1"#).unwrap(), r#"a"b"#);
        for bad in [r#""p5"x"#, r#""p5";"#, r#""p5";X=1"#, r#""p5";x="#, r#""p5"#] {
            assert!(key(bad).is_err(), "{bad:?}");
        }
        // The bare form is not a structured field: its `;` is part of the key.
        assert_eq!(key("p5;x=1").unwrap(), "p5;x=1");
    }
}
