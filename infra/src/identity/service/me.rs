//! One's own account: password, consent, phone, email, and deletion.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::identity::accounts::{Email, Phone};
use domain::identity::principal::Principal;

use crate::db::{insert_unique, write_tx};
use crate::identity::audit::{self, Origin};
use crate::identity::error::IdentityError;
use crate::identity::queries;
use crate::identity::queries::me::Me;
use crate::identity::service::{residency, sessions, users};
use crate::schema::consents::dsl as c;
use crate::wechat::WeChat;
use crate::{Database, DbConn};

/// Sets a new password hash, ends the account's other sessions and records it, in one
/// transaction. Answers the sessions it ended.
pub fn change_password(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    hash: &str,
    now: NaiveDateTime,
) -> Result<Vec<String>, IdentityError> {
    write_tx(conn, |conn| {
        users::set_password(conn, &principal.user_id, hash)?;
        // The session making the change stays; the others end.
        let ended = sessions::revoke_all(conn, &principal.user_id, Some(&principal.session_id), now)?;
        let entry =
            origin.entry(Some(principal), "password_changed", "user", &principal.user_id, serde_json::json!({}));
        audit::append(conn, &entry, now)?;
        Ok(ended)
    })
}

/// Accepts the privacy policy `given`, which must be the one in force (a repeat is harmless).
pub fn accept_policy(
    conn: &mut DbConn,
    user_id: &str,
    given: &str,
    current: &str,
    now: NaiveDateTime,
) -> Result<(), IdentityError> {
    if given != current {
        return Err(IdentityError::NotCurrentPolicy { current: current.to_owned() });
    }
    write_tx(conn, |conn| Ok(record_consent(conn, user_id, current, now)?))
}

/// Records that `user_id` accepted `policy_version` (a repeat is harmless). Inside the caller's
/// transaction.
pub fn record_consent(
    conn: &mut DbConn,
    user_id: &str,
    policy_version: &str,
    now: NaiveDateTime,
) -> Result<(), diesel::result::Error> {
    insert_unique(conn, |conn| {
        diesel::insert_into(c::consents)
            .values((
                c::id.eq(domain::new_id()),
                c::user_id.eq(user_id),
                c::policy_version.eq(policy_version),
                c::accepted_at.eq(now),
            ))
            .execute(conn)
    })?;
    Ok(())
}

/// Binds the phone number WeChat vouches for (the `getPhoneNumber` button's code), once the
/// policy in force is accepted; records it; answers the account.
pub async fn bind_phone(
    db: &Database,
    wechat: &WeChat,
    principal: Principal,
    origin: Origin,
    code: &str,
    policy_version: String,
    now: NaiveDateTime,
) -> Result<Me, IdentityError> {
    let (user_id, version) = (principal.user_id.clone(), policy_version.clone());
    db.run(move |conn| queries::me::require_consent(conn, &user_id, &version)).await?;
    let phone = Phone::parse(&wechat.phone_number(code).await?)?;
    db.run(move |conn| {
        write_tx(conn, |conn| -> Result<(), IdentityError> {
            users::set_phone(conn, &principal.user_id, phone.as_str())?;
            let entry =
                origin.entry(Some(&principal), "phone_bound", "user", &principal.user_id, serde_json::json!({}));
            audit::append(conn, &entry, now)?;
            Ok(())
        })?;
        queries::me::me(conn, &principal.user_id, &policy_version)
    })
    .await
}

/// Deletes the caller's account by anonymising it: what they contributed stays, they are gone
/// from it; every session ends; a pending residency application is withdrawn. One transaction;
/// answers the sessions it ended.
pub fn delete_account(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    now: NaiveDateTime,
) -> Result<Vec<String>, IdentityError> {
    if !principal.may_delete_own_account() {
        return Err(IdentityError::AdministratorSelfDeletion);
    }
    write_tx(conn, |conn| {
        users::anonymise(conn, &principal.user_id, now)?;
        residency::withdraw_pending(conn, &principal.user_id, now)?;
        let ended = sessions::revoke_all(conn, &principal.user_id, None, now)?;
        let at = now.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let entry = origin.entry(
            Some(principal),
            "account_deleted",
            "user",
            &principal.user_id,
            serde_json::json!({ "at": at }),
        );
        audit::append(conn, &entry, now)?;
        Ok(ended)
    })
}

/// Sets (or removes) the address notices may be mailed to; setting one needs consent to the
/// policy in force. Answers the account.
pub fn set_email(
    conn: &mut DbConn,
    user_id: &str,
    email: Option<&Email>,
    policy_version: &str,
) -> Result<Me, IdentityError> {
    write_tx(conn, |conn| {
        if email.is_some() {
            queries::me::require_consent(conn, user_id, policy_version)?;
        }
        users::set_email(conn, user_id, email.map(Email::as_str))?;
        Ok::<_, IdentityError>(())
    })?;
    queries::me::me(conn, user_id, policy_version)
}
