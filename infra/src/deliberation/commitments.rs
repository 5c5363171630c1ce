//! Commitments (有诺必践): made by a resolution or a mediation agreement, reported on by their
//! owner until done; the sweeper raises one supervision sheet (民情督办单) when one slips, which a
//! supervisor may extend once or escalate to the township.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::deliberation::commitments::{is_overdue, may_extend, CommitmentStatus, MAX_EXTENSIONS};
use domain::identity::roles::{Permission, Role};
use serde_json::json;

use super::queries::{self, Seen};
use super::rows::{self, EventRow, SheetRow};
use super::service::{self, Caller};
use super::DeliberationError;
use crate::db::{write_tx, Inserted};
use crate::identity::queries::{org, users};
use crate::schema::commitment_progress::dsl as cp;
use crate::schema::commitments::dsl as c;
use crate::schema::matter_sheets::dsl as sh;
use crate::DbConn;

pub const COMMITMENT_ASSIGNED: &str = "commitment_assigned";
pub const COMMITMENT_OVERDUE: &str = "commitment_overdue";
pub const COMMITMENT_SUPERVISED: &str = "commitment_supervised";
pub const COMMITMENT_EXTENDED: &str = "commitment_extended";
pub const COMMITMENT_ESCALATED: &str = "commitment_escalated";

/// The most commitments one resolution or agreement makes.
pub const MAX_COMMITMENTS: usize = 20;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::commitments)]
pub struct CommitmentRow {
    pub id: String,
    pub matter_id: String,
    pub agreement_id: Option<String>,
    pub owner_id: Option<String>,
    pub owner_committee: Option<String>,
    pub what: String,
    pub due_at: NaiveDateTime,
    pub status: String,
    pub extensions: i32,
    pub done_at: Option<NaiveDateTime>,
    pub overdue_at: Option<NaiveDateTime>,
    pub escalated_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub version: i32,
}

impl CommitmentRow {
    pub fn status(&self) -> Result<CommitmentStatus, DeliberationError> {
        CommitmentStatus::parse(&self.status)
            .map_err(|_| DeliberationError::Corrupt(format!("status of commitment {}", self.id)))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::commitment_progress)]
pub struct ProgressRow {
    pub id: String,
    pub commitment_id: String,
    pub author_id: String,
    pub body: String,
    pub done: bool,
    pub created_at: NaiveDateTime,
}

/// A commitment as a resolution or agreement states it: a person or a committee owns it.
#[derive(Debug, Clone)]
pub struct CommitmentDraft {
    pub owner_id: Option<String>,
    pub owner_committee: Option<String>,
    pub what: String,
    pub due_at: NaiveDateTime,
}

/// A commitment with its owner's name and its reports.
#[derive(Debug, Clone)]
pub struct CommitmentView {
    pub row: CommitmentRow,
    pub owner_name: Option<String>,
    pub progress: Vec<ProgressRow>,
    /// Its supervision sheet, when it slipped.
    pub sheet_id: Option<String>,
}

/// Whether `person` belongs to the village at `village_path`: lives in it, or serves it (a grant
/// on it, on a unit or grid inside it, or on a unit above it).
fn of_village(conn: &mut DbConn, person: &str, village_path: &[String]) -> Result<bool, DeliberationError> {
    let homes = crate::identity::queries::residency::member_places(conn, person)?;
    if homes.iter().any(|home| home.org_path.starts_with(village_path)) {
        return Ok(true);
    }
    let grants = crate::identity::queries::grants::of_user(conn, person)?;
    Ok(grants.iter().any(|g| g.org_path.starts_with(village_path) || village_path.starts_with(&g.org_path)))
}

/// Checks drafts: each owned by exactly one of a person of the village or a committee, due
/// after `now`.
fn check(
    conn: &mut DbConn,
    village_path: &[String],
    drafts: &[CommitmentDraft],
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    if drafts.len() > MAX_COMMITMENTS {
        return Err(DeliberationError::invalid("commitments", "at most 20"));
    }
    for d in drafts {
        match (&d.owner_id, &d.owner_committee) {
            (Some(owner), None) => {
                if users::find(conn, owner)?.is_none() || !of_village(conn, owner, village_path)? {
                    return Err(DeliberationError::invalid("commitments", "owner_id: a person of the village"));
                }
            }
            (None, Some(_)) => {}
            _ => return Err(DeliberationError::invalid("commitments", "give either owner_id or owner_committee")),
        }
        if d.due_at <= now {
            return Err(DeliberationError::invalid("commitments", "due_at must be in the future"));
        }
    }
    Ok(())
}

/// Writes the commitments of a matter (and agreement) and tells their owners: a person, or the
/// village's cadres for a committee.
pub(crate) fn make(
    conn: &mut DbConn,
    caller: &Caller,
    seen: &Seen,
    agreement_id: Option<&str>,
    drafts: &[CommitmentDraft],
    now: NaiveDateTime,
) -> Result<Vec<String>, DeliberationError> {
    let village_path: Vec<String> = seen.scope_path.iter().take(3).cloned().collect();
    check(conn, &village_path, drafts, now)?;
    let mut ids = Vec::with_capacity(drafts.len());
    for d in drafts {
        let row = CommitmentRow {
            id: domain::new_id(),
            matter_id: seen.row.id.clone(),
            agreement_id: agreement_id.map(str::to_owned),
            owner_id: d.owner_id.clone(),
            owner_committee: d.owner_committee.clone(),
            what: d.what.clone(),
            due_at: d.due_at,
            status: CommitmentStatus::Open.as_str().to_owned(),
            extensions: 0,
            done_at: None,
            overdue_at: None,
            escalated_at: None,
            created_by: caller.principal.user_id.clone(),
            created_at: now,
            version: 0,
        };
        diesel::insert_into(c::commitments).values(&row).execute(conn)?;
        let people = owners_of(conn, &seen.row.village_id, &row)?;
        let data =
            json!({ "matter": seen.row.title, "commitment": row.what, "deadline": service::beijing(row.due_at) });
        crate::notify::enqueue_to(conn, COMMITMENT_ASSIGNED, &people, &data, now)?;
        ids.push(row.id);
    }
    Ok(ids)
}

/// Who answers for a commitment: its owner, or the cadres of the village for a committee.
fn owners_of(conn: &mut DbConn, village_id: &str, row: &CommitmentRow) -> Result<Vec<String>, DeliberationError> {
    match &row.owner_id {
        Some(owner) => Ok(vec![owner.clone()]),
        None => service::holders_on(conn, village_id, &[Role::VillageCadre]),
    }
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CommitmentRow>, DeliberationError> {
    Ok(c::commitments.filter(c::id.eq(id)).select(CommitmentRow::as_select()).first(conn).optional()?)
}

/// How many commitments of a matter are still owed.
pub fn open_count(conn: &mut DbConn, matter_id: &str) -> Result<u32, DeliberationError> {
    let open = [CommitmentStatus::Open.as_str(), CommitmentStatus::Escalated.as_str()];
    let n: i64 =
        c::commitments.filter(c::matter_id.eq(matter_id)).filter(c::status.eq_any(open)).count().get_result(conn)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The views of commitment rows: owners' names, reports, sheets.
pub(crate) fn views_of(conn: &mut DbConn, rows: Vec<CommitmentRow>) -> Result<Vec<CommitmentView>, DeliberationError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let owners: Vec<String> = rows.iter().filter_map(|r| r.owner_id.clone()).collect();
    let names = users::names(conn, &owners)?;
    let progress: Vec<ProgressRow> = cp::commitment_progress
        .filter(cp::commitment_id.eq_any(&ids))
        .order(cp::id.asc())
        .select(ProgressRow::as_select())
        .load(conn)?;
    let sheets: Vec<(Option<String>, String)> = sh::matter_sheets
        .filter(sh::commitment_id.eq_any(&ids))
        .filter(sh::kind.eq("supervision"))
        .select((sh::commitment_id, sh::id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| CommitmentView {
            owner_name: row.owner_id.as_ref().and_then(|o| names.get(o).cloned()),
            progress: progress.iter().filter(|p| p.commitment_id == row.id).cloned().collect(),
            sheet_id: sheets.iter().find(|(c, _)| c.as_deref() == Some(row.id.as_str())).map(|(_, s)| s.clone()),
            row,
        })
        .collect())
}

/// The commitments of a matter the caller sees, oldest first.
pub fn of_matter(
    conn: &mut DbConn,
    principal: &domain::identity::principal::Principal,
    matter_id: &str,
) -> Result<Vec<CommitmentView>, DeliberationError> {
    queries::seen(conn, principal, matter_id)?;
    let rows = c::commitments
        .filter(c::matter_id.eq(matter_id))
        .order(c::id.asc())
        .select(CommitmentRow::as_select())
        .load(conn)?;
    views_of(conn, rows)
}

/// A commitment and its matter as the caller sees them (not found when they do not).
fn seen_commitment(
    conn: &mut DbConn,
    principal: &domain::identity::principal::Principal,
    id: &str,
) -> Result<(CommitmentRow, Seen), DeliberationError> {
    let row = find(conn, id)?.ok_or(DeliberationError::NotFound)?;
    let is_owner = row.owner_id.as_deref() == Some(principal.subject());
    let found = queries::find(conn, &row.matter_id)?.ok_or(DeliberationError::NotFound)?;
    let seen = match queries::seen_row(conn, principal, found.clone()) {
        Ok(seen) => seen,
        // An owner from outside the scope (a township officer…) still answers for it.
        Err(DeliberationError::NotFound) if is_owner => {
            let scope_path = org::unit_path(conn, &found.scope_id)?.unwrap_or_default();
            Seen { row: found, scope_path, takes_part: false, moderator: false }
        }
        Err(other) => return Err(other),
    };
    Ok((row, seen))
}

/// A progress report.
#[derive(Debug, Clone)]
pub struct Progress {
    pub body: String,
    pub done: bool,
    pub media: Vec<String>,
}

/// Reports progress on a commitment: its owner, or for a committee's, whoever may decide
/// matters there; `done` keeps it (its supervision sheet closes).
pub fn report(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    p: &Progress,
    now: NaiveDateTime,
) -> Result<CommitmentView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let (row, seen) = seen_commitment(conn, principal, id)?;
        let allowed = match &row.owner_id {
            Some(owner) => owner == principal.subject(),
            None => seen.require(principal, Permission::DecideMatters).is_ok(),
        };
        if !allowed {
            return Err(DeliberationError::Forbidden);
        }
        let status = row.status()?;
        if !status.is_open() {
            return Err(DeliberationError::NotNow { action: "progress", status: status.as_str().to_owned() });
        }
        service::check_attachments(conn, principal, &p.media)?;
        let progress = ProgressRow {
            id: domain::new_id(),
            commitment_id: row.id.clone(),
            author_id: principal.user_id.clone(),
            body: p.body.clone(),
            done: p.done,
            created_at: now,
        };
        diesel::insert_into(cp::commitment_progress).values(&progress).execute(conn)?;
        let owners = [principal.user_id.as_str(), principal.subject()];
        crate::media::service::attach(conn, &p.media, &owners, crate::media::service::Target::Matter(&row.matter_id))?;
        if p.done {
            let n = diesel::update(c::commitments.filter(c::id.eq(id)).filter(c::version.eq(row.version)))
                .set((
                    c::status.eq(CommitmentStatus::Done.as_str()),
                    c::done_at.eq(Some(now)),
                    c::version.eq(row.version + 1),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(DeliberationError::Stale);
            }
            diesel::update(sh::matter_sheets.filter(sh::commitment_id.eq(id)).filter(sh::closed_at.is_null()))
                .set((sh::status.eq("closed"), sh::closed_at.eq(Some(now))))
                .execute(conn)?;
        }
        let kind = if p.done { "commitment_done" } else { "commitment_progress" };
        let mut event = EventRow::new(&row.matter_id, kind, Some(&principal.user_id), now);
        event.note = p.body.clone();
        event.details = json!({ "commitment_id": row.id, "what": row.what }).to_string();
        rows::insert_event(conn, &event)?;
        caller.audit(conn, &format!("commitment.{kind}"), "commitment", id, json!({ "done": p.done }), now)?;
        let row = find(conn, id)?.ok_or(DeliberationError::NotFound)?;
        views_of(conn, vec![row])?.pop().ok_or(DeliberationError::NotFound)
    })
}

// ---------------------------------------------------------------------------------------------
// The sweeper and the supervision sheet

/// Raises one supervision sheet for each commitment that slipped, telling its owner and the
/// village's supervisors; a second sweeper (or pass) finds the sheet and does nothing. Returns
/// how many it raised.
pub fn sweep(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, DeliberationError> {
    let due: Vec<CommitmentRow> = c::commitments
        .filter(c::status.eq(CommitmentStatus::Open.as_str()))
        .filter(c::due_at.le(now))
        .filter(c::overdue_at.is_null())
        .order(c::due_at.asc())
        .limit(200)
        .select(CommitmentRow::as_select())
        .load(conn)?;
    let mut raised = 0;
    for row in due {
        let done = write_tx(conn, |conn| supervise(conn, &row, now))?;
        raised += usize::from(done);
    }
    Ok(raised)
}

fn supervise(conn: &mut DbConn, row: &CommitmentRow, now: NaiveDateTime) -> Result<bool, DeliberationError> {
    if !is_overdue(row.status()?, row.due_at, now) {
        return Ok(false);
    }
    let taken = diesel::update(c::commitments.filter(c::id.eq(&row.id)).filter(c::overdue_at.is_null()))
        .set(c::overdue_at.eq(Some(now)))
        .execute(conn)?;
    if taken == 0 {
        return Ok(false);
    }
    let matter = queries::find(conn, &row.matter_id)?.ok_or(DeliberationError::NotFound)?;
    let body = json!({
        "matter": matter.title,
        "commitment": row.what,
        "owner_id": row.owner_id,
        "owner_committee": row.owner_committee,
        "due_at": row.due_at,
    });
    let sheet = SheetRow {
        commitment_id: Some(row.id.clone()),
        ..SheetRow::new(&row.matter_id, "supervision", &body, None, now)
    };
    let first = rows::insert_sheet(conn, &sheet)? == Inserted::New;
    let mut event = EventRow::new(&row.matter_id, "commitment_overdue", None, now);
    event.details =
        json!({ "commitment_id": row.id, "what": row.what, "sheet_id": first.then_some(&sheet.id) }).to_string();
    rows::insert_event(conn, &event)?;
    let data = json!({ "matter": matter.title, "commitment": row.what, "deadline": service::beijing(row.due_at) });
    let owners = owners_of(conn, &matter.village_id, row)?;
    crate::notify::enqueue_to(conn, COMMITMENT_OVERDUE, &owners, &data, now)?;
    let mut supervisors = service::holders_on(conn, &matter.village_id, &[Role::Supervisor])?;
    supervisors.retain(|s| !owners.contains(s));
    crate::notify::enqueue_to(conn, COMMITMENT_SUPERVISED, &supervisors, &data, now)?;
    Ok(true)
}

/// A supervision sheet with its commitment, as a supervisor of its scope acts on it.
fn supervised(
    conn: &mut DbConn,
    caller: &Caller,
    sheet_id: &str,
) -> Result<(SheetRow, CommitmentRow, Seen), DeliberationError> {
    let sheet: SheetRow = sh::matter_sheets
        .filter(sh::id.eq(sheet_id))
        .filter(sh::kind.eq("supervision"))
        .select(SheetRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DeliberationError::NotFound)?;
    let seen = queries::seen(conn, &caller.principal, &sheet.matter_id)?;
    seen.require(&caller.principal, Permission::Supervise)?;
    let commitment =
        find(conn, sheet.commitment_id.as_deref().unwrap_or_default())?.ok_or(DeliberationError::NotFound)?;
    Ok((sheet, commitment, seen))
}

/// Extends a slipped commitment's deadline, once, with a reason; its owner is told.
pub fn extend(
    conn: &mut DbConn,
    caller: &Caller,
    sheet_id: &str,
    due_at: NaiveDateTime,
    reason: String,
    now: NaiveDateTime,
) -> Result<CommitmentView, DeliberationError> {
    write_tx(conn, |conn| {
        let (_, row, seen) = supervised(conn, caller, sheet_id)?;
        let status = row.status()?;
        if status != CommitmentStatus::Open {
            return Err(DeliberationError::NotNow { action: "extend", status: status.as_str().to_owned() });
        }
        if row.extensions >= MAX_EXTENSIONS {
            return Err(DeliberationError::Duplicate);
        }
        if !may_extend(row.extensions, due_at, now) {
            return Err(DeliberationError::invalid("due_at", "must be in the future"));
        }
        let n = diesel::update(c::commitments.filter(c::id.eq(&row.id)).filter(c::version.eq(row.version)))
            .set((
                c::due_at.eq(due_at),
                c::extensions.eq(row.extensions + 1),
                c::overdue_at.eq(None::<NaiveDateTime>),
                c::version.eq(row.version + 1),
            ))
            .execute(conn)?;
        if n == 0 {
            return Err(DeliberationError::Stale);
        }
        let mut event = EventRow::new(&row.matter_id, "commitment_extended", Some(&caller.principal.user_id), now);
        event.note = reason.clone();
        event.details = json!({ "commitment_id": row.id, "from": row.due_at, "to": due_at }).to_string();
        rows::insert_event(conn, &event)?;
        caller.audit(conn, "commitment.extend", "commitment", &row.id, json!({ "due_at": due_at }), now)?;
        let data = json!({ "commitment": row.what, "deadline": service::beijing(due_at), "reason": reason });
        let owners = owners_of(conn, &seen.row.village_id, &row)?;
        crate::notify::enqueue_to(conn, COMMITMENT_EXTENDED, &owners, &data, now)?;
        let row = find(conn, &row.id)?.ok_or(DeliberationError::NotFound)?;
        views_of(conn, vec![row])?.pop().ok_or(DeliberationError::NotFound)
    })
}

/// Sends a slipped commitment to the township: its officers are told.
pub fn escalate(
    conn: &mut DbConn,
    caller: &Caller,
    sheet_id: &str,
    note: Option<String>,
    now: NaiveDateTime,
) -> Result<CommitmentView, DeliberationError> {
    write_tx(conn, |conn| {
        let (_, row, seen) = supervised(conn, caller, sheet_id)?;
        let status = row.status()?;
        if status != CommitmentStatus::Open {
            return Err(DeliberationError::NotNow { action: "escalate", status: status.as_str().to_owned() });
        }
        let n = diesel::update(c::commitments.filter(c::id.eq(&row.id)).filter(c::version.eq(row.version)))
            .set((
                c::status.eq(CommitmentStatus::Escalated.as_str()),
                c::escalated_at.eq(Some(now)),
                c::version.eq(row.version + 1),
            ))
            .execute(conn)?;
        if n == 0 {
            return Err(DeliberationError::Stale);
        }
        let mut event = EventRow::new(&row.matter_id, "commitment_escalated", Some(&caller.principal.user_id), now);
        event.note = note.clone().unwrap_or_default();
        event.details = json!({ "commitment_id": row.id }).to_string();
        rows::insert_event(conn, &event)?;
        caller.audit(conn, "commitment.escalate", "commitment", &row.id, json!({}), now)?;
        let village = org::find_unit(conn, &seen.row.village_id)?.map(|u| u.name).unwrap_or_default();
        let officers = match seen.scope_path.get(1) {
            Some(township) => service::holders_on(conn, township, &[Role::TownshipOfficer])?,
            None => Vec::new(),
        };
        let data = json!({ "village": village, "matter": seen.row.title, "commitment": row.what });
        crate::notify::enqueue_to(conn, COMMITMENT_ESCALATED, &officers, &data, now)?;
        let row = find(conn, &row.id)?.ok_or(DeliberationError::NotFound)?;
        views_of(conn, vec![row])?.pop().ok_or(DeliberationError::NotFound)
    })
}
