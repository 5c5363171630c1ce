//! Announcements (通知公告): staff broadcast to every resident of a unit's subtree. What one
//! says, and who may post, list and read them.

use crate::identity::principal::Principal;
use crate::identity::roles::{Denial, Permission, Place};
use crate::DomainError;

/// The longest body, in characters.
pub const MAX_BODY_CHARS: usize = 2000;

/// What an announcement says: a title of 1 to 64 characters and a body of 1 to 2000, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    pub body: String,
}

impl Draft {
    pub fn parse(title: &str, body: &str) -> Result<Self, DomainError> {
        let title = crate::identity::org::parse_name(title, "title")?;
        let body = body.trim();
        if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
            return Err(DomainError::Invalid { field: "body", reason: "1 to 2000 characters" });
        }
        Ok(Self { title, body: body.to_owned() })
    }
}

/// Who may broadcast to the residents of the unit at `unit`: staff who may broadcast over it.
pub fn may_post(principal: &Principal, unit: &Place) -> Result<(), Denial> {
    principal.require(unit, Permission::Broadcast)
}

/// Who may list the announcements made in the subtree of the unit at `unit`.
pub fn may_list(principal: &Principal, unit: &Place) -> Result<(), Denial> {
    principal.require(unit, Permission::ReadAnnouncements)
}

/// Who may read one announcement: its author, and staff who may read announcements over its
/// unit.
pub fn may_read(principal: &Principal, author_id: &str, unit: &Place) -> Result<(), Denial> {
    if principal.user_id == author_id {
        return Ok(());
    }
    principal.require(unit, Permission::ReadAnnouncements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::principal::AccountKind;
    use crate::identity::roles::{Grant, Role, ScopeKind};

    fn path(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    fn staff(role: Role, unit: &[&str]) -> Principal {
        let grant = Grant {
            role,
            scope_kind: ScopeKind::OrgUnit,
            scope_id: unit.last().map(|s| (*s).to_owned()).unwrap_or_default(),
            org_path: path(unit),
            grids_within: Vec::new(),
        };
        Principal {
            user_id: format!("{role:?}"),
            session_id: "s".into(),
            kind: AccountKind::Staff,
            grants: vec![grant],
            acting_for: None,
        }
    }

    #[test]
    fn cadres_post_to_their_subtree_only_and_supervisors_only_read() {
        let village = Place::in_org(path(&["c", "t", "va"]));
        let group = Place::in_org(path(&["c", "t", "va", "g1"]));
        let other = Place::in_org(path(&["c", "t", "vb"]));
        let cadre = staff(Role::VillageCadre, &["c", "t", "va"]);
        assert_eq!(may_post(&cadre, &village), Ok(()));
        assert_eq!(may_post(&cadre, &group), Ok(()));
        assert_eq!(may_post(&cadre, &other), Err(Denial::NotFound));
        let supervisor = staff(Role::Supervisor, &["c", "t", "va"]);
        assert_eq!(may_post(&supervisor, &village), Err(Denial::Forbidden));
        assert_eq!(may_list(&supervisor, &village), Ok(()));
        assert_eq!(may_list(&supervisor, &other), Err(Denial::NotFound));
        let worker = staff(Role::GridWorker, &["c", "t", "va"]);
        assert_eq!(may_post(&worker, &village), Err(Denial::Forbidden));
        assert_eq!(may_post(&staff(Role::TownshipOfficer, &["c", "t"]), &other), Ok(()));
    }

    #[test]
    fn the_author_reads_their_own_wherever_they_are_now() {
        let other = Place::in_org(path(&["c", "t", "vb"]));
        let cadre = staff(Role::VillageCadre, &["c", "t", "va"]);
        assert_eq!(may_read(&cadre, &cadre.user_id, &other), Ok(()));
        assert_eq!(may_read(&cadre, "someone else", &other), Err(Denial::NotFound));
        let resident = Principal { grants: Vec::new(), kind: AccountKind::Resident, ..cadre.clone() };
        assert_eq!(may_read(&resident, "someone else", &other), Err(Denial::NotFound));
    }

    #[test]
    fn drafts_are_trimmed_and_bounded() {
        let draft = Draft::parse(" 停水通知 ", "  明日停水。 ");
        assert_eq!(draft, Ok(Draft { title: "停水通知".into(), body: "明日停水。".into() }));
        assert!(matches!(Draft::parse(" ", "x"), Err(DomainError::Invalid { field: "title", .. })));
        assert!(matches!(Draft::parse("t", "  "), Err(DomainError::Invalid { field: "body", .. })));
        assert!(Draft::parse("t", &"字".repeat(2000)).is_ok());
        assert!(matches!(Draft::parse("t", &"字".repeat(2001)), Err(DomainError::Invalid { field: "body", .. })));
    }
}
