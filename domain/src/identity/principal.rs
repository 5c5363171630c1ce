//! Who is speaking: the authenticated user with the grants read for this request, and, for a
//! proxy action (代办), the resident the staff member acts for.

use crate::identity::roles::{self, Denial, Grant, Permission, Place, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
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

    /// Whether the caller may delete their own account: administrators are removed by another
    /// administrator, so the tree never loses its last one by accident.
    pub fn may_delete_own_account(&self) -> bool {
        !self.is_admin()
    }

    /// Creating staff accounts: a role that creates staff somewhere, and never by proxy. Where the
    /// account will serve is checked against [`Permission::CreateStaff`] there.
    pub fn may_create_staff(&self) -> Result<(), Denial> {
        if self.holds(Permission::CreateStaff) && self.acting_for.is_none() {
            Ok(())
        } else {
            Err(Denial::Forbidden)
        }
    }

    /// Whether a new staff account gets exactly the name asked for: only administrators of the
    /// whole system; below them a suffix keeps names from telling what exists elsewhere.
    pub fn takes_exact_usernames(&self) -> bool {
        self.holds(Permission::Administer)
    }

    /// Whether the caller sees another person's record (phone masked): oneself, or a resident
    /// living where the caller reads households.
    pub fn sees_person(&self, person_id: &str, lives_at: &[Place]) -> bool {
        person_id == self.user_id
            || lives_at.iter().any(|p| self.require_over_residents(p, Permission::ReadHouseholds).is_ok())
    }

    /// Whether the caller may reveal the full phone of a resident living at `lives_at`: 403 when
    /// one of those places is in scope without the role, 404 when none is.
    pub fn may_reveal_phone(&self, lives_at: &[Place]) -> Result<(), Denial> {
        let outcomes: Vec<_> =
            lives_at.iter().map(|p| self.require_over_residents(p, Permission::ReadHouseholds)).collect();
        if outcomes.iter().any(Result::is_ok) {
            Ok(())
        } else if outcomes.contains(&Err(Denial::Forbidden)) {
            Err(Denial::Forbidden)
        } else {
            Err(Denial::NotFound)
        }
    }

    /// Whether the caller sees a grant held by `holder_id`: their own, or one whose scope (when it
    /// still resolves) lies inside one of the caller's.
    pub fn sees_grant(&self, holder_id: &str, grant: Option<&Grant>) -> bool {
        holder_id == self.user_id || grant.is_some_and(|g| self.grants.iter().any(|mine| mine.covers_scope(g)))
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

    fn cadre_of(path: &[&str]) -> Principal {
        principal(vec![Grant {
            role: Role::VillageCadre,
            scope_kind: ScopeKind::OrgUnit,
            scope_id: path.last().map(|s| (*s).to_owned()).unwrap_or_default(),
            org_path: path.iter().map(|s| (*s).to_owned()).collect(),
            grids_within: Vec::new(),
        }])
    }

    #[test]
    fn phones_are_seen_and_revealed_only_where_households_are_read() {
        let at = |ids: &[&str]| Place::in_org(ids.iter().map(|s| (*s).to_owned()).collect());
        let cadre = cadre_of(&["c", "t", "va"]);
        assert!(cadre.sees_person("w", &[]), "oneself");
        assert!(cadre.sees_person("x", &[at(&["c", "t", "va", "g"])]));
        assert!(!cadre.sees_person("x", &[at(&["c", "t", "vb"])]));
        assert_eq!(cadre.may_reveal_phone(&[at(&["c", "t", "vb"]), at(&["c", "t", "va"])]), Ok(()));
        assert_eq!(cadre.may_reveal_phone(&[at(&["c", "t", "vb"])]), Err(Denial::NotFound));
        assert_eq!(cadre.may_reveal_phone(&[]), Err(Denial::NotFound));
        let supervisor = principal(vec![Grant { role: Role::Supervisor, ..cadre.grants[0].clone() }]);
        assert_eq!(supervisor.may_reveal_phone(&[at(&["c", "t", "va"])]), Err(Denial::Forbidden));
    }

    #[test]
    fn staff_are_created_by_officers_not_by_proxy_and_named_exactly_by_administrators() {
        let mut cadre = cadre_of(&["c", "t", "va"]);
        assert_eq!(cadre.may_create_staff(), Ok(()));
        assert!(!cadre.takes_exact_usernames());
        cadre.acting_for = Some("r".into());
        assert_eq!(cadre.may_create_staff(), Err(Denial::Forbidden));
        let volunteer = principal(vec![Grant { role: Role::Volunteer, ..cadre.grants[0].clone() }]);
        assert_eq!(volunteer.may_create_staff(), Err(Denial::Forbidden));
        let admin = principal(vec![Grant { role: Role::Admin, org_path: Vec::new(), ..cadre.grants[0].clone() }]);
        assert!(admin.takes_exact_usernames() && !admin.may_delete_own_account());
        assert!(cadre.may_delete_own_account());
    }

    #[test]
    fn grants_are_seen_by_their_holder_and_above_their_scope() {
        let township = principal(vec![Grant {
            role: Role::TownshipOfficer,
            scope_kind: ScopeKind::OrgUnit,
            scope_id: "t".into(),
            org_path: vec!["c".into(), "t".into()],
            grids_within: Vec::new(),
        }]);
        let inside = Grant {
            scope_id: "va".into(),
            org_path: vec!["c".into(), "t".into(), "va".into()],
            ..township.grants[0].clone()
        };
        let beside =
            Grant { scope_id: "t2".into(), org_path: vec!["c".into(), "t2".into()], ..township.grants[0].clone() };
        assert!(township.sees_grant("x", Some(&inside)));
        assert!(!township.sees_grant("x", Some(&beside)));
        assert!(!township.sees_grant("x", None));
        assert!(township.sees_grant("w", None), "one's own");
    }
}
