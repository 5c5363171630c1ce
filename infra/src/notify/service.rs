//! The notify feature's writes. Producers call [`enqueue`] (or [`enqueue_many`]) inside the
//! transaction of the change they tell of, so a rolled back change leaves no notice and a
//! committed one always has its deliveries queued. Every other write here is one transaction,
//! with its audit entry where it has one.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::identity::ids::OrgUnitId;
use domain::identity::principal::Principal;
use domain::notify::announcements::{may_post, Draft};
use domain::notify::ids::{AnnouncementId, DeliveryId, NotificationId};
use domain::notify::preferences::{channels_for, ChannelPreference, Choice};

use crate::db::{insert_unique, write_tx, DbConn, Inserted};
use crate::identity::audit;
use crate::notify::error::NotifyError;
use crate::notify::queries::{self, Announcement, Subscriptions};
use crate::notify::rows::{NewDelivery, Recipient};
use crate::schema::announcements::dsl as a;
use crate::schema::notification_preferences::dsl as p;
use crate::schema::notifications::dsl as n;
use crate::schema::outbox::dsl as o;
use crate::schema::subscription_grants::dsl as g;

/// Who asks for a write, for its audit entry: the principal, and where the request came from.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl Actor {
    fn audit<'a>(
        &'a self,
        action: &'a str,
        object_kind: &'a str,
        object_id: &'a str,
        details: serde_json::Value,
    ) -> audit::Entry<'a> {
        audit::Entry {
            actor_id: Some(self.principal.user_id.as_str()),
            acting_for: self.principal.acting_for.as_deref(),
            action,
            object_kind,
            object_id,
            details,
            ip: self.ip.as_deref(),
            request_id: self.request_id.as_deref(),
        }
    }
}

/// Queues a notice of `kind` to `recipient`: in the inbox always, as a WeChat subscribe message
/// when they came through WeChat, and by mail when they gave an address. Call inside the
/// change's own transaction.
pub fn enqueue(
    conn: &mut DbConn,
    kind: &str,
    recipient: &str,
    data: &serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), DieselError> {
    let (openid, email) = crate::identity::queries::users::contacts(conn, recipient)?;
    let payload = data.to_string();
    for channel in channels_for(openid.is_some(), email.is_some()) {
        diesel::insert_into(o::outbox)
            .values((
                o::id.eq(domain::new_id()),
                o::kind.eq(kind),
                o::recipient_id.eq(recipient),
                o::channel.eq(channel.as_str()),
                o::payload.eq(&payload),
                o::status.eq("pending"),
                o::next_attempt_at.eq(now),
                o::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Queues one notice to many recipients at once, on the same channels [`enqueue`] would. Call
/// inside the change's own transaction.
pub fn enqueue_many(
    conn: &mut DbConn,
    kind: &str,
    recipients: &[Recipient],
    data: &serde_json::Value,
    now: NaiveDateTime,
) -> Result<usize, DieselError> {
    let payload = data.to_string();
    let mut rows = Vec::with_capacity(recipients.len() * 2);
    for recipient in recipients {
        for channel in channels_for(recipient.on_wechat, recipient.has_email) {
            rows.push(NewDelivery {
                id: domain::new_id(),
                kind,
                recipient_id: &recipient.user_id,
                channel: channel.as_str(),
                payload: &payload,
                status: "pending",
                attempts: 0,
                next_attempt_at: now,
                created_at: now,
                grant_taken: false,
            });
        }
    }
    // Chunks keep each statement well under SQLite's bound-parameter limit. Per-backend
    // branch: a multi-row insert cannot be expressed through the multi-backend connection.
    for chunk in rows.chunks(500) {
        match conn {
            DbConn::Pg(pg) => diesel::insert_into(o::outbox).values(chunk).execute(pg)?,
            DbConn::Sqlite(sqlite) => diesel::insert_into(o::outbox).values(chunk).execute(sqlite)?,
        };
    }
    Ok(recipients.len())
}

/// Queues one notice of `kind` to each of `people`, on the channels [`enqueue`] would use for
/// each: one read of how they are reached, one multi-row insert. Call inside the change's own
/// transaction.
pub fn enqueue_to(
    conn: &mut DbConn,
    kind: &str,
    people: &[String],
    data: &serde_json::Value,
    now: NaiveDateTime,
) -> Result<usize, DieselError> {
    if people.is_empty() {
        return Ok(0);
    }
    let found = crate::identity::queries::users::reachability(conn, people)?;
    let recipients: Vec<Recipient> = people
        .iter()
        .map(|id| {
            // An unknown id gets the inbox only, as with `enqueue`.
            let (on_wechat, has_email) =
                found.iter().find(|(user, _, _)| user == id).map_or((false, false), |(_, w, e)| (*w, *e));
            Recipient { user_id: id.clone(), on_wechat, has_email }
        })
        .collect();
    enqueue_many(conn, kind, &recipients, data, now)
}

/// Marks one of the user's notices read (again is fine); not found when it is not theirs.
pub fn mark_read(conn: &mut DbConn, user_id: &str, id: &NotificationId, now: NaiveDateTime) -> Result<(), NotifyError> {
    write_tx(conn, |conn| {
        let id = id.as_str();
        let exists: bool =
            diesel::select(diesel::dsl::exists(n::notifications.filter(n::id.eq(id)).filter(n::user_id.eq(user_id))))
                .get_result(conn)?;
        if !exists {
            return Err(NotifyError::NotFound);
        }
        diesel::update(n::notifications.filter(n::id.eq(id)).filter(n::read_at.is_null()))
            .set(n::read_at.eq(now))
            .execute(conn)?;
        Ok(())
    })
}

/// Marks every unread notice of the user read; returns how many.
pub fn mark_all_read(conn: &mut DbConn, user_id: &str, now: NaiveDateTime) -> Result<usize, NotifyError> {
    write_tx(conn, |conn| {
        Ok(diesel::update(n::notifications.filter(n::user_id.eq(user_id)).filter(n::read_at.is_null()))
            .set(n::read_at.eq(now))
            .execute(conn)?)
    })
}

/// Sets one channel preference; returns every channel as the user now has it.
pub fn set_preference(
    conn: &mut DbConn,
    user_id: &str,
    choice: &Choice,
) -> Result<Vec<ChannelPreference>, NotifyError> {
    let (channel, enabled, digest) = (choice.channel.as_str(), choice.enabled, choice.digest.as_str());
    write_tx(conn, |conn| -> Result<(), NotifyError> {
        let inserted = insert_unique(conn, |conn| {
            diesel::insert_into(p::notification_preferences)
                .values((p::user_id.eq(user_id), p::channel.eq(channel), p::enabled.eq(enabled), p::digest.eq(digest)))
                .execute(conn)
        })?;
        if inserted == Inserted::Duplicate {
            diesel::update(p::notification_preferences.filter(p::user_id.eq(user_id)).filter(p::channel.eq(channel)))
                .set((p::enabled.eq(enabled), p::digest.eq(digest)))
                .execute(conn)?;
        }
        Ok(())
    })?;
    queries::preferences(conn, user_id)
}

/// Records the grants the user gave in the mini-program, one more message of each template
/// (`template_ids` as `domain::notify::subscriptions::parse_template_ids` checks them); returns
/// the user's subscriptions now.
pub fn add_grants(
    conn: &mut DbConn,
    user_id: &str,
    template_ids: &[String],
    now: NaiveDateTime,
) -> Result<Subscriptions, NotifyError> {
    write_tx(conn, |conn| -> Result<(), NotifyError> {
        for template in template_ids {
            let inserted = insert_unique(conn, |conn| {
                diesel::insert_into(g::subscription_grants)
                    .values((
                        g::user_id.eq(user_id),
                        g::template_id.eq(template),
                        g::remaining.eq(1),
                        g::updated_at.eq(now),
                        g::granted_at.eq(now),
                    ))
                    .execute(conn)
            })?;
            if inserted == Inserted::Duplicate {
                diesel::update(
                    g::subscription_grants.filter(g::user_id.eq(user_id)).filter(g::template_id.eq(template)),
                )
                .set((g::remaining.eq(g::remaining + 1), g::updated_at.eq(now), g::granted_at.eq(now)))
                .execute(conn)?;
            }
        }
        Ok(())
    })?;
    queries::subscriptions(conn, user_id)
}

/// Puts a dead delivery back in the queue, due now, with fresh attempts, and records who did;
/// not found when no dead delivery has the id.
pub fn retry_dead(conn: &mut DbConn, actor: &Actor, id: &DeliveryId, now: NaiveDateTime) -> Result<(), NotifyError> {
    write_tx(conn, |conn| {
        let changed = diesel::update(o::outbox.filter(o::id.eq(id.as_str())).filter(o::status.eq("dead")))
            .set((
                o::status.eq("pending"),
                o::attempts.eq(0),
                o::next_attempt_at.eq(now),
                o::last_error.eq(None::<String>),
            ))
            .execute(conn)?;
        if changed != 1 {
            return Err(NotifyError::NotFound);
        }
        audit::append(conn, &actor.audit("outbox_retried", "outbox", id.as_str(), serde_json::json!({})), now)?;
        Ok(())
    })
}

/// Records an announcement to every resident of `unit`'s subtree, by staff who may broadcast
/// there, with its audit entry; the fan-out job queues the notices. Runs inside the caller's
/// write transaction: the one that also stores the request's idempotency record.
pub fn post_announcement(
    conn: &mut DbConn,
    actor: &Actor,
    unit: &OrgUnitId,
    draft: &Draft,
    now: NaiveDateTime,
) -> Result<Announcement, NotifyError> {
    let unit = crate::identity::queries::org::find_unit(conn, unit.as_str())?.ok_or(NotifyError::NotFound)?;
    may_post(&actor.principal, &unit.place())?;
    let id = AnnouncementId::generate();
    diesel::insert_into(a::announcements)
        .values((
            a::id.eq(id.as_str()),
            a::org_unit_id.eq(&unit.id),
            a::title.eq(&draft.title),
            a::body.eq(&draft.body),
            a::author_id.eq(&actor.principal.user_id),
            a::created_at.eq(now),
        ))
        .execute(conn)?;
    let details = serde_json::json!({ "org_unit_id": unit.id });
    audit::append(conn, &actor.audit("announcement_created", "announcement", id.as_str(), details), now)?;
    let row = queries::find_announcement(conn, id.as_str())?
        .ok_or_else(|| NotifyError::Corrupt("announcement vanished".to_owned()))?;
    Ok(row.into())
}

/// Deletes finished outbox rows and read notices older than the given times.
pub fn purge(
    conn: &mut DbConn,
    delivered_before: NaiveDateTime,
    read_before: NaiveDateTime,
) -> Result<usize, DieselError> {
    write_tx(conn, |conn| {
        // Every finished delivery (delivered, skipped, no_grant, refused) carries its end time.
        let finished = o::outbox
            .filter(o::status.ne("pending"))
            .filter(o::status.ne("dead"))
            .filter(o::delivered_at.lt(delivered_before));
        let rows = diesel::delete(finished).execute(conn)?;
        let read = n::notifications.filter(n::read_at.is_not_null()).filter(n::read_at.lt(read_before));
        let notices = diesel::delete(read).execute(conn)?;
        Ok(rows + notices)
    })
}
