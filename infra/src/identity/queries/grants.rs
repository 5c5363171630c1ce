//! Role grants, read per request and resolved to where their scopes sit.

use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::identity::ids::UserId;
use domain::identity::principal::Principal;
use domain::identity::roles::{Grant, Place, Role, ScopeKind};

use super::org;
use crate::identity::error::IdentityError;
use crate::identity::rows::GrantRow;
use crate::schema::role_grants::dsl as rg;
use crate::DbConn;

/// The org-unit scope id that stands for the whole tree.
pub const ROOT_SCOPE: &str = "root";

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<GrantRow>, DieselError> {
    rg::role_grants.filter(rg::id.eq(id)).select(GrantRow::as_select()).first(conn).optional()
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
    resolve_scope(conn, role, scope_kind, &row.scope_id)
}

/// A role on a scope as the permission rules see it, or `None` when the scope does not exist.
pub fn resolve_scope(
    conn: &mut DbConn,
    role: Role,
    scope_kind: ScopeKind,
    scope_id: &str,
) -> Result<Option<Grant>, DieselError> {
    let Some(org_path) = scope_path(conn, scope_kind, scope_id)? else {
        return Ok(None);
    };
    let grids_within = match scope_kind {
        ScopeKind::Grid => org::grids_within(conn, scope_id)?,
        ScopeKind::OrgUnit | ScopeKind::Department => Vec::new(),
    };
    Ok(Some(Grant { role, scope_kind, scope_id: scope_id.to_owned(), org_path, grids_within }))
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

/// Where a person lives or serves: their residencies, the unit their staff account serves in,
/// and the scopes of their live grants. Staff may grant roles only to people their scope
/// reaches this way.
pub fn places_of_person(conn: &mut DbConn, user_id: &str) -> Result<Vec<Place>, DieselError> {
    let mut places = super::residency::member_places(conn, user_id)?;
    let serves: Option<Option<String>> = crate::schema::users::dsl::users
        .filter(crate::schema::users::dsl::id.eq(user_id))
        .select(crate::schema::users::dsl::serves_unit_id)
        .first(conn)
        .optional()?;
    if let Some(unit) = serves.flatten() {
        if let Some(path) = org::unit_path(conn, &unit)? {
            places.push(Place::in_org(path));
        }
    }
    for grant in of_user(conn, user_id)? {
        places.push(match grant.scope_kind {
            ScopeKind::OrgUnit => Place::in_org(grant.org_path),
            ScopeKind::Grid => Place { org_path: grant.org_path, grid_id: Some(grant.scope_id), department_id: None },
            ScopeKind::Department => {
                Place { org_path: grant.org_path, grid_id: None, department_id: Some(grant.scope_id) }
            }
        });
    }
    Ok(places)
}

/// A user's live grants as far as the caller's scopes reach (and one's own).
pub fn visible_of(conn: &mut DbConn, principal: &Principal, user_id: &UserId) -> Result<Vec<GrantRow>, IdentityError> {
    let mut visible = Vec::new();
    for row in rows_of(conn, user_id.as_str())? {
        let grant = resolve(conn, &row)?;
        if principal.sees_grant(&row.user_id, grant.as_ref()) {
            visible.push(row);
        }
    }
    Ok(visible)
}

/// The people holding one of `roles` (live grants) on one of `scopes` of `scope_kind`.
pub fn holders(
    conn: &mut DbConn,
    scope_kind: &str,
    scopes: &[String],
    roles: &[String],
) -> Result<Vec<String>, DieselError> {
    if scopes.is_empty() {
        return Ok(Vec::new());
    }
    rg::role_grants
        .filter(rg::scope_kind.eq(scope_kind))
        .filter(rg::scope_id.eq_any(scopes.to_vec()))
        .filter(rg::role.eq_any(roles.to_vec()))
        .filter(rg::revoked_at.is_null())
        .select(rg::user_id)
        .distinct()
        .load(conn)
}

/// [`holders`], each with whether WeChat and mail can reach them (an openid, a mail address):
/// the recipients of a notice to them, in one read.
pub fn reachable_holders(
    conn: &mut DbConn,
    scope_kind: &str,
    scopes: &[String],
    roles: &[String],
) -> Result<Vec<(String, bool, bool)>, DieselError> {
    use crate::schema::users::dsl as u;
    if scopes.is_empty() {
        return Ok(Vec::new());
    }
    rg::role_grants
        .inner_join(u::users.on(u::id.eq(rg::user_id)))
        .filter(rg::scope_kind.eq(scope_kind))
        .filter(rg::scope_id.eq_any(scopes.to_vec()))
        .filter(rg::role.eq_any(roles.to_vec()))
        .filter(rg::revoked_at.is_null())
        .select((rg::user_id, u::openid.is_not_null(), u::email.is_not_null()))
        .distinct()
        .load(conn)
}

/// The live holders of `roles` granted on the grid `grid_id` itself, each with the role and their
/// display name (accounts not deleted), in one read, ordered by grant.
pub fn grid_holders_named(
    conn: &mut DbConn,
    grid_id: &str,
    roles: &[&str],
) -> Result<Vec<(String, String, String)>, DieselError> {
    use crate::schema::users::dsl as u;
    rg::role_grants
        .inner_join(u::users.on(u::id.eq(rg::user_id)))
        .filter(rg::scope_kind.eq(ScopeKind::Grid.as_str()))
        .filter(rg::scope_id.eq(grid_id))
        .filter(rg::role.eq_any(roles.to_vec()))
        .filter(rg::revoked_at.is_null())
        .filter(u::deleted_at.is_null())
        .select((rg::user_id, rg::role, u::display_name))
        .order(rg::id.asc())
        .load(conn)
}
