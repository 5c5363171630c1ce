//! Accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::schema::users::dsl as u;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::users)]
pub struct UserRow {
    pub id: String,
    pub kind: String,
    pub username: Option<String>,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub display_name: String,
    pub openid: Option<String>,
    pub unionid: Option<String>,
    pub phone: Option<String>,
    pub is_demo: bool,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub email: Option<String>,
    /// For a staff account: the unit it serves in.
    pub serves_unit_id: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crate::schema::users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub username: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub must_change_password: bool,
    pub display_name: &'a str,
    pub openid: Option<&'a str>,
    pub unionid: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub is_demo: bool,
    pub created_at: NaiveDateTime,
}

impl<'a> NewUser<'a> {
    /// A staff account, logging in with username and password.
    pub fn staff(
        id: &'a str,
        username: &'a str,
        password_hash: &'a str,
        display_name: &'a str,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id,
            kind: "staff",
            username: Some(username),
            password_hash: Some(password_hash),
            must_change_password: true,
            display_name,
            openid: None,
            unionid: None,
            phone: None,
            is_demo: false,
            created_at: now,
        }
    }

    /// A resident, known by their WeChat openid.
    pub fn resident(
        id: &'a str,
        openid: &'a str,
        unionid: Option<&'a str>,
        display_name: &'a str,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id,
            kind: "resident",
            username: None,
            password_hash: None,
            must_change_password: false,
            display_name,
            openid: Some(openid),
            unionid,
            phone: None,
            is_demo: false,
            created_at: now,
        }
    }
}

pub fn insert(conn: &mut crate::DbConn, user: &NewUser<'_>) -> Result<usize, DieselError> {
    diesel::insert_into(u::users).values(user).execute(conn)
}

/// Records the unit a staff account serves in.
pub fn set_serving_unit(conn: &mut crate::DbConn, id: &str, unit_id: &str) -> Result<usize, DieselError> {
    diesel::update(u::users.filter(u::id.eq(id))).set(u::serves_unit_id.eq(unit_id)).execute(conn)
}

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

pub fn set_password(conn: &mut crate::DbConn, id: &str, hash: &str) -> Result<usize, DieselError> {
    diesel::update(u::users.filter(u::id.eq(id)))
        .set((u::password_hash.eq(hash), u::must_change_password.eq(false)))
        .execute(conn)
}

pub fn set_email(conn: &mut crate::DbConn, id: &str, email: Option<&str>) -> Result<usize, DieselError> {
    diesel::update(u::users.filter(u::id.eq(id))).set(u::email.eq(email)).execute(conn)
}

pub fn set_phone(conn: &mut crate::DbConn, id: &str, phone: &str) -> Result<usize, DieselError> {
    diesel::update(u::users.filter(u::id.eq(id))).set(u::phone.eq(phone)).execute(conn)
}

/// Whether any live administrator account exists (the bootstrap checks it).
pub fn any_with_username(conn: &mut crate::DbConn, username: &str) -> Result<bool, DieselError> {
    diesel::select(diesel::dsl::exists(u::users.filter(u::username.eq(username)))).get_result(conn)
}

pub fn demo_accounts(conn: &mut crate::DbConn) -> Result<i64, DieselError> {
    u::users.filter(u::is_demo.eq(true)).filter(u::deleted_at.is_null()).count().get_result(conn)
}

/// Deletes a person by anonymising the account: contributions keep their id, the person is
/// gone from it (name, login, WeChat ids, phone).
pub fn anonymise(conn: &mut crate::DbConn, id: &str, now: NaiveDateTime) -> Result<usize, DieselError> {
    diesel::update(u::users.filter(u::id.eq(id)))
        .set((
            u::display_name.eq("已注销用户"),
            u::username.eq(None::<String>),
            u::password_hash.eq(None::<String>),
            u::openid.eq(None::<String>),
            u::unionid.eq(None::<String>),
            u::phone.eq(None::<String>),
            u::email.eq(None::<String>),
            u::deleted_at.eq(now),
        ))
        .execute(conn)
}
