//! One's own account as its owner sees it, and consent to the privacy policy.

use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::identity::error::IdentityError;
use crate::identity::rows::{GrantRow, UserRow};
use crate::schema::consents::dsl as c;
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

pub fn me(conn: &mut DbConn, user_id: &str, policy_version: &str) -> Result<Me, IdentityError> {
    let user = account(conn, user_id)?;
    let grants = super::grants::rows_of(conn, user_id)?;
    let consented = has_consented(conn, user_id, policy_version)?;
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
