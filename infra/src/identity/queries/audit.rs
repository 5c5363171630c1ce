//! Reading the audit log, newest first.

use diesel::prelude::*;

use crate::identity::error::IdentityError;
use crate::identity::rows::AuditRow;
use crate::schema::audit_log::dsl as a;
use crate::DbConn;

/// Newest first, before the cursor id, optionally one action or one object.
pub fn page(
    conn: &mut DbConn,
    before: Option<&str>,
    action: Option<&str>,
    object_id: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditRow>, IdentityError> {
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
    Ok(query.load(conn)?)
}
