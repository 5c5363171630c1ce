//! Who sees a case and what of it, and who may act on it. Infra supplies the facts — where the
//! case sits, whether the caller follows it, where the caller lives — and these functions decide.
//!
//! Who sees a case: its reporter and followers, residents when it is public, staff whose scope
//! holds it (its grid, village, township, or the department it was escalated to). An anonymous
//! reporter is never shown, not even to staff.

use super::Level;
use crate::identity::principal::{AccountKind, Principal};
use crate::identity::roles::{Denial, Permission, Place};

/// What the access rules need of a case.
#[derive(Debug, Clone, Copy)]
pub struct Exposure<'a> {
    pub reporter_id: &'a str,
    pub anonymous: bool,
    pub public: bool,
}

/// How the caller relates to a case.
#[derive(Debug, Clone)]
pub struct Seen {
    pub place: Place,
    /// A grant of the caller that reads cases covers it (volunteers and supervisors included).
    pub in_scope: bool,
    /// A staff grant of the caller covers it: they see who reported it.
    pub staff: bool,
    pub reporter: bool,
    pub follower: bool,
    /// The exact point and address, else coarsened (see [`sees_exact_location`]).
    pub exact_location: bool,
}

impl Seen {
    /// The caller's relation to a case at `place`; `homes` are the org paths of the caller's
    /// residences (needed only when [`needs_homes`] says so).
    pub fn new(principal: &Principal, case: Exposure<'_>, place: Place, follower: bool, homes: &[Vec<String>]) -> Self {
        let in_scope = principal.may(&place, Permission::ReadCases);
        let reporter = is_reporter(principal, case);
        Self {
            in_scope,
            staff: principal.may(&place, Permission::SeeReporter),
            reporter,
            follower,
            exact_location: sees_exact_location(in_scope, reporter, &place.org_path, homes),
            place,
        }
    }

    /// Whether the caller may see the case at all (else it is answered as unknown).
    pub fn visible(&self, principal: &Principal, case: Exposure<'_>) -> bool {
        self.in_scope || self.reporter || self.follower || sees_public(principal, case)
    }

    /// Whether the caller is shown who reported: the reporter and staff in scope, never for an
    /// anonymous report.
    pub fn shows_reporter(&self, case: Exposure<'_>) -> bool {
        !case.anonymous && (self.staff || self.reporter)
    }

    /// Whether the caller is shown the grid worker who acted for the reporter.
    pub fn shows_proxy(&self, case: Exposure<'_>) -> bool {
        self.staff && !case.anonymous
    }

    /// Whether a timeline entry's actor is hidden: the reporter's own steps, unless the caller
    /// is shown the reporter.
    pub fn hides_actor(&self, case: Exposure<'_>, by_reporter: bool, actor_id: Option<&str>) -> bool {
        let reporters_own = by_reporter || actor_id == Some(case.reporter_id);
        reporters_own && !self.shows_reporter(case)
    }
}

pub fn is_reporter(principal: &Principal, case: Exposure<'_>) -> bool {
    case.reporter_id == principal.subject()
}

/// Public cases are public to residents; staff see by scope only (a neighbouring grid's worker
/// gets 404, public or not).
pub fn sees_public(principal: &Principal, case: Exposure<'_>) -> bool {
    case.public && (principal.kind == AccountKind::Resident || principal.acting_for.is_some())
}

/// Whether deciding needs where the caller lives (neither in scope nor the reporter).
pub fn needs_homes(principal: &Principal, case: Exposure<'_>, place: &Place) -> bool {
    !principal.may(place, Permission::ReadCases) && !is_reporter(principal, case)
}

/// Whether the caller must be asked whether they follow the case (the reporter need not).
pub fn needs_following(principal: &Principal, case: Exposure<'_>) -> bool {
    !is_reporter(principal, case)
}

/// The caller handles the case at `level` (or above it): else forbidden, the case being visible.
pub fn require_handler(principal: &Principal, seen: &Seen, level: Level) -> Result<(), Denial> {
    principal.require(&seen.place, level.handling()).map_err(|_| Denial::Forbidden)
}

/// Who may reveal the reporter's phone: staff in scope who handle the case, at its grid or at
/// the level holding it now; for an anonymous report, admins only.
pub fn may_reveal_reporter(principal: &Principal, seen: &Seen, level: Level, case: Exposure<'_>) -> Result<(), Denial> {
    if !seen.staff {
        return Err(Denial::Forbidden);
    }
    require_handler(principal, seen, Level::Grid).or_else(|_| require_handler(principal, seen, level))?;
    if case.anonymous && !principal.is_admin() {
        return Err(Denial::Forbidden);
    }
    Ok(())
}

/// Whether a caller sees a report's exact point and house-number address: staff whose scope
/// reads the case, the reporter, and residents of the case's own village. Everyone else sees
/// the point coarsened (about 100 m) and no address.
pub fn sees_exact_location(in_scope: bool, reporter: bool, case_path: &[String], caller_homes: &[Vec<String>]) -> bool {
    in_scope
        || reporter
        || crate::identity::org::village_of(case_path).is_some_and(|village| {
            caller_homes.iter().any(|home| crate::identity::org::village_of(home) == Some(village))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::roles::{Grant, Role, ScopeKind};

    fn path() -> Vec<String> {
        ["county", "township", "village", "group"].map(String::from).to_vec()
    }

    fn place() -> Place {
        Place { org_path: path(), grid_id: Some("grid".into()), department_id: None }
    }

    fn person(kind: AccountKind, grants: Vec<Grant>) -> Principal {
        Principal { user_id: "me".into(), session_id: String::new(), kind, grants, acting_for: None }
    }

    fn grid_grant(role: Role) -> Grant {
        Grant {
            role,
            scope_kind: ScopeKind::Grid,
            scope_id: "grid".into(),
            org_path: path()[..3].to_vec(),
            grids_within: Vec::new(),
        }
    }

    fn case(reporter_id: &str, anonymous: bool, public: bool) -> Exposure<'_> {
        Exposure { reporter_id, anonymous, public }
    }

    #[test]
    fn residents_see_their_own_followed_and_public_cases_only() {
        let resident = person(AccountKind::Resident, Vec::new());
        let own = case("me", false, false);
        let seen = Seen::new(&resident, own, place(), false, &[]);
        assert!(seen.visible(&resident, own) && seen.reporter && seen.exact_location);
        assert!(seen.shows_reporter(own));
        let other = case("someone", false, false);
        assert!(!Seen::new(&resident, other, place(), false, &[]).visible(&resident, other));
        assert!(Seen::new(&resident, other, place(), true, &[]).visible(&resident, other), "a follower");
        let public = case("someone", false, true);
        let seen = Seen::new(&resident, public, place(), false, &[]);
        assert!(seen.visible(&resident, public) && !seen.shows_reporter(public) && !seen.exact_location);
        let neighbour = Seen::new(&resident, public, place(), false, &[path()[..3].to_vec()]);
        assert!(neighbour.exact_location, "a resident of the case's village sees the point");
    }

    #[test]
    fn staff_see_by_scope_and_never_an_anonymous_reporter() {
        let worker = person(AccountKind::Staff, vec![grid_grant(Role::GridWorker)]);
        let named = case("someone", false, false);
        let seen = Seen::new(&worker, named, place(), false, &[]);
        assert!(seen.visible(&worker, named) && seen.staff && seen.shows_reporter(named) && seen.shows_proxy(named));
        assert!(require_handler(&worker, &seen, Level::Grid).is_ok());
        assert_eq!(require_handler(&worker, &seen, Level::Township), Err(Denial::Forbidden));
        let anonymous = case("someone", true, false);
        let seen = Seen::new(&worker, anonymous, place(), false, &[]);
        assert!(!seen.shows_reporter(anonymous) && !seen.shows_proxy(anonymous));
        assert!(seen.hides_actor(anonymous, true, None) && seen.hides_actor(anonymous, false, Some("someone")));
        assert!(!seen.hides_actor(anonymous, false, Some("worker")));
        assert_eq!(may_reveal_reporter(&worker, &seen, Level::Grid, anonymous), Err(Denial::Forbidden));
        assert_eq!(may_reveal_reporter(&worker, &seen, Level::Grid, named), Ok(()));
        let elsewhere = Place { grid_id: Some("other".into()), org_path: Vec::new(), department_id: None };
        let public = case("someone", false, true);
        assert!(!Seen::new(&worker, public, elsewhere, false, &[]).visible(&worker, public), "staff see by scope");
    }

    #[test]
    fn volunteers_read_but_are_not_shown_the_reporter() {
        let volunteer = person(AccountKind::Resident, vec![grid_grant(Role::Volunteer)]);
        let named = case("someone", false, false);
        let seen = Seen::new(&volunteer, named, place(), false, &[]);
        assert!(seen.in_scope && !seen.staff && !seen.shows_reporter(named));
        assert!(!needs_homes(&volunteer, named, &place()));
        assert_eq!(may_reveal_reporter(&volunteer, &seen, Level::Grid, named), Err(Denial::Forbidden));
    }
}
