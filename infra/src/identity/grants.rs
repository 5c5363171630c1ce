//! Role grants, read per request and resolved to where their scopes sit.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::roles::{Grant, Role, ScopeKind};

use super::org;
use crate::schema::role_grants::dsl as rg;
use crate::DbConn;

/// The org-unit scope id that stands for the whole tree.
pub const ROOT_SCOPE: &str = "root";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::role_grants)]
pub struct GrantRow {
    pub id: String,
    pub user_id: String,
    pub role: String,
    pub scope_kind: String,
    pub scope_id: String,
    pub granted_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<String>,
}

pub fn insert(
    conn: &mut DbConn,
    id: &str,
    user_id: &str,
    grant: &Grant,
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

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<GrantRow>, DieselError> {
    rg::role_grants.filter(rg::id.eq(id)).select(GrantRow::as_select()).first(conn).optional()
}

pub fn revoke(conn: &mut DbConn, id: &str, by: &str, now: NaiveDateTime) -> Result<usize, DieselError> {
    diesel::update(rg::role_grants.filter(rg::id.eq(id)).filter(rg::revoked_at.is_null()))
        .set((rg::revoked_at.eq(now), rg::revoked_by.eq(by)))
        .execute(conn)
}

/// The live grants of a user.
pub fn rows_of(conn: &mut DbConn, user_id: &str) -> Result<Vec<GrantRow>, DieselError> {
    rg::role_grants
        .filter(rg::user_id.eq(user_id))
        .filter(rg::revoked_at.is_null())
        .select(GrantRow::as_select())
        .order(rg::id.asc())
        .load(conn)
}

/// Where a scope sits: the org path of an org unit itself, or of the unit a grid or department
/// belongs to. `None` when the scope does not exist.
pub fn scope_path(conn: &mut DbConn, kind: ScopeKind, id: &str) -> Result<Option<Vec<String>>, DieselError> {
    match kind {
        // The whole tree, above every county: where the administrator's grant sits.
        ScopeKind::OrgUnit if id == ROOT_SCOPE => Ok(Some(Vec::new())),
        ScopeKind::OrgUnit => org::unit_path(conn, id),
        ScopeKind::Grid => match org::find_grid(conn, id)? {
            Some(grid) => org::unit_path(conn, &grid.org_unit_id),
            None => Ok(None),
        },
        ScopeKind::Department => match org::find_department(conn, id)? {
            Some(dept) => org::unit_path(conn, &dept.org_unit_id),
            None => Ok(None),
        },
    }
}

/// A stored grant as the permission rules see it; rows naming unknown roles or vanished scopes
/// are skipped (they grant nothing).
pub fn resolve(conn: &mut DbConn, row: &GrantRow) -> Result<Option<Grant>, DieselError> {
    let (Ok(role), Ok(scope_kind)) = (Role::parse(&row.role), ScopeKind::parse(&row.scope_kind)) else {
        return Ok(None);
    };
    Ok(scope_path(conn, scope_kind, &row.scope_id)?.map(|org_path| Grant {
        role,
        scope_kind,
        scope_id: row.scope_id.clone(),
        org_path,
    }))
}

/// The live grants of a user, resolved.
pub fn of_user(conn: &mut DbConn, user_id: &str) -> Result<Vec<Grant>, DieselError> {
    let rows = rows_of(conn, user_id)?;
    let mut grants = Vec::with_capacity(rows.len());
    for row in &rows {
        if let Some(grant) = resolve(conn, row)? {
            grants.push(grant);
        }
    }
    Ok(grants)
}
