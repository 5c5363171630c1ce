//! Roles, scopes and the permission table every handler asks.
//!
//! A role is granted on a scope — an org unit, a grid or a department — and covers the subtree
//! below it (a grid covers the grids inside it). An object sits somewhere in the tree; a
//! principal may take an action on it when one of their grants covers it with a role the
//! action names in [`Permission::roles`]. Outside every grant the object is hidden (404); inside
//! but without such a role it is forbidden (403).
//!
//! Roles are not a ladder: the civic roles (council member, representative, supervisor) are
//! residents with a duty, not ranks above grid staff, and carry no staff powers. Each action
//! lists its roles, and granting follows its own table ([`Role::grantable`]).

use serde::{Deserialize, Serialize};

use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

use Role::*;

/// Officers of an org unit's subtree.
const OFFICERS: &[Role] = &[VillageCadre, TownshipOfficer, CountyAdmin, Admin];

impl Role {
    pub const ALL: [Role; 11] = [
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
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Volunteer => "volunteer",
            GridWorker => "grid_worker",
            GridLeader => "grid_leader",
            CouncilMember => "council_member",
            Representative => "representative",
            Supervisor => "supervisor",
            VillageCadre => "village_cadre",
            TownshipOfficer => "township_officer",
            DepartmentOfficer => "department_officer",
            CountyAdmin => "county_admin",
            Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or(DomainError::Invalid { field: "role", reason: "unknown role" })
    }

    /// Roles that act for the institution (and so need a staff account, but for grid workers,
    /// who may be part-time residents). Volunteers and the civic roles are residents' roles.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            GridWorker | GridLeader | VillageCadre | TownshipOfficer | DepartmentOfficer | CountyAdmin | Admin
        )
    }

    /// Whether a resident's account (not a staff account) may hold this role.
    pub fn open_to_residents(self) -> bool {
        matches!(self, Volunteer | GridWorker | CouncilMember | Representative | Supervisor)
    }

    /// Whether an account of this kind may hold this role: staff accounts any, residents only
    /// the roles open to them.
    pub fn check_holder(self, staff_account: bool) -> Result<(), DomainError> {
        if staff_account || self.open_to_residents() {
            Ok(())
        } else {
            Err(DomainError::Invalid { field: "role", reason: "this role is for staff accounts" })
        }
    }

    /// The granting table: the roles a holder of this role may grant inside its scope.
    pub fn grantable(self) -> &'static [Role] {
        match self {
            Admin => &[
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
            ],
            CountyAdmin => &[
                Volunteer,
                GridWorker,
                GridLeader,
                CouncilMember,
                Representative,
                Supervisor,
                VillageCadre,
                TownshipOfficer,
                DepartmentOfficer,
            ],
            TownshipOfficer => {
                &[Volunteer, GridWorker, GridLeader, CouncilMember, Representative, Supervisor, VillageCadre]
            }
            VillageCadre => &[Volunteer, GridWorker, GridLeader, CouncilMember, Representative, Supervisor],
            GridLeader => &[Volunteer, GridWorker],
            GridWorker => &[Volunteer],
            Volunteer | CouncilMember | Representative | Supervisor | DepartmentOfficer => &[],
        }
    }
}

/// What a principal may do somewhere in the tree. Each names the roles that may do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See cases in scope, private ones included (the reporter stays hidden).
    ReadCases,
    /// See who reported a named case: name and masked phone.
    SeeReporter,
    /// Take steps on a case held at the grid, village, township or a department.
    HandleGridCase,
    HandleVillageCase,
    HandleTownshipCase,
    HandleDepartmentCase,
    /// Read a unit's case lists and figures as a whole (oversight included).
    ReadCaseFigures,
    /// Read households, residency applications and residents' records; reveal a resident's full
    /// phone number (audited).
    ReadHouseholds,
    /// Approve or reject residency applications.
    DecideResidency,
    /// Act for a resident living in scope (代办).
    ActForResident,
    /// Broadcast announcements to a unit.
    Broadcast,
    /// Read a unit's announcements and their delivery.
    ReadAnnouncements,
    /// Create staff accounts serving in scope.
    CreateStaff,
    /// Create, rename and arrange org units, grids and departments below a unit.
    ManageOrg,
    /// Create a county at the root of the tree, the catalog, the calendar: the whole system.
    Administer,
    /// File cases through Open311 with an API key.
    UseOpen311,
    /// Triage matters raised for deliberation (三事分流), merge or decline them.
    TriageMatters,
    /// Approve or reject held text (matters, opinions).
    ModerateContent,
    /// The deliberation council's work: meetings, invitations, the courtyard-meeting ledger,
    /// suggestion sheets, a council's resolution.
    CouncilWork,
    /// The village committees' decisions: resolutions, commitments, guidance, referrals,
    /// opening the rating window and archiving.
    DecideMatters,
    /// The supervisory committee's powers over slipped commitments: extend once, escalate.
    Supervise,
    /// A village's (or township's) deliberation set-up: scheme, triage catalog, member pool,
    /// service directory, rules of procedure.
    ManageDeliberation,
    /// Polls of a village or township: create, edit, schedule, cancel, record paper ballots.
    ManagePolls,
    /// Record visits to the households of a grid and walk its patrols (走访、巡查).
    RecordVisits,
    /// Read what visits noted (a township sees figures, not notes).
    ReadVisits,
    /// Read a unit's or grid's visit and coverage figures.
    ReadGridFigures,
    /// Mark the households that need care and set how often they are visited; arrange grid staff
    /// (full- or part-time).
    ManageCare,
    /// Record points entries for the village's people (the rule names who may record it).
    RecordPoints,
    /// Review entries, post them publicly (公示), answer objections, confirm volunteer service,
    /// hand over or cancel redemptions.
    ReviewPoints,
    /// A unit's points set-up: rule sets, the catalog, volunteer teams, dividends.
    ManagePoints,
    /// Read any account's ledger in scope and verify its chain.
    ReadPoints,
    /// Post a unit's public notices (阳光村务) and answer objections to them; keep its public
    /// board: cadres' posts and duties, the small-powers list, the village's rules and lists.
    PostNotices,
    /// Read and answer anonymous reports (举报) sent to a unit: the supervisory committee and
    /// the officers above the village, never the village's own cadres.
    HandleReports,
    /// Read a unit's monthly figures, rankings and reports across all features.
    ReadFigures,
    /// Set a township's or county's ranking rules (red and black lists), its good-governance
    /// contest (善治大比拼) and the scores entered by hand.
    ManageRankings,
}

impl Permission {
    pub const ALL: [Permission; 35] = [
        Permission::ReadCases,
        Permission::SeeReporter,
        Permission::HandleGridCase,
        Permission::HandleVillageCase,
        Permission::HandleTownshipCase,
        Permission::HandleDepartmentCase,
        Permission::ReadCaseFigures,
        Permission::ReadHouseholds,
        Permission::DecideResidency,
        Permission::ActForResident,
        Permission::Broadcast,
        Permission::ReadAnnouncements,
        Permission::CreateStaff,
        Permission::ManageOrg,
        Permission::Administer,
        Permission::UseOpen311,
        Permission::TriageMatters,
        Permission::ModerateContent,
        Permission::CouncilWork,
        Permission::DecideMatters,
        Permission::Supervise,
        Permission::ManageDeliberation,
        Permission::ManagePolls,
        Permission::RecordVisits,
        Permission::ReadVisits,
        Permission::ReadGridFigures,
        Permission::ManageCare,
        Permission::RecordPoints,
        Permission::ReviewPoints,
        Permission::ManagePoints,
        Permission::ReadPoints,
        Permission::PostNotices,
        Permission::HandleReports,
        Permission::ReadFigures,
        Permission::ManageRankings,
    ];

    /// The permission table.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Permission::ReadCases => &[
                Volunteer,
                GridWorker,
                GridLeader,
                Supervisor,
                VillageCadre,
                TownshipOfficer,
                DepartmentOfficer,
                CountyAdmin,
                Admin,
            ],
            Permission::SeeReporter | Permission::UseOpen311 => {
                &[GridWorker, GridLeader, VillageCadre, TownshipOfficer, DepartmentOfficer, CountyAdmin, Admin]
            }
            Permission::HandleGridCase | Permission::ReadHouseholds | Permission::ActForResident => {
                &[GridWorker, GridLeader, VillageCadre, TownshipOfficer, CountyAdmin, Admin]
            }
            Permission::HandleVillageCase
            | Permission::DecideResidency
            | Permission::Broadcast
            | Permission::CreateStaff
            | Permission::DecideMatters
            | Permission::ManageDeliberation
            | Permission::ManagePolls => OFFICERS,
            Permission::TriageMatters | Permission::ModerateContent => {
                &[Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin]
            }
            Permission::CouncilWork => &[CouncilMember, Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin],
            Permission::Supervise => &[Supervisor, TownshipOfficer, CountyAdmin, Admin],
            Permission::HandleTownshipCase => &[TownshipOfficer, CountyAdmin, Admin],
            Permission::HandleDepartmentCase => &[DepartmentOfficer, CountyAdmin, Admin],
            Permission::ReadCaseFigures | Permission::ReadAnnouncements => {
                &[Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin]
            }
            Permission::ManageOrg => &[CountyAdmin, Admin],
            Permission::RecordVisits => &[Volunteer, GridWorker, GridLeader, VillageCadre],
            Permission::ReadVisits => &[GridWorker, GridLeader, VillageCadre],
            Permission::ReadGridFigures => {
                &[GridWorker, GridLeader, Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin]
            }
            Permission::ManageCare | Permission::ReviewPoints | Permission::ManagePoints => OFFICERS,
            Permission::RecordPoints => {
                &[Volunteer, GridWorker, GridLeader, VillageCadre, TownshipOfficer, CountyAdmin, Admin]
            }
            Permission::ReadPoints | Permission::ReadFigures => {
                &[Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin]
            }
            Permission::PostNotices => OFFICERS,
            Permission::HandleReports => &[Supervisor, TownshipOfficer, CountyAdmin, Admin],
            Permission::ManageRankings => &[TownshipOfficer, CountyAdmin, Admin],
            Permission::Administer => &[Admin],
        }
    }

    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub scope_kind: ScopeKind,
    pub scope_id: String,
    /// For an org unit: its path (ending with itself). For a grid or a department: the path of
    /// the org unit it belongs to.
    pub org_path: Vec<String>,
    /// For a grid: the grids nested inside it (a village's big grid holds its groups' small
    /// grids). Empty for other scopes.
    pub grids_within: Vec<String>,
}

impl Grant {
    /// Whether this grant reaches `place`. An org-unit grant covers its subtree (with its grids
    /// and departments); a grid grant covers what is in that grid or a grid nested in it; a
    /// department grant what is assigned to that department.
    pub fn covers(&self, place: &Place) -> bool {
        match self.scope_kind {
            ScopeKind::OrgUnit => place.org_path.starts_with(&self.org_path),
            ScopeKind::Grid => place.grid_id.as_deref().is_some_and(|grid| self.holds_grid(grid)),
            ScopeKind::Department => place.department_id.as_deref() == Some(self.scope_id.as_str()),
        }
    }

    fn holds_grid(&self, grid_id: &str) -> bool {
        self.scope_kind == ScopeKind::Grid
            && (self.scope_id == grid_id || self.grids_within.iter().any(|g| g == grid_id))
    }

    /// Whether this grant reaches another grant's scope (for granting and revoking).
    pub fn covers_scope(&self, other: &Grant) -> bool {
        match (self.scope_kind, other.scope_kind) {
            (ScopeKind::OrgUnit, _) => other.org_path.starts_with(&self.org_path),
            (ScopeKind::Grid, ScopeKind::Grid) => self.holds_grid(&other.scope_id),
            (kind, other_kind) => kind == other_kind && self.scope_id == other.scope_id,
        }
    }
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The object is outside every scope of the principal: its existence is not revealed.
    NotFound,
    /// Inside a scope, but no role there may take the action.
    Forbidden,
}

/// Whether the grants that cover `place` include a role that `permission` names.
pub fn require(grants: &[Grant], place: &Place, permission: Permission) -> Result<(), Denial> {
    let mut covering = grants.iter().filter(|g| g.covers(place)).peekable();
    if covering.peek().is_none() {
        return Err(Denial::NotFound);
    }
    if covering.any(|g| permission.allows(g.role)) {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

/// As [`require`], for what concerns the residents living at `place` (their households, their
/// phone, acting for them): a grid's grant reaches the residents of the unit the grid belongs to
/// and of the units below it, since a grid worker walks the households there.
pub fn require_over_residents(grants: &[Grant], place: &Place, permission: Permission) -> Result<(), Denial> {
    let reaches =
        |g: &&Grant| g.covers(place) || (g.scope_kind == ScopeKind::Grid && place.org_path.starts_with(&g.org_path));
    let mut covering = grants.iter().filter(reaches).peekable();
    if covering.peek().is_none() {
        return Err(Denial::NotFound);
    }
    if covering.any(|g| permission.allows(g.role)) {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

/// Whether any grant covers `place` at all (it is in scope, whatever the role).
pub fn sees(grants: &[Grant], place: &Place) -> bool {
    grants.iter().any(|g| g.covers(place))
}

/// The granting rule: a role one's granting table lists, within one's own scope, never to
/// oneself.
pub fn may_grant(granter_id: &str, granter: &[Grant], grantee_id: &str, wanted: &Grant) -> Result<(), Denial> {
    let covering: Vec<&Grant> = granter.iter().filter(|g| g.covers_scope(wanted)).collect();
    if covering.is_empty() {
        return Err(Denial::NotFound);
    }
    if granter_id == grantee_id {
        return Err(Denial::Forbidden);
    }
    if covering.iter().any(|g| g.role.grantable().contains(&wanted.role)) {
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
            grids_within: Vec::new(),
        }
    }

    fn grid_grant(role: Role, grid: &str, within: &[&str]) -> Grant {
        Grant {
            role,
            scope_kind: ScopeKind::Grid,
            scope_id: grid.into(),
            org_path: path(&["county", "town1", "villageA"]),
            grids_within: path(within),
        }
    }

    #[test]
    fn roles_parse_and_print_every_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("king").is_err());
    }

    /// The permission table, row by row: the roles each action names, and no other.
    #[test]
    fn each_permission_names_exactly_its_roles() {
        use Permission as P;
        let expected: [(P, &[Role]); 35] = [
            (
                P::ReadCases,
                &[
                    Volunteer,
                    GridWorker,
                    GridLeader,
                    Supervisor,
                    VillageCadre,
                    TownshipOfficer,
                    DepartmentOfficer,
                    CountyAdmin,
                    Admin,
                ],
            ),
            (
                P::SeeReporter,
                &[GridWorker, GridLeader, VillageCadre, TownshipOfficer, DepartmentOfficer, CountyAdmin, Admin],
            ),
            (P::HandleGridCase, &[GridWorker, GridLeader, VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::HandleVillageCase, &[VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::HandleTownshipCase, &[TownshipOfficer, CountyAdmin, Admin]),
            (P::HandleDepartmentCase, &[DepartmentOfficer, CountyAdmin, Admin]),
            (P::ReadCaseFigures, &[Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::ReadHouseholds, &[GridWorker, GridLeader, VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::DecideResidency, &[VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::ActForResident, &[GridWorker, GridLeader, VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::Broadcast, &[VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::ReadAnnouncements, &[Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::CreateStaff, &[VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::ManageOrg, &[CountyAdmin, Admin]),
            (P::Administer, &[Admin]),
            (
                P::UseOpen311,
                &[GridWorker, GridLeader, VillageCadre, TownshipOfficer, DepartmentOfficer, CountyAdmin, Admin],
            ),
            (P::TriageMatters, &[Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::ModerateContent, &[Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::CouncilWork, &[CouncilMember, Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::DecideMatters, &[VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::Supervise, &[Supervisor, TownshipOfficer, CountyAdmin, Admin]),
            (P::ManageDeliberation, &[VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::ManagePolls, &[VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::RecordVisits, &[Volunteer, GridWorker, GridLeader, VillageCadre]),
            (P::ReadVisits, &[GridWorker, GridLeader, VillageCadre]),
            (
                P::ReadGridFigures,
                &[GridWorker, GridLeader, Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin],
            ),
            (P::ManageCare, &[VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::RecordPoints, &[Volunteer, GridWorker, GridLeader, VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::ReviewPoints, &[VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::ManagePoints, &[VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::ReadPoints, &[Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::PostNotices, &[VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::HandleReports, &[Supervisor, TownshipOfficer, CountyAdmin, Admin]),
            (P::ReadFigures, &[Supervisor, VillageCadre, TownshipOfficer, CountyAdmin, Admin]),
            (P::ManageRankings, &[TownshipOfficer, CountyAdmin, Admin]),
        ];
        assert_eq!(expected.len(), Permission::ALL.len());
        for (permission, roles) in expected {
            for role in Role::ALL {
                assert_eq!(permission.allows(role), roles.contains(&role), "{permission:?} for {role:?}");
            }
        }
    }

    /// Civic roles are residents with a duty: no staff power at all, only their duty in
    /// deliberation (the council deliberates, the supervisory committee oversees).
    #[test]
    fn civic_roles_carry_no_staff_powers() {
        let of = |role: Role| -> Vec<Permission> { Permission::ALL.into_iter().filter(|p| p.allows(role)).collect() };
        assert_eq!(of(Representative), []);
        assert_eq!(of(CouncilMember), [Permission::CouncilWork]);
        assert_eq!(
            of(Supervisor),
            [
                Permission::ReadCases,
                Permission::ReadCaseFigures,
                Permission::ReadAnnouncements,
                Permission::TriageMatters,
                Permission::ModerateContent,
                Permission::CouncilWork,
                Permission::Supervise,
                Permission::ReadGridFigures,
                Permission::ReadPoints,
                Permission::HandleReports,
                Permission::ReadFigures,
            ]
        );
        for civic in [CouncilMember, Representative, Supervisor, Volunteer] {
            assert!(!civic.is_staff() && civic.open_to_residents() && civic.grantable().is_empty());
        }
    }

    /// The granting table, row by row.
    #[test]
    fn each_role_grants_exactly_its_row() {
        let civic_and_grid = [Volunteer, GridWorker, GridLeader, CouncilMember, Representative, Supervisor];
        for granter in Role::ALL {
            let expected: Vec<Role> = match granter {
                Admin => Role::ALL.into_iter().filter(|r| *r != Admin).collect(),
                CountyAdmin => Role::ALL.into_iter().filter(|r| !matches!(r, Admin | CountyAdmin)).collect(),
                TownshipOfficer => civic_and_grid.iter().copied().chain([VillageCadre]).collect(),
                VillageCadre => civic_and_grid.to_vec(),
                GridLeader => vec![Volunteer, GridWorker],
                GridWorker => vec![Volunteer],
                _ => vec![],
            };
            for wanted in Role::ALL {
                let mine = vec![org_grant(granter, &["c", "t"])];
                let target = org_grant(wanted, &["c", "t", "v"]);
                let allowed = may_grant("a", &mine, "b", &target).is_ok();
                assert_eq!(allowed, expected.contains(&wanted), "{granter:?} granting {wanted:?}");
            }
        }
    }

    #[test]
    fn an_org_grant_covers_its_subtree_and_nothing_beside_it() {
        let cadre_a = org_grant(VillageCadre, &["county", "town1", "villageA"]);
        assert!(cadre_a.covers(&Place::in_org(path(&["county", "town1", "villageA"]))));
        assert!(cadre_a.covers(&Place::in_org(path(&["county", "town1", "villageA", "group1", "b1"]))));
        assert!(!cadre_a.covers(&Place::in_org(path(&["county", "town1", "villageB"]))));
        assert!(!cadre_a.covers(&Place::in_org(path(&["county", "town1"]))), "not upwards");
        // A sibling whose id starts with the same text is still a sibling.
        assert!(!cadre_a.covers(&Place::in_org(path(&["county", "town1", "villageAB"]))));
    }

    #[test]
    fn a_grid_grant_covers_its_grid_and_the_grids_inside_it() {
        let in_grid = |g: &str| Place {
            org_path: path(&["county", "town1", "villageA"]),
            grid_id: Some(g.into()),
            department_id: None,
        };
        let leader = grid_grant(GridLeader, "village", &["group1", "group2"]);
        let worker = grid_grant(GridWorker, "group1", &[]);
        assert!(
            leader.covers(&in_grid("village"))
                && leader.covers(&in_grid("group1"))
                && leader.covers(&in_grid("group2"))
        );
        assert!(!leader.covers(&in_grid("other")));
        assert!(
            worker.covers(&in_grid("group1"))
                && !worker.covers(&in_grid("group2"))
                && !worker.covers(&in_grid("village"))
        );
        assert!(!worker.covers(&Place::in_org(path(&["county", "town1", "villageA"]))), "a grid is not its unit");
        // Granting follows the same nesting: the leader grants in the small grids, not the reverse.
        assert!(leader.covers_scope(&worker));
        assert!(!worker.covers_scope(&leader));
        assert_eq!(may_grant("l", std::slice::from_ref(&leader), "w", &grid_grant(GridWorker, "group2", &[])), Ok(()));
        assert_eq!(may_grant("w", &[worker], "x", &grid_grant(Volunteer, "village", &[])), Err(Denial::NotFound));
    }

    #[test]
    fn department_grants_cover_only_their_own_objects() {
        let housing = Grant {
            role: DepartmentOfficer,
            scope_kind: ScopeKind::Department,
            scope_id: "housing".into(),
            org_path: path(&["county"]),
            grids_within: Vec::new(),
        };
        assert!(housing.covers(&Place { department_id: Some("housing".into()), ..Place::default() }));
        assert!(!housing.covers(&Place::in_org(path(&["county", "town1"]))));
    }

    #[test]
    fn require_answers_not_found_outside_and_forbidden_inside() {
        let grants = vec![
            org_grant(Supervisor, &["county", "town1", "villageA"]),
            org_grant(VillageCadre, &["county", "town1", "villageC"]),
        ];
        let a = Place::in_org(path(&["county", "town1", "villageA", "g1"]));
        let b = Place::in_org(path(&["county", "town1", "villageB"]));
        let c = Place::in_org(path(&["county", "town1", "villageC"]));
        assert_eq!(require(&grants, &a, Permission::ReadCaseFigures), Ok(()));
        assert_eq!(
            require(&grants, &a, Permission::ReadHouseholds),
            Err(Denial::Forbidden),
            "a supervisor is no cadre"
        );
        assert_eq!(require(&grants, &b, Permission::ReadCases), Err(Denial::NotFound));
        assert_eq!(require(&grants, &c, Permission::ReadHouseholds), Ok(()));
        assert_eq!(require(&[], &a, Permission::ReadCases), Err(Denial::NotFound));
        assert!(sees(&grants, &a) && !sees(&grants, &b));
    }

    #[test]
    fn granting_only_within_ones_scope_never_to_oneself() {
        let township = vec![org_grant(TownshipOfficer, &["county", "town1"])];
        let cadre_in_a = org_grant(VillageCadre, &["county", "town1", "villageA"]);
        assert_eq!(may_grant("officer", &township, "u2", &cadre_in_a), Ok(()));
        assert_eq!(may_grant("officer", &township, "officer", &cadre_in_a), Err(Denial::Forbidden), "not to oneself");
        let equal = org_grant(TownshipOfficer, &["county", "town1", "villageA"]);
        assert_eq!(may_grant("officer", &township, "u2", &equal), Err(Denial::Forbidden), "not one's own role");
        let elsewhere = org_grant(Volunteer, &["county", "town2"]);
        assert_eq!(may_grant("officer", &township, "u2", &elsewhere), Err(Denial::NotFound));
        let above = org_grant(Volunteer, &["county"]);
        assert_eq!(may_grant("officer", &township, "u2", &above), Err(Denial::NotFound), "not above one's scope");
        let supervisors = vec![org_grant(Supervisor, &["county", "town1"])];
        let volunteer = org_grant(Volunteer, &["county", "town1", "villageA"]);
        assert_eq!(may_grant("s", &supervisors, "x", &volunteer), Err(Denial::Forbidden), "civic roles grant nothing");
    }

    #[test]
    fn residents_hold_only_the_roles_open_to_them() {
        for role in Role::ALL {
            assert_eq!(role.check_holder(true), Ok(()));
            assert_eq!(role.check_holder(false).is_ok(), role.open_to_residents(), "{role:?}");
        }
    }
}
