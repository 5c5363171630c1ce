//! Accounts: usernames, passwords, phone numbers and how a phone is shown.

use crate::DomainError;

/// A staff login name: 3–32 characters of lowercase letters, digits, `_`, `-` and `.`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// What [`Username::parse`] accepts, as a regular expression (for the API document).
    pub const PATTERN: &'static str = r"^[ \t\n]*[A-Za-z0-9_.\-]{3,32}[ \t\n]*$";

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim().to_lowercase();
        let ok = (3..=32).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b));
        if ok {
            Ok(Self(text))
        } else {
            Err(DomainError::Invalid { field: "username", reason: "3 to 32 letters, digits, '_', '-' or '.'" })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This name with `-suffix`, shortened to fit.
    pub fn with_suffix(&self, suffix: &str) -> Result<Self, DomainError> {
        let room = 32usize.saturating_sub(suffix.len() + 1);
        let base: String = self.0.chars().take(room).collect();
        Self::parse(&format!("{base}-{suffix}"))
    }
}

/// The letters of a username suffix: no 0/o, 1/l/i to misread when it is passed on by voice.
pub const SUFFIX_LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A new password: at least 10 characters, not all one kind, not the account name.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(text: &str, username: &str) -> Result<Self, DomainError> {
        let invalid = |reason| Err(DomainError::Invalid { field: "new_password", reason });
        let count = text.chars().count();
        if count < Self::MIN_CHARS {
            return invalid("at least 10 characters");
        }
        if count > Self::MAX_CHARS {
            return invalid("at most 128 characters");
        }
        let has_letter = text.chars().any(char::is_alphabetic);
        let has_other = text.chars().any(|c| !c.is_alphabetic());
        if !(has_letter && has_other) {
            return invalid("mix letters with digits or symbols");
        }
        if text.to_lowercase().contains(&username.to_lowercase()) && !username.is_empty() {
            return invalid("must not contain the username");
        }
        Ok(Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A mainland mobile number: 11 digits starting with 1 (a `+86`/`86` prefix is dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
            .unwrap_or(&digits);
        if digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits.to_owned()))
        } else {
            Err(DomainError::Invalid { field: "phone", reason: "an 11-digit mainland mobile number" })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a phone number leaves the server for anyone but its owner: `138****1234`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "****".to_owned();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// An address notices may be mailed to, trimmed: one `@` between a non-empty local part and a
/// domain with a dot, no whitespace, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// `None` for an absent or blank address (which removes it).
    pub fn parse(text: Option<&str>) -> Result<Option<Self>, DomainError> {
        let Some(email) = text.map(str::trim).filter(|e| !e.is_empty()) else {
            return Ok(None);
        };
        let parts: Vec<&str> = email.split('@').collect();
        let valid = email.len() <= 254
            && parts.len() == 2
            && !parts[0].is_empty()
            && parts[1].contains('.')
            && !email.contains(char::is_whitespace);
        if valid {
            Ok(Some(Self(email.to_owned())))
        } else {
            Err(DomainError::Invalid { field: "email", reason: "an email address" })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why staff need a resident's full phone number (kept in the audit log): 2 to 200 characters
/// once trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealReason(String);

impl RevealReason {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let reason = text.trim();
        let count = reason.chars().count();
        if (2..=200).contains(&count) {
            Ok(Self(reason.to_owned()))
        } else {
            Err(DomainError::Invalid { field: "reason", reason: "2 to 200 characters" })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" Admin ").map(|u| u.as_str().to_owned()), Ok("admin".into()));
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("王五").is_err());
        assert!(Username::parse("a b c").is_err());
    }

    #[test]
    fn passwords_must_be_long_mixed_and_not_the_name() {
        assert!(NewPassword::parse("short1", "admin").is_err());
        assert!(NewPassword::parse("onlyletterslong", "admin").is_err());
        assert!(NewPassword::parse("1234567890123", "admin").is_err());
        assert!(NewPassword::parse("myadmin-2026!", "admin").is_err());
        assert!(NewPassword::parse("村委会2026年春季会议", "admin").is_ok());
        assert!(NewPassword::parse("correct-horse-7", "admin").is_ok());
        assert_eq!(format!("{:?}", NewPassword::parse("correct-horse-7", "x")), "Ok(NewPassword(***))");
    }

    #[test]
    fn phones_parse_and_mask() {
        assert_eq!(Phone::parse("+86 138-0013-1234").map(|p| p.as_str().to_owned()), Ok("13800131234".into()));
        assert!(Phone::parse("23800131234").is_err());
        assert!(Phone::parse("1380013123").is_err());
        assert_eq!(mask_phone("13800131234"), "138****1234");
        assert_eq!(mask_phone("123"), "****");
    }

    #[test]
    fn emails_are_trimmed_and_checked_and_blank_removes() {
        assert_eq!(Email::parse(None), Ok(None));
        assert_eq!(Email::parse(Some("  ")), Ok(None));
        assert_eq!(Email::parse(Some(" a@b.cn ")).map(|e| e.map(|e| e.as_str().to_owned())), Ok(Some("a@b.cn".into())));
        for bad in ["a", "@b.cn", "a@b", "a@b@c.cn", "a b@c.cn"] {
            assert!(Email::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn reveal_reasons_are_two_to_two_hundred_characters() {
        assert_eq!(RevealReason::parse(" 回访 ").map(|r| r.as_str().to_owned()), Ok("回访".into()));
        assert!(RevealReason::parse(" 回 ").is_err());
        assert!(RevealReason::parse(&"回".repeat(201)).is_err());
    }
}
