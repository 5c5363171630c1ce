//! Notices (阳光村务) over HTTP: posted, edited and withdrawn by staff with `PostNotices`, read
//! by anyone without logging in when public (and through the unit's mini-program code), by the
//! unit's residents when for residents only, objected to by residents and answered by staff.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use domain::cases::MediaId;
use domain::identity::ids::OrgUnitId;
use domain::notices::notices::{NoticeId, NoticeObjectionId};
use domain::paging::PageLimit;
use infra::notices::{board_code, notices};
use utoipa_actix_web::service_config::ServiceConfig;

use super::notices_dto::{
    NoticeAnswerBody, NoticeBody, NoticeObjectionBody, NoticeObjectionView, NoticePage, NoticePageQuery, NoticeView,
    NoticeWithdrawBody,
};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::{parse_bytes, Json};
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(post_notice)
        .service(list_notices)
        .service(get_notice)
        .service(edit_notice)
        .service(withdraw_notice)
        .service(object_to_notice)
        .service(answer_notice_objection)
        .service(public_notices)
        .service(public_notice)
        .service(public_notice_attachment)
        .service(notice_board_code);
}

fn now(state: &AppState) -> chrono::NaiveDateTime {
    state.clock.now().naive_utc()
}

async fn page(
    state: &AppState,
    principal: Option<domain::identity::principal::Principal>,
    unit: OrgUnitId,
    query: &NoticePageQuery,
) -> Result<HttpResponse, ApiError> {
    let (limit, now) = (PageLimit::parse(query.limit)?, now(state));
    let before = query.cursor.as_ref().map(|c| state.cursors.decode::<String>("notices", c)).transpose()?;
    let rows = state
        .db
        .run(move |conn| notices::list(conn, principal.as_ref(), unit.as_str(), before, limit.probe(), now))
        .await?;
    let page = Page::from_probe(rows, limit, &state.cursors, "notices", |v: &notices::NoticeView| v.row.id.clone())?;
    let items = page.items.into_iter().map(NoticeView::from).collect();
    Ok(HttpResponse::Ok().json(NoticePage { items, next_cursor: page.next_cursor }))
}

/// Posts a notice for a unit (a village or above; `PostNotices` over it): kind, title, body,
/// attachments (the caller's own uploads), a posting period that is also the objection window,
/// public or for the unit's residents only.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe")),
    request_body = NoticeBody,
    responses(
        (status = 201, body = NoticeView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/org-units/{id}/notices")]
pub async fn post_notice(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (principal, unit, now) = (auth.0, id.into_inner(), now(&state));
    let draft = parse_bytes::<NoticeBody>(&req, &body)?.parse()?;
    let key = idempotency::key_from(&req, &principal.user_id, &body)?;
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(NoticeView::from(notices::create_in_tx(conn, &principal, unit.as_str(), &draft, now)?))
    })
    .await
}

/// A unit's notices, newest first, for a logged-in caller: staff over it see all of them (with
/// objections' reasons and masked objectors), its residents the published ones, residents-only
/// included; anyone else the published public ones.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path), NoticePageQuery),
    responses((status = 200, body = NoticePage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/org-units/{id}/notices")]
pub async fn list_notices(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<OrgUnitId>,
    query: Query<NoticePageQuery>,
) -> Result<HttpResponse, ApiError> {
    page(&state, Some(auth.0), id.into_inner(), &query).await
}

/// One notice, for a logged-in caller who may read it (as the list says).
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path)),
    responses((status = 200, body = NoticeView), (status = 404, body = ErrorBody))
)]
#[get("/notices/{id}")]
pub async fn get_notice(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<NoticeId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now(&state));
    let view = state.db.run(move |conn| notices::get(conn, Some(&principal), id.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(NoticeView::from(view)))
}

/// Edits a notice before its period starts (`PostNotices` over its unit; 409 once started or
/// withdrawn).
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path)),
    request_body = NoticeBody,
    responses(
        (status = 200, body = NoticeView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The period has started, or the notice is withdrawn", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[put("/notices/{id}")]
pub async fn edit_notice(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<NoticeId>,
    body: Json<NoticeBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now(&state));
    let draft = body.into_inner().parse()?;
    let view = state.db.run(move |conn| notices::edit(conn, &principal, id.as_str(), &draft, now)).await?;
    Ok(HttpResponse::Ok().json(NoticeView::from(view)))
}

/// Withdraws a notice with a reason (`PostNotices` over its unit): it stays readable, shown as
/// withdrawn with the reason; it is never deleted.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path)),
    request_body = NoticeWithdrawBody,
    responses(
        (status = 200, body = NoticeView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Withdrawn already", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/notices/{id}/withdraw")]
pub async fn withdraw_notice(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<NoticeId>,
    body: Json<NoticeWithdrawBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now(&state));
    let reason = body.into_inner().parse()?;
    let view = state.db.run(move |conn| notices::withdraw(conn, &principal, id.as_str(), &reason, now)).await?;
    Ok(HttpResponse::Ok().json(NoticeView::from(view)))
}

/// A resident of the notice's unit objects (异议) with a reason within the posting period (422
/// `outside_posting_period` otherwise), once (409 `already_done` the second time). Whoever
/// posted it is told.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path)),
    request_body = NoticeObjectionBody,
    responses(
        (status = 201, body = NoticeObjectionView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Objected already, or the notice is withdrawn", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/notices/{id}/objections")]
pub async fn object_to_notice(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<NoticeId>,
    body: Json<NoticeObjectionBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now(&state));
    let reason = body.into_inner().parse()?;
    let seen = state.db.run(move |conn| notices::object(conn, &principal, id.as_str(), &reason, now)).await?;
    Ok(HttpResponse::Created().json(NoticeObjectionView::new(seen, false)))
}

/// Answers an objection (`PostNotices` over the notice's unit): accepted or rejected, with an
/// answer the public reads. The objector is told. 409 when answered already.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path)),
    request_body = NoticeAnswerBody,
    responses(
        (status = 200, body = NoticeObjectionView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Answered already", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/notice-objections/{id}/answer")]
pub async fn answer_notice_objection(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<NoticeObjectionId>,
    body: Json<NoticeAnswerBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), now(&state));
    let (decision, answer) = body.into_inner().parse()?;
    let seen = state.db.run(move |conn| notices::answer(conn, &principal, id.as_str(), decision, &answer, now)).await?;
    Ok(HttpResponse::Ok().json(NoticeObjectionView::new(seen, true)))
}

/// A unit's public notices, newest first, without logging in: those whose period has started
/// (running and past), withdrawn ones shown as withdrawn with the reason, each with its
/// objection and answer counts and the answers — never who objected.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path), NoticePageQuery),
    responses((status = 200, body = NoticePage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/public/org-units/{id}/notices")]
pub async fn public_notices(
    state: web::Data<AppState>,
    id: web::Path<OrgUnitId>,
    query: Query<NoticePageQuery>,
) -> Result<HttpResponse, ApiError> {
    page(&state, None, id.into_inner(), &query).await
}

/// One public notice without logging in: its stable link.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path)),
    responses((status = 200, body = NoticeView), (status = 404, body = ErrorBody))
)]
#[get("/public/notices/{id}")]
pub async fn public_notice(state: web::Data<AppState>, id: web::Path<NoticeId>) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), now(&state));
    let view = state.db.run(move |conn| notices::get(conn, None, id.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(NoticeView::from(view)))
}

/// An attachment of a public notice without logging in (the notice public and its period
/// started; else 404): the file as uploaded, photos re-encoded without metadata.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path), ("media_id" = String, Path)),
    responses(
        (status = 200, description = "The file", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"),
            (Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/aac"), (Vec<u8> = "audio/mp4"), (Vec<u8> = "audio/wav")
        )),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/public/notices/{id}/attachments/{media_id}")]
pub async fn public_notice_attachment(
    state: web::Data<AppState>,
    path: web::Path<(NoticeId, MediaId)>,
) -> Result<HttpResponse, ApiError> {
    let ((id, media_id), now) = (path.into_inner(), now(&state));
    let row = state.db.run(move |conn| notices::public_attachment(conn, id.as_str(), media_id.as_str(), now)).await?;
    crate::http::file::serve_file(&state, &row.id, &row.mime, "public, max-age=3600").await
}

/// The mini-program code (小程序码) that opens the unit's notice board: fetched from WeChat
/// (`wxacode.getUnlimited`) once, then served from the server's store. WeChat refusing answers
/// 502 `wechat_code_failed` and stores nothing.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The code", content((Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))),
        (status = 404, body = ErrorBody),
        (status = 502, description = "WeChat did not give the code", body = ErrorBody),
    )
)]
#[get("/public/org-units/{id}/notices/code.png")]
pub async fn notice_board_code(state: web::Data<AppState>, id: web::Path<OrgUnitId>) -> Result<HttpResponse, ApiError> {
    let (unit, now) = (id.into_inner(), now(&state));
    let code = board_code::code(&state.db, &state.wechat, unit.as_str(), now).await?;
    Ok(HttpResponse::Ok()
        .content_type(code.mime)
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(code.image))
}
