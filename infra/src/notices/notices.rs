//! Notices (阳光村务) of a unit: posted by staff with `PostNotices` over it (with their
//! attachments, in one transaction with the audit entry), edited before their period starts,
//! withdrawn with a reason that stays; read by everyone when public, by the unit's residents
//! when for residents only; objected to by the unit's residents within the period, once each;
//! each objection answered once, the objector told.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::identity::principal::Principal;
use domain::identity::roles::{Denial, Permission, Place};
use domain::notices::notices::{
    may_edit, may_object, may_withdraw, published, NoticeDraft, NoticeId, NoticeObjectionId, NoticeStatus,
    ObjectionAnswer,
};
use serde_json::json;

use super::notice_rows::{NoticeObjectionRow, NoticeRow};
use super::NoticeError;
use crate::db::{insert_unique, write_tx, DbConn, Inserted};
use crate::identity::audit;
use crate::identity::queries::{org, residency};
use crate::schema::notice_objections::dsl as o;
use crate::schema::notices::dsl as n;
use crate::schema::users::dsl as u;

/// An objection with the objector's display name (shown to staff masked, to nobody else).
#[derive(Debug, Clone)]
pub struct ObjectionSeen {
    pub row: NoticeObjectionRow,
    pub objector_name: String,
}

/// A notice with its attachments and objections, and whether the reader is staff over it.
#[derive(Debug, Clone)]
pub struct NoticeView {
    pub row: NoticeRow,
    pub attachments: Vec<String>,
    pub objections: Vec<ObjectionSeen>,
    pub staff: bool,
}

/// How a caller reads a unit's notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// `PostNotices` over the unit: every notice, objectors' names masked.
    Staff,
    /// Lives in the unit: its published notices, public or for residents.
    Resident,
    /// Anyone else, logged in or not: published public notices.
    Public,
}

fn place_of(conn: &mut DbConn, unit_id: &str) -> Result<Place, NoticeError> {
    org::place_of(conn, unit_id)?.ok_or(NoticeError::NotFound)
}

fn reader(conn: &mut DbConn, principal: Option<&Principal>, place: &Place) -> Result<Reader, NoticeError> {
    let Some(principal) = principal else { return Ok(Reader::Public) };
    if principal.require(place, Permission::PostNotices).is_ok() {
        return Ok(Reader::Staff);
    }
    if residency::lives_in(conn, principal.subject(), &place.org_path)? {
        return Ok(Reader::Resident);
    }
    Ok(Reader::Public)
}

fn visible(row: &NoticeRow, reader: Reader, now: NaiveDateTime) -> bool {
    match reader {
        Reader::Staff => true,
        Reader::Resident => published(row.posted_from, now),
        Reader::Public => row.is_public && published(row.posted_from, now),
    }
}

fn find(conn: &mut DbConn, id: &str) -> Result<NoticeRow, NoticeError> {
    n::notices.filter(n::id.eq(id)).select(NoticeRow::as_select()).first(conn).optional()?.ok_or(NoticeError::NotFound)
}

fn status_of(row: &NoticeRow) -> Result<NoticeStatus, NoticeError> {
    NoticeStatus::parse(&row.status).map_err(|_| NoticeError::Corrupt(format!("notice {}: status", row.id)))
}

fn record(
    conn: &mut DbConn,
    principal: &Principal,
    action: &str,
    kind: &str,
    id: &str,
    details: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), NoticeError> {
    let entry = audit::Entry {
        actor_id: Some(&principal.user_id),
        acting_for: None,
        action,
        object_kind: kind,
        object_id: id,
        details,
        ip: None,
        request_id: None,
    };
    audit::append(conn, &entry, now)?;
    Ok(())
}

/// The unit staff post in: `PostNotices` over it (404 outside every scope, 403 in scope without
/// it), a village or above.
fn posting_place(conn: &mut DbConn, principal: &Principal, unit_id: &str) -> Result<Place, NoticeError> {
    let place = place_of(conn, unit_id)?;
    match principal.require(&place, Permission::PostNotices) {
        Ok(()) => {}
        // A resident of the unit sees its notices: refused, not hidden.
        Err(Denial::NotFound) if residency::lives_in(conn, principal.subject(), &place.org_path)? => {
            return Err(NoticeError::Forbidden)
        }
        Err(denial) => return Err(denial.into()),
    }
    if place.org_path.len() > 3 {
        return Err(NoticeError::invalid("org_unit_id", "a village or a unit above it"));
    }
    Ok(place)
}

fn attach(conn: &mut DbConn, principal: &Principal, draft: &NoticeDraft, id: &str) -> Result<(), NoticeError> {
    let ids = draft.attachments().to_vec();
    let owners = [principal.user_id.as_str(), principal.subject()];
    let held = crate::media::service::attach(conn, &ids, &owners, crate::media::service::Target::Notice(id))?;
    if held != ids.len() {
        return Err(NoticeError::invalid("attachments", "your own uploads, attached to nothing else"));
    }
    crate::media::service::detach_from_notice(conn, &ids, id)?;
    Ok(())
}

/// Posts a notice for a unit (in the caller's write transaction: the idempotency record's).
pub fn create_in_tx(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    draft: &NoticeDraft,
    now: NaiveDateTime,
) -> Result<NoticeView, NoticeError> {
    posting_place(conn, principal, unit_id)?;
    let row = NoticeRow {
        id: NoticeId::generate().into_string(),
        org_unit_id: unit_id.to_owned(),
        kind: draft.kind().as_str().to_owned(),
        title: draft.title().to_owned(),
        body: draft.body().to_owned(),
        is_public: draft.public(),
        posted_from: draft.from(),
        posted_to: draft.to(),
        status: NoticeStatus::Posted.as_str().to_owned(),
        withdraw_reason: None,
        withdrawn_at: None,
        created_by: principal.user_id.clone(),
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(n::notices).values(&row).execute(conn)?;
    attach(conn, principal, draft, &row.id)?;
    let details = json!({ "org_unit_id": unit_id, "kind": row.kind, "title": row.title });
    record(conn, principal, "notice_posted", "notice", &row.id, details, now)?;
    view_of(conn, row, true)
}

/// Edits a notice before its period starts (`PostNotices` over its unit; 409 after).
pub fn edit(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    draft: &NoticeDraft,
    now: NaiveDateTime,
) -> Result<NoticeView, NoticeError> {
    write_tx(conn, |conn| {
        let row = find(conn, id)?;
        posting_place(conn, principal, &row.org_unit_id)?;
        may_edit(status_of(&row)?, row.posted_from, now)
            .map_err(|refusal| NoticeError::Refused { action: "edit", refusal })?;
        let moved = diesel::update(n::notices.filter(n::id.eq(id)).filter(n::posted_from.gt(now)))
            .set((
                n::kind.eq(draft.kind().as_str()),
                n::title.eq(draft.title()),
                n::body.eq(draft.body()),
                n::is_public.eq(draft.public()),
                n::posted_from.eq(draft.from()),
                n::posted_to.eq(draft.to()),
                n::updated_at.eq(now),
            ))
            .execute(conn)?;
        if moved == 0 {
            let refusal = domain::notices::notices::NoticeRefusal::PeriodStarted;
            return Err(NoticeError::Refused { action: "edit", refusal });
        }
        attach(conn, principal, draft, id)?;
        record(conn, principal, "notice_edited", "notice", id, json!({ "title": draft.title() }), now)?;
        let row = find(conn, id)?;
        view_of(conn, row, true)
    })
}

/// Withdraws a posted notice with a reason that stays on it (`PostNotices` over its unit).
pub fn withdraw(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<NoticeView, NoticeError> {
    write_tx(conn, |conn| {
        let row = find(conn, id)?;
        posting_place(conn, principal, &row.org_unit_id)?;
        may_withdraw(status_of(&row)?).map_err(|refusal| NoticeError::Refused { action: "withdraw", refusal })?;
        let moved = diesel::update(n::notices.filter(n::id.eq(id)).filter(n::status.eq("posted")))
            .set((
                n::status.eq(NoticeStatus::Withdrawn.as_str()),
                n::withdraw_reason.eq(reason),
                n::withdrawn_at.eq(now),
                n::updated_at.eq(now),
            ))
            .execute(conn)?;
        if moved == 0 {
            let refusal = domain::notices::notices::NoticeRefusal::Withdrawn;
            return Err(NoticeError::Refused { action: "withdraw", refusal });
        }
        record(conn, principal, "notice_withdrawn", "notice", id, json!({ "reason": reason }), now)?;
        let row = find(conn, id)?;
        view_of(conn, row, true)
    })
}

fn objections_of(conn: &mut DbConn, ids: &[String]) -> Result<Vec<ObjectionSeen>, NoticeError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(NoticeObjectionRow, String)> = o::notice_objections
        .inner_join(u::users.on(u::id.eq(o::objector_id)))
        .filter(o::notice_id.eq_any(ids.to_vec()))
        .order(o::id.asc())
        .select((NoticeObjectionRow::as_select(), u::display_name))
        .load(conn)?;
    Ok(rows.into_iter().map(|(row, objector_name)| ObjectionSeen { row, objector_name }).collect())
}

fn views_of(conn: &mut DbConn, rows: Vec<NoticeRow>, staff: bool) -> Result<Vec<NoticeView>, NoticeError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut attachments: HashMap<String, Vec<String>> = HashMap::new();
    for (notice, media) in crate::media::queries::of_notices(conn, &ids)? {
        attachments.entry(notice).or_default().push(media);
    }
    let mut objections: HashMap<String, Vec<ObjectionSeen>> = HashMap::new();
    for seen in objections_of(conn, &ids)? {
        objections.entry(seen.row.notice_id.clone()).or_default().push(seen);
    }
    Ok(rows
        .into_iter()
        .map(|row| NoticeView {
            attachments: attachments.remove(&row.id).unwrap_or_default(),
            objections: objections.remove(&row.id).unwrap_or_default(),
            row,
            staff,
        })
        .collect())
}

fn view_of(conn: &mut DbConn, row: NoticeRow, staff: bool) -> Result<NoticeView, NoticeError> {
    views_of(conn, vec![row], staff)?.pop().ok_or(NoticeError::NotFound)
}

/// A unit's notices the caller may read, newest first: published public ones for anyone (no
/// login needed), published ones for residents too for its residents, all for staff over it.
pub fn list(
    conn: &mut DbConn,
    principal: Option<&Principal>,
    unit_id: &str,
    before: Option<String>,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Vec<NoticeView>, NoticeError> {
    let place = place_of(conn, unit_id)?;
    let reader = reader(conn, principal, &place)?;
    let mut query = n::notices
        .filter(n::org_unit_id.eq(unit_id))
        .order(n::id.desc())
        .limit(limit)
        .select(NoticeRow::as_select())
        .into_boxed();
    if reader != Reader::Staff {
        query = query.filter(n::posted_from.le(now));
    }
    if reader == Reader::Public {
        query = query.filter(n::is_public.eq(true));
    }
    if let Some(before) = before {
        query = query.filter(n::id.lt(before));
    }
    let rows = query.load(conn)?;
    views_of(conn, rows, reader == Reader::Staff)
}

/// One notice the caller may read (none: 404, whatever the reason).
pub fn get(
    conn: &mut DbConn,
    principal: Option<&Principal>,
    id: &str,
    now: NaiveDateTime,
) -> Result<NoticeView, NoticeError> {
    let row = find(conn, id)?;
    let place = place_of(conn, &row.org_unit_id)?;
    let reader = reader(conn, principal, &place)?;
    if !visible(&row, reader, now) {
        return Err(NoticeError::NotFound);
    }
    view_of(conn, row, reader == Reader::Staff)
}

/// Whether the caller may read a notice at `now` (its attachments follow it).
pub fn may_read(
    conn: &mut DbConn,
    principal: Option<&Principal>,
    id: &str,
    now: NaiveDateTime,
) -> Result<bool, diesel::result::Error> {
    match get(conn, principal, id, now) {
        Ok(_) => Ok(true),
        Err(NoticeError::Db(e)) => Err(e),
        Err(_) => Ok(false),
    }
}

/// An attachment of a notice anyone may read without logging in (public, its period started):
/// the upload's row, or not found when the notice is not public or does not hold it.
pub fn public_attachment(
    conn: &mut DbConn,
    id: &str,
    media_id: &str,
    now: NaiveDateTime,
) -> Result<crate::media::MediaRow, NoticeError> {
    let notice = get(conn, None, id, now)?;
    if !notice.attachments.iter().any(|a| a == media_id) {
        return Err(NoticeError::NotFound);
    }
    crate::media::queries::find(conn, media_id)?.ok_or(NoticeError::NotFound)
}

/// A resident of the notice's unit objects within its period (422 outside it), once (409 the
/// second time); the staff who posted it are told.
pub fn object(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<ObjectionSeen, NoticeError> {
    write_tx(conn, |conn| {
        let notice = find(conn, id)?;
        let place = place_of(conn, &notice.org_unit_id)?;
        if !residency::lives_in(conn, principal.subject(), &place.org_path)? {
            let seen = visible(&notice, reader(conn, Some(principal), &place)?, now);
            return Err(if seen { NoticeError::Forbidden } else { NoticeError::NotFound });
        }
        if !published(notice.posted_from, now) {
            return Err(NoticeError::NotFound);
        }
        may_object(status_of(&notice)?, notice.posted_from, notice.posted_to, now)
            .map_err(|refusal| NoticeError::Refused { action: "object", refusal })?;
        let row = NoticeObjectionRow {
            id: NoticeObjectionId::generate().into_string(),
            notice_id: id.to_owned(),
            objector_id: principal.subject().to_owned(),
            reason: reason.to_owned(),
            status: "pending".to_owned(),
            answer: None,
            answered_by: None,
            answered_at: None,
            created_at: now,
        };
        let inserted =
            insert_unique(conn, |conn| diesel::insert_into(o::notice_objections).values(&row).execute(conn))?;
        if inserted == Inserted::Duplicate {
            return Err(NoticeError::Duplicate);
        }
        let data = json!({ "title": notice.title });
        crate::notify::enqueue_to(conn, "notice_objected", std::slice::from_ref(&notice.created_by), &data, now)?;
        let objector_name = crate::identity::queries::users::find(conn, &row.objector_id)?
            .map(|user| user.display_name)
            .unwrap_or_default();
        Ok(ObjectionSeen { row, objector_name })
    })
}

/// Answers a pending objection (`PostNotices` over the notice's unit; 409 when answered
/// already): accepted or rejected, with the answer the public reads. The objector is told.
pub fn answer(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    decision: ObjectionAnswer,
    answer: &str,
    now: NaiveDateTime,
) -> Result<ObjectionSeen, NoticeError> {
    write_tx(conn, |conn| {
        let row: NoticeObjectionRow = o::notice_objections
            .filter(o::id.eq(id))
            .select(NoticeObjectionRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(NoticeError::NotFound)?;
        let notice = find(conn, &row.notice_id)?;
        posting_place(conn, principal, &notice.org_unit_id)?;
        let moved = diesel::update(o::notice_objections.filter(o::id.eq(id)).filter(o::status.eq("pending")))
            .set((
                o::status.eq(decision.as_str()),
                o::answer.eq(answer),
                o::answered_by.eq(&principal.user_id),
                o::answered_at.eq(now),
            ))
            .execute(conn)?;
        if moved == 0 {
            return Err(NoticeError::Answered);
        }
        let details = json!({ "notice_id": notice.id, "decision": decision.as_str() });
        record(conn, principal, "notice_objection_answered", "notice_objection", id, details, now)?;
        let outcome = match decision {
            ObjectionAnswer::Accepted => "采纳",
            ObjectionAnswer::Rejected => "不予采纳",
        };
        let data = json!({ "title": notice.title, "decision": outcome, "answer": answer });
        crate::notify::enqueue_to(
            conn,
            "notice_objection_answered",
            std::slice::from_ref(&row.objector_id),
            &data,
            now,
        )?;
        let mut seen = objections_of(conn, std::slice::from_ref(&notice.id))?;
        seen.retain(|s| s.row.id == id);
        seen.pop().ok_or(NoticeError::NotFound)
    })
}
