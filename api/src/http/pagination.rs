//! Keyset pagination (API.md): `?limit=&cursor=`, answers `{items, next_cursor}`. Cursors are
//! opaque to clients and signed, so a changed cursor is refused instead of read; a cursor is
//! bound to the list it came from.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::{IntoParams, ToSchema};

use crate::http::error::{ApiError, ErrorCode};

type HmacSha256 = Hmac<Sha256>;
const TAG_BYTES: usize = 16;

/// Signs and checks cursors with a key derived from the server secret.
#[derive(Clone)]
pub struct CursorCodec {
    key: Vec<u8>,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorCodec")
    }
}

impl CursorCodec {
    pub fn new(secret: &[u8]) -> Self {
        // Derive a key of its own, so a cursor's tag tells nothing about the token secret.
        let key = HmacSha256::new_from_slice(secret)
            .map(|mut mac| {
                mac.update(b"yishi cursor key v1");
                mac.finalize().into_bytes().to_vec()
            })
            .unwrap_or_default();
        Self { key }
    }

    fn tag(&self, list: &str, payload: &[u8]) -> Vec<u8> {
        match HmacSha256::new_from_slice(&self.key) {
            Ok(mut mac) => {
                mac.update(list.as_bytes());
                mac.update(&[0]);
                mac.update(payload);
                mac.finalize().into_bytes()[..TAG_BYTES].to_vec()
            }
            Err(_) => Vec::new(),
        }
    }

    /// The cursor for position `position` in list `list`.
    pub fn encode<T: Serialize>(&self, list: &str, position: &T) -> Result<String, ApiError> {
        let payload = serde_json::to_vec(position).map_err(ApiError::internal)?;
        let tag = self.tag(list, &payload);
        Ok(format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(tag)))
    }

    /// The position a cursor of list `list` stands for; anything altered or foreign is refused.
    pub fn decode<T: DeserializeOwned>(&self, list: &str, cursor: &str) -> Result<T, ApiError> {
        let invalid = || ApiError::new(ErrorCode::InvalidCursor);
        let (payload, tag) = cursor.split_once('.').ok_or_else(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        let mut mac = HmacSha256::new_from_slice(&self.key).map_err(|_| invalid())?;
        mac.update(list.as_bytes());
        mac.update(&[0]);
        mac.update(&payload);
        mac.verify_truncated_left(&tag).map_err(|_| invalid())?;
        if tag.len() != TAG_BYTES {
            return Err(invalid());
        }
        serde_json::from_slice(&payload).map_err(|_| invalid())
    }
}

/// `?limit=&cursor=` of every list route.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–100; 20 when absent.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched newest first: the extra row only says
    /// that a next page exists, and the cursor points after the last row shown.
    pub fn from_probe<P: Serialize>(
        mut rows: Vec<T>,
        limit: domain::paging::PageLimit,
        codec: &CursorCodec,
        list: &str,
        position: impl Fn(&T) -> P,
    ) -> Result<Self, ApiError> {
        let limit = limit.get() as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| codec.encode(list, &position(last))).transpose()?
        } else {
            None
        };
        Ok(Self { items: rows, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_tampering_and_other_lists() {
        let codec = CursorCodec::new(b"secret");
        let cursor = codec.encode("cases", &"0195c1b2-0000-7000-8000-000000000000").unwrap_or_default();
        let back: Result<String, _> = codec.decode("cases", &cursor);
        assert_eq!(back.ok().as_deref(), Some("0195c1b2-0000-7000-8000-000000000000"));

        let foreign: Result<String, _> = codec.decode("matters", &cursor);
        assert_eq!(foreign.err().map(|e| e.code), Some(ErrorCode::InvalidCursor));

        let (payload, tag) = cursor.split_once('.').unwrap_or_default();
        let forged_payload = URL_SAFE_NO_PAD.encode(b"\"0195c1b2-0000-7000-8000-ffffffffffff\"");
        for bad in [format!("{forged_payload}.{tag}"), format!("{payload}.AAAA"), "garbage".into(), String::new()] {
            let decoded: Result<String, _> = codec.decode("cases", &bad);
            assert_eq!(decoded.err().map(|e| e.code), Some(ErrorCode::InvalidCursor), "{bad}");
        }

        let other_server: Result<String, _> = CursorCodec::new(b"other").decode("cases", &cursor);
        assert!(other_server.is_err());
    }

    #[test]
    fn a_page_from_a_probe_row_carries_a_cursor_only_when_more_exist() {
        let codec = CursorCodec::new(b"k");
        let limit = domain::paging::PageLimit::parse(Some(2)).unwrap_or_default();
        let full = Page::from_probe(vec![5, 4, 3], limit, &codec, "n", |n| *n).ok();
        let full = full.map(|p| (p.items, p.next_cursor.map(|c| codec.decode::<i32>("n", &c).ok())));
        assert_eq!(full, Some((vec![5, 4], Some(Some(4)))));
        let last = Page::from_probe(vec![2, 1], limit, &codec, "n", |n| *n).ok();
        assert_eq!(last.map(|p| p.next_cursor), Some(None));
    }
}
