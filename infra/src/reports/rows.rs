//! The reports feature's rows.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A report. No column names who filed it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::reports)]
pub struct ReportRow {
    pub id: String,
    /// The village it is about.
    pub org_unit_id: String,
    pub subject: String,
    pub body: String,
    /// The cadre it names, by account.
    pub named_user_id: Option<String>,
    /// The cadre it names, as typed.
    pub named_name: Option<String>,
    /// It names someone: the township handles it, not the village.
    pub township_only: bool,
    pub status: String,
    /// SHA-256 (hex) of the follow-up code.
    pub follow_up_hash: String,
    /// Rounded down to the hour.
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One message of a report's thread: the reporter's addition (no author) or a handler's answer.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::report_messages)]
pub struct MessageRow {
    pub id: String,
    pub report_id: String,
    pub kind: String,
    pub body: String,
    /// For an answer: the status it moved the report to.
    pub status: Option<String>,
    /// For an answer: the handler. Never set for an addition.
    pub author_id: Option<String>,
    /// An addition's is rounded down to the hour.
    pub created_at: NaiveDateTime,
}

/// A slot of a filer's daily quota.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::report_quota)]
pub struct QuotaRow {
    pub filer_hash: String,
    pub slot: i64,
    pub day: NaiveDate,
}

/// A photo or voice note of a report: a copy of the reporter's upload with no owner and no time
/// of its own (its id is a UUIDv7 of the report's hour); the bytes are in the media store.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::report_attachments)]
pub struct AttachmentRow {
    pub id: String,
    pub report_id: String,
    /// `image` or `voice`.
    pub kind: String,
    pub mime: String,
    pub size_bytes: i32,
}
