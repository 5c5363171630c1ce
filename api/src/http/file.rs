//! Answering stored files (uploads, a report's copies) with their type, no sniffing, and the
//! caching the route chooses.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};

use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Answers a stored file's bytes as `mime`, with the given caching; 404 when the store has none.
pub async fn serve_file(state: &AppState, id: &str, mime: &str, cache: &'static str) -> Result<HttpResponse, ApiError> {
    let (files, file_id) = (state.media.clone(), id.to_owned());
    let bytes = web::block(move || files.get(&file_id))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_str(mime).map_err(ApiError::internal)?))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(cache)))
        .body(bytes))
}
