//! `ETag` and `If-None-Match` on successful GET reads: a phone on a 2G link that already has
//! the data gets an empty 304 instead of the body again.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::Error;
use sha2::{Digest, Sha256};

use crate::http::error::ApiError;

/// Bodies larger than this are passed through untagged rather than buffered.
const MAX_TAGGED_BYTES: usize = 4 * 1024 * 1024;

pub async fn etag(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let conditional = req.method() == Method::GET || req.method() == Method::HEAD;
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let res = next.call(req).await?;
    if !conditional || res.status() != StatusCode::OK || res.headers().contains_key(header::ETAG) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, response) = res.into_parts();
    let (mut head, body) = response.into_parts();
    let bytes = body::to_bytes_limited(body, MAX_TAGGED_BYTES)
        .await
        .map_err(|_| ApiError::internal("response too large to tag"))?
        .map_err(|e| ApiError::internal(format!("response body failed: {}", e.into())))?;
    let digest = Sha256::digest(&bytes);
    let tag = format!("\"{}\"", hex::encode(&digest[..16]));
    let tag_value = HeaderValue::from_str(&tag).map_err(ApiError::internal)?;
    head.headers_mut().insert(header::ETAG, tag_value);
    if !head.headers().contains_key(header::CACHE_CONTROL) {
        head.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    }
    if if_none_match.is_some_and(|list| matches(&list, &tag)) {
        let mut not_modified = head.set_body(BoxBody::new(()));
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        not_modified.headers_mut().remove(header::CONTENT_TYPE);
        return Ok(ServiceResponse::new(req, not_modified));
    }
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(bytes))))
}

/// `If-None-Match` holds `*` or a list of tags, possibly weak (`W/"…"`).
fn matches(list: &str, tag: &str) -> bool {
    list.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == tag)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        assert!(matches("\"abc\"", "\"abc\""));
        assert!(matches("\"x\", W/\"abc\"", "\"abc\""));
        assert!(matches("*", "\"abc\""));
        assert!(!matches("\"abd\"", "\"abc\""));
    }
}
