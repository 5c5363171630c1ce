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
