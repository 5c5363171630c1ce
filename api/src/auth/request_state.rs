//! What a request needs of the store before it runs — its address's rate limit, its user's
//! write limit, its session entry with the cached principal, and the versions that say whether
//! that principal is current — fetched in one round trip by the `ip_limit` middleware and handed
//! to the `Auth` extractor through the request's extensions.

use infra::store::WindowCount;

use crate::auth::limits;
use crate::auth::session_cache::{self, Cached};
use crate::auth::tokens::Claims;
use crate::http::error::ApiError;
use crate::state::AppState;

/// The store's answer for an authenticated request.
#[derive(Debug, Clone)]
pub struct StoreState {
    /// The request's access token, verified.
    pub claims: Claims,
    pub cached: Cached,
    /// The versions a principal read now is stamped with.
    pub stamp: String,
    /// The org tree's version (`pv:org`), absent when never set or the store was away.
    pub org_version: Option<String>,
    /// The user's write counter after this request, for writes.
    pub writes: Option<WindowCount>,
}

/// Counts the request against its address (refusing past the limit) and, for a valid token,
/// against its user's writes, and reads its session entry and versions: one round trip.
pub async fn fetch(
    state: &AppState,
    ip: Option<&str>,
    claims: Option<&Claims>,
    write: bool,
) -> Result<Option<StoreState>, ApiError> {
    let limits = &state.config.limits;
    let ip_key = ip.map(|ip| format!("rl:ip:{ip}"));
    let writes_key = claims.filter(|_| write).map(|c| format!("rl:writes:{}", c.sub));
    let mut hits = Vec::new();
    if let Some(key) = &ip_key {
        hits.push((key.as_str(), limits.requests_per_ip));
    }
    if let Some(key) = &writes_key {
        hits.push((key.as_str(), limits.writes_per_user));
    }
    let gets: Vec<String> = claims
        .map(|c| {
            vec![
                session_cache::session_key(&c.sid),
                session_cache::user_version_key(&c.sub),
                session_cache::ORG_VERSION_KEY.to_owned(),
            ]
        })
        .unwrap_or_default();
    let gets: Vec<&str> = gets.iter().map(String::as_str).collect();
    let (counts, values) = state.limiter.hit_and_get(&hits, &gets).await?;
    let mut counts = counts.into_iter();
    if ip_key.is_some() {
        if let Some(count) = counts.next() {
            limits::check(limits.requests_per_ip, count)?;
        }
    }
    let writes = counts.next();
    let Some(claims) = claims else {
        return Ok(None);
    };
    let value = |i: usize| values.get(i).and_then(Option::as_deref);
    let stamp = session_cache::stamp(value(1), value(2));
    let cached = session_cache::read(value(0), &claims.sub, &stamp);
    let org_version = value(2).map(str::to_owned);
    Ok(Some(StoreState { claims: claims.clone(), cached, stamp, org_version, writes }))
}
