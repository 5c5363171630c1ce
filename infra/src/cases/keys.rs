//! Open311 API keys for staff clients (a city hotline, a dashboard that posts): stored only as
//! a SHA-256 digest, revocable, tied to the staff account whose scope they act in.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use sha2::{Digest, Sha256};

use crate::schema::open311_keys::dsl as k;
use crate::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::open311_keys)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub key_hash: String,
    pub user_id: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

pub fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

pub(crate) fn insert(
    conn: &mut DbConn,
    id: &str,
    name: &str,
    key: &str,
    user_id: &str,
    by: &str,
    now: NaiveDateTime,
) -> Result<usize, DieselError> {
    diesel::insert_into(k::open311_keys)
        .values((
            k::id.eq(id),
            k::name.eq(name),
            k::key_hash.eq(digest(key)),
            k::user_id.eq(user_id),
            k::created_by.eq(by),
            k::created_at.eq(now),
        ))
        .execute(conn)
}

/// The live key with this secret, marking it used.
pub(crate) fn authenticate(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> Result<Option<KeyRow>, DieselError> {
    let row = k::open311_keys
        .filter(k::key_hash.eq(digest(key)))
        .filter(k::revoked_at.is_null())
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?;
    if let Some(row) = &row {
        diesel::update(k::open311_keys.filter(k::id.eq(&row.id))).set(k::last_used_at.eq(now)).execute(conn)?;
    }
    Ok(row)
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<KeyRow>, DieselError> {
    k::open311_keys.filter(k::id.eq(id)).select(KeyRow::as_select()).first(conn).optional()
}

/// Keys of one account (`None`: every key, for admins), newest first.
pub fn list(conn: &mut DbConn, user_id: Option<&str>) -> Result<Vec<KeyRow>, crate::cases::CasesError> {
    let mut query = k::open311_keys.select(KeyRow::as_select()).order(k::id.desc()).limit(500).into_boxed();
    if let Some(user) = user_id {
        query = query.filter(k::user_id.eq(user.to_owned()));
    }
    Ok(query.load(conn)?)
}

pub(crate) fn revoke(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<usize, DieselError> {
    diesel::update(k::open311_keys.filter(k::id.eq(id)).filter(k::revoked_at.is_null()))
        .set(k::revoked_at.eq(now))
        .execute(conn)
}

/// The keys a caller may list: their own, or every key for admins.
pub fn listed_for(
    conn: &mut DbConn,
    principal: &domain::identity::principal::Principal,
) -> Result<Vec<KeyRow>, crate::cases::CasesError> {
    let owner = if principal.is_admin() { None } else { Some(principal.user_id.as_str()) };
    list(conn, owner)
}
