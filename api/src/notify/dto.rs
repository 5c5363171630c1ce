//! Requests and answers of the notify feature, with their OpenAPI schemas.

use domain::notify::preferences::{ChannelPreference, CHANNEL_NAMES, DIGEST_NAMES};
use infra::notify::queries;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::support::rfc3339;

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    #[schema(example = "residency_approved")]
    pub kind: String,
    pub title: String,
    pub body: String,
    pub data: serde_json::Value,
    pub read: bool,
    pub created_at: String,
}

impl From<queries::Notification> for NotificationView {
    fn from(n: queries::Notification) -> Self {
        Self {
            id: n.id.into_string(),
            kind: n.kind,
            title: n.title,
            body: n.body,
            data: n.data,
            read: n.read,
            created_at: rfc3339(n.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct InboxQuery {
    /// Only unread notices.
    pub unread: Option<bool>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxCount {
    #[schema(example = "pending")]
    pub status: String,
    #[schema(example = "inbox")]
    pub channel: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxStats {
    pub items: Vec<OutboxCount>,
}

impl From<Vec<queries::OutboxCount>> for OutboxStats {
    fn from(counts: Vec<queries::OutboxCount>) -> Self {
        let items =
            counts.into_iter().map(|c| OutboxCount { status: c.status, channel: c.channel, count: c.count }).collect();
        Self { items }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetter {
    pub id: String,
    pub kind: String,
    pub recipient_id: String,
    pub channel: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: String,
}

impl From<queries::DeadLetter> for DeadLetter {
    fn from(d: queries::DeadLetter) -> Self {
        Self {
            id: d.id.into_string(),
            kind: d.kind,
            recipient_id: d.recipient_id.into_string(),
            channel: d.channel,
            attempts: d.attempts,
            last_error: d.last_error,
            created_at: rfc3339(d.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterPage {
    pub items: Vec<DeadLetter>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeadQuery {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SubscriptionGrant {
    /// The templates the user accepted in `wx.requestSubscribeMessage` (one message each).
    #[schema(schema_with = template_ids)]
    pub template_ids: Vec<String>,
}

/// 1 to 20 template ids, each non-blank and at most 128 bytes.
fn template_ids() -> utoipa::openapi::schema::Array {
    let id = utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .pattern(Some(r"^[\x21-\x7e]{1,128}$"))
        .build();
    crate::contract::array_of(id, 1, 20)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantCount {
    pub template_id: String,
    pub remaining: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Subscriptions {
    pub grants: Vec<GrantCount>,
    /// WeChat notices that found no grant since the last one was given: the mini-program can
    /// show this to ask for a new grant. (They are in the inbox all the same.)
    pub pending_without_grant: i64,
}

impl From<queries::Subscriptions> for Subscriptions {
    fn from(s: queries::Subscriptions) -> Self {
        let grants =
            s.grants.into_iter().map(|g| GrantCount { template_id: g.template_id, remaining: g.remaining }).collect();
        Self { grants, pending_without_grant: s.pending_without_grant }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Preference {
    /// `inbox` (always on), `wechat` or `mail`.
    #[schema(schema_with = channel_schema)]
    pub channel: String,
    pub enabled: bool,
    /// For mail: `immediate`, `daily` or `weekly`.
    #[schema(schema_with = digest_schema)]
    pub digest: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Preferences {
    pub items: Vec<Preference>,
}

impl From<Vec<ChannelPreference>> for Preferences {
    fn from(all: Vec<ChannelPreference>) -> Self {
        let items = all
            .into_iter()
            .map(|p| Preference {
                channel: p.channel.as_str().to_owned(),
                enabled: p.enabled,
                digest: Some(p.digest.as_str().to_owned()),
            })
            .collect();
        Self { items }
    }
}

fn channel_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(CHANNEL_NAMES))
        .build()
}

fn digest_schema() -> utoipa::openapi::Object {
    let mut values: Vec<serde_json::Value> = DIGEST_NAMES.map(serde_json::Value::from).to_vec();
    values.push(serde_json::Value::Null);
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(
            [utoipa::openapi::Type::String, utoipa::openapi::Type::Null]
                .into_iter()
                .collect::<utoipa::openapi::schema::SchemaType>(),
        )
        .enum_values(Some(values))
        .build()
}

// openapi.yaml describes this schema with the line below, a stray doc comment of the old route
// file; kept so the document stays identical (it should say "An announcement and its fan-out").
/// Who may broadcast to a unit's residents.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnnouncementView {
    pub id: String,
    pub org_unit_id: String,
    pub title: String,
    pub body: String,
    pub author_id: String,
    pub created_at: String,
    /// Residents queued so far.
    pub fanned_out: i32,
    /// Whether every resident of the scope has been queued.
    pub fanout_done: bool,
}

impl From<queries::Announcement> for AnnouncementView {
    fn from(a: queries::Announcement) -> Self {
        Self {
            id: a.id.into_string(),
            org_unit_id: a.org_unit_id.into_string(),
            title: a.title,
            body: a.body,
            author_id: a.author_id.into_string(),
            created_at: rfc3339(a.created_at),
            fanned_out: a.fanned_out,
            fanout_done: a.fanout_done,
        }
    }
}

// The unit id stays text: one that is no UUID names no unit (404, as always), rather than failing
// the body's validation (422). The handler makes it an `OrgUnitId`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NewAnnouncement {
    pub org_unit_id: String,
    #[schema(example = "停水通知", min_length = 1, max_length = 64)]
    pub title: String,
    #[schema(example = "因管网检修，11月25日8:00至18:00全村停水，请提前储水。", min_length = 1, max_length = 2000)]
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnnouncementPage {
    pub items: Vec<AnnouncementView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AnnouncementQuery {
    pub org_unit_id: String,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
