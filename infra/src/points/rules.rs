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
