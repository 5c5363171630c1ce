//! Liveness and readiness over HTTP.

use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::ops::dto::{Health, Readiness};
use crate::state::AppState;

/// How long `/readyz` waits for each dependency: a load balancer must hear back within a second.
const READY_TIMEOUT: Duration = Duration::from_millis(800);

/// The process is up.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database and the store both answer; 503 within a second when either does not.
#[utoipa::path(
    tag = "ops",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "A dependency is down", body = ErrorBody),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store_check = tokio::time::timeout(READY_TIMEOUT, state.store.ping());
    let (db, store) = tokio::join!(state.db.ping(READY_TIMEOUT), store_check);
    let store = store.map_err(|_| infra::InfraError::Store("no answer in time".into())).and_then(|r| r);
    if db.is_ok() && store.is_ok() {
        return Ok(HttpResponse::Ok().json(Readiness {
            status: "ready",
            database: state.db.backend().name(),
            store: state.store.kind(),
        }));
    }
    let describe = |r: &Result<(), infra::InfraError>| if r.is_ok() { "up" } else { "down" };
    Err(ApiError::new(ErrorCode::ServiceUnavailable)
        .with_retry_after(5)
        .with_details(json!({ "database": describe(&db), "store": describe(&store) }))
        .with_cause(format!("database: {db:?}; store: {store:?}")))
}
