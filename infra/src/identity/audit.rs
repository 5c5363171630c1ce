//! The append-only audit log: who did what to which object, when, from where, under which
//! request. Nothing here updates or deletes a row.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::identity::principal::Principal;

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

/// Where a request came from, carried into the services that append entries for it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl Origin {
    /// An entry by `principal` (recording the resident too when acting by proxy).
    pub fn entry<'a>(
        &'a self,
        principal: Option<&'a Principal>,
        action: &'a str,
        object_kind: &'a str,
        object_id: &'a str,
        details: serde_json::Value,
    ) -> Entry<'a> {
        Entry {
            actor_id: principal.map(|p| p.user_id.as_str()),
            acting_for: principal.and_then(|p| p.acting_for.as_deref()),
            action,
            object_kind,
            object_id,
            details,
            ip: self.ip.as_deref(),
            request_id: self.request_id.as_deref(),
        }
    }
}
