//! Entries by hand: recorded by staff (who the rule names as recorders, over the person's
//! village), claimed by a resident with evidence, read by the person and the staff over them,
//! reviewed (approved, or rejected with a reason) with the person told.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::identity::principal::Principal;
use domain::identity::roles::{Denial, Permission, Place, Role, ScopeKind};
use domain::points::entries::{transition, EntryAction, EntrySource, EntryStatus};
use domain::points::rules::{may_record, within_cap, Rule, Subject};
use domain::points::EntryId;
use serde_json::json;

use super::rows::EntryRow;
use super::rules::{self, InForce};
use super::PointsError;
use crate::db::{write_tx, DbConn};
use crate::identity::queries::{grants, residency, users};
use crate::schema::points_entries::dsl as e;

/// Photos one claim may carry.
pub const MAX_PHOTOS: usize = 9;
/// The longest note or reason.
pub const MAX_NOTE: usize = 500;

/// An entry staff record for a person.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub user_id: String,
    pub rule_code: String,
    pub occurred_on: NaiveDate,
    pub note: String,
}

/// What a resident claims for themselves, with evidence.
#[derive(Debug, Clone)]
pub struct NewClaim {
    pub rule_code: String,
    pub occurred_on: NaiveDate,
    pub note: String,
    pub media: Vec<String>,
}

/// An entry with the names a reader wants.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub row: EntryRow,
    pub person_name: String,
    pub rule_name: String,
    pub media: Vec<String>,
}

/// Which entries a staff list shows: a unit's (its villages'), in a status, after a cursor.
#[derive(Debug, Clone)]
pub struct Filter {
    pub unit_id: String,
    pub status: Option<EntryStatus>,
    pub before: Option<String>,
    pub limit: i64,
}

/// The village of a place (its third unit from the root), if it is at or below a village.
fn village_in(place: &Place) -> Option<&String> {
    place.org_path.get(2)
}

/// The roles the caller holds over the residents of `place`.
fn roles_over(principal: &Principal, place: &Place) -> Vec<Role> {
    principal
        .grants
        .iter()
        .filter(|g| g.covers(place) || (g.scope_kind == ScopeKind::Grid && place.org_path.starts_with(&g.org_path)))
        .map(|g| g.role)
        .collect()
}

/// Whether `user_id` holds a staff grant in the village (a cadre who can be scored there).
fn serves_in(conn: &mut DbConn, user_id: &str, village: &str) -> Result<bool, PointsError> {
    let held = grants::of_user(conn, user_id)?;
    Ok(held.iter().any(|g| g.role.is_staff() && g.org_path.get(2).map(String::as_str) == Some(village)))
}

/// The villages a person is placed in: where they live, then where they serve.
fn villages_of_person(conn: &mut DbConn, user_id: &str) -> Result<Vec<String>, PointsError> {
    let mut villages: Vec<String> = Vec::new();
    let homes = residency::member_places(conn, user_id)?;
    let served = grants::of_user(conn, user_id)?;
    for path in homes.iter().map(|p| &p.org_path).chain(served.iter().map(|g| &g.org_path)) {
        if let Some(village) = path.get(2) {
            if !villages.contains(village) {
                villages.push(village.clone());
            }
        }
    }
    Ok(villages)
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String, PointsError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(PointsError::invalid(field, format!("at most {max} characters")));
    }
    Ok(value.to_owned())
}

fn check_day(on: NaiveDate, now: NaiveDateTime) -> Result<(), PointsError> {
    let today = now.and_utc().with_timezone(&domain::calendar::beijing()).date_naive();
    if on > today {
        return Err(PointsError::invalid("occurred_on", "not in the future"));
    }
    if (today - on).num_days() > 366 {
        return Err(PointsError::invalid("occurred_on", "within the last year"));
    }
    Ok(())
}

/// Refuses an occurrence past the person's cap for the period, saying what is left.
fn check_cap(conn: &mut DbConn, village: &str, user_id: &str, rule: &Rule, on: NaiveDate) -> Result<(), PointsError> {
    let (Some(cap), Some(period)) = (rule.cap, rule.cap_period) else { return Ok(()) };
    super::award::lock_cap(conn, village, user_id, &rule.code)?;
    let already = super::award::given_in_period(conn, village, user_id, &rule.code, period, on)?;
    if within_cap(rule.points, already, Some(cap)) != rule.points {
        let left = (cap - already.abs()).max(0);
        return Err(PointsError::invalid("points", format!("cap reached: {left} left this {}", period.as_str())));
    }
    Ok(())
}

fn rule_of<'a>(in_force: &'a InForce, code: &str) -> Result<&'a (super::rows::RuleRow, Rule), PointsError> {
    in_force.rule(code).ok_or_else(|| PointsError::invalid("rule_code", "no such rule in force in the village"))
}

#[allow(clippy::too_many_arguments)]
fn row_of(
    village: &str,
    user_id: &str,
    rule: &(super::rows::RuleRow, Rule),
    on: NaiveDate,
    note: String,
    status: EntryStatus,
    source: EntrySource,
    recorded_by: Option<String>,
    now: NaiveDateTime,
) -> Result<EntryRow, PointsError> {
    Ok(EntryRow {
        id: EntryId::generate().into_string(),
        org_unit_id: village.to_owned(),
        user_id: user_id.to_owned(),
        rule_id: rule.0.id.clone(),
        rule_code: rule.0.code.clone(),
        subject: rule.0.subject.clone(),
        points: i32::try_from(rule.1.points).map_err(|_| PointsError::invalid("points", "too large"))?,
        note,
        occurred_on: on,
        status: status.as_str().to_owned(),
        source: source.as_str().to_owned(),
        source_ref: None,
        recorded_by,
        reviewed_by: None,
        reviewed_at: None,
        reject_reason: None,
        posting_id: None,
        effective_at: None,
        created_at: now,
        updated_at: now,
    })
}

/// The person's village the caller may record in: the first of their villages where the caller
/// records points (403 when some is in scope without the role, 404 when none is).
fn recording_village(conn: &mut DbConn, principal: &Principal, user_id: &str) -> Result<(String, Place), PointsError> {
    users::find(conn, user_id)?.ok_or(PointsError::NotFound)?;
    let mut denial = Denial::NotFound;
    // Where the person lives (a group or building: a grid's staff reach the residents of their
    // grid's unit), then the villages they serve in (cadre rules).
    let mut places: Vec<(String, Place)> = Vec::new();
    for home in residency::member_places(conn, user_id)? {
        if let Some(village) = home.org_path.get(2).cloned() {
            places.push((village, home));
        }
    }
    for village in villages_of_person(conn, user_id)? {
        let place = rules::place_of(conn, &village)?;
        places.push((village, place));
    }
    for (village, place) in places {
        match principal.require_over_residents(&place, Permission::RecordPoints) {
            Ok(()) => return Ok((village, place)),
            // A resident of the village sees its people: refused, not hidden.
            Err(Denial::NotFound) if rules::lives_in(conn, principal.subject(), &place)? => denial = Denial::Forbidden,
            Err(Denial::Forbidden) => denial = Denial::Forbidden,
            Err(Denial::NotFound) => {}
        }
    }
    Err(denial.into())
}

/// Records an entry for a person (in the caller's write transaction): `RecordPoints` over their
/// village, a manual rule that names one of the caller's roles there (county administrators and
/// administrators always may), the person a resident for resident rules or staff of the village
/// for cadre rules, and the rule's cap not reached. → recorded, waiting for review.
pub fn record_in_tx(
    conn: &mut DbConn,
    principal: &Principal,
    new: &NewEntry,
    now: NaiveDateTime,
) -> Result<EntryView, PointsError> {
    let (village, place) = recording_village(conn, principal, &new.user_id)?;
    let note = text("note", &new.note, MAX_NOTE)?;
    check_day(new.occurred_on, now)?;
    let in_force = rules::in_force(conn, &village)?.ok_or(PointsError::NoRules)?;
    let rule = rule_of(&in_force, &new.rule_code)?;
    if rule.1.automatic.is_some() {
        return Err(PointsError::invalid("rule_code", "an automatic rule is recorded by the product's own events"));
    }
    let roles = roles_over(principal, &place);
    let always = roles.iter().any(|r| matches!(r, Role::CountyAdmin | Role::Admin));
    if !always && !may_record(&rule.1, &roles) {
        return Err(PointsError::Forbidden);
    }
    let placed = match rule.1.subject {
        Subject::Resident => rules::lives_in(conn, &new.user_id, &place)?,
        Subject::Cadre => serves_in(conn, &new.user_id, &village)?,
    };
    if !placed {
        return Err(PointsError::invalid("user_id", "a resident of the village (a cadre of it, for cadre rules)"));
    }
    check_cap(conn, &village, &new.user_id, &rule.1, new.occurred_on)?;
    let row = row_of(
        &village,
        &new.user_id,
        rule,
        new.occurred_on,
        note,
        EntryStatus::Recorded,
        EntrySource::Manual,
        Some(principal.user_id.clone()),
        now,
    )?;
    diesel::insert_into(e::points_entries).values(&row).execute(conn)?;
    view_of(conn, row)
}

/// Checks evidence photos: at most nine distinct ids, each an unattached upload of the claimant's.
fn check_photos(conn: &mut DbConn, owner: &str, ids: &[String]) -> Result<(), PointsError> {
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if ids.len() > MAX_PHOTOS || unique.len() != ids.len() || ids.iter().any(|id| !domain::ids::is_valid_id(id)) {
        return Err(PointsError::invalid("media", "at most 9 distinct media ids"));
    }
    if ids.is_empty() {
        return Ok(());
    }
    let rows = crate::media::queries::of_ids(conn, ids)?;
    if rows.iter().filter(|m| m.is_free() && m.owner_id == owner).count() != ids.len() {
        return Err(PointsError::invalid("media", "each id must be an unattached upload of yours"));
    }
    Ok(())
}

/// A resident claims a claimable rule of their village with a note and photos (in the caller's
/// write transaction). → claimed, waiting for review.
pub fn claim_in_tx(
    conn: &mut DbConn,
    principal: &Principal,
    new: &NewClaim,
    now: NaiveDateTime,
) -> Result<EntryView, PointsError> {
    let user = principal.subject().to_owned();
    let homes = residency::member_places(conn, &user)?;
    let village = homes.iter().find_map(village_in).cloned().ok_or(PointsError::Forbidden)?;
    let note = text("note", &new.note, MAX_NOTE)?;
    if note.is_empty() {
        return Err(PointsError::invalid("note", "say what happened"));
    }
    check_day(new.occurred_on, now)?;
    let in_force = rules::in_force(conn, &village)?.ok_or(PointsError::NoRules)?;
    let rule = rule_of(&in_force, &new.rule_code)?;
    if !rule.1.claimable || rule.1.subject != Subject::Resident {
        return Err(PointsError::invalid("rule_code", "a rule residents may claim"));
    }
    check_photos(conn, &user, &new.media)?;
    check_cap(conn, &village, &user, &rule.1, new.occurred_on)?;
    let row =
        row_of(&village, &user, rule, new.occurred_on, note, EntryStatus::Claimed, EntrySource::Claim, None, now)?;
    diesel::insert_into(e::points_entries).values(&row).execute(conn)?;
    if crate::media::service::attach(conn, &new.media, &[&user], crate::media::service::Target::PointsEntry(&row.id))?
        != new.media.len()
    {
        return Err(PointsError::invalid("media", "each id must be an unattached upload of yours"));
    }
    view_of(conn, row)
}

pub(crate) fn find(conn: &mut DbConn, id: &str) -> Result<EntryRow, PointsError> {
    e::points_entries
        .filter(e::id.eq(id))
        .select(EntryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PointsError::NotFound)
}

fn view_of(conn: &mut DbConn, row: EntryRow) -> Result<EntryView, PointsError> {
    views(conn, vec![row])?.pop().ok_or(PointsError::NotFound)
}

/// Entries with the person's and rule's names and the photos, one query each.
pub(crate) fn views(conn: &mut DbConn, rows: Vec<EntryRow>) -> Result<Vec<EntryView>, PointsError> {
    use crate::schema::points_rules::dsl as r;
    let people: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
    let rule_ids: Vec<String> = rows.iter().map(|r| r.rule_id.clone()).collect();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let names = users::names(conn, &people)?;
    let rule_names: HashMap<String, String> =
        r::points_rules.filter(r::id.eq_any(rule_ids)).select((r::id, r::name)).load(conn)?.into_iter().collect();
    let mut media: HashMap<String, Vec<String>> = HashMap::new();
    for (entry, id) in crate::media::queries::of_points_entries(conn, &ids)? {
        media.entry(entry).or_default().push(id);
    }
    Ok(rows
        .into_iter()
        .map(|row| EntryView {
            person_name: names.get(&row.user_id).cloned().unwrap_or_default(),
            rule_name: rule_names.get(&row.rule_id).cloned().unwrap_or_default(),
            media: media.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// Whether the caller is staff over a village's points (records, reviews or reads them).
pub(crate) fn staff_over(principal: &Principal, place: &Place) -> Result<(), Denial> {
    let outcomes = [
        principal.require_over_residents(place, Permission::RecordPoints),
        principal.require(place, Permission::ReviewPoints),
        principal.require(place, Permission::ReadPoints),
    ];
    if outcomes.iter().any(Result::is_ok) {
        Ok(())
    } else if outcomes.contains(&Err(Denial::Forbidden)) {
        Err(Denial::Forbidden)
    } else {
        Err(Denial::NotFound)
    }
}

/// A unit's entries, newest first (`RecordPoints` or `ReviewPoints` over it).
pub fn list(conn: &mut DbConn, principal: &Principal, filter: &Filter) -> Result<Vec<EntryView>, PointsError> {
    let place = rules::place_of(conn, &filter.unit_id)?;
    let record = principal.require_over_residents(&place, Permission::RecordPoints);
    let review = principal.require(&place, Permission::ReviewPoints);
    if record.is_err() && review.is_err() {
        return Err(if record == Err(Denial::Forbidden) || review == Err(Denial::Forbidden) {
            PointsError::Forbidden
        } else {
            PointsError::NotFound
        });
    }
    let path = crate::identity::rows::path_text(&place.org_path);
    let units: Vec<String> = crate::identity::queries::org::subtree(conn, &path)?.into_iter().map(|u| u.id).collect();
    let mut query = e::points_entries
        .filter(e::org_unit_id.eq_any(units))
        .order(e::id.desc())
        .limit(filter.limit)
        .select(EntryRow::as_select())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(e::status.eq(status.as_str()));
    }
    if let Some(before) = &filter.before {
        query = query.filter(e::id.lt(before.clone()));
    }
    let rows = query.load(conn)?;
    views(conn, rows)
}

/// The caller's own entries, newest first.
pub fn mine(
    conn: &mut DbConn,
    principal: &Principal,
    before: Option<String>,
    limit: i64,
) -> Result<Vec<EntryView>, PointsError> {
    let mut query = e::points_entries
        .filter(e::user_id.eq(principal.subject().to_owned()))
        .order(e::id.desc())
        .limit(limit)
        .select(EntryRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(e::id.lt(before));
    }
    let rows = query.load(conn)?;
    views(conn, rows)
}

/// One entry: the person's own, or one of a village the caller is staff over.
pub fn get(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<EntryView, PointsError> {
    let row = find(conn, id)?;
    if row.user_id != principal.subject() {
        staff_over(principal, &rules::place_of(conn, &row.org_unit_id)?)?;
    }
    view_of(conn, row)
}

/// A review's decision.
#[derive(Debug, Clone)]
pub enum Decision {
    Approve,
    Reject { reason: String },
}

/// Reviews a recorded or claimed entry (`ReviewPoints` over its village; never one's own) and
/// tells the person.
pub fn review(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    decision: &Decision,
    now: NaiveDateTime,
) -> Result<EntryView, PointsError> {
    write_tx(conn, |conn| {
        let row = find(conn, id)?;
        principal.require(&rules::place_of(conn, &row.org_unit_id)?, Permission::ReviewPoints)?;
        // Four eyes: nobody reviews an entry of their own, or one they recorded.
        if row.user_id == principal.user_id || row.recorded_by.as_deref() == Some(principal.user_id.as_str()) {
            return Err(PointsError::Forbidden);
        }
        let status =
            EntryStatus::parse(&row.status).map_err(|_| PointsError::Corrupt(format!("entry {id}: status")))?;
        let (action, reason) = match decision {
            Decision::Approve => (EntryAction::Approve, None),
            Decision::Reject { reason } => (EntryAction::Reject, Some(reason.clone())),
        };
        let next = transition(status, action)?;
        let moved = diesel::update(e::points_entries.filter(e::id.eq(id)).filter(e::status.eq(&row.status)))
            .set((
                e::status.eq(next.as_str()),
                e::reviewed_by.eq(&principal.user_id),
                e::reviewed_at.eq(now),
                e::reject_reason.eq(&reason),
                e::updated_at.eq(now),
            ))
            .execute(conn)?;
        if moved == 0 {
            return Err(PointsError::NotNow { action: action.as_str(), status: status.as_str() });
        }
        let updated = find(conn, id)?;
        let view = view_of(conn, updated)?;
        let data = json!({
            "rule": view.rule_name,
            "points": view.row.points,
            "decision": if next == EntryStatus::Approved { "已通过" } else { "未通过" },
            "reason": reason.map(|r| format!("理由：{r}")).unwrap_or_default(),
        });
        crate::notify::enqueue_to(conn, "points_reviewed", std::slice::from_ref(&view.row.user_id), &data, now)?;
        Ok(view)
    })
}
