//! The notify feature's reads: the inbox, preferences, WeChat grants, the outbox as
//! administrators see it, and announcements.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::identity::ids::{OrgUnitId, UserId};
use domain::identity::principal::Principal;
use domain::identity::roles::Place;
use domain::notify::announcements::{may_list, may_read};
use domain::notify::ids::{AnnouncementId, DeliveryId, NotificationId};
use domain::notify::preferences::{self, Channel, ChannelPreference, Digest, Stored};

use crate::db::DbConn;
use crate::notify::error::NotifyError;
use crate::notify::rows::{AnnouncementRow, NotificationRow, OutboxRow, PreferenceRow, Recipient};
use crate::schema::announcements::dsl as a;
use crate::schema::notification_preferences::dsl as p;
use crate::schema::notifications::dsl as n;
use crate::schema::outbox::dsl as o;
use crate::schema::subscription_grants::dsl as g;

/// A notice in the inbox.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: NotificationId,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The notice's data (null when what is stored is no JSON).
    pub data: serde_json::Value,
    pub read: bool,
    pub created_at: NaiveDateTime,
}

impl From<NotificationRow> for Notification {
    fn from(r: NotificationRow) -> Self {
        Self {
            data: serde_json::from_str(&r.data).unwrap_or(serde_json::Value::Null),
            id: NotificationId::from_stored(r.id),
            kind: r.kind,
            title: r.title,
            body: r.body,
            read: r.read_at.is_some(),
            created_at: r.created_at,
        }
    }
}

/// A user's notices, newest first, before the cursor id.
pub fn inbox(
    conn: &mut DbConn,
    user_id: &str,
    unread_only: bool,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Notification>, NotifyError> {
    let mut query = n::notifications
        .filter(n::user_id.eq(user_id.to_owned()))
        .select(NotificationRow::as_select())
        .order(n::id.desc())
        .limit(limit)
        .into_boxed();
    if unread_only {
        query = query.filter(n::read_at.is_null());
    }
    if let Some(before) = before {
        query = query.filter(n::id.lt(before.to_owned()));
    }
    Ok(query.load(conn)?.into_iter().map(Notification::from).collect())
}

pub fn unread_count(conn: &mut DbConn, user_id: &str) -> Result<i64, NotifyError> {
    Ok(n::notifications.filter(n::user_id.eq(user_id)).filter(n::read_at.is_null()).count().get_result(conn)?)
}

fn stored(row: PreferenceRow) -> Result<Stored, NotifyError> {
    let corrupt = |what: &str| NotifyError::Corrupt(format!("{what} of a notification preference"));
    Ok(Stored {
        channel: Channel::parse(&row.channel).ok_or_else(|| corrupt("channel"))?,
        enabled: row.enabled,
        digest: Digest::parse(&row.digest).ok_or_else(|| corrupt("digest"))?,
    })
}

/// Every channel as the user has it: what they chose, else the defaults.
pub fn preferences(conn: &mut DbConn, user_id: &str) -> Result<Vec<ChannelPreference>, NotifyError> {
    let rows: Vec<PreferenceRow> =
        p::notification_preferences.filter(p::user_id.eq(user_id)).select(PreferenceRow::as_select()).load(conn)?;
    let stored = rows.into_iter().map(stored).collect::<Result<Vec<_>, _>>()?;
    Ok(preferences::effective(&stored))
}

/// Whether a user left `channel` on (the default).
pub(crate) fn channel_enabled(conn: &mut DbConn, user_id: &str, channel: Channel) -> Result<bool, DieselError> {
    let stored: Option<bool> = p::notification_preferences
        .filter(p::user_id.eq(user_id))
        .filter(p::channel.eq(channel.as_str()))
        .select(p::enabled)
        .first(conn)
        .optional()?;
    Ok(preferences::is_on(channel, stored))
}

/// What is stored for one of a user's channels: whether it is on, and the digest.
pub(crate) fn stored_preference(
    conn: &mut DbConn,
    user_id: &str,
    channel: Channel,
) -> Result<Option<(bool, Digest)>, NotifyError> {
    let row: Option<PreferenceRow> = p::notification_preferences
        .filter(p::user_id.eq(user_id))
        .filter(p::channel.eq(channel.as_str()))
        .select(PreferenceRow::as_select())
        .first(conn)
        .optional()?;
    row.map(stored).transpose().map(|s| s.map(|s| (s.enabled, s.digest)))
}

/// Templates a user may still be sent one message of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantCount {
    pub template_id: String,
    pub remaining: i32,
}

/// A user's subscribe-message grants, and the WeChat notices that found none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriptions {
    pub grants: Vec<GrantCount>,
    pub pending_without_grant: i64,
}

pub fn subscriptions(conn: &mut DbConn, user_id: &str) -> Result<Subscriptions, NotifyError> {
    let grants: Vec<(String, i32)> = g::subscription_grants
        .filter(g::user_id.eq(user_id))
        .select((g::template_id, g::remaining))
        .order(g::template_id.asc())
        .load(conn)?;
    let grants = grants.into_iter().map(|(template_id, remaining)| GrantCount { template_id, remaining }).collect();
    Ok(Subscriptions { grants, pending_without_grant: pending_without_grant(conn, user_id)? })
}

/// WeChat notices that found no grant since the user last gave one: what the front end may ask
/// a new grant for. Each counts from the moment it found none (its end time), however long
/// before it was queued — a burst queued while grants remained, whose last ones ran dry, counts
/// every notice left without. Using a grant does not reset the count; giving one does.
fn pending_without_grant(conn: &mut DbConn, user_id: &str) -> Result<i64, DieselError> {
    let since: Option<NaiveDateTime> =
        g::subscription_grants.filter(g::user_id.eq(user_id)).select(diesel::dsl::max(g::granted_at)).first(conn)?;
    let mut query =
        o::outbox.filter(o::recipient_id.eq(user_id.to_owned())).filter(o::status.eq("no_grant")).into_boxed();
    if let Some(since) = since {
        query = query.filter(o::delivered_at.ge(since));
    }
    query.count().get_result(conn)
}

/// How many deliveries are in one status on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxCount {
    pub status: String,
    pub channel: String,
    pub count: i64,
}

/// Counts of outbox rows by status and channel.
pub fn outbox_stats(conn: &mut DbConn) -> Result<Vec<OutboxCount>, NotifyError> {
    let rows: Vec<(String, String, i64)> = o::outbox
        .group_by((o::status, o::channel))
        .select((o::status, o::channel, diesel::dsl::count_star()))
        .order((o::status.asc(), o::channel.asc()))
        .load(conn)?;
    Ok(rows.into_iter().map(|(status, channel, count)| OutboxCount { status, channel, count }).collect())
}

/// A delivery that failed every attempt.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub id: DeliveryId,
    pub kind: String,
    pub recipient_id: UserId,
    pub channel: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Dead deliveries, newest first, before the cursor id.
pub fn dead_letters(conn: &mut DbConn, before: Option<&str>, limit: i64) -> Result<Vec<DeadLetter>, NotifyError> {
    let mut query = o::outbox
        .filter(o::status.eq("dead"))
        .select(OutboxRow::as_select())
        .order(o::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(o::id.lt(before.to_owned()));
    }
    let rows: Vec<OutboxRow> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| DeadLetter {
            id: DeliveryId::from_stored(r.id),
            kind: r.kind,
            recipient_id: UserId::from_stored(r.recipient_id),
            channel: r.channel,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: r.created_at,
        })
        .collect())
}

/// An announcement with its fan-out progress.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub id: AnnouncementId,
    pub org_unit_id: OrgUnitId,
    pub title: String,
    pub body: String,
    pub author_id: UserId,
    pub created_at: NaiveDateTime,
    /// Residents queued so far.
    pub fanned_out: i32,
    /// Whether every resident of the scope has been queued.
    pub fanout_done: bool,
}

impl From<AnnouncementRow> for Announcement {
    fn from(r: AnnouncementRow) -> Self {
        Self {
            id: AnnouncementId::from_stored(r.id),
            org_unit_id: OrgUnitId::from_stored(r.org_unit_id),
            title: r.title,
            body: r.body,
            author_id: UserId::from_stored(r.author_id),
            created_at: r.created_at,
            fanned_out: r.fanned_out,
            fanout_done: r.fanout_done,
        }
    }
}

pub(crate) fn find_announcement(conn: &mut DbConn, id: &str) -> Result<Option<AnnouncementRow>, DieselError> {
    a::announcements.filter(a::id.eq(id)).select(AnnouncementRow::as_select()).first(conn).optional()
}

/// One announcement, for its author or staff who may read announcements over its unit.
pub fn announcement(
    conn: &mut DbConn,
    principal: &Principal,
    id: &AnnouncementId,
) -> Result<Announcement, NotifyError> {
    let row = find_announcement(conn, id.as_str())?.ok_or(NotifyError::NotFound)?;
    let path = crate::identity::queries::org::unit_path(conn, &row.org_unit_id)?.ok_or(NotifyError::NotFound)?;
    may_read(principal, &row.author_id, &Place::in_org(path))?;
    Ok(row.into())
}

/// The announcements made in a unit's subtree, newest first, before the cursor id, for staff who
/// may read announcements over the unit.
pub fn announcements(
    conn: &mut DbConn,
    principal: &Principal,
    unit: &OrgUnitId,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Announcement>, NotifyError> {
    let unit = crate::identity::queries::org::find_unit(conn, unit.as_str())?.ok_or(NotifyError::NotFound)?;
    may_list(principal, &unit.place())?;
    let units = crate::identity::queries::residency::units_under(conn, &[unit.path])?;
    let mut query = a::announcements
        .filter(a::org_unit_id.eq_any(units))
        .select(AnnouncementRow::as_select())
        .order(a::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(a::id.lt(before.to_owned()));
    }
    Ok(query.load(conn)?.into_iter().map(Announcement::from).collect())
}

/// Who an announcement reaches, the next batch after `after`: the approved residents of `units`
/// (a subtree) whose account is not deleted, with whether WeChat and mail can reach them.
pub(crate) fn announcement_recipients(
    conn: &mut DbConn,
    units: &[String],
    after: Option<&str>,
    batch: i64,
) -> Result<Vec<Recipient>, DieselError> {
    let found = crate::identity::queries::residency::reachable_residents(conn, units, after, batch)?;
    Ok(found.into_iter().map(|(user_id, on_wechat, has_email)| Recipient { user_id, on_wechat, has_email }).collect())
}
