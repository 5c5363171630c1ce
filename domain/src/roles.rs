//! Roles, scopes and the permission rules every handler asks.
//!
//! A role is granted on a scope — an org unit, a grid or a department — and covers the subtree
//! below it. An object sits somewhere in the tree; a principal may touch it when one of their
//! grants covers it with a role strong enough for the action. Outside every grant the object
//! is hidden (404); inside but without the right role it is forbidden (403).

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// Roles, weakest first. The order is the granting order: one may grant only roles below one's
/// own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Volunteer,
    GridWorker,
    GridLeader,
    CouncilMember,
    Representative,
    Supervisor,
    VillageCadre,
    TownshipOfficer,
    DepartmentOfficer,
    CountyAdmin,
    Admin,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Volunteer,
        Role::GridWorker,
        Role::GridLeader,
        Role::CouncilMember,
        Role::Representative,
        Role::Supervisor,
        Role::VillageCadre,
        Role::TownshipOfficer,
        Role::DepartmentOfficer,
        Role::CountyAdmin,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Volunteer => "volunteer",
            Role::GridWorker => "grid_worker",
            Role::GridLeader => "grid_leader",
            Role::CouncilMember => "council_member",
            Role::Representative => "representative",
            Role::Supervisor => "supervisor",
            Role::VillageCadre => "village_cadre",
            Role::TownshipOfficer => "township_officer",
            Role::DepartmentOfficer => "department_officer",
            Role::CountyAdmin => "county_admin",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or(DomainError::Invalid { field: "role", reason: "unknown role" })
    }

    /// Roles that staff hold (all but volunteers act for the institution).
    pub fn is_staff(self) -> bool {
        self >= Role::GridWorker
    }
}

/// What kind of node a grant is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    OrgUnit,
    Grid,
    Department,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::OrgUnit => "org_unit",
            ScopeKind::Grid => "grid",
            ScopeKind::Department => "department",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "org_unit" => Ok(Self::OrgUnit),
            "grid" => Ok(Self::Grid),
            "department" => Ok(Self::Department),
            _ => Err(DomainError::Invalid { field: "scope_kind", reason: "must be org_unit, grid or department" }),
        }
    }
}

/// Where something sits: the org units from the root down to its own (ids), and the grid and
/// department it belongs to, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub org_path: Vec<String>,
    pub grid_id: Option<String>,
    pub department_id: Option<String>,
}

impl Place {
    pub fn in_org(org_path: Vec<String>) -> Self {
        Self { org_path, ..Self::default() }
    }
}

/// One role held on one scope, resolved to where that scope sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub scope_kind: ScopeKind,
    pub scope_id: String,
    /// For an org unit: its path (ending with itself). For a grid or a department: the path of
    /// the org unit it belongs to.
    pub org_path: Vec<String>,
}

impl Grant {
    /// Whether this grant reaches `place`. An org-unit grant covers its subtree (with its grids
    /// and departments); a grid grant covers what is in that grid; a department grant what is
    /// assigned to that department.
    pub fn covers(&self, place: &Place) -> bool {
        match self.scope_kind {
            ScopeKind::OrgUnit => place.org_path.starts_with(&self.org_path),
            ScopeKind::Grid => place.grid_id.as_deref() == Some(self.scope_id.as_str()),
            ScopeKind::Department => place.department_id.as_deref() == Some(self.scope_id.as_str()),
        }
    }

    /// Whether this grant reaches another grant's scope (for granting and revoking).
    pub fn covers_scope(&self, other: &Grant) -> bool {
        match (self.scope_kind, other.scope_kind) {
            (ScopeKind::OrgUnit, _) => other.org_path.starts_with(&self.org_path),
            (kind, other_kind) => kind == other_kind && self.scope_id == other.scope_id,
        }
    }
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The object is outside every scope of the principal: its existence is not revealed.
    NotFound,
    /// Inside a scope, but no role there is strong enough.
    Forbidden,
}

/// The weakest role that may do something, checked against the grants that cover the place.
pub fn require(grants: &[Grant], place: &Place, at_least: Role) -> Result<(), Denial> {
    let covering: Vec<&Grant> = grants.iter().filter(|g| g.covers(place)).collect();
    if covering.is_empty() {
        return Err(Denial::NotFound);
    }
    if covering.iter().any(|g| g.role >= at_least) {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

/// Whether `place` is visible at all to someone holding `grants`.
pub fn sees(grants: &[Grant], place: &Place) -> bool {
    grants.iter().any(|g| g.covers(place))
}

/// The granting rule: only a role below one's own, within one's own subtree, never to oneself.
pub fn may_grant(granter_id: &str, granter: &[Grant], grantee_id: &str, wanted: &Grant) -> Result<(), Denial> {
    let covering: Vec<&Grant> = granter.iter().filter(|g| g.covers_scope(wanted)).collect();
    if covering.is_empty() {
        return Err(Denial::NotFound);
    }
    if granter_id == grantee_id {
        return Err(Denial::Forbidden);
    }
    if covering.iter().any(|g| g.role > wanted.role && g.role.is_staff()) {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    fn org_grant(role: Role, ids: &[&str]) -> Grant {
        Grant {
            role,
            scope_kind: ScopeKind::OrgUnit,
            scope_id: ids.last().map(|s| (*s).to_owned()).unwrap_or_default(),
            org_path: path(ids),
        }
    }

    #[test]
    fn roles_parse_and_print_every_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("king").is_err());
        assert!(Role::Admin > Role::CountyAdmin && Role::VillageCadre > Role::Supervisor);
    }

    #[test]
    fn an_org_grant_covers_its_subtree_and_nothing_beside_it() {
        let cadre_a = org_grant(Role::VillageCadre, &["county", "town1", "villageA"]);
        assert!(cadre_a.covers(&Place::in_org(path(&["county", "town1", "villageA"]))));
        assert!(cadre_a.covers(&Place::in_org(path(&["county", "town1", "villageA", "group1", "b1"]))));
        assert!(!cadre_a.covers(&Place::in_org(path(&["county", "town1", "villageB"]))));
        assert!(!cadre_a.covers(&Place::in_org(path(&["county", "town1"]))), "not upwards");
        // A sibling whose id starts with the same text is still a sibling.
        assert!(!cadre_a.covers(&Place::in_org(path(&["county", "town1", "villageAB"]))));
    }

    #[test]
    fn grid_and_department_grants_cover_only_their_own_objects() {
        let worker = Grant {
            role: Role::GridWorker,
            scope_kind: ScopeKind::Grid,
            scope_id: "g1".into(),
            org_path: path(&["county", "town1", "villageA"]),
        };
        let in_grid =
            Place { org_path: path(&["county", "town1", "villageA"]), grid_id: Some("g1".into()), department_id: None };
        let other_grid = Place { grid_id: Some("g2".into()), ..in_grid.clone() };
        assert!(worker.covers(&in_grid));
        assert!(!worker.covers(&other_grid));
        assert!(!worker.covers(&Place::in_org(path(&["county", "town1", "villageA"]))));

        let housing = Grant {
            role: Role::DepartmentOfficer,
            scope_kind: ScopeKind::Department,
            scope_id: "housing".into(),
            org_path: path(&["county"]),
        };
        assert!(housing.covers(&Place { department_id: Some("housing".into()), ..Place::default() }));
        assert!(!housing.covers(&Place::in_org(path(&["county", "town1"]))));
    }

    #[test]
    fn require_answers_not_found_outside_and_forbidden_inside() {
        let grants = vec![
            org_grant(Role::Supervisor, &["county", "town1", "villageA"]),
            org_grant(Role::VillageCadre, &["county", "town1", "villageC"]),
        ];
        let a = Place::in_org(path(&["county", "town1", "villageA", "g1"]));
        let b = Place::in_org(path(&["county", "town1", "villageB"]));
        let c = Place::in_org(path(&["county", "town1", "villageC"]));
        assert_eq!(require(&grants, &a, Role::Supervisor), Ok(()));
        assert_eq!(require(&grants, &a, Role::VillageCadre), Err(Denial::Forbidden));
        assert_eq!(require(&grants, &b, Role::Volunteer), Err(Denial::NotFound));
        assert_eq!(require(&grants, &c, Role::VillageCadre), Ok(()));
        assert_eq!(require(&[], &a, Role::Volunteer), Err(Denial::NotFound));
        assert!(sees(&grants, &a) && !sees(&grants, &b));
    }

    #[test]
    fn granting_only_below_ones_role_within_ones_subtree_never_to_oneself() {
        let township = vec![org_grant(Role::TownshipOfficer, &["county", "town1"])];
        let cadre_in_a = org_grant(Role::VillageCadre, &["county", "town1", "villageA"]);
        assert_eq!(may_grant("officer", &township, "u2", &cadre_in_a), Ok(()));
        assert_eq!(may_grant("officer", &township, "officer", &cadre_in_a), Err(Denial::Forbidden), "not to oneself");
        let equal = org_grant(Role::TownshipOfficer, &["county", "town1", "villageA"]);
        assert_eq!(may_grant("officer", &township, "u2", &equal), Err(Denial::Forbidden), "not one's own level");
        let elsewhere = org_grant(Role::Volunteer, &["county", "town2"]);
        assert_eq!(may_grant("officer", &township, "u2", &elsewhere), Err(Denial::NotFound));
        let above = org_grant(Role::Volunteer, &["county"]);
        assert_eq!(may_grant("officer", &township, "u2", &above), Err(Denial::NotFound), "not above one's scope");

        let grid_worker = vec![Grant {
            role: Role::GridWorker,
            scope_kind: ScopeKind::Grid,
            scope_id: "g1".into(),
            org_path: path(&["county", "town1", "villageA"]),
        }];
        let volunteer_in_g1 = Grant { role: Role::Volunteer, ..grid_worker[0].clone() };
        assert_eq!(may_grant("w", &grid_worker, "v", &volunteer_in_g1), Ok(()));
        assert_eq!(may_grant("w", &grid_worker, "w", &volunteer_in_g1), Err(Denial::Forbidden));
        let leader_in_g1 = Grant { role: Role::GridLeader, ..grid_worker[0].clone() };
        assert_eq!(may_grant("w", &grid_worker, "x", &leader_in_g1), Err(Denial::Forbidden));

        let volunteers = vec![org_grant(Role::Volunteer, &["county", "town1"])];
        let nothing = Grant { role: Role::Volunteer, ..cadre_in_a.clone() };
        assert_eq!(may_grant("v", &volunteers, "x", &nothing), Err(Denial::Forbidden), "volunteers grant nothing");
    }

    #[test]
    fn every_role_may_grant_exactly_the_roles_below_it() {
        for granter in Role::ALL {
            for wanted in Role::ALL {
                let mine = vec![org_grant(granter, &["c", "t"])];
                let target = org_grant(wanted, &["c", "t", "v"]);
                let allowed = may_grant("a", &mine, "b", &target).is_ok();
                assert_eq!(allowed, granter > wanted && granter.is_staff(), "{granter:?} granting {wanted:?}");
            }
        }
    }
}
