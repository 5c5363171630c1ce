//! Anonymous reports over HTTP. Filing takes a login (what stops floods) but keeps nothing of
//! the filer staff can read: no `Idempotency-Key` record (it would keep the answer, follow-up
//! code included, and a hash of the caller), no actor, address or request id in the audit entry,
//! times rounded to the hour. The follow-up routes take the code in the body, need no login, and
//! are limited per client address.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use domain::cases::MediaId;
use domain::paging::PageLimit;
use domain::reports::ReportId;
use hmac::{Hmac, Mac};
use infra::reports::queries::{self, Filter};
use infra::reports::service::{self, Filer};
use infra::reports::ReportsError;
use secrecy::ExposeSecret;
use sha2::Sha256;
use utoipa_actix_web::service_config::ServiceConfig;

use super::reports_dto::{
    code, ReportAdditionBody, ReportAnswerBody, ReportBody, ReportCodeBody, ReportFiled, ReportFollowUpView,
    ReportListQuery, ReportPage, ReportView,
};
use crate::auth::client_ip::client_ip;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(file_report)
        .service(list_reports)
        .service(get_report)
        .service(get_report_attachment)
        .service(answer_report)
        .service(follow_up_report)
        .service(add_to_report);
}

fn now(state: &AppState) -> NaiveDateTime {
    state.clock.now().naive_utc()
}

/// The filer's quota key: HMAC-SHA256 under the server's report secret of (person, Beijing day),
/// so a person's reports of one day count together and nothing links days or names the person.
fn filer(state: &AppState, user_id: &str, now: NaiveDateTime) -> Result<Filer, ApiError> {
    let day = now.and_utc().with_timezone(&domain::calendar::beijing()).date_naive();
    let secret = state.config.reports.filer_secret.expose_secret().as_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| ApiError::internal("report secret"))?;
    mac.update(format!("report-filer\0{user_id}\0{day}").as_bytes());
    Ok(Filer { hash: hex::encode(mac.finalize().into_bytes()), day })
}

/// Seconds to the next Beijing midnight: when the day's quota is back.
fn until_tomorrow(now: NaiveDateTime) -> u64 {
    let local = now.and_utc().with_timezone(&domain::calendar::beijing());
    let next = local.date_naive().succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0));
    next.map_or(3600, |n| u64::try_from((n - local.naive_local()).num_seconds()).unwrap_or(3600).max(1))
}

fn refused(error: ReportsError, now: NaiveDateTime) -> ApiError {
    let daily = matches!(error, ReportsError::DailyLimit);
    let api = ApiError::from(error);
    if daily {
        let reset = until_tomorrow(now);
        return api
            .with_retry_after(reset)
            .with_header(HeaderName::from_static("x-ratelimit-limit"), HeaderValue::from(domain::reports::DAILY_LIMIT))
            .with_header(HeaderName::from_static("x-ratelimit-remaining"), HeaderValue::from(0u64))
            .with_header(HeaderName::from_static("x-ratelimit-reset"), HeaderValue::from(reset));
    }
    api
}

/// Counts a follow-up code attempt from the client's address; past the limit, 429.
async fn code_attempt(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    let ip = client_ip(req, &state.config.trusted_proxies).map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    state.limiter.hit(&format!("rl:report-code:ip:{ip}"), state.config.reports.codes_per_ip).await?;
    Ok(())
}

/// Files an anonymous report about a village (any logged-in resident; not by proxy). At most 5 a
/// day per person (429 after). The answer carries the follow-up code, shown this once. The
/// village's supervisory committee and the township are told; a report naming a cadre goes to
/// the township only, and never to the person named.
#[utoipa::path(
    tag = "reports",
    request_body = ReportBody,
    responses(
        (status = 201, body = ReportFiled),
        (status = 403, description = "Filed by proxy", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "The day's reports are used up", body = ErrorBody),
    )
)]
#[post("/reports")]
pub async fn file_report(
    state: web::Data<AppState>,
    auth: Auth,
    body: Json<ReportBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, now) = (auth.0, now(&state));
    let new = body.into_inner().parse()?;
    let filer = filer(&state, &principal.user_id, now)?;
    let files = state.media.clone();
    let filed = state
        .db
        .run(move |conn| service::file(conn, &files, &principal, &filer, &new, now))
        .await
        .map_err(|e| refused(e, now))?;
    Ok(HttpResponse::Created().json(ReportFiled::from(filed)))
}

/// The reports about the villages under a unit the caller handles (`HandleReports`), newest
/// first; never one naming the caller, and one naming a cadre only to those above the village.
#[utoipa::path(
    tag = "reports",
    params(ReportListQuery),
    responses((status = 200, body = ReportPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<ReportListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, (unit_id, status), limit) = (auth.0, query.parse()?, PageLimit::parse(query.limit)?);
    let before = query.cursor.as_ref().map(|c| state.cursors.decode::<String>("reports", c)).transpose()?;
    let filter = Filter { unit_id, status, before, limit: limit.probe() };
    let rows = state.db.run(move |conn| queries::list(conn, &principal, &filter)).await?;
    let page = Page::from_probe(rows, limit, &state.cursors, "reports", |v| v.row.id.clone())?;
    let items = page.items.into_iter().map(ReportView::from).collect();
    Ok(HttpResponse::Ok().json(ReportPage { items, next_cursor: page.next_cursor }))
}

/// One report with its thread, for a handler (`HandleReports` over its village; never the person
/// it names). Audited.
#[utoipa::path(
    tag = "reports",
    params(("id" = String, Path)),
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/reports/{id}")]
pub async fn get_report(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<ReportId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now, origin) = (auth.0, id.into_inner(), now(&state), meta.origin());
    let view = state.db.run(move |conn| queries::read(conn, &principal, &origin, id.as_str(), now)).await?;
    Ok(HttpResponse::Ok().json(ReportView::from(view)))
}

/// A report's photo or voice note, for a handler of the report. Audited.
#[utoipa::path(
    tag = "reports",
    params(("id" = String, Path), ("attachment_id" = String, Path)),
    responses(
        (status = 200, description = "The file", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"),
            (Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/aac"), (Vec<u8> = "audio/mp4"), (Vec<u8> = "audio/wav")
        )),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/reports/{id}/attachments/{attachment_id}")]
pub async fn get_report_attachment(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    path: web::Path<(ReportId, MediaId)>,
) -> Result<HttpResponse, ApiError> {
    let ((id, attachment), now, origin) = (path.into_inner(), now(&state), meta.origin());
    let principal = auth.0;
    let row = state
        .db
        .run(move |conn| queries::attachment(conn, &principal, &origin, id.as_str(), attachment.as_str(), now))
        .await?;
    crate::http::file::serve_file(&state, &row.id, &row.mime, "private, max-age=86400").await
}

/// A handler answers a report: moves it to investigating, answered or closed with a text the
/// reporter reads through the follow-up code.
#[utoipa::path(
    tag = "reports",
    params(("id" = String, Path)),
    request_body = ReportAnswerBody,
    responses(
        (status = 200, body = ReportView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Closed already", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/reports/{id}/answers")]
pub async fn answer_report(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<ReportId>,
    body: Json<ReportAnswerBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now, origin) = (auth.0, id.into_inner(), now(&state), meta.origin());
    let answer = body.into_inner().parse()?;
    let view = state.db.run(move |conn| service::answer(conn, &principal, &origin, id.as_str(), &answer, now)).await?;
    Ok(HttpResponse::Ok().json(ReportView::from(view)))
}

/// The reporter reads a report's status and answers with the follow-up code (no login needed).
/// A wrong code and a missing one get the same 404. Attempts are limited per client address.
#[utoipa::path(
    tag = "reports",
    request_body = ReportCodeBody,
    responses(
        (status = 200, body = ReportFollowUpView),
        (status = 404, description = "No report has this code", body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
#[post("/reports/follow-up")]
pub async fn follow_up_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<ReportCodeBody>,
) -> Result<HttpResponse, ApiError> {
    code_attempt(&state, &req).await?;
    let (code, now) = (code(body.into_inner().code.as_deref()), now(&state));
    let view = state.db.run(move |conn| service::follow_up(conn, code.as_deref(), now)).await?;
    Ok(HttpResponse::Ok().json(ReportFollowUpView::from(view)))
}

/// The reporter adds information to a report with the follow-up code (no login needed); the
/// handlers are told. A closed report takes none (409).
#[utoipa::path(
    tag = "reports",
    request_body = ReportAdditionBody,
    responses(
        (status = 200, body = ReportFollowUpView),
        (status = 404, description = "No report has this code", body = ErrorBody),
        (status = 409, description = "Closed", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
#[post("/reports/follow-up/additions")]
pub async fn add_to_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<ReportAdditionBody>,
) -> Result<HttpResponse, ApiError> {
    code_attempt(&state, &req).await?;
    let ((code, text), now) = (body.into_inner().parse()?, now(&state));
    let view = state.db.run(move |conn| service::add(conn, code.as_deref(), &text, now)).await?;
    Ok(HttpResponse::Ok().json(ReportFollowUpView::from(view)))
}
