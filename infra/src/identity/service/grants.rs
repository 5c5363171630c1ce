//! Granting and revoking roles. One grants only roles one's granting table lists, within one's
//! own subtree, to people who live or serve there, never to oneself; revoking follows the same
//! rule.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::identity::ids::{GrantId, UserId};
use domain::identity::principal::Principal;
use domain::identity::roles::{self, Role, ScopeKind};

use crate::db::write_tx;
use crate::identity::audit::{self, Origin};
use crate::identity::error::IdentityError;
use crate::identity::queries;
use crate::identity::rows::GrantRow;
use crate::schema::role_grants::dsl as rg;
use crate::DbConn;

/// A role on a scope, for a user.
#[derive(Debug, Clone)]
pub struct GrantDraft<'a> {
    pub user_id: &'a UserId,
    pub role: Role,
    pub scope_kind: ScopeKind,
    /// An org unit, grid or department id (`root` for the whole tree).
    pub scope_id: &'a str,
}

/// Grants a role on a scope, with its audit entry, in one transaction.
pub fn grant(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    new: &GrantDraft<'_>,
    now: NaiveDateTime,
) -> Result<GrantRow, IdentityError> {
    let user_id = new.user_id.as_str();
    write_tx(conn, |conn| {
        let wanted = queries::grants::resolve_scope(conn, new.role, new.scope_kind, new.scope_id)?
            .ok_or(IdentityError::NotFound)?;
        roles::may_grant(&principal.user_id, &principal.grants, user_id, &wanted)?;
        // Only people who live or serve in the caller's scope; anyone else answers as an unknown
        // id would, so the answer tells nothing of what lies outside it.
        let grantee = queries::users::find(conn, user_id)?.ok_or(IdentityError::UnknownField("user_id"))?;
        if !principal.reaches_person(&queries::grants::places_of_person(conn, &grantee.id)?) {
            return Err(IdentityError::UnknownField("user_id"));
        }
        new.role.check_holder(grantee.kind == "staff")?;
        let id = domain::new_id();
        insert(conn, &id, user_id, &wanted, Some(&principal.user_id), now)?;
        let details = serde_json::json!({
            "user_id": user_id,
            "role": new.role.as_str(),
            "scope_kind": new.scope_kind.as_str(),
            "scope_id": new.scope_id,
        });
        audit::append(conn, &origin.entry(Some(principal), "role_granted", "role_grant", &id, details), now)?;
        queries::grants::find(conn, &id)?.ok_or(IdentityError::Corrupt("grant vanished"))
    })
}

/// Revokes a live grant, with its audit entry, in one transaction; it stops working on the
/// holder's next request. Answers the holder.
pub fn revoke_grant(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    id: &GrantId,
    now: NaiveDateTime,
) -> Result<String, IdentityError> {
    let id = id.as_str();
    write_tx(conn, |conn| {
        let row = queries::grants::find(conn, id)?.filter(|r| r.revoked_at.is_none()).ok_or(IdentityError::NotFound)?;
        let grant = queries::grants::resolve(conn, &row)?.ok_or(IdentityError::NotFound)?;
        roles::may_grant(&principal.user_id, &principal.grants, &row.user_id, &grant)?;
        revoke(conn, id, &principal.user_id, now)?;
        let details = serde_json::json!({ "user_id": row.user_id, "role": row.role });
        audit::append(conn, &origin.entry(Some(principal), "role_revoked", "role_grant", id, details), now)?;
        Ok(row.user_id)
    })
}

pub fn insert(
    conn: &mut DbConn,
    id: &str,
    user_id: &str,
    grant: &domain::identity::roles::Grant,
    granted_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<usize, DieselError> {
    diesel::insert_into(rg::role_grants)
        .values((
            rg::id.eq(id),
            rg::user_id.eq(user_id),
            rg::role.eq(grant.role.as_str()),
            rg::scope_kind.eq(grant.scope_kind.as_str()),
            rg::scope_id.eq(&grant.scope_id),
            rg::granted_by.eq(granted_by),
            rg::created_at.eq(now),
        ))
        .execute(conn)
}

pub fn revoke(conn: &mut DbConn, id: &str, by: &str, now: NaiveDateTime) -> Result<usize, DieselError> {
    diesel::update(rg::role_grants.filter(rg::id.eq(id)).filter(rg::revoked_at.is_null()))
        .set((rg::revoked_at.eq(now), rg::revoked_by.eq(by)))
        .execute(conn)
}
