//! Photos and voice notes (`POST /media`, multipart as `wx.uploadFile` sends it). Judged by
//! content, never by file name; images are re-encoded without metadata (no GPS) but the right
//! way up; served only to those who may see what they are attached to.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::cases::MediaId;
use futures_util::TryStreamExt;
use infra::media::service::Upload;
use infra::media::{self, MediaError, MediaKind};

use super::dto::{MediaUpload, MediaView};
use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::file::serve_file;
use crate::http::idempotency;
use crate::state::AppState;

/// Reads the `kind` and `file` fields, refusing a file past `limit` bytes as it streams in.
async fn read_form(mut form: Multipart, limit: usize) -> Result<(String, Vec<u8>), ApiError> {
    let bad = |reason: &str| ApiError::invalid_field("file", reason);
    let (mut kind, mut file) = (None, None);
    while let Some(mut field) = form.try_next().await.map_err(|_| bad("malformed multipart body"))? {
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(|_| bad("malformed multipart body"))? {
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::from(MediaError::TooLarge { limit }));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "kind" => kind = Some(String::from_utf8(bytes).map_err(|_| ApiError::invalid_field("kind", "text"))?),
            "file" => file = Some(bytes),
            _ => {}
        }
    }
    let file = file.filter(|f| !f.is_empty()).ok_or_else(|| bad("a non-empty file field is required"))?;
    let kind = kind.ok_or_else(|| ApiError::invalid_field("kind", "image or voice"))?;
    Ok((kind, file))
}

/// The upload's kind and bytes, read from a multipart body within the kind's size limit.
async fn read_upload(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(MediaKind, Vec<u8>, usize), ApiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType));
    }
    let (image_limit, voice_limit) = (state.config.media_max_image_bytes, state.config.media_max_voice_bytes);
    let (kind, bytes) = read_form(Multipart::new(req.headers(), payload), image_limit.max(voice_limit)).await?;
    let kind = MediaKind::parse(&kind).ok_or_else(|| ApiError::invalid_field("kind", "image or voice"))?;
    Ok((kind, bytes, if kind == MediaKind::Image { image_limit } else { voice_limit }))
}

/// Checks the bytes are what they claim and, for a photo, re-encodes it off the executor.
async fn prepare(owner_id: String, kind: MediaKind, bytes: Vec<u8>, limit: usize) -> Result<Upload, ApiError> {
    let sniffed = media::check(&bytes, kind, limit)?;
    let bytes = if kind == MediaKind::Image {
        web::block(move || media::sanitize_image(&bytes, sniffed)).await.map_err(ApiError::internal)??
    } else {
        bytes
    };
    Ok(Upload { owner_id, kind, sniffed, bytes })
}

/// Uploads a photo or a voice note (multipart fields `kind` and `file`). Returns its id, to be
/// attached to a case or a case step. Send an `Idempotency-Key`: a retry stores nothing twice.
#[utoipa::path(
    tag = "cases",
    request_body(content = MediaUpload, content_type = "multipart/form-data"),
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _ (a UUID fits)")),
    responses(
        (status = 201, body = MediaView),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)
    )
)]
#[post("/media")]
pub async fn upload_media(
    state: web::Data<AppState>,
    auth: Auth,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let (kind, bytes, limit) = read_upload(&state, &req, payload).await?;
    // The key covers the file's digest, so a retry of the same upload replays its answer.
    let digest = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes).to_vec()
    };
    let key = idempotency::key_from(&req, &principal.user_id, &digest)?;
    let upload = prepare(principal.user_id.clone(), kind, bytes, limit).await?;
    let (files, now) = (state.media.clone(), state.clock.now().naive_utc());
    idempotency::create_once(&state, key, StatusCode::CREATED, move |conn| {
        Ok(MediaView::from(&media::service::store(conn, &files, &upload, now)?))
    })
    .await
}

/// A photo or voice note: to its uploader, and to whoever may see the case it belongs to.
#[utoipa::path(
    tag = "cases",
    params(("id" = String, Path)),
    responses((status = 200, description = "The file", content(
        (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"),
        (Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/aac"), (Vec<u8> = "audio/mp4"), (Vec<u8> = "audio/wav")
    )))
)]
#[get("/media/{id}")]
pub async fn get_media(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<MediaId>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, now) = (auth.0, id.into_inner(), state.clock.now().naive_utc());
    let row = state.db.run(move |conn| media::queries::readable(conn, &principal, &id, now)).await?;
    serve_file(&state, &row.id, &row.mime, "private, max-age=86400").await
}
