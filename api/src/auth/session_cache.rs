//! What the store remembers of sessions and of who is calling, so the common request asks
//! neither the database whether its session lives nor who its user is. The database stays the
//! truth; the store is a cache with these rules:
//!
//! - a revocation leaves a tombstone that later writes cannot overwrite (they skip a tombstone),
//!   so a refresh or a request racing a revocation cannot bring the session back;
//! - a live entry may carry the caller's principal (kind, must-change-password, grants with their
//!   scope paths), stamped with the version it was read at: the user's version key and the org
//!   tree's, both read in the same round trip as the entry. Changing a grant or a password puts a
//!   new random token in the user's version key; creating a grid or unit does so for the tree's.
//!   A stamp that does not match is not used: the request reads the database and stamps afresh.
//!   Tokens are random, so an old stamp never matches again, even after a key expired;
//! - entries live at most [`CACHE_TTL`], so if the store missed a tombstone or a version (Redis
//!   away at that moment), the session ends, or the change shows, everywhere within that time.
//!
//! While the store cannot be reached, every request asks the database instead.

use std::time::Duration;

use domain::identity::principal::AccountKind;
use domain::identity::roles::Grant;
use infra::cases::reference::Reference;
use infra::store::Store;
use infra::InfraError;
use serde::{Deserialize, Serialize};

/// How long the store vouches for a session (or for its revocation, or a cached principal).
pub const CACHE_TTL: Duration = Duration::from_secs(60);

/// How long a version token is kept: far longer than any entry stamped with it.
const VERSION_TTL: Duration = Duration::from_secs(24 * 3600);

const REVOKED: &str = "revoked";

/// The store key of a session.
pub fn session_key(session_id: &str) -> String {
    format!("session:{session_id}")
}

/// The store key of a user's principal version.
pub fn user_version_key(user_id: &str) -> String {
    format!("pv:user:{user_id}")
}

/// The store key of the org tree's version (grids nested in a grant's grid, paths).
pub const ORG_VERSION_KEY: &str = "pv:org";

/// Who is calling, as cached with the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedPrincipal {
    pub kind: AccountKind,
    pub must_change_password: bool,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// The session's user.
    u: String,
    /// The versions the principal was read at.
    v: String,
    p: CachedPrincipal,
}

/// What the store knows of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached {
    /// It lives, for this user; with the principal when its stamp matches the versions now.
    Live(Option<CachedPrincipal>),
    /// It was revoked.
    Revoked,
    /// Nothing (forgotten, never cached, another user, or the store is unreachable): ask the
    /// database.
    Unknown,
}

/// The versions a principal read now would be stamped with.
pub fn stamp(user_version: Option<&str>, org_version: Option<&str>) -> String {
    format!("{}/{}", user_version.unwrap_or("-"), org_version.unwrap_or("-"))
}

/// Reads a session entry: `value` as the store holds it, for the token's user, against the
/// current `stamp`.
pub fn read(value: Option<&str>, user_id: &str, stamp: &str) -> Cached {
    match value {
        Some(REVOKED) => Cached::Revoked,
        Some(plain) if plain == user_id => Cached::Live(None),
        Some(json) => match serde_json::from_str::<Entry>(json) {
            Ok(entry) if entry.u == user_id => Cached::Live((entry.v == stamp).then_some(entry.p)),
            _ => Cached::Unknown,
        },
        None => Cached::Unknown,
    }
}

fn ttl(access_token_ttl: Duration) -> Duration {
    access_token_ttl.min(CACHE_TTL)
}

fn unavailable_is_fine(result: Result<(), InfraError>, what: &str) -> Result<(), InfraError> {
    match result {
        Err(InfraError::StoreUnavailable(cause)) => {
            tracing::warn!(%cause, "store unreachable: session cache {what} skipped");
            Ok(())
        }
        other => other,
    }
}

/// Remembers that a session lives — unless a tombstone (or an entry) is there already.
pub async fn remember(
    store: &Store,
    session_id: &str,
    user_id: &str,
    access_token_ttl: Duration,
) -> Result<(), InfraError> {
    let written = store.set_if_absent(&session_key(session_id), user_id, ttl(access_token_ttl)).await.map(|_| ());
    unavailable_is_fine(written, "write")
}

/// Remembers that a session lives with its principal read at `stamp` — unless a tombstone is
/// there.
pub async fn remember_principal(
    store: &Store,
    session_id: &str,
    user_id: &str,
    stamp: &str,
    principal: CachedPrincipal,
    access_token_ttl: Duration,
) -> Result<(), InfraError> {
    let entry = Entry { u: user_id.to_owned(), v: stamp.to_owned(), p: principal };
    let value = serde_json::to_string(&entry).map_err(|e| InfraError::Store(e.to_string()))?;
    let written = store.set_unless(&session_key(session_id), &value, REVOKED, ttl(access_token_ttl)).await.map(|_| ());
    unavailable_is_fine(written, "principal write")
}

/// Leaves the tombstone of a revoked session (after the database revoked it).
pub async fn forget(store: &Store, session_id: &str, access_token_ttl: Duration) -> Result<(), InfraError> {
    let written = store.set(&session_key(session_id), REVOKED, ttl(access_token_ttl)).await;
    unavailable_is_fine(written, "tombstone")
}

/// After a change to `user_id`'s grants or password is committed: principals cached before it
/// are no longer used.
pub async fn user_changed(store: &Store, user_id: &str) -> Result<(), InfraError> {
    let written = store.set(&user_version_key(user_id), &domain::new_id(), VERSION_TTL).await;
    unavailable_is_fine(written, "user version")
}

/// After a change to the org tree is committed (a grid or unit added): every cached principal is
/// read afresh, and the grids held in memory — at once here, on other instances at their next
/// request that reads the new version (within [`FRESH`](infra::cases::reference::FRESH) for
/// requests that read no version, Open311's).
pub async fn org_changed(store: &Store, reference: &Reference) -> Result<(), InfraError> {
    reference.org_changed();
    let written = store.set(ORG_VERSION_KEY, &domain::new_id(), VERSION_TTL).await;
    unavailable_is_fine(written, "org version")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> CachedPrincipal {
        CachedPrincipal { kind: AccountKind::Staff, must_change_password: false, grants: Vec::new() }
    }

    #[test]
    fn an_entry_serves_its_user_at_its_stamp_only() {
        let entry = serde_json::to_string(&Entry { u: "u1".into(), v: "a/b".into(), p: principal() }).unwrap();
        assert_eq!(read(Some(&entry), "u1", "a/b"), Cached::Live(Some(principal())));
        assert_eq!(read(Some(&entry), "u1", "a2/b"), Cached::Live(None));
        assert_eq!(read(Some(&entry), "u2", "a/b"), Cached::Unknown);
        assert_eq!(read(Some("u1"), "u1", "a/b"), Cached::Live(None));
        assert_eq!(read(Some("u1"), "u2", "a/b"), Cached::Unknown);
        assert_eq!(read(Some(REVOKED), "u1", "a/b"), Cached::Revoked);
        assert_eq!(read(None, "u1", "a/b"), Cached::Unknown);
        assert_eq!(stamp(None, Some("o")), "-/o");
    }
}
