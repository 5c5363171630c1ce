//! One's own account as its owner sees it, and consent to the privacy policy.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::identity::error::IdentityError;
use crate::identity::rows::{GrantRow, UserRow};
use crate::schema::consents::dsl as c;
use crate::schema::role_grants::dsl as rg;
use crate::schema::users::dsl as u;
use crate::DbConn;

/// One's own account: unmasked, with one's live grants and whether the policy in force is
/// accepted.
#[derive(Debug, Clone)]
pub struct Me {
    pub user: UserRow,
    pub grants: Vec<GrantRow>,
    pub policy_version: String,
    pub consented: bool,
}

/// The account behind a session, or [`IdentityError::AccountGone`].
pub fn account(conn: &mut DbConn, user_id: &str) -> Result<UserRow, IdentityError> {
    super::users::find(conn, user_id)?.ok_or(IdentityError::AccountGone)
}

/// The columns of a [`GrantRow`], for a join where there may be none.
type GrantColumns =
    (String, String, String, String, String, Option<String>, NaiveDateTime, Option<NaiveDateTime>, Option<String>);

/// One statement: the account joined with its live grants (one row per grant, or one row
/// without), each row carrying whether the policy in force is accepted.
pub fn me(conn: &mut DbConn, user_id: &str, policy_version: &str) -> Result<Me, IdentityError> {
    let consented = diesel::dsl::exists(
        c::consents.filter(c::user_id.eq(user_id.to_owned())).filter(c::policy_version.eq(policy_version.to_owned())),
    );
    let grant = (
        rg::id,
        rg::user_id,
        rg::role,
        rg::scope_kind,
        rg::scope_id,
        rg::granted_by,
        rg::created_at,
        rg::revoked_at,
        rg::revoked_by,
    )
        .nullable();
    let rows: Vec<(UserRow, Option<GrantColumns>, bool)> = u::users
        .left_join(rg::role_grants.on(rg::user_id.eq(u::id).and(rg::revoked_at.is_null())))
        .filter(u::id.eq(user_id))
        .filter(u::deleted_at.is_null())
        .select((UserRow::as_select(), grant, consented))
        .order(rg::id.asc())
        .load(conn)?;
    let mut rows = rows.into_iter();
    let (user, first, consented) = rows.next().ok_or(IdentityError::AccountGone)?;
    let grants = first
        .into_iter()
        .chain(rows.filter_map(|(_, grant, _)| grant))
        .map(|(id, user_id, role, scope_kind, scope_id, granted_by, created_at, revoked_at, revoked_by)| GrantRow {
            id,
            user_id,
            role,
            scope_kind,
            scope_id,
            granted_by,
            created_at,
            revoked_at,
            revoked_by,
        })
        .collect();
    Ok(Me { user, grants, policy_version: policy_version.to_owned(), consented })
}

pub fn has_consented(conn: &mut DbConn, user_id: &str, policy_version: &str) -> Result<bool, DieselError> {
    diesel::select(diesel::dsl::exists(
        c::consents.filter(c::user_id.eq(user_id)).filter(c::policy_version.eq(policy_version)),
    ))
    .get_result(conn)
}

/// Refuses personal-data processing until the privacy policy in force is accepted.
pub fn require_consent(conn: &mut DbConn, user_id: &str, policy_version: &str) -> Result<(), IdentityError> {
    if has_consented(conn, user_id, policy_version)? {
        Ok(())
    } else {
        Err(IdentityError::ConsentRequired { policy_version: policy_version.to_owned() })
    }
}
