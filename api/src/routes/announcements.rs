//! Announcements (通知公告): staff broadcast to every resident of a building, village or
//! township. The request only records the announcement; the dispatcher fans it out in batches.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::identity::roles::{Permission, Place};
use domain::paging::PageLimit;
use infra::announcements as store;
use infra::identity::{audit, org};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::idempotency;
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::http::support::{check_id, rfc3339, RequestMeta};
use crate::state::AppState;

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

impl From<store::AnnouncementRow> for AnnouncementView {
    fn from(r: store::AnnouncementRow) -> Self {
        Self {
            id: r.id,
            org_unit_id: r.org_unit_id,
            title: r.title,
            body: r.body,
            author_id: r.author_id,
            created_at: rfc3339(r.created_at),
            fanned_out: r.fanned_out,
            fanout_done: r.fanout_done,
        }
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NewAnnouncement {
    pub org_unit_id: String,
    #[schema(example = "停水通知", min_length = 1, max_length = 64)]
    pub title: String,
    #[schema(example = "因管网检修，11月25日8:00至18:00全村停水，请提前储水。", min_length = 1, max_length = 2000)]
    pub body: String,
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
    let principal = auth.0;
    let new: NewAnnouncement = crate::http::json::parse_bytes(&req, &body)?;
    check_id(&new.org_unit_id)?;
    let title = domain::identity::org::parse_name(&new.title, "title")?;
    let text = new.body.trim().to_owned();
    if text.is_empty() || text.chars().count() > 2000 {
        return Err(ApiError::invalid_field("body", "1 to 2000 characters"));
    }
    let key = idempotency::key_from(&req, &principal.user_id, &body)?;
    let now = state.clock.now().naive_utc();
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        let unit = org::find_unit(conn, &new.org_unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
        principal.require(&unit.place(), Permission::Broadcast)?;
        let id = domain::new_id();
        store::insert(conn, &id, &unit.id, &title, &text, &principal.user_id, now)?;
        audit::append(
            conn,
            &meta.audit(
                Some(&principal),
                "announcement_created",
                "announcement",
                &id,
                serde_json::json!({ "org_unit_id": unit.id }),
            ),
            now,
        )?;
        store::find(conn, &id)?.map(AnnouncementView::from).ok_or_else(|| ApiError::internal("announcement vanished"))
    })
    .await
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

/// Announcements made in a unit's subtree, newest first (staff over the unit).
#[utoipa::path(tag = "notifications", params(AnnouncementQuery), responses((status = 200, body = AnnouncementPage)))]
#[get("/announcements")]
pub async fn list_announcements(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<AnnouncementQuery>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let AnnouncementQuery { org_unit_id, limit, cursor } = query.into_inner();
    check_id(&org_unit_id)?;
    let limit = PageLimit::parse(limit)?;
    let before: Option<String> = cursor.map(|c| state.cursors.decode("announcements", &c)).transpose()?;
    let rows = state
        .db
        .run(move |conn| {
            let unit = org::find_unit(conn, &org_unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            principal.require(&unit.place(), Permission::ReadAnnouncements)?;
            let units = infra::identity::residency::units_under(conn, &[unit.path])?;
            Ok::<_, ApiError>(store::page_for_units(conn, &units, before.as_deref(), limit.probe())?)
        })
        .await?;
    let views = rows.into_iter().map(AnnouncementView::from).collect();
    let page = Page::from_probe(views, limit, &state.cursors, "announcements", |v: &AnnouncementView| v.id.clone())?;
    Ok(HttpResponse::Ok().json(AnnouncementPage { items: page.items, next_cursor: page.next_cursor }))
}

/// One announcement with its fan-out progress.
#[utoipa::path(tag = "notifications", params(("id" = String, Path)), responses((status = 200, body = AnnouncementView)))]
#[get("/announcements/{id}")]
pub async fn get_announcement(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let row = state
        .db
        .run(move |conn| {
            let row = store::find(conn, &id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            let path = org::unit_path(conn, &row.org_unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            if row.author_id != principal.user_id {
                principal.require(&Place::in_org(path), Permission::ReadAnnouncements)?;
            }
            Ok::<_, ApiError>(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AnnouncementView::from(row)))
}
