//! Who is speaking: the authenticated user with the grants read for this request, and, for a
//! proxy action (代办), the resident the staff member acts for.

use crate::roles::{self, Denial, Grant, Place, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    Resident,
    Staff,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Resident => "resident",
            AccountKind::Staff => "staff",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub session_id: String,
    pub kind: AccountKind,
    /// Role grants as stored now (read per request, so a revocation acts at once).
    pub grants: Vec<Grant>,
    /// The resident a staff member acts for, when acting by proxy (`X-Acting-For`).
    pub acting_for: Option<String>,
}

impl Principal {
    /// The user an action is recorded for: the resident when acting by proxy, else oneself.
    pub fn subject(&self) -> &str {
        self.acting_for.as_deref().unwrap_or(&self.user_id)
    }

    /// The staff member who performed a proxy action.
    pub fn proxy(&self) -> Option<&str> {
        self.acting_for.as_ref().map(|_| self.user_id.as_str())
    }

    pub fn require(&self, place: &Place, at_least: Role) -> Result<(), Denial> {
        roles::require(&self.grants, place, at_least)
    }

    pub fn sees(&self, place: &Place) -> bool {
        roles::sees(&self.grants, place)
    }

    /// Whether this staff member may act for a resident living at `places` (代办): a grid
    /// worker's role or above over where they live — a grid worker's grid counting for the unit
    /// the grid belongs to and what lies below it.
    pub fn may_act_for(&self, places: &[Place]) -> bool {
        places.iter().any(|place| {
            self.require(place, Role::GridWorker).is_ok()
                || self.grants.iter().any(|g| {
                    g.scope_kind == roles::ScopeKind::Grid
                        && g.role >= Role::GridWorker
                        && place.org_path.starts_with(&g.org_path)
                })
        })
    }

    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::Admin)
    }

    pub fn top_role(&self) -> Option<Role> {
        self.grants.iter().map(|g| g.role).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::ScopeKind;

    fn principal(grants: Vec<Grant>) -> Principal {
        Principal { user_id: "w".into(), session_id: "s".into(), kind: AccountKind::Staff, grants, acting_for: None }
    }

    #[test]
    fn grid_workers_act_for_residents_of_their_grids_unit_and_no_one_else() {
        let path = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let worker = principal(vec![Grant {
            role: Role::GridWorker,
            scope_kind: ScopeKind::Grid,
            scope_id: "g1".into(),
            org_path: path(&["c", "t", "va"]),
        }]);
        assert!(worker.may_act_for(&[Place::in_org(path(&["c", "t", "va", "group1"]))]));
        assert!(!worker.may_act_for(&[Place::in_org(path(&["c", "t", "vb"]))]));
        assert!(!worker.may_act_for(&[]));
        let volunteer = principal(vec![Grant { role: Role::Volunteer, ..worker.grants[0].clone() }]);
        assert!(!volunteer.may_act_for(&[Place::in_org(path(&["c", "t", "va"]))]));
        let cadre = principal(vec![Grant {
            role: Role::VillageCadre,
            scope_kind: ScopeKind::OrgUnit,
            scope_id: "va".into(),
            org_path: path(&["c", "t", "va"]),
        }]);
        assert!(cadre.may_act_for(&[Place::in_org(path(&["c", "t", "va"]))]));
    }
}
