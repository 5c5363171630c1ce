//! Points entries over HTTP: recorded by staff or claimed by a resident, reviewed, posted
//! publicly (公示) to the village, objected to and answered; settling is a job.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::identity::ids::OrgUnitId;
use domain::paging::PageLimit;
use domain::points::{EntryId, ObjectionId, PostingId};
use infra::points::entries::{self, EntryView, Filter};
use infra::points::postings;
use infra::points::rows::PostingRow;
use utoipa_actix_web::service_config::ServiceConfig;

use super::entries_dto::{
    PointsAnswerBody, PointsClaimBody, PointsEntryBody, PointsEntryPage, PointsEntryQuery, PointsEntryView,
    PointsObjectionBody, PointsObjectionView, PointsPageQuery, PointsPostingBody, PointsPostingPage,
    PointsPostingSummary, PointsPostingView, PointsReviewBody,
};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::{parse_bytes, Json};
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(record_entry)
        .service(claim_points)
        .service(list_entries)
        .service(get_entry)
        .service(my_entries)
        .service(review_entry)
        .service(open_posting)
        .service(list_postings)
        .service(get_posting)
        .service(object_to_entry)
        .service(answer_objection);
}

fn now(state: &AppState) -> chrono::NaiveDateTime {
    state.clock.now().naive_utc()
}

fn cursor(state: &AppState, list: &str, cursor: Option<&String>) -> Result<Option<String>, ApiError> {
    cursor.map(|c| state.cursors.decode::<String>(list, c)).transpose()
}

fn entry_page(state: &AppState, list: &str, rows: Vec<EntryView>, limit: PageLimit) -> Result<HttpResponse, ApiError> {
    let page = Page::from_probe(rows, limit, &state.cursors, list, |v: &EntryView| v.row.id.clone())?;
    let items = page.items.into_iter().map(PointsEntryView::from).collect();
    Ok(HttpResponse::Ok().json(PointsEntryPage { items, next_cursor: page.next_cursor }))
}

/// Records an entry for a person (`RecordPoints` over their village, and a role the rule names
/// as recorder; county administrators always may). The person must be a resident of the village
/// (staff of it for cadre rules); an automatic rule is refused (422 `rule_code`), a cap reached
/// too (422 `points`, with what is left). → recorded, waiting for review.
#[utoipa::path(
    tag = "points",
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe")),
    request_body = PointsEntryBody,
    responses(
        (status = 201, body = PointsEntryView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "No rules in force in the village", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/points/entries")]
pub async fn record_entry(
    state: web::Data<AppState>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (principal, now) = (auth.0, now(&state));
    let new = parse_bytes::<PointsEntryBody>(&req, &body)?.parse()?;
    let key = idempotency::key_from(&req, &principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(PointsEntryView::from(entries::record_in_tx(conn, &principal, &new, now)?))
    })
    .await
}

/// A resident claims a claimable rule of their village, with a note and up to 9 photos. →
/// claimed, waiting for review.
#[utoipa::path(
    tag = "points",
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe")),
    request_body = PointsClaimBody,
    responses(
        (status = 201, body = PointsEntryView),
        (status = 403, description = "Not a resident of a village", body = ErrorBody),
        (status = 409, description = "No rules in force in the village", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/points/claims")]
pub async fn claim_points(
    state: web::Data<AppState>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (principal, now) = (auth.0, now(&state));
    let new = parse_bytes::<PointsClaimBody>(&req, &body)?.parse()?;
    let key = idempotency::key_from(&req, &principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(PointsEntryView::from(entries::claim_in_tx(conn, &principal, &new, now)?))
    })
    .await
}

/// A unit's entries, newest first, by status (`RecordPoints` or `ReviewPoints` over the unit).
#[utoipa::path(
    tag = "points",
    params(PointsEntryQuery),
    responses((status = 200, body = PointsEntryPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/points/entries")]
pub async fn list_entries(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<PointsEntryQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, (unit_id, status), limit) = (auth.0, query.parse()?, PageLimit::parse(query.limit)?);
    let before = cursor(&state, "points_entries", query.cursor.as_ref())?;
    let filter = Filter { unit_id, status, before, limit: limit.probe() };
    let rows = state.db.run(move |conn| entries::list(conn, &principal, &filter)).await?;
    entry_page(&state, "points_entries", rows, limit)
}

/// One entry: the person's own, or one of a village the caller is staff over.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses((status = 200, body = PointsEntryView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/points/entries/{id}")]
pub async fn get_entry(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<EntryId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let view = state.db.run(move |conn| entries::get(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(PointsEntryView::from(view)))
}

/// The caller's own entries, newest first, whatever their status.
#[utoipa::path(tag = "points", params(PointsPageQuery), responses((status = 200, body = PointsEntryPage), (status = 422, body = ErrorBody)))]
#[get("/me/points/entries")]
pub async fn my_entries(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<PointsPageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, limit) = (auth.0, PageLimit::parse(query.limit)?);
    let before = cursor(&state, "my_points_entries", query.cursor.as_ref())?;
    let rows = state.db.run(move |conn| entries::mine(conn, &principal, before, limit.probe())).await?;
    entry_page(&state, "my_points_entries", rows, limit)
}

/// Reviews a recorded or claimed entry (`ReviewPoints` over its village; never one's own):
/// approve, or reject with a reason. The person is told.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    request_body = PointsReviewBody,
    responses(
        (status = 200, body = PointsEntryView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Reviewed already", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/points/entries/{id}/review")]
pub async fn review_entry(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<EntryId>,
    body: Json<PointsReviewBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now(&state));
    let decision = body.into_inner().parse()?;
    let view = state.db.run(move |conn| entries::review(conn, &principal, id.as_str(), &decision, now)).await?;
    Ok(HttpResponse::Ok().json(PointsEntryView::from(view)))
}

/// Posts all the village's approved entries not yet posted (`ReviewPoints` over a village) for
/// `days` (1 to 30, 7 by default); each person is told. None waiting → 422 `entries`.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe")),
    request_body = PointsPostingBody,
    responses(
        (status = 201, body = PointsPostingView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/org-units/{id}/points/postings")]
pub async fn open_posting(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, now) = (auth.0, id.into_inner(), now(&state));
    let (title, days) = parse_bytes::<PointsPostingBody>(&req, &body)?.parse()?;
    let key = idempotency::key_from(&req, &principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        let posting = postings::open_in_tx(conn, &principal, unit.as_str(), &title, days, now)?;
        Ok(PointsPostingView::from(postings::Seen { posting, staff: true }))
    })
    .await
}

/// A village's postings of entries, newest first (its residents and the staff over it).
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path), PointsPageQuery),
    responses((status = 200, body = PointsPostingPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/points/postings")]
pub async fn list_postings(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<PointsPageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, limit) = (auth.0, id.into_inner(), PageLimit::parse(query.limit)?);
    let before = cursor(&state, "points_postings", query.cursor.as_ref())?;
    let rows = state.db.run(move |conn| postings::list(conn, &principal, unit.as_str(), before, limit.probe())).await?;
    let page = Page::from_probe(rows, limit, &state.cursors, "points_postings", |r: &PostingRow| r.id.clone())?;
    let items = page.items.iter().map(PointsPostingSummary::from).collect();
    Ok(HttpResponse::Ok().json(PointsPostingPage { items, next_cursor: page.next_cursor }))
}

/// One posting with its entries (person's name, rule, points, day; no phone) and the objections
/// to each (who objected, and why, only to staff). For the village's residents and staff.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    responses((status = 200, body = PointsPostingView), (status = 404, body = ErrorBody))
)]
#[get("/points/postings/{id}")]
pub async fn get_posting(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<PostingId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let seen = state.db.run(move |conn| postings::get(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(PointsPostingView::from(seen)))
}

/// A resident of the village objects to an entry while the posting runs (409 after), once per
/// entry (409 `already_done`). The person concerned is told.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    request_body = PointsObjectionBody,
    responses(
        (status = 201, body = PointsObjectionView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The posting's days are over, or objected already", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/points/postings/{id}/objections")]
pub async fn object_to_entry(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<PostingId>,
    body: Json<PointsObjectionBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now(&state));
    let (entry, reason) = body.into_inner().parse()?;
    let row = state.db.run(move |conn| postings::object(conn, &principal, id.as_str(), &entry, &reason, now)).await?;
    Ok(HttpResponse::Created().json(PointsObjectionView::new(row, true)))
}

/// Answers a pending objection (`ReviewPoints` over the village): `uphold` strikes the entry (it
/// never counts), `dismiss` leaves it. The objector is told, and the person when struck.
#[utoipa::path(
    tag = "points",
    params(("id" = String, Path)),
    request_body = PointsAnswerBody,
    responses(
        (status = 200, body = PointsObjectionView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Answered already", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/points/objections/{id}/answer")]
pub async fn answer_objection(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<ObjectionId>,
    body: Json<PointsAnswerBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now(&state));
    let (ruling, answer) = body.into_inner().parse()?;
    let row = state.db.run(move |conn| postings::answer(conn, &principal, id.as_str(), ruling, &answer, now)).await?;
    Ok(HttpResponse::Ok().json(PointsObjectionView::new(row, true)))
}
