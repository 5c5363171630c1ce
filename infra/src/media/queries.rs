//! Reading uploads.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::cases::MediaId;
use domain::identity::principal::Principal;

use super::{MediaError, MediaRow};
use crate::schema::media::dsl as m;
use crate::DbConn;

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<MediaRow>, DieselError> {
    m::media.filter(m::id.eq(id)).select(MediaRow::as_select()).first(conn).optional()
}

/// The uploads with these ids (those that exist).
pub fn of_ids(conn: &mut DbConn, ids: &[String]) -> Result<Vec<MediaRow>, DieselError> {
    m::media.filter(m::id.eq_any(ids.to_vec())).select(MediaRow::as_select()).load(conn)
}

/// The uploads attached to a case, oldest first.
pub fn of_case(conn: &mut DbConn, case_id: &str) -> Result<Vec<MediaRow>, DieselError> {
    m::media.filter(m::case_id.eq(case_id)).select(MediaRow::as_select()).order(m::id.asc()).load(conn)
}

/// Whether an upload is the caller's own (or the resident's they act for).
pub fn is_own(principal: &Principal, row: &MediaRow) -> bool {
    row.owner_id == principal.user_id || row.owner_id == principal.subject()
}

/// An upload the caller may fetch at `now`: their own, or attached to a record they may see (a
/// case, matter, poll, visit, points claim or notice: its feature decides), or a grid's
/// WeChat-group QR image; else not found.
pub fn readable(
    conn: &mut DbConn,
    principal: &Principal,
    id: &MediaId,
    now: NaiveDateTime,
) -> Result<MediaRow, MediaError> {
    let row = find(conn, id.as_str())?.ok_or(MediaError::NotFound)?;
    if let (false, Some(notice_id)) = (is_own(principal, &row), &row.notice_id) {
        // A notice's attachment: seen by whoever may read the notice.
        if !crate::notices::notices::may_read(conn, Some(principal), notice_id, now)? {
            return Err(MediaError::NotFound);
        }
    } else if !is_own(principal, &row) {
        let seen = match (&row.case_id, &row.matter_id, &row.poll_id, &row.visit_id) {
            (Some(case_id), ..) => crate::cases::queries::may_see(conn, principal, case_id)?,
            (None, Some(matter_id), ..) => crate::deliberation::queries::may_see(conn, principal, matter_id)?,
            (None, None, Some(poll_id), _) => crate::voting::queries::may_see(conn, principal, poll_id)?,
            (None, None, None, Some(visit_id)) => crate::grid_work::visits::may_see(conn, principal, visit_id)?,
            (None, None, None, None) => match &row.points_entry_id {
                // Evidence for a claim: seen by whoever may see the entry (its person, the staff
                // reviewing it).
                Some(entry_id) => crate::points::entries::get(conn, principal, entry_id).is_ok(),
                None => crate::grid_work::grids::is_group_qr(conn, &row.id)?,
            },
        };
        if !seen {
            return Err(MediaError::NotFound);
        }
    }
    Ok(row)
}

/// The ids of the uploads attached to these visits, oldest first, as (visit id, media id).
pub fn of_visits(conn: &mut DbConn, visit_ids: &[String]) -> Result<Vec<(String, String)>, DieselError> {
    let rows: Vec<(Option<String>, String)> = m::media
        .filter(m::visit_id.eq_any(visit_ids.to_vec()))
        .select((m::visit_id, m::id))
        .order(m::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(visit, id)| visit.map(|v| (v, id))).collect())
}

/// The ids of the uploads attached to these points entries (claims' evidence), oldest first, as
/// (entry id, media id).
pub fn of_points_entries(conn: &mut DbConn, entry_ids: &[String]) -> Result<Vec<(String, String)>, DieselError> {
    if entry_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Option<String>, String)> = m::media
        .filter(m::points_entry_id.eq_any(entry_ids.to_vec()))
        .select((m::points_entry_id, m::id))
        .order(m::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(entry, id)| entry.map(|e| (e, id))).collect())
}

/// The ids of the uploads attached to these notices, oldest first, as (notice id, media id).
pub fn of_notices(conn: &mut DbConn, notice_ids: &[String]) -> Result<Vec<(String, String)>, DieselError> {
    if notice_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Option<String>, String)> = m::media
        .filter(m::notice_id.eq_any(notice_ids.to_vec()))
        .select((m::notice_id, m::id))
        .order(m::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(notice, id)| notice.map(|n| (n, id))).collect())
}
