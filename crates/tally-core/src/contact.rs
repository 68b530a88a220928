//! Natural keys of a customer: e-mail and phone, normalised so that the same
//! person typed two ways is matched as one customer.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ContactError {
    #[error("email must look like name@domain (at most 254 characters)")]
    Email,
    #[error(
        "phone must be in international form: '+' then 8 to 15 digits; spaces, dots, dashes and brackets are ignored"
    )]
    Phone,
}

/// Lower-cases and trims an e-mail address, with a light shape check. Full
/// RFC 5322 validation refuses real addresses more often than it catches typos.
pub fn normalize_email(raw: &str) -> Result<String, ContactError> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@').ok_or(ContactError::Email)?;
    let well_formed = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    well_formed.then_some(email).ok_or(ContactError::Email)
}

/// Normalises a phone number to E.164 (`+4915112345678`). A number without a
/// country code is refused rather than guessed: guessing would merge strangers.
pub fn normalize_phone(raw: &str) -> Result<String, ContactError> {
    let trimmed = raw.trim();
    let digits_part = trimmed.strip_prefix('+').ok_or(ContactError::Phone)?;
    let mut digits = String::with_capacity(16);
    for c in digits_part.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(ContactError::Phone),
        }
    }
    if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
        return Err(ContactError::Phone);
    }
    Ok(format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_lower_cased_and_trimmed() {
        assert_eq!(normalize_email("  Ada@Example.COM ").unwrap(), "ada@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in ["", "ada", "@example.com", "ada@", "ada@example", "a b@example.com", "a@b@c.com", "ada@.com"] {
            assert_eq!(normalize_email(bad), Err(ContactError::Email), "{bad}");
        }
    }

    #[test]
    fn phone_is_reduced_to_e164() {
        assert_eq!(normalize_phone("+49 (151) 123-45.678").unwrap(), "+4915112345678");
    }

    #[test]
    fn phones_without_country_code_or_with_letters_are_refused() {
        for bad in ["015112345678", "+49abc1234567", "+123", "+0151123456789", "+1234567890123456"] {
            assert_eq!(normalize_phone(bad), Err(ContactError::Phone), "{bad}");
        }
    }
}
