//! A unit's monthly figures, read through each feature's own queries (never its tables).
//!
//! Bounded statements whatever the number of units: the units (1), their subtrees (1), cases
//! (1), case reporters (1), matters raised (1), commitments due (1), ratings (1), opinion
//! authors (1), polls closed (1), their ballots (1), voters (1), points entries (1),
//! redemptions (1), residents (1) — 14 statements, each grouped by unit here.

use std::collections::{HashMap, HashSet};

use diesel::result::Error as DieselError;
use domain::cases::{CaseFacts, CaseStatus, Outcome, Period, SatisfiedFrom};
use domain::stats::figures::{Month, MonthlyFigures, Ratio};

use crate::cases::queries as cases;
use crate::deliberation::queries as deliberation;
use crate::identity::queries::{org, residency};
use crate::points::standings as points;
use crate::voting::queries as voting;
use crate::DbConn;

/// How many SQL statements `for_units` runs, whatever the number of units.
pub const STATEMENTS: usize = 14;

/// Which requested units (by index) each unit of the subtrees counts towards.
struct Tree {
    owners: HashMap<String, Vec<usize>>,
}

impl Tree {
    fn owners(&self, unit: &str) -> &[usize] {
        self.owners.get(unit).map(Vec::as_slice).unwrap_or(&[])
    }

    fn units(&self) -> Vec<String> {
        self.owners.keys().cloned().collect()
    }
}

/// The figures of each unit (its whole subtree) for one month, in the order given. An unknown
/// unit gets zeros.
pub fn for_units(
    conn: &mut DbConn,
    org_unit_ids: &[String],
    month: Month,
    satisfied_from: SatisfiedFrom,
) -> Result<Vec<MonthlyFigures>, DieselError> {
    let mut out: Vec<MonthlyFigures> =
        org_unit_ids.iter().map(|id| MonthlyFigures { org_unit_id: id.clone(), ..MonthlyFigures::default() }).collect();
    if org_unit_ids.is_empty() {
        return Ok(out);
    }
    let requested = org::units_by_ids(conn, org_unit_ids)?;
    let paths: Vec<(usize, String)> = org_unit_ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| requested.iter().find(|u| &u.id == id).map(|u| (i, u.path.clone())))
        .collect();
    let distinct: Vec<String> = paths.iter().map(|(_, p)| p.clone()).collect::<HashSet<_>>().into_iter().collect();
    let mut owners: HashMap<String, Vec<usize>> = HashMap::new();
    for (id, path) in org::under_paths(conn, &distinct)? {
        let of: Vec<usize> = paths.iter().filter(|(_, p)| path.starts_with(p.as_str())).map(|(i, _)| *i).collect();
        owners.insert(id, of);
    }
    let tree = Tree { owners };
    let units = tree.units();
    let (from, to) = month.bounds();

    // Cases, counted as `domain::cases::figures` counts them.
    let period = Period { from: from.and_utc(), to: to.and_utc() };
    let mut facts: Vec<Vec<CaseFacts>> = vec![Vec::new(); out.len()];
    for r in cases::facts(conn, &units, from, to)? {
        let fact = CaseFacts {
            status: CaseStatus::parse(&r.status).unwrap_or(CaseStatus::Reported),
            reported_at: r.reported_at.and_utc(),
            first_accepted_at: r.first_accepted_at.map(|t| t.and_utc()),
            resolved_at: r.resolved_at.map(|t| t.and_utc()),
            closed_at: r.closed_at.map(|t| t.and_utc()),
            outcome: r.outcome.as_deref().and_then(|o| Outcome::parse(o).ok()),
            overdue: r.overdue,
            escalations: r.escalations,
            rating: r.rating,
        };
        for &i in tree.owners(&r.org_unit_id) {
            facts[i].push(fact.clone());
        }
    }
    for (f, facts) in out.iter_mut().zip(&facts) {
        let c = domain::cases::figures(facts, &period, satisfied_from);
        let closed = c.closed as u64;
        f.cases.received = c.received as u64;
        f.cases.resolved = Ratio::new(c.resolved as u64, closed);
        f.cases.on_time =
            Ratio::new(facts.iter().filter(|x| closed_in(x, &period) && !x.overdue).count() as u64, closed);
        f.cases.satisfied = Ratio::new(c.satisfied as u64, closed);
    }

    // Active people, each counted once.
    let mut active: HashSet<String> = cases::reporters_between(conn, from, to)?.into_iter().collect();

    // Deliberation.
    for (scope, tier, route, author) in deliberation::raised_between(conn, &units, from, to)? {
        active.insert(author);
        for &i in tree.owners(&scope) {
            let d = &mut out[i].deliberation;
            d.raised += 1;
            match tier.as_deref() {
                Some("private") => d.private += 1,
                Some("small") => d.small += 1,
                Some("big") => d.big += 1,
                Some("major") => d.major += 1,
                _ => {}
            }
            if route.as_deref() == Some("department") {
                d.government += 1;
            }
        }
    }
    for (scope, _status, due, done) in deliberation::commitments_due(conn, &units, from, to)? {
        let kept = done.is_some_and(|d| d <= due);
        for &i in tree.owners(&scope) {
            let d = &mut out[i].deliberation;
            d.commitments_on_time = d.commitments_on_time.plus(Ratio::new(u64::from(kept), 1));
            d.commitments_overdue += u64::from(!kept);
        }
    }
    // Matters' outcomes: four or five stars (the cases' setting is theirs alone).
    let matters_satisfied_from = SatisfiedFrom::default();
    for (scope, rating) in deliberation::ratings_between(conn, &units, from, to)? {
        let ok = matters_satisfied_from.satisfied(rating);
        for &i in tree.owners(&scope) {
            let d = &mut out[i].deliberation;
            d.satisfied = d.satisfied.plus(Ratio::new(u64::from(ok), 1));
        }
    }
    active.extend(deliberation::opinion_authors_between(conn, from, to)?);

    // Voting.
    let polls = voting::closed_between(conn, &units, from, to)?;
    let ids: Vec<String> = polls.iter().map(|(id, _, _)| id.clone()).collect();
    let mut ballots: HashMap<String, u64> = HashMap::new();
    for poll in voting::ballot_polls(conn, &ids)? {
        *ballots.entry(poll).or_default() += 1;
    }
    for (id, scope, size) in &polls {
        let cast = ballots.get(id).copied().unwrap_or(0);
        let size = u64::try_from(size.unwrap_or(0)).unwrap_or(0);
        for &i in tree.owners(scope) {
            let v = &mut out[i].voting;
            v.polls += 1;
            v.turnout = v.turnout.plus(Ratio::new(cast, size));
        }
    }
    active.extend(voting::voters_between(conn, month.first_day(), month.next().first_day())?);

    // Points.
    for (unit, user, pts) in points::effective_between(conn, &units, from, to)? {
        if pts > 0 {
            active.insert(user);
        }
        for &i in tree.owners(&unit) {
            let p = &mut out[i].points;
            p.entries += 1;
            p.points_awarded += i64::from(pts);
        }
    }
    for (unit, pts) in points::handed_over_between(conn, &units, from, to)? {
        for &i in tree.owners(&unit) {
            let p = &mut out[i].points;
            p.redemptions += 1;
            p.points_redeemed += i64::from(pts);
        }
    }

    // Participation: residents of each subtree, and those of them active.
    let mut residents: Vec<HashSet<String>> = vec![HashSet::new(); out.len()];
    for (unit, user) in residency::residents_in(conn, &units)? {
        for &i in tree.owners(&unit) {
            residents[i].insert(user.clone());
        }
    }
    for (f, people) in out.iter_mut().zip(&residents) {
        let part = people.iter().filter(|u| active.contains(*u)).count() as u64;
        f.participation.active_residents = Ratio::new(part, people.len() as u64);
    }
    Ok(out)
}

fn closed_in(c: &CaseFacts, period: &Period) -> bool {
    matches!(c.status, CaseStatus::Closed | CaseStatus::ClosedUnrated) && c.closed_at.is_some_and(|t| period.holds(t))
}

/// One unit's figures for one month.
pub fn monthly(
    conn: &mut DbConn,
    org_unit_id: &str,
    month: Month,
    satisfied_from: SatisfiedFrom,
) -> Result<MonthlyFigures, DieselError> {
    Ok(for_units(conn, &[org_unit_id.to_owned()], month, satisfied_from)?.pop().unwrap_or_default())
}

/// A unit the caller may read the figures of (`ReadFigures` in its scope; 404 outside).
pub fn readable_unit(
    conn: &mut DbConn,
    principal: &domain::identity::principal::Principal,
    unit_id: &str,
) -> Result<crate::identity::rows::OrgUnitRow, crate::stats::StatsError> {
    use crate::stats::StatsError;
    if !domain::ids::is_valid_id(unit_id) {
        return Err(StatsError::NotFound);
    }
    let unit = org::find_unit(conn, unit_id)?.ok_or(StatsError::NotFound)?;
    principal.require(&unit.place(), domain::identity::roles::Permission::ReadFigures)?;
    Ok(unit)
}

/// A unit's figures for a month, for those who may read them.
pub fn of_unit(
    conn: &mut DbConn,
    principal: &domain::identity::principal::Principal,
    unit_id: &str,
    month: Month,
    satisfied_from: SatisfiedFrom,
) -> Result<(crate::identity::rows::OrgUnitRow, MonthlyFigures), crate::stats::StatsError> {
    let unit = readable_unit(conn, principal, unit_id)?;
    let figures = monthly(conn, &unit.id, month, satisfied_from)?;
    Ok((unit, figures))
}

/// Each child unit's figures for a month (by name), for those who may read the parent's.
pub fn of_children(
    conn: &mut DbConn,
    principal: &domain::identity::principal::Principal,
    unit_id: &str,
    month: Month,
    satisfied_from: SatisfiedFrom,
) -> Result<Vec<(crate::identity::rows::OrgUnitRow, MonthlyFigures)>, crate::stats::StatsError> {
    let unit = readable_unit(conn, principal, unit_id)?;
    let children = org::children(conn, Some(&unit.id))?;
    let ids: Vec<String> = children.iter().map(|c| c.id.clone()).collect();
    let figures = for_units(conn, &ids, month, satisfied_from)?;
    Ok(children.into_iter().zip(figures).collect())
}
