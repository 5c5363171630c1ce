//! The append-only audit log: who did what to which object, when, from where, under which
//! request. Nothing here updates or deletes a row.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::schema::audit_log::dsl as a;
use crate::DbConn;

/// One entry to append.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub actor_id: Option<&'a str>,
    pub acting_for: Option<&'a str>,
    pub action: &'a str,
    pub object_kind: &'a str,
    pub object_id: &'a str,
    pub details: serde_json::Value,
    pub ip: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

pub fn append(conn: &mut DbConn, entry: &Entry<'_>, now: NaiveDateTime) -> Result<String, DieselError> {
    let id = domain::new_id();
    diesel::insert_into(a::audit_log)
        .values((
            a::id.eq(&id),
            a::actor_id.eq(entry.actor_id),
            a::acting_for.eq(entry.acting_for),
            a::action.eq(entry.action),
            a::object_kind.eq(entry.object_kind),
            a::object_id.eq(entry.object_id),
            a::details.eq(entry.details.to_string()),
            a::ip.eq(entry.ip),
            a::request_id.eq(entry.request_id),
            a::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::audit_log)]
pub struct AuditRow {
    pub id: String,
    pub actor_id: Option<String>,
    pub acting_for: Option<String>,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub details: String,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Newest first, before the cursor id, optionally one action or one object.
pub fn page(
    conn: &mut DbConn,
    before: Option<&str>,
    action: Option<&str>,
    object_id: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditRow>, DieselError> {
    let mut query = a::audit_log.select(AuditRow::as_select()).order(a::id.desc()).limit(limit).into_boxed();
    if let Some(before) = before {
        query = query.filter(a::id.lt(before.to_owned()));
    }
    if let Some(action) = action {
        query = query.filter(a::action.eq(action.to_owned()));
    }
    if let Some(object_id) = object_id {
        query = query.filter(a::object_id.eq(object_id.to_owned()));
    }
    query.load(conn)
}
