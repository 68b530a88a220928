//! Endpoint secrets at rest.
//!
//! With a node key (`--webhook-secret-key`, the same on every node), a secret
//! is stored sealed: ChaCha20-Poly1305 under that key, with a random nonce,
//! so a database dump alone cannot forge signatures. Without one it is stored
//! as it is, and a dump can; the server says so at start. A stored secret says
//! which it is (`sealed:v1:` or `plain:`), so a node can be given a key later
//! and go on reading the secrets written before it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use tally_core::webhook_signature::WebhookSecret;

const SEALED: &str = "sealed:v1:";
const PLAIN: &str = "plain:";
/// Bytes of a new secret's key (192 bits; the reference libraries use 24 too).
const SECRET_BYTES: usize = 24;

/// The node key that seals secrets: 32 bytes.
#[derive(Clone)]
pub struct SecretKey(Key);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// 32 bytes, as 64 hex digits or base64.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bytes = hex::decode(text).or_else(|_| BASE64.decode(text)).map_err(|_| {
            "the webhook secret key must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)"
                .to_owned()
        })?;
        let key: [u8; 32] =
            bytes.try_into().map_err(|_| "the webhook secret key must be exactly 32 bytes".to_owned())?;
        Ok(Self(key.into()))
    }
}

/// A fresh signing secret.
pub fn generate() -> WebhookSecret {
    let mut key = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut key);
    WebhookSecret::from_bytes(&key)
}

/// The secret as it is stored.
pub fn seal(secret: &WebhookSecret, key: Option<&SecretKey>) -> String {
    let Some(key) = key else { return format!("{PLAIN}{secret}") };
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = ChaCha20Poly1305::new(&key.0)
        .encrypt(Nonce::from_slice(&nonce), secret.key_bytes())
        .expect("ChaCha20-Poly1305 seals any message this short");
    let mut out = nonce.to_vec();
    out.extend(sealed);
    format!("{SEALED}{}", BASE64.encode(out))
}

/// The secret a stored value holds.
pub fn open(stored: &str, key: Option<&SecretKey>) -> Result<WebhookSecret, String> {
    if let Some(plain) = stored.strip_prefix(PLAIN) {
        return WebhookSecret::parse(plain).map_err(|e| e.to_string());
    }
    let sealed = stored.strip_prefix(SEALED).ok_or("a stored webhook secret of unknown form")?;
    let key = key.ok_or("this secret was sealed with a node key, and this node was started without one")?;
    let bytes = BASE64.decode(sealed).map_err(|_| "a sealed webhook secret that is not base64")?;
    if bytes.len() < 12 {
        return Err("a sealed webhook secret too short to hold its nonce".to_owned());
    }
    let (nonce, sealed) = bytes.split_at(12);
    let opened = ChaCha20Poly1305::new(&key.0)
        .decrypt(Nonce::from_slice(nonce), sealed)
        .map_err(|_| "a sealed webhook secret that this node's key does not open (a different key?)")?;
    Ok(WebhookSecret::from_bytes(&opened))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::parse(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_only_and_does_not_show() {
        let secret = generate();
        let stored = seal(&secret, Some(&key()));
        assert!(stored.starts_with(SEALED));
        let text = secret.to_string();
        assert!(!stored.contains(text.trim_start_matches("whsec_")));
        assert_eq!(open(&stored, Some(&key())).unwrap(), secret);
        assert!(open(&stored, None).is_err());
        let other = SecretKey::parse(&"cd".repeat(32)).unwrap();
        assert!(open(&stored, Some(&other)).is_err());
    }

    #[test]
    fn a_plain_secret_opens_with_or_without_a_key() {
        let secret = generate();
        let stored = seal(&secret, None);
        assert_eq!(stored, format!("plain:{secret}"));
        assert_eq!(open(&stored, None).unwrap(), secret);
        assert_eq!(open(&stored, Some(&key())).unwrap(), secret);
    }

    #[test]
    fn node_keys_must_be_32_bytes() {
        assert!(SecretKey::parse("abcd").is_err());
        assert!(SecretKey::parse(&BASE64.encode([7u8; 32])).is_ok());
    }
}
