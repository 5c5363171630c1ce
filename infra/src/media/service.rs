//! Storing uploads and attaching them to cases.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::cases::MediaId;

use super::{rows, MediaError, MediaKind, MediaRow, MediaStore, Sniffed};
use crate::schema::media::dsl as m;
use crate::DbConn;

/// A checked (and, for a photo, re-encoded) upload to store.
pub struct Upload {
    pub owner_id: String,
    pub kind: MediaKind,
    pub sniffed: Sniffed,
    pub bytes: Vec<u8>,
}

/// Stores an upload's bytes and its row, in the caller's transaction (the idempotency record's).
pub fn store(
    conn: &mut DbConn,
    files: &MediaStore,
    upload: &Upload,
    now: NaiveDateTime,
) -> Result<MediaRow, MediaError> {
    let row = MediaRow {
        id: MediaId::generate().into_string(),
        owner_id: upload.owner_id.clone(),
        kind: upload.kind.as_str().to_owned(),
        mime: upload.sniffed.mime.to_owned(),
        size_bytes: i32::try_from(upload.bytes.len()).unwrap_or(i32::MAX),
        case_id: None,
        created_at: now,
        matter_id: None,
        poll_id: None,
        visit_id: None,
        points_entry_id: None,
        notice_id: None,
    };
    files.put(&row.id, &upload.bytes).map_err(|e| MediaError::Files(e.to_string()))?;
    rows::insert(conn, &row)?;
    Ok(row)
}

/// Attaches unattached uploads of `owners` to a case, in the caller's transaction. Returns how
/// many it attached.
pub fn attach(conn: &mut DbConn, ids: &[String], owners: &[&str], case_id: &str) -> Result<usize, DieselError> {
    let owners: Vec<String> = owners.iter().map(|s| (*s).to_owned()).collect();
    diesel::update(
        m::media
            .filter(m::id.eq_any(ids.to_vec()))
            .filter(m::owner_id.eq_any(owners))
            .filter(m::case_id.is_null())
            .filter(m::matter_id.is_null())
            .filter(m::poll_id.is_null())
            .filter(m::visit_id.is_null())
            .filter(m::points_entry_id.is_null()),
    )
    .set(m::case_id.eq(case_id))
    .execute(conn)
}

/// Attaches unattached uploads of `owners` to a matter (its text, an opinion, a progress
/// report), in the caller's transaction. Returns how many it attached.
pub fn attach_to_matter(
    conn: &mut DbConn,
    ids: &[String],
    owners: &[&str],
    matter_id: &str,
) -> Result<usize, DieselError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let owners: Vec<String> = owners.iter().map(|s| (*s).to_owned()).collect();
    diesel::update(
        m::media
            .filter(m::id.eq_any(ids.to_vec()))
            .filter(m::owner_id.eq_any(owners))
            .filter(m::case_id.is_null())
            .filter(m::matter_id.is_null())
            .filter(m::poll_id.is_null())
            .filter(m::visit_id.is_null())
            .filter(m::points_entry_id.is_null()),
    )
    .set(m::matter_id.eq(matter_id))
    .execute(conn)
}

/// Attaches uploads to a poll (its options' pictures), in the caller's transaction: free ones of
/// `owner`'s, or ones this poll holds already (another organiser may edit it). Returns how many
/// of `ids` it holds.
pub fn attach_to_poll(conn: &mut DbConn, ids: &[String], owner: &str, poll_id: &str) -> Result<usize, DieselError> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(
        m::media
            .filter(m::id.eq_any(ids.to_vec()))
            .filter(m::case_id.is_null())
            .filter(m::matter_id.is_null())
            .filter(m::visit_id.is_null())
            .filter(m::points_entry_id.is_null())
            .filter(m::poll_id.is_null().and(m::owner_id.eq(owner)).or(m::poll_id.eq(poll_id))),
    )
    .set(m::poll_id.eq(poll_id))
    .execute(conn)
}

/// Attaches unattached uploads of `owner` to a visit (its photos), in the caller's transaction.
/// Returns how many it attached.
pub fn attach_to_visit(conn: &mut DbConn, ids: &[String], owner: &str, visit_id: &str) -> Result<usize, DieselError> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(
        m::media
            .filter(m::id.eq_any(ids.to_vec()))
            .filter(m::owner_id.eq(owner))
            .filter(m::case_id.is_null())
            .filter(m::matter_id.is_null())
            .filter(m::poll_id.is_null())
            .filter(m::visit_id.is_null())
            .filter(m::points_entry_id.is_null()),
    )
    .set(m::visit_id.eq(visit_id))
    .execute(conn)
}

/// Attaches unattached uploads of `owner` to a points claim (its evidence), in the caller's
/// transaction. Returns how many it attached.
pub fn attach_to_points_entry(
    conn: &mut DbConn,
    ids: &[String],
    owner: &str,
    entry_id: &str,
) -> Result<usize, DieselError> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(
        m::media
            .filter(m::id.eq_any(ids.to_vec()))
            .filter(m::owner_id.eq(owner))
            .filter(m::case_id.is_null())
            .filter(m::matter_id.is_null())
            .filter(m::poll_id.is_null())
            .filter(m::visit_id.is_null())
            .filter(m::points_entry_id.is_null()),
    )
    .set(m::points_entry_id.eq(entry_id))
    .execute(conn)
}

/// Attaches uploads of `owners` to a notice (its attachments), in the caller's transaction: free
/// ones, or ones this notice holds already (an edit keeps them). Returns how many of `ids` it
/// holds.
pub fn attach_to_notice(
    conn: &mut DbConn,
    ids: &[String],
    owners: &[&str],
    notice_id: &str,
) -> Result<usize, DieselError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let owners: Vec<String> = owners.iter().map(|s| (*s).to_owned()).collect();
    diesel::update(
        m::media
            .filter(m::id.eq_any(ids.to_vec()))
            .filter(m::case_id.is_null())
            .filter(m::matter_id.is_null())
            .filter(m::poll_id.is_null())
            .filter(m::visit_id.is_null())
            .filter(m::points_entry_id.is_null())
            .filter(m::notice_id.is_null().and(m::owner_id.eq_any(owners)).or(m::notice_id.eq(notice_id))),
    )
    .set(m::notice_id.eq(notice_id))
    .execute(conn)
}

/// Lets go of a notice's uploads not in `keep` (an edit that dropped them), in the caller's
/// transaction.
pub fn detach_from_notice(conn: &mut DbConn, keep: &[String], notice_id: &str) -> Result<usize, DieselError> {
    diesel::update(m::media.filter(m::notice_id.eq(notice_id)).filter(m::id.ne_all(keep.to_vec())))
        .set(m::notice_id.eq(None::<String>))
        .execute(conn)
}
