//! Visits to households over HTTP (走访): recorded one by one or synced in a batch from a phone
//! that was offline (each client id made once), read by the visitor and the grid's staff, and by
//! the visited household in short.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime};
use domain::grid_work::VisitId;
use domain::paging::PageLimit;
use infra::grid_work::visits::{self, VisitView as Whole, Window};
use infra::grid_work::GridWorkError;
use utoipa_actix_web::service_config::ServiceConfig;

use super::visits_dto::{
    MyVisitQuery, NewVisitBody, SyncAnswer, SyncBody, SyncError, SyncItem, SyncItems, VisitPage, VisitQuery, VisitView,
};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody, ErrorCode, Lang};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::http::support::RequestMeta;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(record_visit).service(sync_visits).service(list_visits).service(get_visit).service(my_household_visits);
}

/// A list's position: (visited_at in microseconds, id).
type Position = (i64, String);

fn position(at: NaiveDateTime, id: &str) -> Position {
    (at.and_utc().timestamp_micros(), id.to_owned())
}

fn window(state: &AppState, list: &str, cursor: Option<&String>, limit: PageLimit) -> Result<Window, ApiError> {
    let before = match cursor {
        None => None,
        Some(cursor) => {
            let (micros, id): Position = state.cursors.decode(list, cursor)?;
            let at = DateTime::from_timestamp_micros(micros).ok_or_else(|| ApiError::new(ErrorCode::InvalidCursor))?;
            Some((at.naive_utc(), id))
        }
    };
    Ok(Window { from: None, to: None, before, limit: limit.probe() })
}

fn now(state: &AppState) -> NaiveDateTime {
    state.clock.now().naive_utc()
}

/// Records a visit to a household of the caller's grid (`grid_worker`, `grid_leader`,
/// `volunteer` on the grid, `village_cadre`), with photos and a case raised from it (linked both
/// ways). A `client_id` the caller already synced answers 200 with that visit, nothing new;
/// without one, send an `Idempotency-Key`.
#[utoipa::path(
    tag = "visits",
    request_body = NewVisitBody,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe without a client_id: 8 to 128 letters, digits, - and _")),
    responses(
        (status = 201, body = VisitView),
        (status = 200, description = "Already synced with this client_id", body = VisitView),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such household in the caller's scope", body = ErrorBody),
        (status = 422, description = "Invalid (the field is named), or the household is on no grid", body = ErrorBody),
    )
)]
#[post("/visits")]
pub async fn record_visit(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (principal, now) = (auth.0, now(&state));
    let new = crate::http::json::parse_bytes::<NewVisitBody>(&req, &body)?.parse(now)?;
    let (rules, origin) = (crate::cases::rules(&state), meta.origin());
    if new.visit.client_id().is_none() {
        let key = idempotency::key_from(&req, &principal.user_id, &body)?;
        return idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
            Ok(VisitView::from(visits::record_in_tx(conn, &principal, &origin, &rules, &new, now)?.0))
        })
        .await;
    }
    let (view, created) =
        state.db.run(move |conn| visits::record(conn, &principal, &origin, &rules, &new, now)).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status).json(VisitView::from(view)))
}

/// One item's answer; a server error fails the whole sync (the phone retries, and what was made
/// is answered `synced`).
fn item(client_id: String, outcome: Result<(Whole, bool), ApiError>, lang: Lang) -> Result<SyncItem, ApiError> {
    Ok(match outcome {
        Ok((view, created)) => SyncItem {
            client_id,
            status: if created { "created" } else { "synced" }.into(),
            visit: Some(VisitView::from(view)),
            error: None,
        },
        Err(e) if e.status().is_server_error() => return Err(e),
        Err(e) => {
            let field = e.details.as_ref().and_then(|d| d["field"].as_str()).map(str::to_owned);
            let error = SyncError { code: e.code.as_str().into(), message: e.code.message(lang).into(), field };
            SyncItem { client_id, status: "refused".into(), visit: None, error: Some(error) }
        }
    })
}

type Outcomes = Vec<(String, Result<(Whole, bool), ApiError>)>;

/// Records each parsed visit in its own transaction.
fn record_each(
    conn: &mut infra::DbConn,
    principal: &domain::identity::principal::Principal,
    origin: &infra::identity::audit::Origin,
    rules: &infra::cases::service::Rules,
    items: SyncItems,
    now: NaiveDateTime,
) -> Result<Outcomes, GridWorkError> {
    Ok(items
        .into_iter()
        .map(|(client_id, new)| {
            let outcome = new.and_then(|new| Ok(visits::record(conn, principal, origin, rules, &new, now)?));
            (client_id, outcome)
        })
        .collect())
}

/// Syncs up to 50 visits captured offline, each with its `client_id`: each is answered on its
/// own — created, synced (made before, nothing new) or refused with the error a single
/// `POST /visits` would have given — and one refused item does not refuse the others.
#[utoipa::path(
    tag = "visits",
    request_body = SyncBody,
    responses((status = 200, body = SyncAnswer), (status = 422, description = "No visits, or more than 50", body = ErrorBody))
)]
#[post("/visits/sync")]
pub async fn sync_visits(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    req: HttpRequest,
    body: Json<SyncBody>,
) -> Result<HttpResponse, ApiError> {
    let (principal, now, lang) = (auth.0, now(&state), Lang::from_headers(req.headers()));
    let items = body.into_inner().parse(now)?;
    let (rules, origin) = (crate::cases::rules(&state), meta.origin());
    let outcomes = state.db.run(move |conn| record_each(conn, &principal, &origin, &rules, items, now)).await?;
    let items = outcomes.into_iter().map(|(c, o)| item(c, o, lang)).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(SyncAnswer { items }))
}

/// Visits of a grid (`grid_id`) or a household (`household_id`), newest first: staff who read
/// the grid's visits see them all, notes included; a volunteer sees their own; a township
/// officer (figures, not notes) is refused.
#[utoipa::path(
    tag = "visits",
    params(VisitQuery),
    responses((status = 200, body = VisitPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/visits")]
pub async fn list_visits(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<VisitQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, (of, from, to), limit) = (auth.0, query.parse()?, PageLimit::parse(query.limit)?);
    let window = Window { from, to, ..window(&state, "visits", query.cursor.as_ref(), limit)? };
    let rows = state.db.run(move |conn| visits::list(conn, &principal, &of, &window)).await?;
    let page =
        Page::from_probe(rows, limit, &state.cursors, "visits", |v: &Whole| position(v.row.visited_at, &v.row.id))?;
    let items = page.items.into_iter().map(VisitView::from).collect();
    Ok(HttpResponse::Ok().json(VisitPage { items, next_cursor: page.next_cursor }))
}

/// One visit: whole for its visitor and the grid's staff; short for the visited household
/// (when, what kind, by whom — no note, no `met`).
#[utoipa::path(
    tag = "visits",
    params(("id" = String, Path)),
    responses((status = 200, body = VisitView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/visits/{id}")]
pub async fn get_visit(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<VisitId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let seen = state.db.run(move |conn| visits::get(conn, &principal, &id)).await?;
    Ok(HttpResponse::Ok().json(VisitView::from(seen)))
}

/// The visits to the caller's own household, newest first (when, what kind, by whom). Empty
/// without a household.
#[utoipa::path(tag = "visits", params(MyVisitQuery), responses((status = 200, body = VisitPage)))]
#[get("/me/household/visits")]
pub async fn my_household_visits(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<MyVisitQuery>,
) -> Result<HttpResponse, ApiError> {
    let (principal, limit) = (auth.0, PageLimit::parse(query.limit)?);
    let window = window(&state, "my_visits", query.cursor.as_ref(), limit)?;
    let rows = state.db.run(move |conn| visits::of_my_household(conn, &principal, &window)).await?;
    let page = Page::from_probe(rows, limit, &state.cursors, "my_visits", |v| position(v.visited_at, &v.id))?;
    let items = page.items.into_iter().map(VisitView::from).collect();
    Ok(HttpResponse::Ok().json(VisitPage { items, next_cursor: page.next_cursor }))
}
