//! Who is speaking: the authenticated user with the grants read for this request, and, for a
//! proxy action (代办), the resident the staff member acts for.

use crate::identity::roles::{self, Denial, Grant, Permission, Place, Role};

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

    pub fn require(&self, place: &Place, permission: Permission) -> Result<(), Denial> {
        roles::require(&self.grants, place, permission)
    }

    /// Whether the caller may take `permission` at `place`.
    pub fn may(&self, place: &Place, permission: Permission) -> bool {
        self.require(place, permission).is_ok()
    }

    /// Whether some place in scope is in scope at all (any role).
    pub fn sees(&self, place: &Place) -> bool {
        roles::sees(&self.grants, place)
    }

    /// Whether the caller holds `permission` anywhere (for actions not tied to one place).
    pub fn holds(&self, permission: Permission) -> bool {
        self.grants.iter().any(|g| permission.allows(g.role))
    }

    /// As [`Principal::require`] for the residents living at `place`: a grid's staff reach the
    /// residents of the grid's unit and below.
    pub fn require_over_residents(&self, place: &Place, permission: Permission) -> Result<(), Denial> {
        roles::require_over_residents(&self.grants, place, permission)
    }

    /// Whether a person living or serving at `places` is within the caller's reach (whatever the
    /// role): staff administration stays inside one's scope. A person placed nowhere is reached
    /// only from the root of the tree.
    pub fn reaches_person(&self, places: &[Place]) -> bool {
        let from_root = self.grants.iter().any(|g| g.scope_kind == roles::ScopeKind::OrgUnit && g.org_path.is_empty());
        from_root
            || places
                .iter()
                .any(|place| self.require_over_residents(place, Permission::Administer) != Err(Denial::NotFound))
    }

    /// Whether this staff member may act for a resident living at `places` (代办).
    pub fn may_act_for(&self, places: &[Place]) -> bool {
        places.iter().any(|place| self.require_over_residents(place, Permission::ActForResident).is_ok())
    }

    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::roles::ScopeKind;

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
            grids_within: Vec::new(),
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
            grids_within: Vec::new(),
        }]);
        assert!(cadre.may_act_for(&[Place::in_org(path(&["c", "t", "va"]))]));
        let supervisor = principal(vec![Grant { role: Role::Supervisor, ..cadre.grants[0].clone() }]);
        assert!(!supervisor.may_act_for(&[Place::in_org(path(&["c", "t", "va"]))]), "a civic role acts for no one");
    }
}
