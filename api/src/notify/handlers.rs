//! The notify feature over HTTP: the inbox, preferences, WeChat subscriptions, the outbox for
//! administrators, and announcements (通知公告) — staff broadcast to every resident of a
//! building, village or township; the request only records the announcement, and a job fans it
//! out in batches.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use domain::identity::ids::OrgUnitId;
use domain::identity::principal::Principal;
use domain::notify::access::may_manage_outbox;
use domain::notify::announcements::Draft;
use domain::notify::ids::{AnnouncementId, DeliveryId, NotificationId};
use domain::notify::preferences::Choice;
use domain::notify::subscriptions::parse_template_ids;
use domain::paging::PageLimit;
use infra::notify::service::Actor;
use infra::notify::{queries, service};

use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::http::support::{Done, RequestMeta};
use crate::notify::dto::*;
use crate::state::AppState;

/// The principal and where the request came from, for the audit entry of a write.
fn actor(principal: Principal, meta: RequestMeta) -> Actor {
    Actor { principal, ip: meta.ip, request_id: meta.request_id }
}

/// A unit id that is no UUID names no unit.
fn unit_id(text: &str) -> Result<OrgUnitId, ApiError> {
    OrgUnitId::parse(text).ok_or_else(|| ApiError::new(ErrorCode::NotFound))
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
    let (user, unread) = (auth.0.user_id, unread.unwrap_or(false));
    let found = state.db.run(move |conn| queries::inbox(conn, &user, unread, before.as_deref(), limit.probe())).await?;
    let views = found.into_iter().map(NotificationView::from).collect();
    let page = Page::from_probe(views, limit, &state.cursors, "notifications", |v: &NotificationView| v.id.clone())?;
    Ok(HttpResponse::Ok().json(NotificationPage { items: page.items, next_cursor: page.next_cursor }))
}

#[utoipa::path(tag = "notifications", responses((status = 200, body = UnreadCount)))]
#[get("/me/notifications/unread-count")]
pub async fn unread_count(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let user = auth.0.user_id;
    let unread = state.db.run(move |conn| queries::unread_count(conn, &user)).await?;
    Ok(HttpResponse::Ok().json(UnreadCount { unread }))
}

/// Marks one of one's notices read.
#[utoipa::path(tag = "notifications", params(("id" = String, Path)), responses((status = 200, body = Done)))]
#[post("/me/notifications/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<NotificationId>,
) -> Result<HttpResponse, ApiError> {
    let (user, id) = (auth.0.user_id, id.into_inner());
    let now = state.clock.now().naive_utc();
    state.db.run(move |conn| service::mark_read(conn, &user, &id, now)).await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}

#[utoipa::path(tag = "notifications", responses((status = 200, body = Done)))]
#[post("/me/notifications/read-all")]
pub async fn mark_all_read(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let user = auth.0.user_id;
    let now = state.clock.now().naive_utc();
    state.db.run(move |conn| service::mark_all_read(conn, &user, now)).await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}

/// Deliveries by status and channel (`admin`).
#[utoipa::path(tag = "notifications", responses((status = 200, body = OutboxStats)))]
#[get("/outbox/stats")]
pub async fn outbox_stats(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    may_manage_outbox(&auth.0)?;
    let counts = state.db.run(queries::outbox_stats).await?;
    Ok(HttpResponse::Ok().json(OutboxStats::from(counts)))
}

/// Deliveries that failed every attempt (`admin`).
#[utoipa::path(tag = "notifications", params(DeadQuery), responses((status = 200, body = DeadLetterPage)))]
#[get("/outbox/dead")]
pub async fn dead_letters(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<DeadQuery>,
) -> Result<HttpResponse, ApiError> {
    may_manage_outbox(&auth.0)?;
    let DeadQuery { limit, cursor } = query.into_inner();
    let limit = PageLimit::parse(limit)?;
    let before: Option<String> = cursor.map(|c| state.cursors.decode("outbox-dead", &c)).transpose()?;
    let found = state.db.run(move |conn| queries::dead_letters(conn, before.as_deref(), limit.probe())).await?;
    let views = found.into_iter().map(DeadLetter::from).collect();
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
    id: web::Path<DeliveryId>,
) -> Result<HttpResponse, ApiError> {
    may_manage_outbox(&auth.0)?;
    let (actor, id) = (actor(auth.0, meta), id.into_inner());
    let now = state.clock.now().naive_utc();
    state.db.run(move |conn| service::retry_dead(conn, &actor, &id, now)).await?;
    Ok(HttpResponse::Ok().json(Done { ok: true }))
}

/// One's subscribe-message grants, and the notices that had none.
#[utoipa::path(tag = "notifications", responses((status = 200, body = Subscriptions)))]
#[get("/me/subscriptions")]
pub async fn get_subscriptions(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let user = auth.0.user_id;
    let found = state.db.run(move |conn| queries::subscriptions(conn, &user)).await?;
    Ok(HttpResponse::Ok().json(Subscriptions::from(found)))
}

/// Records the templates the user just accepted in the mini-program.
#[utoipa::path(tag = "notifications", request_body = SubscriptionGrant, responses((status = 200, body = Subscriptions)))]
#[post("/me/subscriptions")]
pub async fn add_subscriptions(
    state: web::Data<AppState>,
    auth: Auth,
    body: Json<SubscriptionGrant>,
) -> Result<HttpResponse, ApiError> {
    let templates = parse_template_ids(body.into_inner().template_ids)?;
    let user = auth.0.user_id;
    let now = state.clock.now().naive_utc();
    let now_held = state.db.run(move |conn| service::add_grants(conn, &user, &templates, now)).await?;
    Ok(HttpResponse::Ok().json(Subscriptions::from(now_held)))
}

/// How one wants to be told, per channel.
#[utoipa::path(tag = "notifications", responses((status = 200, body = Preferences)))]
#[get("/me/notification-preferences")]
pub async fn get_preferences(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let user = auth.0.user_id;
    let found = state.db.run(move |conn| queries::preferences(conn, &user)).await?;
    Ok(HttpResponse::Ok().json(Preferences::from(found)))
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
    let choice = Choice::parse(&channel, enabled, digest.as_deref())?;
    let user = auth.0.user_id;
    let now_set = state.db.run(move |conn| service::set_preference(conn, &user, &choice)).await?;
    Ok(HttpResponse::Ok().json(Preferences::from(now_set)))
}

/// Broadcasts to every resident of a unit's subtree (`village_cadre` and above over it). Send an
/// `Idempotency-Key`: a retry returns the first answer.
#[utoipa::path(
    tag = "notifications",
    request_body = NewAnnouncement,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _ (a UUID fits)")),
    responses((status = 201, body = AnnouncementView), (status = 422, body = ErrorBody))
)]
#[post("/announcements")]
pub async fn create_announcement(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let new: NewAnnouncement = crate::http::json::parse_bytes(&req, &body)?;
    let unit = unit_id(&new.org_unit_id)?;
    let draft = Draft::parse(&new.title, &new.body)?;
    let key = idempotency::key_from(&req, &auth.0.user_id, &body)?;
    let actor = actor(auth.0, meta);
    let now = state.clock.now().naive_utc();
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(AnnouncementView::from(service::post_announcement(conn, &actor, &unit, &draft, now)?))
    })
    .await
}

/// Announcements made in a unit's subtree, newest first (staff over the unit).
#[utoipa::path(tag = "notifications", params(AnnouncementQuery), responses((status = 200, body = AnnouncementPage)))]
#[get("/announcements")]
pub async fn list_announcements(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<AnnouncementQuery>,
) -> Result<HttpResponse, ApiError> {
    let AnnouncementQuery { org_unit_id, limit, cursor } = query.into_inner();
    let unit = unit_id(&org_unit_id)?;
    let limit = PageLimit::parse(limit)?;
    let before: Option<String> = cursor.map(|c| state.cursors.decode("announcements", &c)).transpose()?;
    let principal = auth.0;
    let found = state
        .db
        .run(move |conn| queries::announcements(conn, &principal, &unit, before.as_deref(), limit.probe()))
        .await?;
    let views = found.into_iter().map(AnnouncementView::from).collect();
    let page = Page::from_probe(views, limit, &state.cursors, "announcements", |v: &AnnouncementView| v.id.clone())?;
    Ok(HttpResponse::Ok().json(AnnouncementPage { items: page.items, next_cursor: page.next_cursor }))
}

/// One announcement with its fan-out progress.
#[utoipa::path(tag = "notifications", params(("id" = String, Path)), responses((status = 200, body = AnnouncementView)))]
#[get("/announcements/{id}")]
pub async fn get_announcement(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<AnnouncementId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let found = state.db.run(move |conn| queries::announcement(conn, &principal, &id)).await?;
    Ok(HttpResponse::Ok().json(AnnouncementView::from(found)))
}
