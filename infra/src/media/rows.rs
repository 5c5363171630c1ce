//! The media table's rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::schema::media::dsl as m;
use crate::DbConn;

/// An upload: whose it is and the case it belongs to, once attached.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::media)]
pub struct MediaRow {
    pub id: String,
    pub owner_id: String,
    pub kind: String,
    pub mime: String,
    pub size_bytes: i32,
    pub case_id: Option<String>,
    pub created_at: NaiveDateTime,
    /// The matter it belongs to, once attached to a matter, an opinion or a progress report.
    pub matter_id: Option<String>,
    /// The poll it illustrates an option of.
    pub poll_id: Option<String>,
    /// The household visit it was taken on.
    pub visit_id: Option<String>,
    /// The points claim it is evidence for.
    pub points_entry_id: Option<String>,
    /// The notice (阳光村务) it is attached to.
    pub notice_id: Option<String>,
}

impl MediaRow {
    /// Whether it belongs to nothing yet (a case, a matter, a poll, a visit, a points claim or a notice).
    pub fn is_free(&self) -> bool {
        self.case_id.is_none()
            && self.matter_id.is_none()
            && self.poll_id.is_none()
            && self.visit_id.is_none()
            && self.points_entry_id.is_none()
            && self.notice_id.is_none()
    }
}

pub(crate) fn insert(conn: &mut DbConn, row: &MediaRow) -> Result<usize, DieselError> {
    diesel::insert_into(m::media).values(row).execute(conn)
}
