//! Rule sets in the database: the set in force for a village (its own active one, or the
//! nearest up the tree), its rules read back into the domain's shape.

use diesel::prelude::*;
use domain::identity::roles::Role;
use domain::points::rules::{AutoSource, BaseStep, CapPeriod, Category, Rule, Subject};

use super::rows::{RuleRow, RuleSetRow};
use super::PointsError;
use crate::db::DbConn;
use crate::schema::points_rule_sets::dsl as rs;
use crate::schema::points_rules::dsl as r;

/// A rule set in force, with its rules in order.
#[derive(Debug, Clone)]
pub struct InForce {
    pub set: RuleSetRow,
    pub rules: Vec<(RuleRow, Rule)>,
    pub base: Vec<BaseStep>,
    pub stars: Vec<i64>,
}

impl InForce {
    pub fn rule(&self, code: &str) -> Option<&(RuleRow, Rule)> {
        self.rules.iter().find(|(row, _)| row.code == code)
    }

    pub fn automatic(&self, source: AutoSource) -> Option<&(RuleRow, Rule)> {
        self.rules.iter().find(|(_, rule)| rule.automatic == Some(source))
    }
}

/// The village of a unit: the unit on its path at the village level (a county's root, its
/// township, then the village), or `None` for a unit above villages or one that is gone.
pub fn village_of(conn: &mut DbConn, unit_id: &str) -> Result<Option<String>, PointsError> {
    let path = crate::identity::queries::org::unit_path(conn, unit_id)?.unwrap_or_default();
    Ok(path.get(2).cloned())
}

/// The rule set in force at `unit_id`: the active set of the unit itself or of the nearest unit
/// above it (two reads: the path, then the sets of its units).
pub fn in_force(conn: &mut DbConn, unit_id: &str) -> Result<Option<InForce>, PointsError> {
    let path = crate::identity::queries::org::unit_path(conn, unit_id)?.ok_or(PointsError::NotFound)?;
    let sets: Vec<RuleSetRow> = rs::points_rule_sets
        .filter(rs::org_unit_id.eq_any(&path))
        .filter(rs::status.eq("active"))
        .select(RuleSetRow::as_select())
        .load(conn)?;
    let nearest = path.iter().rev().find_map(|unit| sets.iter().find(|s| &s.org_unit_id == unit));
    let Some(set) = nearest.cloned() else { return Ok(None) };
    Ok(Some(with_rules(conn, set)?))
}

/// A set with its rules, base steps and star thresholds parsed.
pub fn with_rules(conn: &mut DbConn, set: RuleSetRow) -> Result<InForce, PointsError> {
    let rows: Vec<RuleRow> = r::points_rules
        .filter(r::rule_set_id.eq(&set.id))
        .order(r::position.asc())
        .select(RuleRow::as_select())
        .load(conn)?;
    let rules = rows.into_iter().map(|row| parse_rule(&row).map(|rule| (row, rule))).collect::<Result<_, _>>()?;
    let base = serde_json::from_str(&set.base_points).map_err(|_| corrupt(&set.id, "base_points"))?;
    let stars = serde_json::from_str(&set.star_thresholds).map_err(|_| corrupt(&set.id, "star_thresholds"))?;
    Ok(InForce { set, rules, base, stars })
}

fn corrupt(id: &str, what: &str) -> PointsError {
    PointsError::Corrupt(format!("points rule set {id}: {what}"))
}

/// A stored rule in the domain's shape.
pub fn parse_rule(row: &RuleRow) -> Result<Rule, PointsError> {
    let bad = |what: &str| PointsError::Corrupt(format!("points rule {}: {what}", row.id));
    let recorders = row
        .recorders
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| Role::parse(r).map_err(|_| bad("recorders")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rule {
        code: row.code.clone(),
        name: row.name.clone(),
        category: Category::parse(&row.category).map_err(|_| bad("category"))?,
        points: i64::from(row.points),
        cap: row.cap.map(i64::from),
        cap_period: row.cap_period.as_deref().map(CapPeriod::parse).transpose().map_err(|_| bad("cap_period"))?,
        subject: Subject::parse(&row.subject).map_err(|_| bad("subject"))?,
        automatic: row.automatic.as_deref().map(AutoSource::parse).transpose().map_err(|_| bad("automatic"))?,
        recorders,
        claimable: row.claimable,
    })
}

/// A rule's recorders as stored.
pub fn recorders_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

/// A new version of a unit's rules, as checked by the domain.
#[derive(Debug, Clone)]
pub struct SetDraft {
    pub note: String,
    pub rules: Vec<Rule>,
    pub base: Vec<BaseStep>,
    pub stars: Vec<i64>,
}

/// Writes `draft` as the unit's next version, a draft (no permission check: callers check).
/// Two versions written at once both get a number; the loser of the unique (unit, version)
/// key retries with the next.
pub fn create_set(
    conn: &mut DbConn,
    unit_id: &str,
    created_by: &str,
    draft: &SetDraft,
    now: chrono::NaiveDateTime,
) -> Result<RuleSetRow, PointsError> {
    domain::points::rules::check_set(&draft.rules, &draft.base, &draft.stars)?;
    for _ in 0..5 {
        let last: Option<i32> = rs::points_rule_sets
            .filter(rs::org_unit_id.eq(unit_id))
            .select(diesel::dsl::max(rs::version))
            .first(conn)?;
        let set = RuleSetRow {
            id: domain::points::RuleSetId::generate().into_string(),
            org_unit_id: unit_id.to_owned(),
            version: last.unwrap_or(0) + 1,
            status: domain::points::rules::RuleSetStatus::Draft.as_str().to_owned(),
            note: draft.note.clone(),
            base_points: json(&draft.base),
            star_thresholds: json(&draft.stars),
            poll_id: None,
            created_by: created_by.to_owned(),
            created_at: now,
            activated_at: None,
        };
        let inserted = crate::db::insert_unique(conn, |conn| {
            diesel::insert_into(rs::points_rule_sets).values(&set).execute(conn)
        })?;
        if inserted == crate::db::Inserted::Duplicate {
            continue;
        }
        let rows: Vec<RuleRow> = draft
            .rules
            .iter()
            .enumerate()
            .map(|(i, rule)| RuleRow {
                id: domain::points::RuleId::generate().into_string(),
                rule_set_id: set.id.clone(),
                code: rule.code.clone(),
                name: rule.name.trim().to_owned(),
                category: rule.category.as_str().to_owned(),
                points: rule.points as i32,
                cap: rule.cap.map(|c| c as i32),
                cap_period: rule.cap_period.map(|p| p.as_str().to_owned()),
                subject: rule.subject.as_str().to_owned(),
                automatic: rule.automatic.map(|a| a.as_str().to_owned()),
                recorders: recorders_text(&rule.recorders),
                claimable: rule.claimable,
                position: i as i32,
            })
            .collect();
        for row in &rows {
            diesel::insert_into(r::points_rules).values(row).execute(conn)?;
        }
        return Ok(set);
    }
    Err(PointsError::Duplicate)
}

/// Puts a set in force (from a draft, or a pending one whose vote passed): the unit's active set
/// before it is superseded in the same transaction (the partial unique index keeps one active).
pub fn activate_in_tx(
    conn: &mut DbConn,
    set: &RuleSetRow,
    action: domain::points::rules::RuleSetAction,
    now: chrono::NaiveDateTime,
) -> Result<(), PointsError> {
    use domain::points::rules::{transition, RuleSetAction, RuleSetStatus};
    let status = RuleSetStatus::parse(&set.status).map_err(|_| corrupt(&set.id, "status"))?;
    let next = transition(status, action)?;
    let superseded = transition(RuleSetStatus::Active, RuleSetAction::Supersede)?;
    diesel::update(rs::points_rule_sets.filter(rs::org_unit_id.eq(&set.org_unit_id)).filter(rs::status.eq("active")))
        .set(rs::status.eq(superseded.as_str()))
        .execute(conn)?;
    let moved = diesel::update(rs::points_rule_sets.filter(rs::id.eq(&set.id)).filter(rs::status.eq(&set.status)))
        .set((rs::status.eq(next.as_str()), rs::activated_at.eq(now)))
        .execute(conn)?;
    if moved == 0 {
        return Err(PointsError::NotNow { action: action.as_str(), status: status.as_str() });
    }
    Ok(())
}

/// JSON text of a stored list.
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

// ---- Part A: rule sets over the API (versions, activation, the vote tie, what is in force) ----

use domain::identity::principal::Principal;
use domain::identity::roles::{Denial, Permission};
use domain::points::rules::{RuleSetAction, RuleSetStatus};

pub(crate) use super::redemption::{lives_in, unit_place as place_of};

fn find_set(conn: &mut DbConn, id: &str) -> Result<RuleSetRow, PointsError> {
    rs::points_rule_sets
        .filter(rs::id.eq(id))
        .select(RuleSetRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PointsError::NotFound)
}

/// A set whose unit the caller manages points at (404 outside every scope, 403 without the role).
fn managed_set(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<RuleSetRow, PointsError> {
    let set = find_set(conn, id)?;
    principal.require(&place_of(conn, &set.org_unit_id)?, Permission::ManagePoints)?;
    Ok(set)
}

/// Writes a new draft version of a unit's rules (a county, township or village; `ManagePoints`
/// over it), in the caller's write transaction.
pub fn create_in_tx(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    draft: &SetDraft,
    now: chrono::NaiveDateTime,
) -> Result<InForce, PointsError> {
    let place = place_of(conn, unit_id)?;
    principal.require(&place, Permission::ManagePoints)?;
    if place.org_path.len() > 3 {
        return Err(PointsError::invalid("org_unit_id", "rules are set for a county, township or village"));
    }
    let set = create_set(conn, unit_id, &principal.user_id, draft, now)?;
    with_rules(conn, set)
}

/// A unit's versions, newest first, before the version `before` (`ReadPoints` over the unit).
pub fn versions(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    before: Option<i32>,
    limit: i64,
) -> Result<Vec<RuleSetRow>, PointsError> {
    principal.require(&place_of(conn, unit_id)?, Permission::ReadPoints)?;
    let mut query = rs::points_rule_sets
        .filter(rs::org_unit_id.eq(unit_id))
        .order(rs::version.desc())
        .limit(limit)
        .select(RuleSetRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(rs::version.lt(before));
    }
    Ok(query.load(conn)?)
}

/// One version with its rules (`ReadPoints` over its unit).
pub fn get(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<InForce, PointsError> {
    let set = find_set(conn, id)?;
    principal.require(&place_of(conn, &set.org_unit_id)?, Permission::ReadPoints)?;
    with_rules(conn, set)
}

/// Puts a draft in force at once (`ManagePoints`): the unit's active set is superseded.
pub fn activate(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    now: chrono::NaiveDateTime,
) -> Result<InForce, PointsError> {
    crate::db::write_tx(conn, |conn| {
        let set = managed_set(conn, principal, id)?;
        activate_in_tx(conn, &set, RuleSetAction::Activate, now)?;
        let set = find_set(conn, id)?;
        with_rules(conn, set)
    })
}

/// Ties a draft to an assembly vote: a poll of the set's own unit, not yet closed, that decides
/// (has a threshold). The set waits (`pending_vote`, one per unit) until the poll is published.
pub fn submit_to_vote(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    poll_id: &str,
) -> Result<InForce, PointsError> {
    crate::db::write_tx(conn, |conn| {
        let set = managed_set(conn, principal, id)?;
        let status = RuleSetStatus::parse(&set.status).map_err(|_| corrupt(&set.id, "status"))?;
        let next = domain::points::rules::transition(status, RuleSetAction::SubmitToVote)?;
        let poll = match crate::voting::queries::seen(conn, principal, poll_id) {
            Ok(seen) => seen,
            Err(crate::voting::VotingError::NotFound | crate::voting::VotingError::Forbidden) => {
                return Err(PointsError::invalid("poll_id", "no such poll"))
            }
            Err(crate::voting::VotingError::Db(e)) => return Err(PointsError::Db(e)),
            Err(other) => return Err(PointsError::Corrupt(format!("poll {poll_id}: {other}"))),
        };
        if poll.row.scope_id != set.org_unit_id {
            return Err(PointsError::invalid("poll_id", "a poll of the rule set's own unit"));
        }
        if !matches!(poll.row.status.as_str(), "draft" | "scheduled" | "open") || poll.row.threshold.is_none() {
            return Err(PointsError::invalid("poll_id", "a poll not yet closed, with a threshold that decides"));
        }
        let moved = crate::db::insert_unique(conn, |conn| {
            diesel::update(rs::points_rule_sets.filter(rs::id.eq(&set.id)).filter(rs::status.eq(&set.status)))
                .set((rs::status.eq(next.as_str()), rs::poll_id.eq(poll_id)))
                .execute(conn)
        })?;
        if moved == crate::db::Inserted::Duplicate {
            return Err(PointsError::Duplicate);
        }
        let set = find_set(conn, id)?;
        with_rules(conn, set)
    })
}

/// A poll was published (called by voting inside its transaction): the sets waiting for it come
/// into force when it passed, and are rejected otherwise. Returns how many sets it decided.
pub fn decide_by_vote(
    conn: &mut DbConn,
    poll_id: &str,
    passed: bool,
    now: chrono::NaiveDateTime,
) -> Result<usize, PointsError> {
    let waiting: Vec<RuleSetRow> = rs::points_rule_sets
        .filter(rs::poll_id.eq(poll_id))
        .filter(rs::status.eq(RuleSetStatus::PendingVote.as_str()))
        .select(RuleSetRow::as_select())
        .load(conn)?;
    for set in &waiting {
        if passed {
            activate_in_tx(conn, set, RuleSetAction::VotePassed, now)?;
        } else {
            let rejected = domain::points::rules::transition(RuleSetStatus::PendingVote, RuleSetAction::VoteFailed)?;
            diesel::update(rs::points_rule_sets.filter(rs::id.eq(&set.id)).filter(rs::status.eq(&set.status)))
                .set(rs::status.eq(rejected.as_str()))
                .execute(conn)?;
        }
    }
    Ok(waiting.len())
}

/// The rules in force at a unit, for its residents and the staff over it (404 for others).
pub fn in_force_for(conn: &mut DbConn, principal: &Principal, unit_id: &str) -> Result<InForce, PointsError> {
    let place = place_of(conn, unit_id)?;
    let staff = principal.require_over_residents(&place, Permission::RecordPoints) != Err(Denial::NotFound)
        || principal.sees(&place);
    if !staff && !lives_in(conn, principal.subject(), &place)? {
        return Err(PointsError::NotFound);
    }
    in_force(conn, unit_id)?.ok_or(PointsError::NoRules)
}

/// What voting answers when a poll's publication decides a rule set and that fails.
impl From<PointsError> for crate::voting::VotingError {
    fn from(error: PointsError) -> Self {
        match error {
            PointsError::Db(e) => Self::Db(e),
            PointsError::Infra(e) => Self::Infra(e),
            other => Self::Corrupt(format!("points rule set decided by a vote: {other}")),
        }
    }
}
