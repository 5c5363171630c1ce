//! What the store remembers of sessions, so most requests need not ask the database whether a
//! session lives. The database stays the truth; the store is a cache with two rules:
//!
//! - a revocation leaves a tombstone that later writes cannot overwrite (they only fill an
//!   empty slot), so a refresh or a request racing a revocation cannot bring the session back;
//! - entries live at most [`CACHE_TTL`], so if the store could not take a tombstone (Redis down
//!   at that moment), the session still ends everywhere within that time.
//!
//! While the store cannot be reached, every request asks the database instead.

use std::time::Duration;

use infra::store::Store;
use infra::InfraError;

/// How long the store vouches for a session (or for its revocation).
pub const CACHE_TTL: Duration = Duration::from_secs(60);

const REVOKED: &str = "revoked";

/// The store key of a session.
pub fn session_key(session_id: &str) -> String {
    format!("session:{session_id}")
}

/// What the store knows of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cached {
    /// It lives, for this user.
    Live,
    /// It was revoked.
    Revoked,
    /// Nothing (forgotten, never cached, another user, or the store is unreachable): ask the
    /// database.
    Unknown,
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

pub async fn lookup(store: &Store, session_id: &str, user_id: &str) -> Result<Cached, InfraError> {
    match store.get(&session_key(session_id)).await {
        Ok(Some(value)) if value == REVOKED => Ok(Cached::Revoked),
        Ok(Some(value)) if value == user_id => Ok(Cached::Live),
        Ok(_) => Ok(Cached::Unknown),
        Err(InfraError::StoreUnavailable(cause)) => {
            tracing::warn!(%cause, "store unreachable: sessions checked in the database");
            Ok(Cached::Unknown)
        }
        Err(other) => Err(other),
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

/// Leaves the tombstone of a revoked session (after the database revoked it).
pub async fn forget(store: &Store, session_id: &str, access_token_ttl: Duration) -> Result<(), InfraError> {
    let written = store.set(&session_key(session_id), REVOKED, ttl(access_token_ttl)).await;
    unavailable_is_fine(written, "tombstone")
}
