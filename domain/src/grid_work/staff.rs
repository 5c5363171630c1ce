//! A grid's staff: full- or part-time, and the contact they publish to residents.

use crate::identity::roles::Role;
use crate::text_enum;
use crate::DomainError;

text_enum!(
    /// 专职 or 兼职, as townships count grid staff.
    Employment "employment" "full_time or part_time" {
        FullTime => "full_time",
        PartTime => "part_time",
    }
);

/// The roles whose holders on a grid are its staff (their terms may be set).
pub const STAFF_ROLES: [Role; 3] = [Role::GridWorker, Role::GridLeader, Role::Volunteer];

/// The roles whose holders residents find on a grid's card (and who publish a contact).
pub const CARD_ROLES: [Role; 2] = [Role::GridWorker, Role::GridLeader];

/// The most characters of a published contact.
pub const MAX_CONTACT: usize = 32;

/// A contact a grid's worker or leader publishes: a phone number or a WeChat id, 1 to 32
/// characters once trimmed, without spaces or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact(String);

impl Contact {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let count = text.chars().count();
        if count == 0 || count > MAX_CONTACT || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(DomainError::Invalid {
                field: "contact",
                reason: "a phone number or WeChat id of 1 to 32 characters without spaces",
            });
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A contact as residents see it: in full when its holder chose so; otherwise a phone number as
/// `mask_phone` masks it (`138****5678`), a shorter number (a landline) with at most two digits
/// shown at each end and at least four hidden (`88****23`), and anything else (a WeChat id) with only its first and
/// last character kept.
pub fn shown_contact(contact: &str, unmasked: bool) -> String {
    if unmasked {
        return contact.to_owned();
    }
    let digits = contact.trim_start_matches('+');
    if digits.len() >= 11 && digits.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return crate::identity::accounts::mask_phone(contact);
    }
    if digits.len() >= 4 && digits.chars().all(|c| c.is_ascii_digit() || c == '-') {
        // A shorter number (a landline): two digits each end at most, the rest hidden.
        let chars: Vec<char> = contact.chars().collect();
        let keep = ((chars.len() - 4) / 2).min(2);
        let hidden = chars.len() - 2 * keep;
        let head: String = chars[..keep].iter().collect();
        let tail: String = chars[chars.len() - keep..].iter().collect();
        return format!("{head}{}{tail}", "*".repeat(hidden));
    }
    let chars: Vec<char> = contact.chars().collect();
    match chars.as_slice() {
        [] => String::new(),
        [_] | [_, _] => "*".repeat(chars.len()),
        [first, .., last] => format!("{first}{}{last}", "*".repeat((chars.len() - 2).clamp(1, 4))),
    }
}

/// The most characters of a WeChat group link.
pub const MAX_LINK: usize = 300;

/// A WeChat group's link: an `https://` URL with a host, at most 300 characters, no spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupLink(String);

impl GroupLink {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let host = text.strip_prefix("https://").and_then(|rest| rest.split(['/', '?', '#']).next());
        let fits = text.chars().count() <= MAX_LINK
            && host.is_some_and(|h| !h.is_empty())
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if !fits {
            return Err(DomainError::Invalid { field: "link", reason: "an https URL of at most 300 characters" });
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many of a grid's staff are full-time and part-time (those whose terms are not set count
/// in neither).
pub fn count_terms<'a>(terms: impl IntoIterator<Item = &'a Option<Employment>>) -> (usize, usize) {
    terms.into_iter().fold((0, 0), |(full, part), term| match term {
        Some(Employment::FullTime) => (full + 1, part),
        Some(Employment::PartTime) => (full, part + 1),
        None => (full, part),
    })
}
