//! Public postings (公示) of a village's approved entries: opened by a reviewer with all that is
//! waiting, read by the village's residents and staff, objected to by residents while the days
//! run, objections answered (an upheld one strikes its entry), and settled once the days are over
//! with nothing left unanswered: each entry still posted takes effect in the ledger.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use domain::points::entries::{
    may_object, may_settle, posting_ends, transition, EntryAction, EntryStatus, ObjectionStatus, PostingKind,
    PostingStatus, Ruling,
};
use domain::points::ledger::{HolderKind, LedgerKind};
use domain::points::rules::Subject;
use domain::points::{ObjectionId, PostingId};
use serde_json::json;

use super::entries::{self, EntryView};
use super::ledger::{self, Holder, NewRow};
use super::rows::{EntryRow, ObjectionRow, PostingRow};
use super::{rules, PointsError};
use crate::db::{insert_unique, write_tx, DbConn, Inserted};
use crate::schema::points_entries::dsl as e;
use crate::schema::points_objections::dsl as o;
use crate::schema::points_postings::dsl as p;

/// A posting with its entries and their objections.
#[derive(Debug, Clone)]
pub struct PostingView {
    pub row: PostingRow,
    pub entries: Vec<PostedEntry>,
}

/// An entry on a posting, with the objections raised to it.
#[derive(Debug, Clone)]
pub struct PostedEntry {
    pub entry: EntryView,
    pub objections: Vec<ObjectionRow>,
}

/// How a reader sees a posting: `staff` see who objected.
#[derive(Debug, Clone)]
pub struct Seen {
    pub posting: PostingView,
    pub staff: bool,
}

fn find(conn: &mut DbConn, id: &str) -> Result<PostingRow, PointsError> {
    p::points_postings
        .filter(p::id.eq(id))
        .filter(p::kind.eq(PostingKind::Entries.as_str()))
        .select(PostingRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PointsError::NotFound)
}

fn corrupt(what: &str, id: &str) -> PointsError {
    PointsError::Corrupt(format!("{what} {id}: status"))
}

/// Whether the caller reads a village's postings: `Some(true)` staff over it, `Some(false)` a
/// resident of it, `None` neither.
/// Only those who answer objections or read points (ReviewPoints, ReadPoints) see who objected
/// and why; recorders (grid staff, volunteers) read a posting as residents do.
fn reader(conn: &mut DbConn, principal: &Principal, place: &Place) -> Result<Option<bool>, PointsError> {
    let answers = principal.require(place, Permission::ReviewPoints).is_ok()
        || principal.require(place, Permission::ReadPoints).is_ok();
    if answers {
        return Ok(Some(true));
    }
    if entries::staff_over(principal, place).is_ok() {
        return Ok(Some(false));
    }
    Ok(rules::lives_in(conn, principal.subject(), place)?.then_some(false))
}

/// Opens a posting of all the village's approved entries not yet posted (`ReviewPoints` over a
/// village; none waiting → 422) for `days`, and tells each person.
pub fn open_in_tx(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    title: &str,
    days: u32,
    now: NaiveDateTime,
) -> Result<PostingView, PointsError> {
    let place = rules::place_of(conn, unit_id)?;
    principal.require(&place, Permission::ReviewPoints)?;
    if place.org_path.len() != 3 {
        return Err(PointsError::invalid("org_unit_id", "a village"));
    }
    let row = PostingRow {
        id: PostingId::generate().into_string(),
        org_unit_id: unit_id.to_owned(),
        kind: PostingKind::Entries.as_str().to_owned(),
        title: title.to_owned(),
        status: PostingStatus::Open.as_str().to_owned(),
        opened_at: now,
        ends_at: posting_ends(now, days),
        closed_at: None,
        created_by: principal.user_id.clone(),
    };
    diesel::insert_into(p::points_postings).values(&row).execute(conn)?;
    let posted = transition(EntryStatus::Approved, EntryAction::Post)?;
    let moved = diesel::update(
        e::points_entries
            .filter(e::org_unit_id.eq(unit_id))
            .filter(e::status.eq(EntryStatus::Approved.as_str()))
            .filter(e::posting_id.is_null()),
    )
    .set((e::status.eq(posted.as_str()), e::posting_id.eq(&row.id), e::updated_at.eq(now)))
    .execute(conn)?;
    if moved == 0 {
        return Err(PointsError::invalid("entries", "no approved entries waiting to be posted"));
    }
    let view = view_of(conn, row)?;
    let ends_at = beijing(view.row.ends_at);
    for posted in &view.entries {
        let data = json!({ "rule": posted.entry.rule_name, "points": posted.entry.row.points, "ends_at": ends_at });
        crate::notify::enqueue_to(conn, "points_posted", std::slice::from_ref(&posted.entry.row.user_id), &data, now)?;
    }
    Ok(view)
}

fn beijing(at: NaiveDateTime) -> String {
    at.and_utc().with_timezone(&domain::calendar::beijing()).format("%Y-%m-%d %H:%M").to_string()
}

fn view_of(conn: &mut DbConn, row: PostingRow) -> Result<PostingView, PointsError> {
    let rows: Vec<EntryRow> = e::points_entries
        .filter(e::posting_id.eq(&row.id))
        .order(e::id.asc())
        .select(EntryRow::as_select())
        .load(conn)?;
    let objections: Vec<ObjectionRow> = o::points_objections
        .filter(o::posting_id.eq(&row.id))
        .order(o::id.asc())
        .select(ObjectionRow::as_select())
        .load(conn)?;
    let mut by_entry: HashMap<String, Vec<ObjectionRow>> = HashMap::new();
    for objection in objections {
        by_entry.entry(objection.entry_id.clone().unwrap_or_default()).or_default().push(objection);
    }
    let entries = entries::views(conn, rows)?
        .into_iter()
        .map(|entry| PostedEntry { objections: by_entry.remove(&entry.row.id).unwrap_or_default(), entry })
        .collect();
    Ok(PostingView { row, entries })
}

/// A village's postings of entries, newest first (its residents and staff over it).
pub fn list(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    before: Option<String>,
    limit: i64,
) -> Result<Vec<PostingRow>, PointsError> {
    let place = rules::place_of(conn, unit_id)?;
    if reader(conn, principal, &place)?.is_none() {
        return Err(PointsError::NotFound);
    }
    let mut query = p::points_postings
        .filter(p::org_unit_id.eq(unit_id))
        .filter(p::kind.eq(PostingKind::Entries.as_str()))
        .order(p::id.desc())
        .limit(limit)
        .select(PostingRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(p::id.lt(before));
    }
    Ok(query.load(conn)?)
}

/// One posting with its entries and objections, for the village's residents and staff.
pub fn get(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<Seen, PointsError> {
    let row = find(conn, id)?;
    let place = rules::place_of(conn, &row.org_unit_id)?;
    let staff = reader(conn, principal, &place)?.ok_or(PointsError::NotFound)?;
    Ok(Seen { posting: view_of(conn, row)?, staff })
}

/// A resident of the village objects to an entry of a running posting, once per entry; the
/// person concerned is told.
pub fn object(
    conn: &mut DbConn,
    principal: &Principal,
    posting_id: &str,
    entry_id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<ObjectionRow, PointsError> {
    write_tx(conn, |conn| {
        let posting = find(conn, posting_id)?;
        let place = rules::place_of(conn, &posting.org_unit_id)?;
        if !rules::lives_in(conn, principal.subject(), &place)? {
            return Err(match principal.sees(&place) {
                true => PointsError::Forbidden,
                false => PointsError::NotFound,
            });
        }
        let status = PostingStatus::parse(&posting.status).map_err(|_| corrupt("posting", posting_id))?;
        if !may_object(status, posting.ends_at, now) {
            return Err(PointsError::NotNow { action: "object", status: PostingStatus::Closed.as_str() });
        }
        // Holds the posting open while the objection is stored: a settlement racing it waits,
        // then sees the objection (or, having closed the posting first, turns this one away).
        let held = diesel::update(p::points_postings.filter(p::id.eq(posting_id)).filter(p::status.eq("open")))
            .set(p::status.eq("open"))
            .execute(conn)?;
        if held == 0 {
            return Err(PointsError::NotNow { action: "object", status: PostingStatus::Closed.as_str() });
        }
        let entry = match entries::find(conn, entry_id) {
            Ok(entry) if entry.posting_id.as_deref() == Some(posting_id) && entry.status == "posted" => entry,
            Ok(_) | Err(PointsError::NotFound) => {
                return Err(PointsError::invalid("entry_id", "an entry still on this posting"))
            }
            Err(other) => return Err(other),
        };
        let row = ObjectionRow {
            id: ObjectionId::generate().into_string(),
            posting_id: posting_id.to_owned(),
            entry_id: Some(entry.id.clone()),
            household_id: None,
            objector_id: principal.subject().to_owned(),
            reason: reason.to_owned(),
            status: ObjectionStatus::Pending.as_str().to_owned(),
            answer: None,
            decided_by: None,
            decided_at: None,
            created_at: now,
        };
        if insert_unique(conn, |conn| diesel::insert_into(o::points_objections).values(&row).execute(conn))?
            == Inserted::Duplicate
        {
            return Err(PointsError::Duplicate);
        }
        let view = entries::views(conn, vec![entry])?.pop().ok_or(PointsError::NotFound)?;
        let data = json!({ "rule": view.rule_name, "points": view.row.points });
        crate::notify::enqueue_to(conn, "points_objected", std::slice::from_ref(&view.row.user_id), &data, now)?;
        Ok(row)
    })
}

/// Answers a pending objection (`ReviewPoints` over the village): upheld strikes its entry (it
/// never counts; the person is told), dismissed leaves it; the objector is told either way.
pub fn answer(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    ruling: Ruling,
    answer: &str,
    now: NaiveDateTime,
) -> Result<ObjectionRow, PointsError> {
    write_tx(conn, |conn| {
        let row: ObjectionRow = o::points_objections
            .filter(o::id.eq(id))
            .select(ObjectionRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(PointsError::NotFound)?;
        let posting = find(conn, &row.posting_id)?;
        principal.require(&rules::place_of(conn, &posting.org_unit_id)?, Permission::ReviewPoints)?;
        let entry = entries::find(conn, row.entry_id.as_deref().unwrap_or_default())?;
        // Nobody answers an objection to their own points.
        if entry.user_id == principal.user_id {
            return Err(PointsError::Forbidden);
        }
        let next = match ruling {
            Ruling::Uphold => ObjectionStatus::Upheld,
            Ruling::Dismiss => ObjectionStatus::Dismissed,
        };
        let moved = diesel::update(o::points_objections.filter(o::id.eq(id)).filter(o::status.eq("pending")))
            .set((
                o::status.eq(next.as_str()),
                o::answer.eq(answer),
                o::decided_by.eq(&principal.user_id),
                o::decided_at.eq(now),
            ))
            .execute(conn)?;
        if moved == 0 {
            return Err(PointsError::NotNow { action: ruling.as_str(), status: "answered" });
        }
        let view = entries::views(conn, vec![entry])?.pop().ok_or(PointsError::NotFound)?;
        if ruling == Ruling::Uphold {
            strike(conn, &view, now)?;
        }
        let ruled = if ruling == Ruling::Uphold { "成立" } else { "不成立" };
        let data = json!({ "subject": view.rule_name, "ruling": ruled, "answer": answer });
        crate::notify::enqueue_to(
            conn,
            "points_objection_answered",
            std::slice::from_ref(&row.objector_id),
            &data,
            now,
        )?;
        Ok(o::points_objections.filter(o::id.eq(id)).select(ObjectionRow::as_select()).first(conn)?)
    })
}

/// Strikes a posted entry (an upheld objection): it never counts. Already struck: nothing more.
fn strike(conn: &mut DbConn, view: &EntryView, now: NaiveDateTime) -> Result<(), PointsError> {
    let struck = transition(EntryStatus::Posted, EntryAction::Strike)?;
    let moved = diesel::update(e::points_entries.filter(e::id.eq(&view.row.id)).filter(e::status.eq("posted")))
        .set((e::status.eq(struck.as_str()), e::updated_at.eq(now)))
        .execute(conn)?;
    if moved == 1 {
        let data = json!({ "rule": view.rule_name, "points": view.row.points, "outcome": "未生效" });
        crate::notify::enqueue_to(conn, "points_effective", std::slice::from_ref(&view.row.user_id), &data, now)?;
    }
    Ok(())
}

/// Settles the postings of entries whose days are over, each in its own write transaction:
/// returns how many it settled.
pub fn settle_due(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, PointsError> {
    let waiting =
        o::points_objections.filter(o::posting_id.eq(p::id)).filter(o::status.eq(ObjectionStatus::Pending.as_str()));
    let due: Vec<String> = p::points_postings
        .filter(p::kind.eq(PostingKind::Entries.as_str()))
        .filter(p::status.eq(PostingStatus::Open.as_str()))
        .filter(p::ends_at.le(now))
        .filter(diesel::dsl::not(diesel::dsl::exists(waiting)))
        .order(p::ends_at.asc())
        .select(p::id)
        .limit(100)
        .load(conn)?;
    let mut settled = 0;
    for id in due {
        settled += write_tx(conn, |conn| settle_one(conn, &id, now))?;
    }
    Ok(settled)
}

/// One posting: claimed by a conditional update (two instances never settle it twice), then —
/// the claim holding the posting's row, so an objection being stored has committed or waits —
/// nothing while an objection waits for its answer (the claim undone), else each entry still
/// posted takes effect.
fn settle_one(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<usize, PointsError> {
    let row = find(conn, id)?;
    if now < row.ends_at {
        return Ok(0);
    }
    let claimed = diesel::update(p::points_postings.filter(p::id.eq(id)).filter(p::status.eq("open")))
        .set((p::status.eq(PostingStatus::Closed.as_str()), p::closed_at.eq(now)))
        .execute(conn)?;
    if claimed == 0 {
        return Ok(0);
    }
    let pending: i64 = o::points_objections
        .filter(o::posting_id.eq(id))
        .filter(o::status.eq(ObjectionStatus::Pending.as_str()))
        .select(count_star())
        .first(conn)?;
    if !may_settle(row.ends_at, pending as u64, now) {
        diesel::update(p::points_postings.filter(p::id.eq(id)))
            .set((p::status.eq(PostingStatus::Open.as_str()), p::closed_at.eq(None::<NaiveDateTime>)))
            .execute(conn)?;
        return Ok(0);
    }
    let posted: Vec<EntryRow> = e::points_entries
        .filter(e::posting_id.eq(id))
        .filter(e::status.eq(EntryStatus::Posted.as_str()))
        .order(e::id.asc())
        .select(EntryRow::as_select())
        .load(conn)?;
    for view in entries::views(conn, posted)? {
        take_effect(conn, &view, now)?;
    }
    Ok(1)
}

/// An entry enters the ledger of its person in its village (earning above zero, a penalty
/// below), and the person is told.
fn take_effect(conn: &mut DbConn, view: &EntryView, now: NaiveDateTime) -> Result<(), PointsError> {
    let row = &view.row;
    let effective = transition(EntryStatus::Posted, EntryAction::TakeEffect)?;
    let moved = diesel::update(e::points_entries.filter(e::id.eq(&row.id)).filter(e::status.eq("posted")))
        .set((e::status.eq(effective.as_str()), e::effective_at.eq(now), e::updated_at.eq(now)))
        .execute(conn)?;
    if moved == 0 {
        return Ok(());
    }
    let subject = Subject::parse(&row.subject).map_err(|_| corrupt("entry subject", &row.id))?;
    let holder = Holder { unit_id: &row.org_unit_id, kind: HolderKind::User, id: &row.user_id, subject };
    let kind = if row.points > 0 { LedgerKind::Earn } else { LedgerKind::Penalty };
    let new = NewRow { kind, points: i64::from(row.points), reference: &row.id, memo: &view.rule_name };
    ledger::append(conn, holder, new, false, now)?;
    let data = json!({ "rule": view.rule_name, "points": row.points, "outcome": "已生效" });
    crate::notify::enqueue_to(conn, "points_effective", std::slice::from_ref(&row.user_id), &data, now)?;
    Ok(())
}
