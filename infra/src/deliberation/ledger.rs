//! The courtyard meeting's problem ledger (屋场会问题台账): a question raised on the spot becomes
//! a matter of the village in one step, with a deadline for its answer in working days; the
//! answer and a revisit are recorded, and a sweeper marks unanswered items overdue at their
//! deadline, once, telling the village's cadres. An anonymous speaker's item never shows who
//! spoke.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::deliberation::access::lives_in;
use domain::deliberation::meetings::MeetingStatus;
use domain::deliberation::{MatterStatus, Moderation};
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use serde_json::json;

use super::meetings::{self, cadres_of, MeetingRow};
use super::queries;
use super::rows::{self, EventRow, MatterRow, SheetRow};
use super::service::{announce_raised, Caller, Rules};
use super::DeliberationError;
use crate::db::write_tx;
use crate::identity::queries::{org, residency, users};
use crate::schema::courtyard_items::dsl as cy;
use crate::schema::matters::dsl as m;
use crate::DbConn;

pub const LEDGER_ANSWERED: &str = "ledger_answered";
pub const LEDGER_OVERDUE: &str = "ledger_overdue";

/// Working days an item may wait for its answer unless the recorder says otherwise.
pub const DEFAULT_ANSWER_DAYS: u32 = 5;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::courtyard_items)]
pub struct CourtyardRow {
    pub matter_id: String,
    pub meeting_id: String,
    pub speaker_id: Option<String>,
    pub anonymous: bool,
    pub answer_due: NaiveDateTime,
    pub answer: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub revisit_due: Option<NaiveDateTime>,
    pub revisit_note: Option<String>,
    pub revisited_at: Option<NaiveDateTime>,
    pub overdue_at: Option<NaiveDateTime>,
}

/// A question as the recording staff member writes it down.
#[derive(Debug, Clone)]
pub struct Question {
    pub title: String,
    pub body: String,
    /// The resident who spoke; `None` with `anonymous`.
    pub speaker_id: Option<String>,
    pub anonymous: bool,
    pub answer_days: u32,
    /// A code of the deliberation catalog; `other` when the recorder gave none.
    pub category: Option<String>,
}

/// One item of the ledger as its reader gets it: the speaker hidden on anonymous items.
#[derive(Debug, Clone)]
pub struct LedgerItem {
    pub row: CourtyardRow,
    pub title: String,
    pub status: String,
    pub speaker_name: Option<String>,
}

/// A ledger with its counts.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub total: usize,
    pub answered: usize,
    pub unanswered: usize,
    pub overdue: usize,
    pub revisited: usize,
    pub items: Vec<LedgerItem>,
}

/// Builds and inserts the matter of a question raised at a courtyard meeting: in the meeting's
/// scope, origin `courtyard`, its author the speaker (or, anonymous, the recording staff member),
/// with its record sheet and timeline entry.
pub(crate) fn raise_on_spot(
    conn: &mut DbConn,
    caller: &Caller,
    meeting: &MeetingRow,
    q: &Question,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<MatterRow, DeliberationError> {
    let principal = &caller.principal;
    let calendar = rules.reference.calendar(conn, now.date())?;
    let author = q.speaker_id.clone().unwrap_or_else(|| principal.user_id.clone());
    let category = match &q.category {
        Some(code) => super::queries::category(conn, code)?
            .filter(|c| c.active)
            .map(|c| c.code)
            .ok_or_else(|| DeliberationError::invalid("category", "unknown category"))?,
        None => "other".to_owned(),
    };
    let row = MatterRow {
        id: domain::new_id(),
        scope_id: meeting.scope_id.clone(),
        village_id: meeting.village_id.clone(),
        category,
        title: q.title.clone(),
        body: q.body.clone(),
        author_id: author,
        proxy_id: q.speaker_id.as_ref().map(|_| principal.user_id.clone()),
        origin: "courtyard".to_owned(),
        status: MatterStatus::Raised.as_str().to_owned(),
        moderation: Moderation::Clear.as_str().to_owned(),
        moderation_note: String::new(),
        scheme: None,
        tier: None,
        route: None,
        triage_item_id: None,
        triage_note: None,
        merged_into: None,
        case_id: None,
        supports: 0,
        opinions: 0,
        client_id: None,
        raised_at: now,
        triage_due: Some(calendar.add_working_days(now.and_utc(), rules.triage_days).naive_utc()),
        triage_flagged_at: None,
        triaged_at: None,
        resolved_at: None,
        rating_closes_at: None,
        closed_at: None,
        updated_at: now,
        version: 0,
    };
    rows::insert_matter(conn, &row)?;
    let mut event = EventRow::new(&row.id, "raised", Some(&principal.user_id), now);
    event.status_after = Some(row.status.clone());
    event.details = json!({ "origin": "courtyard", "meeting_id": meeting.id, "anonymous": q.anonymous }).to_string();
    rows::insert_event(conn, &event)?;
    let record = json!({
        "title": row.title,
        "body": row.body,
        "origin": "courtyard",
        "meeting": meeting.title,
        "anonymous": q.anonymous,
        "raised_at": row.raised_at,
    });
    rows::insert_sheet(conn, &SheetRow::new(&row.id, "record", &record, Some(&principal.user_id), now))?;
    let item = CourtyardRow {
        matter_id: row.id.clone(),
        meeting_id: meeting.id.clone(),
        speaker_id: q.speaker_id.clone(),
        anonymous: q.anonymous,
        answer_due: calendar.add_working_days(now.and_utc(), q.answer_days).naive_utc(),
        answer: None,
        answered_at: None,
        revisit_due: None,
        revisit_note: None,
        revisited_at: None,
        overdue_at: None,
    };
    diesel::insert_into(cy::courtyard_items).values(&item).execute(conn)?;
    Ok(row)
}

/// Records a question raised at a courtyard meeting (council staff; announced or held).
pub fn record(
    conn: &mut DbConn,
    caller: &Caller,
    meeting_id: &str,
    q: &Question,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<LedgerItem, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = meetings::seen(conn, principal, meeting_id)?;
        seen.require_council(principal)?;
        let status = seen.row.status()?;
        if !seen.row.courtyard || !matches!(status, MeetingStatus::Announced | MeetingStatus::Held) {
            return Err(DeliberationError::NotNow { action: "ledger", status: status.as_str().to_owned() });
        }
        if let Some(speaker) = &q.speaker_id {
            let homes: Vec<Vec<String>> =
                residency::member_places(conn, speaker)?.into_iter().map(|p| p.org_path).collect();
            if !lives_in(&homes, &seen.scope_path) {
                return Err(DeliberationError::invalid("speaker_id", "not a resident of the meeting's scope"));
            }
        }
        let row = raise_on_spot(conn, caller, &seen.row, q, rules, now)?;
        caller.audit(
            conn,
            "matter.raise",
            "matter",
            &row.id,
            json!({ "origin": "courtyard", "meeting_id": meeting_id }),
            now,
        )?;
        let scope = org::find_unit(conn, &row.scope_id)?.map(|u| u.name).unwrap_or_default();
        announce_raised(conn, &row, &scope, now)?;
        item(conn, principal, &row.id)
    })
}

fn find_item(conn: &mut DbConn, matter_id: &str) -> Result<Option<CourtyardRow>, diesel::result::Error> {
    cy::courtyard_items.filter(cy::matter_id.eq(matter_id)).select(CourtyardRow::as_select()).first(conn).optional()
}

/// One item, for a caller who sees its matter.
pub fn item(conn: &mut DbConn, principal: &Principal, matter_id: &str) -> Result<LedgerItem, DeliberationError> {
    queries::seen(conn, principal, matter_id)?;
    let row = find_item(conn, matter_id)?.ok_or(DeliberationError::NotFound)?;
    items_of(conn, vec![row])?.pop().ok_or(DeliberationError::NotFound)
}

fn items_of(conn: &mut DbConn, rows: Vec<CourtyardRow>) -> Result<Vec<LedgerItem>, DeliberationError> {
    let ids: Vec<String> = rows.iter().map(|r| r.matter_id.clone()).collect();
    let matters: Vec<(String, String, String)> =
        m::matters.filter(m::id.eq_any(&ids)).select((m::id, m::title, m::status)).load(conn)?;
    let speakers: Vec<String> = rows.iter().filter(|r| !r.anonymous).filter_map(|r| r.speaker_id.clone()).collect();
    let names = users::names(conn, &speakers)?;
    Ok(rows
        .into_iter()
        .map(|mut row| {
            if row.anonymous {
                row.speaker_id = None;
            }
            let (title, status) = matters
                .iter()
                .find(|(id, _, _)| *id == row.matter_id)
                .map(|(_, t, s)| (t.clone(), s.clone()))
                .unwrap_or_default();
            LedgerItem { speaker_name: row.speaker_id.as_ref().and_then(|s| names.get(s).cloned()), title, status, row }
        })
        .collect())
}

fn ledger_of(conn: &mut DbConn, rows: Vec<CourtyardRow>) -> Result<Ledger, DeliberationError> {
    let items = items_of(conn, rows)?;
    Ok(Ledger {
        total: items.len(),
        answered: items.iter().filter(|i| i.row.answered_at.is_some()).count(),
        unanswered: items.iter().filter(|i| i.row.answered_at.is_none()).count(),
        overdue: items.iter().filter(|i| i.row.overdue_at.is_some()).count(),
        revisited: items.iter().filter(|i| i.row.revisited_at.is_some()).count(),
        items,
    })
}

/// The ledger of one meeting, for whoever sees the meeting.
pub fn of_meeting(conn: &mut DbConn, principal: &Principal, meeting_id: &str) -> Result<Ledger, DeliberationError> {
    meetings::seen(conn, principal, meeting_id)?;
    let rows: Vec<CourtyardRow> = cy::courtyard_items
        .filter(cy::meeting_id.eq(meeting_id))
        .order(cy::matter_id.asc())
        .select(CourtyardRow::as_select())
        .load(conn)?;
    ledger_of(conn, rows)
}

/// The ledger of a village, for staff over it and its residents.
pub fn of_village(conn: &mut DbConn, principal: &Principal, village_id: &str) -> Result<Ledger, DeliberationError> {
    let path = org::unit_path(conn, village_id)?.ok_or(DeliberationError::NotFound)?;
    let homes = queries::homes_of(conn, principal)?;
    if !(principal.sees(&Place::in_org(path.clone())) || lives_in(&homes, &path)) {
        return Err(DeliberationError::NotFound);
    }
    let rows: Vec<CourtyardRow> = cy::courtyard_items
        .inner_join(m::matters.on(m::id.eq(cy::matter_id)))
        .filter(m::village_id.eq(village_id))
        .order(cy::matter_id.asc())
        .limit(500)
        .select(CourtyardRow::as_select())
        .load(conn)?;
    ledger_of(conn, rows)
}

/// An item council staff of its matter's scope act on.
fn council_item(conn: &mut DbConn, principal: &Principal, matter_id: &str) -> Result<CourtyardRow, DeliberationError> {
    let seen = queries::seen(conn, principal, matter_id)?;
    let row = find_item(conn, matter_id)?.ok_or(DeliberationError::NotFound)?;
    seen.require(principal, Permission::CouncilWork)?;
    Ok(row)
}

/// Answers an item, once; the speaker (unless anonymous) is told.
pub fn answer(
    conn: &mut DbConn,
    caller: &Caller,
    matter_id: &str,
    text: &str,
    now: NaiveDateTime,
) -> Result<LedgerItem, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let row = council_item(conn, principal, matter_id)?;
        let n =
            diesel::update(cy::courtyard_items.filter(cy::matter_id.eq(matter_id)).filter(cy::answered_at.is_null()))
                .set((cy::answer.eq(text), cy::answered_at.eq(now)))
                .execute(conn)?;
        if n == 0 {
            return Err(DeliberationError::Duplicate);
        }
        let mut event = EventRow::new(matter_id, "ledger_answered", Some(&principal.user_id), now);
        event.note = text.to_owned();
        event.details = json!({ "late": row.answer_due < now }).to_string();
        rows::insert_event(conn, &event)?;
        caller.audit(conn, "matter.ledger_answer", "matter", matter_id, json!({}), now)?;
        if let (false, Some(speaker)) = (row.anonymous, &row.speaker_id) {
            let title = queries::find(conn, matter_id)?.map(|m| m.title).unwrap_or_default();
            let data = json!({ "matter": title, "answer": text });
            crate::notify::enqueue_to(conn, LEDGER_ANSWERED, std::slice::from_ref(speaker), &data, now)?;
        }
        item(conn, principal, matter_id)
    })
}

/// Records the revisit of an answered item (回访), once.
pub fn revisit(
    conn: &mut DbConn,
    caller: &Caller,
    matter_id: &str,
    note: &str,
    now: NaiveDateTime,
) -> Result<LedgerItem, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let row = council_item(conn, principal, matter_id)?;
        if row.answered_at.is_none() {
            return Err(DeliberationError::NotNow { action: "revisit", status: "unanswered".to_owned() });
        }
        let n =
            diesel::update(cy::courtyard_items.filter(cy::matter_id.eq(matter_id)).filter(cy::revisited_at.is_null()))
                .set((cy::revisit_note.eq(note), cy::revisited_at.eq(now)))
                .execute(conn)?;
        if n == 0 {
            return Err(DeliberationError::Duplicate);
        }
        let mut event = EventRow::new(matter_id, "ledger_revisited", Some(&principal.user_id), now);
        event.note = note.to_owned();
        rows::insert_event(conn, &event)?;
        caller.audit(conn, "matter.ledger_revisit", "matter", matter_id, json!({}), now)?;
        item(conn, principal, matter_id)
    })
}

/// Marks unanswered items overdue at their deadline, once each even with two sweepers, with a
/// timeline entry and a notice to the village's cadres. Returns how many.
pub fn sweep(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, DeliberationError> {
    let due: Vec<CourtyardRow> = cy::courtyard_items
        .filter(cy::answered_at.is_null())
        .filter(cy::overdue_at.is_null())
        .filter(cy::answer_due.le(now))
        .limit(200)
        .select(CourtyardRow::as_select())
        .load(conn)?;
    let mut marked = 0;
    for row in due {
        let done = write_tx(conn, |conn| -> Result<bool, DeliberationError> {
            let taken = diesel::update(
                cy::courtyard_items
                    .filter(cy::matter_id.eq(&row.matter_id))
                    .filter(cy::overdue_at.is_null())
                    .filter(cy::answered_at.is_null()),
            )
            .set(cy::overdue_at.eq(now))
            .execute(conn)?;
            if taken == 0 {
                return Ok(false);
            }
            let mut event = EventRow::new(&row.matter_id, "ledger_overdue", None, now);
            event.details = json!({ "due": row.answer_due }).to_string();
            rows::insert_event(conn, &event)?;
            let matter = queries::find(conn, &row.matter_id)?;
            if let Some(matter) = matter {
                let village = org::find_unit(conn, &matter.village_id)?.map(|u| u.name).unwrap_or_default();
                let people = cadres_of(conn, &matter.village_id)?;
                let data = json!({ "matter": matter.title, "village": village, "due": super::service::beijing(row.answer_due) });
                crate::notify::enqueue_to(conn, LEDGER_OVERDUE, &people, &data, now)?;
            }
            Ok(true)
        })?;
        marked += usize::from(done);
    }
    Ok(marked)
}
