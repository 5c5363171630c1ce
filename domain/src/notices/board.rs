//! The public board (五亮) of a village: its cadres' posts (干部亮职) and who supervises
//! (监督亮责), with what the public sees of a phone number; the small-powers list, the notices
//! and the results are read from [`super::powers`], the notices and the figures.

use crate::identity::accounts::mask_phone;
use crate::typed_id;
use crate::DomainError;

use super::powers::fits;

typed_id!(
    /// A cadre's post on a village's board.
    CadrePostId
);

/// The most posts one village shows.
pub const MAX_POSTS: usize = 50;

/// A phone as the board takes it: 5 to 20 digits, `-` or `+`, starting with a digit or `+`.
pub fn check_phone(field: &'static str, phone: &str) -> Result<(), DomainError> {
    let ok = (5..=20).contains(&phone.len())
        && phone.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
        && phone.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'+');
    if ok {
        Ok(())
    } else {
        Err(DomainError::Invalid { field, reason: "5 to 20 digits, - or +" })
    }
}

/// What the public board shows of a phone number: `138****1234`.
pub fn public_phone(phone: Option<&str>) -> Option<String> {
    phone.filter(|p| !p.is_empty()).map(mask_phone)
}

/// A cadre's post as staff write it (干部亮职), validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadrePostDraft {
    /// The person (a staff account or a resident holding a role in the village).
    pub person_id: String,
    /// The post (e.g. 村党组织书记), 1 to 40 characters.
    pub title: String,
    /// What the post answers for, at most 1,000 characters.
    pub duties: String,
    /// The contact phone of the post (masked on the public board); the person's own when absent.
    pub phone: Option<String>,
    /// Where it stands on the board, lower first.
    pub position: i32,
}

impl CadrePostDraft {
    pub fn parse(
        person_id: String,
        title: &str,
        duties: &str,
        phone: Option<String>,
        position: i64,
    ) -> Result<Self, DomainError> {
        if !fits(title, 1, 40) {
            return Err(DomainError::Invalid { field: "title", reason: "1 to 40 characters" });
        }
        if !fits(duties, 0, 1000) {
            return Err(DomainError::Invalid { field: "duties", reason: "at most 1000 characters" });
        }
        if let Some(phone) = &phone {
            check_phone("phone", phone)?;
        }
        let position = i32::try_from(position)
            .ok()
            .filter(|p| (0..=1000).contains(p))
            .ok_or(DomainError::Invalid { field: "position", reason: "0 to 1000" })?;
        Ok(Self { person_id, title: title.trim().to_owned(), duties: duties.trim().to_owned(), phone, position })
    }
}

/// The supervisory committee's contact (村务监督委员会), configured per village, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisionDraft {
    /// Its name as the board shows it, 1 to 60 characters.
    pub committee: String,
    pub phone: Option<String>,
    /// Where to find it (an office, office hours), at most 200 characters.
    pub address: String,
}

impl SupervisionDraft {
    pub fn parse(committee: &str, phone: Option<String>, address: &str) -> Result<Self, DomainError> {
        if !fits(committee, 1, 60) {
            return Err(DomainError::Invalid { field: "committee", reason: "1 to 60 characters" });
        }
        if let Some(phone) = &phone {
            check_phone("phone", phone)?;
        }
        if !fits(address, 0, 200) {
            return Err(DomainError::Invalid { field: "address", reason: "at most 200 characters" });
        }
        Ok(Self { committee: committee.trim().to_owned(), phone, address: address.trim().to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_is_checked_and_its_phone_masked_in_public() {
        let post = CadrePostDraft::parse("u".into(), " 村党组织书记 ", "全面负责", Some("13812341234".into()), 1);
        assert_eq!(post.map(|p| p.title), Ok("村党组织书记".to_owned()));
        assert!(CadrePostDraft::parse("u".into(), "", "", None, 1).is_err());
        assert!(CadrePostDraft::parse("u".into(), "主任", "", Some("abc".into()), 1).is_err());
        assert!(CadrePostDraft::parse("u".into(), "主任", "", None, -1).is_err());
        assert!(CadrePostDraft::parse("u".into(), "主任", "", None, 1 << 40).is_err());
        assert_eq!(public_phone(Some("13812341234")), Some("138****1234".to_owned()));
        assert_eq!(public_phone(None), None);
    }

    #[test]
    fn the_committee_needs_a_name() {
        assert!(SupervisionDraft::parse("村务监督委员会", Some("0731-5551234".into()), "村部二楼").is_ok());
        assert!(SupervisionDraft::parse(" ", None, "").is_err());
        assert!(SupervisionDraft::parse("监委会", Some("1".into()), "").is_err());
    }
}
