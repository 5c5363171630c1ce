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
}

pub(crate) fn insert(conn: &mut DbConn, row: &MediaRow) -> Result<usize, DieselError> {
    diesel::insert_into(m::media).values(row).execute(conn)
}
