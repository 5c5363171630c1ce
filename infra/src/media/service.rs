//! Storing uploads and attaching them to the records that carry them.

use chrono::NaiveDateTime;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::Bool;
use domain::cases::MediaId;

use super::{rows, MediaError, MediaKind, MediaRow, MediaStore, Sniffed};
use crate::db::DbBackend;
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

/// What an upload is attached to: each feature's record that can carry photos or files.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Case(&'a str),
    /// A matter: its text, an opinion, a progress report on a commitment.
    Matter(&'a str),
    /// A poll: its options' pictures.
    Poll(&'a str),
    /// A household visit: its photos.
    Visit(&'a str),
    /// A points claim: its evidence.
    PointsEntry(&'a str),
    /// A notice: its attachments.
    Notice(&'a str),
}

type Filter = Box<dyn BoxableExpression<m::media, DbBackend, SqlType = Bool>>;

/// Uploads attached to nothing yet: every target column empty.
fn unattached() -> Filter {
    Box::new(
        m::case_id
            .is_null()
            .and(m::matter_id.is_null())
            .and(m::poll_id.is_null())
            .and(m::visit_id.is_null())
            .and(m::points_entry_id.is_null())
            .and(m::notice_id.is_null()),
    )
}

/// Of these ids, the uploads `target` holds already.
fn held_by(ids: &[String], target: Target<'_>) -> Filter {
    let ids = m::id.eq_any(ids.to_vec());
    match target {
        Target::Case(id) => Box::new(ids.and(m::case_id.eq(id.to_owned()).assume_not_null())),
        Target::Matter(id) => Box::new(ids.and(m::matter_id.eq(id.to_owned()).assume_not_null())),
        Target::Poll(id) => Box::new(ids.and(m::poll_id.eq(id.to_owned()).assume_not_null())),
        Target::Visit(id) => Box::new(ids.and(m::visit_id.eq(id.to_owned()).assume_not_null())),
        Target::PointsEntry(id) => Box::new(ids.and(m::points_entry_id.eq(id.to_owned()).assume_not_null())),
        Target::Notice(id) => Box::new(ids.and(m::notice_id.eq(id.to_owned()).assume_not_null())),
    }
}

/// Attaches uploads to `target`, in the caller's transaction: free uploads of `owners` (the caller
/// and whom they act for), and ones `target` holds already (an edit keeps them). Returns how many
/// of `ids` it holds; fewer than asked means some were another's, attached elsewhere or unknown.
/// An upload belongs to one record only: two attaches racing for it, one wins (the update's filter
/// is checked row by row under the row's lock).
pub fn attach(conn: &mut DbConn, ids: &[String], owners: &[&str], target: Target<'_>) -> Result<usize, DieselError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let held: i64 = m::media.filter(held_by(ids, target)).count().get_result(conn)?;
    let owners: Vec<String> = owners.iter().map(|s| (*s).to_owned()).collect();
    let free = m::media.filter(m::id.eq_any(ids.to_vec())).filter(m::owner_id.eq_any(owners)).filter(unattached());
    let attached = match target {
        Target::Case(id) => diesel::update(free).set(m::case_id.eq(id)).execute(conn)?,
        Target::Matter(id) => diesel::update(free).set(m::matter_id.eq(id)).execute(conn)?,
        Target::Poll(id) => diesel::update(free).set(m::poll_id.eq(id)).execute(conn)?,
        Target::Visit(id) => diesel::update(free).set(m::visit_id.eq(id)).execute(conn)?,
        Target::PointsEntry(id) => diesel::update(free).set(m::points_entry_id.eq(id)).execute(conn)?,
        Target::Notice(id) => diesel::update(free).set(m::notice_id.eq(id)).execute(conn)?,
    };
    Ok(usize::try_from(held).unwrap_or(0) + attached)
}

/// Deletes free uploads of `owners` (their bytes stay: the caller deletes the files once its
/// transaction commits), in the caller's transaction. Returns how many it deleted.
pub fn delete_free(conn: &mut DbConn, ids: &[String], owners: &[&str]) -> Result<usize, DieselError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let owners: Vec<String> = owners.iter().map(|s| (*s).to_owned()).collect();
    diesel::delete(m::media.filter(m::id.eq_any(ids.to_vec())).filter(m::owner_id.eq_any(owners)).filter(unattached()))
        .execute(conn)
}

/// Lets go of a notice's uploads not in `keep` (an edit that dropped them), in the caller's
/// transaction.
pub fn detach_from_notice(conn: &mut DbConn, keep: &[String], notice_id: &str) -> Result<usize, DieselError> {
    diesel::update(m::media.filter(m::notice_id.eq(notice_id)).filter(m::id.ne_all(keep.to_vec())))
        .set(m::notice_id.eq(None::<String>))
        .execute(conn)
}
