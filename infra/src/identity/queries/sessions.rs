//! Whether a session lives. The access token names its session; the session row says whether it
//! still lives (see `service::sessions` for how sessions begin, rotate and end).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::schema::sessions::dsl as s;
use crate::DbConn;

/// The user of a session that is neither revoked nor expired.
pub fn live_user(conn: &mut DbConn, session_id: &str, now: NaiveDateTime) -> Result<Option<String>, DieselError> {
    s::sessions
        .filter(s::id.eq(session_id))
        .filter(s::revoked_at.is_null())
        .filter(s::expires_at.gt(now))
        .select(s::user_id)
        .first(conn)
        .optional()
}

/// Who is calling, as one database visit reads it: the account, its grants as stored now, and
/// where the resident of a proxy action lives.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: crate::identity::rows::UserRow,
    pub grants: Vec<domain::identity::roles::Grant>,
    pub resident_places: Option<Vec<domain::identity::roles::Place>>,
}

/// The caller of session `session_id` for user `user_id`; `None` when the session has ended (checked
/// unless the store already vouched for it) or the account is gone.
pub fn caller(
    conn: &mut DbConn,
    session_id: &str,
    user_id: &str,
    session_vouched: bool,
    acting_for: Option<&str>,
    now: NaiveDateTime,
) -> Result<Option<Caller>, crate::identity::IdentityError> {
    if !session_vouched && live_user(conn, session_id, now)?.as_deref() != Some(user_id) {
        return Ok(None);
    }
    let Some(user) = crate::identity::queries::users::find(conn, user_id)? else {
        return Ok(None);
    };
    let grants = crate::identity::queries::grants::of_user(conn, user_id)?;
    let resident_places =
        acting_for.map(|resident| crate::identity::queries::residency::member_places(conn, resident)).transpose()?;
    Ok(Some(Caller { user, grants, resident_places }))
}

/// Where the resident of a proxy action lives (for a caller whose principal was cached).
pub fn resident_places(
    conn: &mut DbConn,
    resident_id: &str,
) -> Result<Vec<domain::identity::roles::Place>, crate::identity::IdentityError> {
    Ok(crate::identity::queries::residency::member_places(conn, resident_id)?)
}
