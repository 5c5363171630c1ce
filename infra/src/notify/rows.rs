//! The notify feature's diesel rows: the outbox, the inbox, announcements, and the recipients of
//! a fan-out.

use chrono::NaiveDateTime;
use diesel::prelude::*;

/// One delivery of a notice on one channel.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = crate::schema::outbox)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub recipient_id: String,
    pub channel: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

/// A delivery to queue.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crate::schema::outbox)]
pub struct NewDelivery<'a> {
    pub id: String,
    pub kind: &'a str,
    pub recipient_id: &'a str,
    pub channel: &'a str,
    pub payload: &'a str,
    pub status: &'a str,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub grant_taken: bool,
}

/// A notice to put in someone's inbox, keyed by the delivery that brings it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crate::schema::notifications)]
pub struct NewNotification<'a> {
    pub id: String,
    pub user_id: &'a str,
    pub kind: &'a str,
    pub title: String,
    pub body: String,
    pub data: &'a str,
    pub delivery_key: &'a str,
    pub created_at: NaiveDateTime,
}

/// A notice in someone's inbox.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::notifications)]
pub struct NotificationRow {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub data: String,
    pub read_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::announcements)]
pub struct AnnouncementRow {
    pub id: String,
    pub org_unit_id: String,
    pub title: String,
    pub body: String,
    pub author_id: String,
    pub created_at: NaiveDateTime,
    pub fanned_out: i32,
    pub fanout_done: bool,
}

/// A stored channel preference.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::notification_preferences)]
pub struct PreferenceRow {
    pub channel: String,
    pub enabled: bool,
    pub digest: String,
}

/// One of many recipients of a notice, and whether WeChat and mail can reach them besides the
/// inbox (the dispatcher honours their preferences and digest).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Recipient {
    pub user_id: String,
    pub on_wechat: bool,
    pub has_email: bool,
}
