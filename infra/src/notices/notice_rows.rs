//! The notices' rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A notice of a unit.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::notices)]
pub struct NoticeRow {
    pub id: String,
    pub org_unit_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub is_public: bool,
    pub posted_from: NaiveDateTime,
    pub posted_to: NaiveDateTime,
    pub status: String,
    pub withdraw_reason: Option<String>,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A resident's objection to a notice, and its answer once given.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::notice_objections)]
pub struct NoticeObjectionRow {
    pub id: String,
    pub notice_id: String,
    pub objector_id: String,
    pub reason: String,
    pub status: String,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// The stored mini-program code of a unit's board.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::notice_board_codes)]
pub struct BoardCodeRow {
    pub org_unit_id: String,
    pub scene: String,
    pub mime: String,
    pub image: Vec<u8>,
    pub created_at: NaiveDateTime,
}
