//! Accounts: residents signing in through WeChat, staff accounts created by officers, and the
//! statements that write the users table.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::identity::accounts::{Username, SUFFIX_LETTERS};
use domain::identity::ids::OrgUnitId;
use domain::identity::principal::Principal;
use domain::identity::roles::Permission;

use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::audit::{self, Origin};
use crate::identity::error::IdentityError;
use crate::identity::queries;
use crate::identity::rows::{NewUser, UserRow};
use crate::schema::users::dsl as u;
use crate::wechat::{WeChat, WeChatIdentity};
use crate::{Database, DbConn};

/// Signs a resident in with the code of `wx.login`: the account is found, or created at the
/// first login, by openid. Answers the account's id.
pub async fn wechat_login(
    db: &Database,
    wechat: &WeChat,
    code: &str,
    now: NaiveDateTime,
) -> Result<String, IdentityError> {
    let identity = wechat.login(code).await?;
    let display_name = match (wechat, code.strip_prefix("dev:")) {
        (WeChat::Development, Some(name)) => name.chars().take(32).collect(),
        _ => "微信用户".to_owned(),
    };
    db.run(move |conn| resident_for(conn, &identity, &display_name, now)).await
}

/// The resident a WeChat identity belongs to, created when new (one transaction).
pub fn resident_for(
    conn: &mut DbConn,
    identity: &WeChatIdentity,
    display_name: &str,
    now: NaiveDateTime,
) -> Result<String, IdentityError> {
    write_tx(conn, |conn| {
        if let Some(user) = queries::users::find_by_openid(conn, &identity.openid)? {
            return Ok(user.id);
        }
        let id = domain::new_id();
        let new = NewUser::resident(&id, &identity.openid, identity.unionid.as_deref(), display_name, now);
        match insert_unique(conn, |conn| insert(conn, &new))? {
            Inserted::New => Ok(id),
            // A concurrent first login of the same person created it.
            Inserted::Duplicate => queries::users::find_by_openid(conn, &identity.openid)?
                .map(|u| u.id)
                .ok_or(IdentityError::Corrupt("user vanished after a duplicate insert")),
        }
    })
}

/// A staff account to create.
#[derive(Debug, Clone)]
pub struct StaffAccount<'a> {
    pub username: &'a Username,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub org_unit_id: &'a OrgUnitId,
}

fn suffixed(name: &Username) -> Result<Username, IdentityError> {
    use rand::Rng;
    let mut rng = rand::rng();
    let suffix: String =
        (0..4).map(|_| char::from(SUFFIX_LETTERS[rng.random_range(0..SUFFIX_LETTERS.len())])).collect();
    Ok(name.with_suffix(&suffix)?)
}

/// Creates a staff account serving in a unit of the caller's scope, with its audit entry, in one
/// transaction. Below the whole tree's administrators the name gets a suffix, drawn again when
/// taken; an administrator's exact name that is taken is [`IdentityError::UsernameTaken`].
pub fn create_staff(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    staff: &StaffAccount<'_>,
    now: NaiveDateTime,
) -> Result<UserRow, IdentityError> {
    let exact = principal.takes_exact_usernames();
    write_tx(conn, |conn| {
        let unit = queries::org::unit(conn, staff.org_unit_id)?;
        principal.require(&unit.place(), Permission::CreateStaff)?;
        let id = domain::new_id();
        let mut created = None;
        for _ in 0..8 {
            let username = if exact { staff.username.clone() } else { suffixed(staff.username)? };
            let new = NewUser::staff(&id, username.as_str(), staff.password_hash, staff.display_name, now);
            if insert_unique(conn, |conn| insert(conn, &new))? == Inserted::New {
                created = Some(username);
                break;
            }
            if exact {
                return Err(IdentityError::UsernameTaken);
            }
        }
        let username = created.ok_or(IdentityError::Corrupt("no free username suffix in 8 draws"))?;
        set_serving_unit(conn, &id, &unit.id)?;
        let details = serde_json::json!({ "username": username.as_str(), "org_unit_id": unit.id });
        audit::append(conn, &origin.entry(Some(principal), "staff_account_created", "user", &id, details), now)?;
        queries::users::find(conn, &id)?.ok_or(IdentityError::Corrupt("user vanished"))
    })
}

pub fn insert(conn: &mut crate::DbConn, user: &NewUser<'_>) -> Result<usize, DieselError> {
    diesel::insert_into(u::users).values(user).execute(conn)
}

/// Records the unit a staff account serves in.
pub fn set_serving_unit(conn: &mut crate::DbConn, id: &str, unit_id: &str) -> Result<usize, DieselError> {
    diesel::update(u::users.filter(u::id.eq(id))).set(u::serves_unit_id.eq(unit_id)).execute(conn)
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

/// Shows a resident's full phone number to staff who handle residents where they live, with the
/// audit entry of who, why and when, in one transaction. Answers the account.
pub fn reveal_phone(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    id: &domain::identity::ids::UserId,
    reason: &domain::identity::accounts::RevealReason,
    now: NaiveDateTime,
) -> Result<UserRow, IdentityError> {
    write_tx(conn, |conn| {
        let row = queries::users::find(conn, id.as_str())?.ok_or(IdentityError::NotFound)?;
        principal.may_reveal_phone(&queries::residency::member_places(conn, &row.id)?)?;
        let details = serde_json::json!({ "reason": reason.as_str() });
        audit::append(conn, &origin.entry(Some(principal), "phone_revealed", "user", &row.id, details), now)?;
        Ok(row)
    })
}

/// Creates the bootstrap administrator: a staff account `username` that must change its
/// password, with the administrator's grant on the whole tree and its audit entry, in the
/// startup transaction — unless an account of that name exists (another instance may have
/// created it meanwhile). Answers whether it created it.
pub fn bootstrap_admin(
    conn: &mut DbConn,
    username: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<bool, crate::InfraError> {
    crate::db::setup_tx(conn, |conn| {
        if queries::users::any_with_username(conn, username)? {
            return Ok(false);
        }
        let id = domain::new_id();
        insert(conn, &NewUser::staff(&id, username, password_hash, "系统管理员", now))?;
        let root = domain::identity::roles::Grant {
            role: domain::identity::roles::Role::Admin,
            scope_kind: domain::identity::roles::ScopeKind::OrgUnit,
            scope_id: queries::grants::ROOT_SCOPE.into(),
            org_path: Vec::new(),
            grids_within: Vec::new(),
        };
        super::grants::insert(conn, &domain::new_id(), &id, &root, None, now)?;
        let entry = audit::Entry {
            action: "bootstrap_admin",
            object_kind: "user",
            object_id: &id,
            details: serde_json::json!({}),
            ..Default::default()
        };
        audit::append(conn, &entry, now)?;
        Ok(true)
    })
}
