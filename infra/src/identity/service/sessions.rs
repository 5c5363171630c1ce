//! Sessions and rotating refresh tokens. Refresh tokens are stored as hashes; a used token stays
//! on record, so presenting it again is recognised as theft and ends the whole session.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::db::write_tx;
use crate::identity::error::IdentityError;
use crate::schema::refresh_tokens::dsl as r;
use crate::schema::sessions::dsl as s;
use crate::DbConn;

/// Opens a session with its first refresh token, in one transaction.
pub fn open(
    conn: &mut DbConn,
    session_id: &str,
    user_id: &str,
    refresh_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), IdentityError> {
    write_tx(conn, |conn| Ok(create(conn, session_id, user_id, refresh_hash, now, expires_at)?))
}

/// Uses a refresh token once, in one transaction (see [`rotate`]).
pub fn refresh(conn: &mut DbConn, hash: &str, new_hash: &str, now: NaiveDateTime) -> Result<Rotation, IdentityError> {
    write_tx(conn, |conn| Ok(rotate(conn, hash, new_hash, now)?))
}

/// Ends one session.
pub fn log_out(conn: &mut DbConn, session_id: &str, now: NaiveDateTime) -> Result<(), IdentityError> {
    revoke(conn, session_id, now)?;
    Ok(())
}

pub fn create(
    conn: &mut DbConn,
    session_id: &str,
    user_id: &str,
    refresh_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), DieselError> {
    diesel::insert_into(s::sessions)
        .values((s::id.eq(session_id), s::user_id.eq(user_id), s::created_at.eq(now), s::expires_at.eq(expires_at)))
        .execute(conn)?;
    diesel::insert_into(r::refresh_tokens)
        .values((r::token_hash.eq(refresh_hash), r::session_id.eq(session_id), r::created_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// What presenting a refresh token came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current: it is now used, and `new_hash` is the session's current one.
    Rotated { session_id: String, user_id: String },
    /// The token had been used before: the session is revoked.
    Reused { session_id: String, user_id: String },
    /// Unknown token, or its session is over.
    Invalid,
}

/// Uses refresh token `hash` once and records its successor. Two requests racing with the same
/// token: one rotates, the other finds it used and revokes the session — as with any reuse.
pub fn rotate(conn: &mut DbConn, hash: &str, new_hash: &str, now: NaiveDateTime) -> Result<Rotation, DieselError> {
    let Some((session_id, used_at)) = r::refresh_tokens
        .filter(r::token_hash.eq(hash))
        .select((r::session_id, r::used_at))
        .first::<(String, Option<NaiveDateTime>)>(conn)
        .optional()?
    else {
        return Ok(Rotation::Invalid);
    };
    let Some(user_id) = crate::identity::queries::sessions::live_user(conn, &session_id, now)? else {
        return Ok(Rotation::Invalid);
    };
    let claimed = if used_at.is_none() {
        diesel::update(r::refresh_tokens.filter(r::token_hash.eq(hash)).filter(r::used_at.is_null()))
            .set(r::used_at.eq(now))
            .execute(conn)?
    } else {
        0
    };
    if claimed == 0 {
        revoke(conn, &session_id, now)?;
        return Ok(Rotation::Reused { session_id, user_id });
    }
    diesel::insert_into(r::refresh_tokens)
        .values((r::token_hash.eq(new_hash), r::session_id.eq(&session_id), r::created_at.eq(now)))
        .execute(conn)?;
    Ok(Rotation::Rotated { session_id, user_id })
}

pub fn revoke(conn: &mut DbConn, session_id: &str, now: NaiveDateTime) -> Result<usize, DieselError> {
    diesel::update(s::sessions.filter(s::id.eq(session_id)).filter(s::revoked_at.is_null()))
        .set(s::revoked_at.eq(now))
        .execute(conn)
}

/// Ends every session of a user but `keep` (password change, account deletion); returns the
/// ids it ended.
pub fn revoke_all(
    conn: &mut DbConn,
    user_id: &str,
    keep: Option<&str>,
    now: NaiveDateTime,
) -> Result<Vec<String>, DieselError> {
    let live = || {
        s::sessions.filter(s::user_id.eq(user_id)).filter(s::revoked_at.is_null()).filter(s::id.ne(keep.unwrap_or("")))
    };
    let ids: Vec<String> = live().select(s::id).load(conn)?;
    diesel::update(live()).set(s::revoked_at.eq(now)).execute(conn)?;
    Ok(ids)
}
