//! The in-app inbox, and the outbox as administrators see it.

use actix_web::{get, post, put, web, HttpResponse};
use domain::paging::PageLimit;
use infra::notify;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::json::Json;
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::http::support::{check_id, rfc3339, Done, RequestMeta};
use crate::state::AppState;

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

/// One's notices, newest first.
#[utoipa::path(tag = "notifications", params(InboxQuery), responses((status = 200, body = NotificationPage)))]
#[get("/me/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<InboxQuery>,
) -> Result<HttpResponse, ApiError> {
    let InboxQuery { unread, limit, cursor } = query.into_inner();
    let limit = PageLimit::parse(limit)?;
    let before: Option<String> = cursor.map(|c| state.cursors.decode("notifications", &c)).transpose()?;
    let user = auth.0.user_id;
    let rows = state
        .db
        .run(move |conn| {
            notify::inbox(conn, &user, unread.unwrap_or(false), before.as_deref(), limit.probe())
                .map_err(ApiError::from)
        })
        .await?;
    let views = rows
        .into_iter()
        .map(|r| NotificationView {
            data: serde_json::from_str(&r.data).unwrap_or(serde_json::Value::Null),
            id: r.id,
            kind: r.kind,
            title: r.title,
            body: r.body,
            read: r.read_at.is_some(),
            created_at: rfc3339(r.created_at),
        })
        .collect();
    let page = Page::from_probe(views, limit, &state.cursors, "notifications", |v: &NotificationView| v.id.clone())?;
    Ok(HttpResponse::Ok().json(NotificationPage { items: page.items, next_cursor: page.next_cursor }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

#[utoipa::path(tag = "notifications", responses((status = 200, body = UnreadCount)))]
#[get("/me/notifications/unread-count")]
pub async fn unread_count(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let user = auth.0.user_id;
    let unread = state.db.run(move |conn| notify::unread_count(conn, &user).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(UnreadCount { unread }))
}

/// Marks one of one's notices read.
#[utoipa::path(tag = "notifications", params(("id" = String, Path)), responses((status = 200, body = Done)))]
#[post("/me/notifications/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    check_id(&id)?;
    let user = auth.0.user_id;
    let now = state.clock.now().naive_utc();
    let found = state.db.run(move |conn| notify::mark_read(conn, &user, &id, now).map_err(ApiError::from)).await?;
    if !found {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}

#[utoipa::path(tag = "notifications", responses((status = 200, body = Done)))]
#[post("/me/notifications/read-all")]
pub async fn mark_all_read(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let user = auth.0.user_id;
    let now = state.clock.now().naive_utc();
    state.db.run(move |conn| notify::mark_all_read(conn, &user, now).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}

fn require_admin(principal: &domain::identity::principal::Principal) -> Result<(), ApiError> {
    if principal.is_admin() {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden))
    }
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

/// Deliveries by status and channel (`admin`).
#[utoipa::path(tag = "notifications", responses((status = 200, body = OutboxStats)))]
#[get("/outbox/stats")]
pub async fn outbox_stats(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    require_admin(&auth.0)?;
    let rows = state.db.run(|conn| notify::stats(conn).map_err(ApiError::from)).await?;
    let items = rows.into_iter().map(|(status, channel, count)| OutboxCount { status, channel, count }).collect();
    Ok(HttpResponse::Ok().json(OutboxStats { items }))
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

/// Deliveries that failed every attempt (`admin`).
#[utoipa::path(tag = "notifications", params(DeadQuery), responses((status = 200, body = DeadLetterPage)))]
#[get("/outbox/dead")]
pub async fn dead_letters(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<DeadQuery>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&auth.0)?;
    let DeadQuery { limit, cursor } = query.into_inner();
    let limit = PageLimit::parse(limit)?;
    let before: Option<String> = cursor.map(|c| state.cursors.decode("outbox-dead", &c)).transpose()?;
    let rows =
        state.db.run(move |conn| notify::dead(conn, before.as_deref(), limit.probe()).map_err(ApiError::from)).await?;
    let views = rows
        .into_iter()
        .map(|r| DeadLetter {
            id: r.id,
            kind: r.kind,
            recipient_id: r.recipient_id,
            channel: r.channel,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: rfc3339(r.created_at),
        })
        .collect();
    let page = Page::from_probe(views, limit, &state.cursors, "outbox-dead", |v: &DeadLetter| v.id.clone())?;
    Ok(HttpResponse::Ok().json(DeadLetterPage { items: page.items, next_cursor: page.next_cursor }))
}

/// Queues a dead delivery again, due now (`admin`).
#[utoipa::path(tag = "notifications", params(("id" = String, Path)), responses((status = 200, body = Done)))]
#[post("/outbox/{id}/retry")]
pub async fn retry_dead(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    require_admin(&principal)?;
    let id = id.into_inner();
    check_id(&id)?;
    let now = state.clock.now().naive_utc();
    let retried = state
        .db
        .run(move |conn| {
            infra::db::write_tx(conn, |conn| -> Result<bool, ApiError> {
                let retried = notify::retry(conn, &id, now)?;
                if retried {
                    infra::identity::audit::append(
                        conn,
                        &meta.audit(Some(&principal), "outbox_retried", "outbox", &id, serde_json::json!({})),
                        now,
                    )?;
                }
                Ok(retried)
            })
        })
        .await?;
    if !retried {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    Ok(HttpResponse::Ok().json(Done { ok: true }))
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

async fn subscriptions_of(state: &AppState, user: String) -> Result<Subscriptions, ApiError> {
    state
        .db
        .run(move |conn| {
            let grants = notify::grants(conn, &user)?;
            let pending = notify::pending_without_grant(conn, &user)?;
            let grants =
                grants.into_iter().map(|(template_id, remaining, _)| GrantCount { template_id, remaining }).collect();
            Ok(Subscriptions { grants, pending_without_grant: pending })
        })
        .await
}

/// One's subscribe-message grants, and the notices that had none.
#[utoipa::path(tag = "notifications", responses((status = 200, body = Subscriptions)))]
#[get("/me/subscriptions")]
pub async fn get_subscriptions(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(subscriptions_of(&state, auth.0.user_id).await?))
}

/// Records the templates the user just accepted in the mini-program.
#[utoipa::path(tag = "notifications", request_body = SubscriptionGrant, responses((status = 200, body = Subscriptions)))]
#[post("/me/subscriptions")]
pub async fn add_subscriptions(
    state: web::Data<AppState>,
    auth: Auth,
    body: Json<SubscriptionGrant>,
) -> Result<HttpResponse, ApiError> {
    let ids = body.into_inner().template_ids;
    let printable = |t: &String| (1..=128).contains(&t.len()) && t.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ids.is_empty() || ids.len() > 20 || !ids.iter().all(printable) {
        return Err(ApiError::invalid_field("template_ids", "1 to 20 template ids"));
    }
    let user = auth.0.user_id;
    let now = state.clock.now().naive_utc();
    let u = user.clone();
    state
        .db
        .run(move |conn| {
            infra::db::write_tx(conn, |conn| notify::add_grants(conn, &u, &ids, now).map_err(ApiError::from))
        })
        .await?;
    Ok(HttpResponse::Ok().json(subscriptions_of(&state, user).await?))
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

const CHANNELS: [&str; 3] = ["inbox", "wechat", "mail"];
const DIGESTS: [&str; 3] = ["immediate", "daily", "weekly"];

fn channel_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::String).enum_values(Some(CHANNELS)).build()
}

fn digest_schema() -> utoipa::openapi::Object {
    let mut values: Vec<serde_json::Value> = DIGESTS.map(serde_json::Value::from).to_vec();
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

async fn preferences_of(state: &AppState, user: String) -> Result<Preferences, ApiError> {
    let stored = state.db.run(move |conn| notify::preferences(conn, &user).map_err(ApiError::from)).await?;
    let items = CHANNELS
        .iter()
        .map(|channel| {
            let found = stored.iter().find(|(c, _, _)| c == channel);
            Preference {
                channel: (*channel).to_owned(),
                enabled: *channel == "inbox" || found.is_none_or(|(_, enabled, _)| *enabled),
                digest: Some(found.map_or_else(|| "immediate".to_owned(), |(_, _, d)| d.clone())),
            }
        })
        .collect();
    Ok(Preferences { items })
}

/// How one wants to be told, per channel.
#[utoipa::path(tag = "notifications", responses((status = 200, body = Preferences)))]
#[get("/me/notification-preferences")]
pub async fn get_preferences(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(preferences_of(&state, auth.0.user_id).await?))
}

/// Turns a channel on or off (the inbox stays on), and for mail chooses immediate or a digest.
#[utoipa::path(tag = "notifications", request_body = Preference, responses((status = 200, body = Preferences)))]
#[put("/me/notification-preferences")]
pub async fn set_preference(
    state: web::Data<AppState>,
    auth: Auth,
    body: Json<Preference>,
) -> Result<HttpResponse, ApiError> {
    let Preference { channel, enabled, digest } = body.into_inner();
    if !CHANNELS.contains(&channel.as_str()) {
        return Err(ApiError::invalid_field("channel", "inbox, wechat or mail"));
    }
    if channel == "inbox" && !enabled {
        return Err(ApiError::invalid_field("enabled", "the inbox is always on"));
    }
    let digest = digest.unwrap_or_else(|| "immediate".to_owned());
    if !DIGESTS.contains(&digest.as_str()) {
        return Err(ApiError::invalid_field("digest", "immediate, daily or weekly"));
    }
    let user = auth.0.user_id;
    let u = user.clone();
    state
        .db
        .run(move |conn| notify::set_preference(conn, &u, &channel, enabled, &digest).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(preferences_of(&state, user).await?))
}
