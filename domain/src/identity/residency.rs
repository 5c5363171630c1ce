//! Residency: what an application says, the states it goes through, and who reads and decides
//! applications and households.

use crate::identity::org::parse_name;
use crate::identity::principal::Principal;
use crate::identity::roles::{Denial, Permission, Place, ScopeKind};
use crate::DomainError;

/// One's place in a household.
pub const RELATIONS: &[&str] = &["head", "spouse", "child", "parent", "grandchild", "sibling", "other"];

/// Where an application's status stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResidencyStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

impl ResidencyStatus {
    pub const ALL: [ResidencyStatus; 4] = [Self::Pending, Self::Approved, Self::Rejected, Self::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or(DomainError::Invalid { field: "status", reason: "pending, approved, rejected or withdrawn" })
    }
}

/// The household an application joins, or founds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HouseholdChoice {
    /// Join this household (of the same unit) in this relation.
    Join { household_id: String, relation: &'static str },
    /// Found a new household with this name, as its head.
    Found { name: String },
}

impl HouseholdChoice {
    /// Reads the household part of an application: either a household to join (with a relation,
    /// `other` when none is given) or the name of a new one — not both, not neither.
    pub fn parse(
        household_id: Option<&str>,
        new_household_name: Option<&str>,
        relation: Option<&str>,
    ) -> Result<Self, DomainError> {
        let new_name = new_household_name.map(|n| parse_name(n, "new_household_name")).transpose()?;
        let choice = match (household_id, new_name) {
            (Some(household), None) => {
                let relation = relation.unwrap_or("other");
                let relation = RELATIONS.iter().copied().find(|r| *r == relation).ok_or(DomainError::Invalid {
                    field: "relation",
                    reason: "head, spouse, child, parent, grandchild, sibling or other",
                })?;
                Self::Join { household_id: household.to_owned(), relation }
            }
            (None, Some(name)) => Self::Found { name },
            _ => {
                return Err(DomainError::Invalid {
                    field: "household_id",
                    reason: "give either household_id or new_household_name",
                })
            }
        };
        Ok(choice)
    }

    pub fn household_id(&self) -> Option<&str> {
        match self {
            Self::Join { household_id, .. } => Some(household_id),
            Self::Found { .. } => None,
        }
    }

    pub fn new_household_name(&self) -> Option<&str> {
        match self {
            Self::Join { .. } => None,
            Self::Found { name } => Some(name),
        }
    }

    pub fn relation(&self) -> &'static str {
        match self {
            Self::Join { relation, .. } => relation,
            Self::Found { .. } => "head",
        }
    }
}

/// A decision on an application: approval, or rejection with the reason told to the applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject { reason: String },
}

impl Decision {
    /// A rejection needs a reason: up to 500 characters once trimmed.
    pub fn reject(reason: &str) -> Result<Self, DomainError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(DomainError::Invalid {
                field: "reason",
                reason: "a reason (up to 500 characters) is required to reject",
            });
        }
        Ok(Self::Reject { reason: reason.to_owned() })
    }

    pub fn status(&self) -> ResidencyStatus {
        match self {
            Self::Approve => ResidencyStatus::Approved,
            Self::Reject { .. } => ResidencyStatus::Rejected,
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Approve => None,
            Self::Reject { reason } => Some(reason),
        }
    }
}

/// Whether the caller may read an application by `applicant_id` to a unit at `place`: one's own,
/// or staff who read households there.
pub fn may_read_application(principal: &Principal, applicant_id: &str, place: &Place) -> Result<(), Denial> {
    if applicant_id == principal.user_id {
        return Ok(());
    }
    principal.require_over_residents(place, Permission::ReadHouseholds)
}

/// Whether the caller may decide an application to a unit at `place` (never merely as the
/// applicant).
pub fn may_decide(principal: &Principal, place: &Place) -> Result<(), Denial> {
    principal.require_over_residents(place, Permission::DecideResidency)
}

/// Whether the caller may read a household of a unit at `place`: its members, and staff who read
/// households there.
pub fn may_read_household(principal: &Principal, is_member: bool, place: &Place) -> Result<(), Denial> {
    if is_member {
        return Ok(());
    }
    principal.require_over_residents(place, Permission::ReadHouseholds)
}

/// The org subtrees (paths from the root) under which the caller reads applications and
/// households; an empty path is the whole tree. Department grants read none.
pub fn readable_subtrees(principal: &Principal) -> Vec<Vec<String>> {
    principal
        .grants
        .iter()
        .filter(|g| Permission::ReadHouseholds.allows(g.role) && g.scope_kind != ScopeKind::Department)
        .map(|g| g.org_path.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::principal::AccountKind;
    use crate::identity::roles::{Grant, Role};

    fn path(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    fn principal(role: Role, scope_kind: ScopeKind, ids: &[&str]) -> Principal {
        Principal {
            user_id: "me".into(),
            session_id: "s".into(),
            kind: AccountKind::Staff,
            grants: vec![Grant {
                role,
                scope_kind,
                scope_id: ids.last().map(|s| (*s).to_owned()).unwrap_or_default(),
                org_path: path(ids),
                grids_within: Vec::new(),
            }],
            acting_for: None,
        }
    }

    #[test]
    fn an_application_joins_or_founds_a_household() {
        assert_eq!(
            HouseholdChoice::parse(Some("h"), None, None),
            Ok(HouseholdChoice::Join { household_id: "h".into(), relation: "other" })
        );
        assert_eq!(HouseholdChoice::parse(Some("h"), None, Some("spouse")).map(|c| c.relation()), Ok("spouse"));
        assert_eq!(HouseholdChoice::parse(None, Some(" 李家 "), Some("child")).map(|c| c.relation()), Ok("head"));
        assert_eq!(
            HouseholdChoice::parse(None, Some(" 李家 "), None).map(|c| c.new_household_name().map(str::to_owned)),
            Ok(Some("李家".into()))
        );
        let field = |r: Result<HouseholdChoice, DomainError>| match r {
            Err(DomainError::Invalid { field, .. }) => field,
            Ok(_) => "ok",
        };
        assert_eq!(field(HouseholdChoice::parse(Some("h"), Some("李家"), None)), "household_id");
        assert_eq!(field(HouseholdChoice::parse(None, None, None)), "household_id");
        assert_eq!(field(HouseholdChoice::parse(Some("h"), None, Some("cousin"))), "relation");
        assert_eq!(field(HouseholdChoice::parse(Some("h"), Some(" "), None)), "new_household_name");
    }

    #[test]
    fn statuses_and_decisions() {
        for status in ResidencyStatus::ALL {
            assert_eq!(ResidencyStatus::parse(status.as_str()), Ok(status));
        }
        assert!(ResidencyStatus::parse("done").is_err());
        assert!(Decision::reject("  ").is_err());
        assert!(Decision::reject(&"不".repeat(501)).is_err());
        assert_eq!(Decision::reject(" 不符 ").map(|d| d.reason().map(str::to_owned)), Ok(Some("不符".into())));
        assert_eq!(Decision::Approve.status(), ResidencyStatus::Approved);
    }

    #[test]
    fn applications_are_read_by_their_applicant_and_staff_over_households_and_decided_by_officers() {
        let village = Place::in_org(path(&["c", "t", "va"]));
        let worker = principal(Role::GridWorker, ScopeKind::Grid, &["c", "t", "va"]);
        assert_eq!(may_read_application(&worker, "someone", &village), Ok(()));
        assert_eq!(may_decide(&worker, &village), Err(Denial::Forbidden));
        let cadre = principal(Role::VillageCadre, ScopeKind::OrgUnit, &["c", "t", "va"]);
        assert_eq!(may_decide(&cadre, &village), Ok(()));
        let resident = Principal { grants: Vec::new(), ..cadre.clone() };
        assert_eq!(may_read_application(&resident, "me", &village), Ok(()), "one's own");
        assert_eq!(may_decide(&resident, &village), Err(Denial::NotFound), "not even one's own");
        assert_eq!(may_read_household(&resident, true, &village), Ok(()));
        assert_eq!(may_read_household(&resident, false, &village), Err(Denial::NotFound));
    }

    #[test]
    fn department_grants_read_no_subtree() {
        assert_eq!(
            readable_subtrees(&principal(Role::VillageCadre, ScopeKind::OrgUnit, &["c", "t"])),
            [path(&["c", "t"])]
        );
        assert!(readable_subtrees(&principal(Role::DepartmentOfficer, ScopeKind::Department, &["c"])).is_empty());
        assert!(readable_subtrees(&principal(Role::Supervisor, ScopeKind::OrgUnit, &["c"])).is_empty());
    }
}
