//! The media feature's bodies with their OpenAPI schemas.

use infra::media::MediaRow;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::support::rfc3339;

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaView {
    pub id: String,
    /// `image` or `voice`.
    pub kind: String,
    pub mime: String,
    pub size_bytes: i32,
    pub url: String,
    pub created_at: String,
}

impl From<&MediaRow> for MediaView {
    fn from(row: &MediaRow) -> Self {
        Self {
            id: row.id.clone(),
            kind: row.kind.clone(),
            mime: row.mime.clone(),
            size_bytes: row.size_bytes,
            url: format!("/api/v1/media/{}", row.id),
            created_at: rfc3339(row.created_at),
        }
    }
}

fn media_kind() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["image", "voice"]))
        .build()
}

/// The multipart form of an upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct MediaUpload {
    /// `image` (JPEG, PNG, WebP) or `voice` (MP3, AAC, M4A, WAV).
    #[schema(schema_with = media_kind)]
    kind: String,
    /// The file itself.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}
