//! A village's public documents over HTTP: versions written by staff with `PostNotices`,
//! published at once or tied to an assembly poll, one version read back, and the public history
//! (the version in force and the ones it replaced) without login.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::identity::ids::OrgUnitId;
use domain::notices::documents::{DocumentId, DocumentKind};
use domain::paging::PageLimit;
use infra::notices::board_rows::DocumentRow;
use infra::notices::documents;
use utoipa_actix_web::service_config::ServiceConfig;

use super::documents_dto::{
    BoardDocumentBody, BoardDocumentPage, BoardDocumentQuery, BoardDocumentView, BoardSubmitToVoteBody,
};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_board_document)
        .service(get_board_document)
        .service(publish_board_document)
        .service(submit_board_document_to_vote)
        .service(public_board_documents);
}

fn now(state: &AppState) -> chrono::NaiveDateTime {
    state.clock.now().naive_utc()
}

/// Writes the village's next version of a document (`PostNotices`), a draft: its rules
/// (village_rules), one of its three lists, or its small-powers list (with `powers`). Nothing
/// public changes until it is published or its vote passes.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path, description = "A village"), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe")),
    request_body = BoardDocumentBody,
    responses(
        (status = 201, body = BoardDocumentView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Invalid (the field is named); not a village", body = ErrorBody),
    )
)]
#[post("/org-units/{id}/board/documents")]
pub async fn create_board_document(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<OrgUnitId>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (unit, now) = (id.into_inner(), now(&state));
    let draft = crate::http::json::parse_bytes::<BoardDocumentBody>(&req, &body)?.parse()?;
    let key = idempotency::key_from(&req, &auth.0.user_id, &body)?;
    let caller = meta.caller(auth.0);
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        BoardDocumentView::try_from(documents::create_in_tx(conn, &caller, unit.as_str(), &draft, now)?)
    })
    .await
}

/// One version, drafts included (`PostNotices` over its village).
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path)),
    responses((status = 200, body = BoardDocumentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/board/documents/{id}")]
pub async fn get_board_document(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<DocumentId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id) = (meta.caller(auth.0), id.into_inner());
    let row = state.db.run(move |conn| documents::get(conn, &caller, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(BoardDocumentView::try_from(row)?))
}

/// Publishes a draft at once (`PostNotices`): in force, the village's earlier version of the
/// kind superseded (still readable in the history).
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = BoardDocumentView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not a draft", body = ErrorBody),
    )
)]
#[post("/board/documents/{id}/publish")]
pub async fn publish_board_document(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<DocumentId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id, now) = (meta.caller(auth.0), id.into_inner(), now(&state));
    let row = state.db.run(move |conn| documents::publish(conn, &caller, id.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(BoardDocumentView::try_from(row)?))
}

/// Ties a draft to an assembly poll (`PostNotices`): a poll of the village, not yet closed, with
/// a threshold. When the poll is published the version comes into force if it passed; it is
/// rejected when it fails or is cancelled. One version of a kind waits for a vote (409).
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path)),
    request_body = BoardSubmitToVoteBody,
    responses(
        (status = 200, body = BoardDocumentView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not a draft, or another version of the kind waits for a vote", body = ErrorBody),
        (status = 422, description = "Not a poll the version can be tied to", body = ErrorBody),
    )
)]
#[post("/board/documents/{id}/submit-to-vote")]
pub async fn submit_board_document_to_vote(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<DocumentId>,
    body: Json<BoardSubmitToVoteBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, id, now, poll) = (meta.caller(auth.0), id.into_inner(), now(&state), body.into_inner().poll_id);
    let row = state.db.run(move |conn| documents::submit_to_vote(conn, &caller, id.as_str(), &poll, now)).await?;
    Ok(HttpResponse::Ok().json(BoardDocumentView::try_from(row)?))
}

/// A village's public documents without login: the versions in force and the ones they replaced,
/// newest first, of one kind or all.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path, description = "A village"), BoardDocumentQuery),
    responses((status = 200, body = BoardDocumentPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/public/org-units/{id}/board/documents")]
pub async fn public_board_documents(
    state: web::Data<AppState>,
    id: web::Path<OrgUnitId>,
    query: Query<BoardDocumentQuery>,
) -> Result<HttpResponse, ApiError> {
    let (unit, limit) = (id.into_inner(), PageLimit::parse(query.limit)?);
    let kind = query.kind.as_deref().map(DocumentKind::parse).transpose()?;
    let before = query.cursor.as_ref().map(|c| state.cursors.decode::<String>("board_documents", c)).transpose()?;
    let rows =
        state.db.run(move |conn| documents::public_history(conn, unit.as_str(), kind, before, limit.probe())).await?;
    let page = Page::from_probe(rows, limit, &state.cursors, "board_documents", |r: &DocumentRow| r.id.clone())?;
    let items = page.items.into_iter().map(BoardDocumentView::try_from).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(BoardDocumentPage { items, next_cursor: page.next_cursor }))
}
