//! Reading accounts.

use diesel::prelude::*;
use diesel::result::Error as DieselError;

use domain::identity::accounts::Username;
use domain::identity::ids::UserId;
use domain::identity::principal::Principal;

use crate::identity::error::IdentityError;
use crate::identity::rows::UserRow;
use crate::schema::users::dsl as u;

/// A live (not deleted) account.
pub fn find(conn: &mut crate::DbConn, id: &str) -> Result<Option<UserRow>, DieselError> {
    u::users.filter(u::id.eq(id)).filter(u::deleted_at.is_null()).select(UserRow::as_select()).first(conn).optional()
}

pub fn find_by_username(conn: &mut crate::DbConn, username: &str) -> Result<Option<UserRow>, DieselError> {
    u::users
        .filter(u::username.eq(username))
        .filter(u::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_openid(conn: &mut crate::DbConn, openid: &str) -> Result<Option<UserRow>, DieselError> {
    u::users
        .filter(u::openid.eq(openid))
        .filter(u::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Whether any live administrator account exists (the bootstrap checks it).
pub fn any_with_username(conn: &mut crate::DbConn, username: &str) -> Result<bool, DieselError> {
    diesel::select(diesel::dsl::exists(u::users.filter(u::username.eq(username)))).get_result(conn)
}

pub fn demo_accounts(conn: &mut crate::DbConn) -> Result<i64, DieselError> {
    u::users.filter(u::is_demo.eq(true)).filter(u::deleted_at.is_null()).count().get_result(conn)
}

/// Whether nothing is set up yet: no account and no org unit (a fresh database).
pub fn nothing_yet(conn: &mut crate::DbConn) -> Result<bool, DieselError> {
    let users: i64 = u::users.count().get_result(conn)?;
    let units: i64 = crate::schema::org_units::table.count().get_result(conn)?;
    Ok(users == 0 && units == 0)
}

/// A staff account by its login name, for a password login (residents log in through WeChat).
pub fn staff_by_username(conn: &mut crate::DbConn, username: &Username) -> Result<Option<UserRow>, IdentityError> {
    Ok(find_by_username(conn, username.as_str())?.filter(|u| u.kind == "staff"))
}

/// A person as the caller may see them: oneself, or a resident living in the caller's scope;
/// anyone else is not found.
pub fn visible(conn: &mut crate::DbConn, principal: &Principal, id: &UserId) -> Result<UserRow, IdentityError> {
    let row = find(conn, id.as_str())?.ok_or(IdentityError::NotFound)?;
    let lives_at = super::residency::member_places(conn, &row.id)?;
    if principal.sees_person(&row.id, &lives_at) {
        Ok(row)
    } else {
        Err(IdentityError::NotFound)
    }
}

/// Display names of the accounts `ids` (deleted ones keep their anonymised name), by id.
pub fn names(
    conn: &mut crate::DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, DieselError> {
    let rows: Vec<(String, String)> =
        u::users.filter(u::id.eq_any(ids.to_vec())).select((u::id, u::display_name)).load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Someone named on a read model: display name, bound phone, and whether the account lives.
#[derive(Debug, Clone)]
pub struct Person {
    pub display_name: String,
    pub phone: Option<String>,
    pub live: bool,
}

/// The accounts `ids` (deleted ones included, marked), by id, in one query.
pub fn people(
    conn: &mut crate::DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, Person>, DieselError> {
    let rows: Vec<(String, String, Option<String>, bool)> = u::users
        .filter(u::id.eq_any(ids.to_vec()))
        .select((u::id, u::display_name, u::phone, u::deleted_at.is_null()))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, display_name, phone, live)| (id, Person { display_name, phone, live })).collect())
}

/// Display names and bound phones of the accounts `ids`, by id (callers mask or reveal the
/// phone by their own rules).
pub fn names_and_phones(
    conn: &mut crate::DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, (String, Option<String>)>, DieselError> {
    let rows: Vec<(String, String, Option<String>)> =
        u::users.filter(u::id.eq_any(ids.to_vec())).select((u::id, u::display_name, u::phone)).load(conn)?;
    Ok(rows.into_iter().map(|(id, name, phone)| (id, (name, phone))).collect())
}

/// How an account can be reached outside the app: its WeChat openid and mail address (none
/// for an unknown id).
pub fn contacts(conn: &mut crate::DbConn, id: &str) -> Result<(Option<String>, Option<String>), DieselError> {
    Ok(u::users.filter(u::id.eq(id)).select((u::openid, u::email)).first(conn).optional()?.unwrap_or((None, None)))
}

/// How each of the accounts `ids` can be reached outside the app, as (id, on WeChat, has mail);
/// unknown ids are left out.
pub fn reachability(conn: &mut crate::DbConn, ids: &[String]) -> Result<Vec<(String, bool, bool)>, DieselError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    u::users
        .filter(u::id.eq_any(ids.to_vec()))
        .select((u::id, u::openid.is_not_null(), u::email.is_not_null()))
        .load(conn)
}
