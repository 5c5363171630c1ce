//! The public board's diesel rows: cadre posts, the supervisory committee's contact, document
//! versions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A cadre's post on a village's board.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::board_cadre_posts)]
pub struct CadrePostRow {
    pub id: String,
    pub org_unit_id: String,
    pub person_id: String,
    pub title: String,
    pub duties: String,
    /// The post's own contact phone (never shown unmasked in public).
    pub phone: Option<String>,
    pub position: i32,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// The supervisory committee's contact of a village.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::board_supervision)]
#[diesel(treat_none_as_null = true)]
pub struct SupervisionRow {
    pub org_unit_id: String,
    pub committee: String,
    pub phone: Option<String>,
    pub address: String,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

/// A version of a village's public document.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::board_documents)]
pub struct DocumentRow {
    pub id: String,
    pub org_unit_id: String,
    pub kind: String,
    pub version: i32,
    pub status: String,
    pub title: String,
    pub body: String,
    /// JSON: the small-powers list's items (`[]` for other kinds).
    pub powers: String,
    /// The assembly poll it waits for or passed by.
    pub poll_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub in_force_at: Option<NaiveDateTime>,
}
