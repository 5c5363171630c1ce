//! Evaluation over HTTP: opening the rating window, rating once, the summary, follow-up visits.

use actix_web::{get, post, web, HttpResponse};
use domain::deliberation::values::OPINION_MAX;
use domain::deliberation::MatterId;
use infra::deliberation::evaluation::{self, Summary};
use infra::deliberation::service::written;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::decisions::now_utc;
use super::dto::MatterView;
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::support::{rfc3339, RequestMeta};
use crate::state::AppState;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct RatingBody {
    /// 1 to 5.
    #[schema(schema_with = crate::contract::rating)]
    #[serde(deserialize_with = "crate::contract::integral")]
    pub rating: i32,
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingComment {
    pub user_id: String,
    pub rating: i32,
    pub comment: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingSummary {
    pub count: i64,
    pub average: Option<f64>,
    /// How many rated 1, 2, 3, 4 and 5.
    pub distribution: Vec<i64>,
    /// Staff over the scope only.
    pub comments: Vec<RatingComment>,
    pub closes_at: Option<String>,
}

impl From<Summary> for RatingSummary {
    fn from(s: Summary) -> Self {
        Self {
            count: s.count,
            average: s.average,
            distribution: s.distribution.to_vec(),
            comments: s
                .comments
                .into_iter()
                .map(|r| RatingComment {
                    user_id: r.user_id,
                    rating: r.rating,
                    comment: r.comment,
                    created_at: rfc3339(r.created_at),
                })
                .collect(),
            closes_at: s.closes_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct MatterRevisitBody {
    #[schema(schema_with = super::dto::note_schema)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisitView {
    pub id: String,
    pub matter_id: String,
    pub visitor_id: String,
    pub note: String,
    pub created_at: String,
}

/// Opens the rating window (民评) once every commitment is kept; residents of the scope are told.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = MatterView), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/evaluation/open")]
pub async fn open_evaluation(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, rules) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), super::rules(&state));
    let view = state.db.run(move |conn| evaluation::open(conn, &caller, id.as_str(), &rules, now)).await?;
    Ok(HttpResponse::Ok().json(MatterView::from(view)))
}

/// Rates the outcome: residents of the scope, once each, while the window is open.
#[utoipa::path(tag = "deliberation", request_body = RatingBody, params(("id" = String, Path)), responses((status = 201, body = RatingSummary), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/ratings")]
pub async fn rate_matter(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<RatingBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id, body) = (meta.caller(auth.0), now_utc(&state), id.into_inner(), body.into_inner());
    let comment = written(body.comment, "comment", OPINION_MAX, false)?;
    let rating = body.rating;
    let summary = state.db.run(move |conn| evaluation::rate(conn, &caller, id.as_str(), rating, comment, now)).await?;
    Ok(HttpResponse::Created().json(RatingSummary::from(summary)))
}

/// The ratings of a matter: count, average, distribution; comments for staff.
#[utoipa::path(tag = "deliberation", params(("id" = String, Path)), responses((status = 200, body = RatingSummary)))]
#[get("/matters/{id}/ratings")]
pub async fn get_ratings(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<MatterId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let summary = state.db.run(move |conn| evaluation::summary(conn, &principal, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(RatingSummary::from(summary)))
}

/// Notes a follow-up visit (回访) after the resolution.
#[utoipa::path(tag = "deliberation", request_body = MatterRevisitBody, params(("id" = String, Path)), responses((status = 201, body = RevisitView), (status = 409, body = ErrorBody)))]
#[post("/matters/{id}/revisits")]
pub async fn revisit_matter(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<MatterId>,
    body: Json<MatterRevisitBody>,
) -> Result<HttpResponse, ApiError> {
    let (caller, now, id) = (meta.caller(auth.0), now_utc(&state), id.into_inner());
    let note = written(Some(body.into_inner().note), "note", OPINION_MAX, true)?.unwrap_or_default();
    let r = state.db.run(move |conn| evaluation::revisit(conn, &caller, id.as_str(), note, now)).await?;
    let view = RevisitView {
        id: r.id,
        matter_id: r.matter_id,
        visitor_id: r.visitor_id,
        note: r.note,
        created_at: rfc3339(r.created_at),
    };
    Ok(HttpResponse::Created().json(view))
}
