//! Rate limits. Counters live in the shared store, so every instance counts together; while the
//! store cannot be reached, each instance counts in its own memory instead — the limit then
//! holds per instance (looser by the number of instances, never open), and requests go on. A
//! refusal is 429 with `Retry-After` and the `X-RateLimit-*` headers.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::{HeaderName, HeaderValue};
use infra::store::{KvStore, MemoryStore, Store, WindowCount};
use infra::InfraError;

use crate::http::error::{ApiError, ErrorCode};

/// A limit: so many hits per window.
pub type Limit = (u64, Duration);

/// The error for an exhausted limit.
pub fn too_many(limit: u64, state: WindowCount) -> ApiError {
    let reset = state.resets_in.as_secs().max(1);
    ApiError::new(ErrorCode::RateLimited)
        .with_retry_after(reset)
        .with_header(HeaderName::from_static("x-ratelimit-limit"), HeaderValue::from(limit))
        .with_header(HeaderName::from_static("x-ratelimit-remaining"), HeaderValue::from(0u64))
        .with_header(HeaderName::from_static("x-ratelimit-reset"), HeaderValue::from(reset))
}

/// Refuses a counter past its limit.
pub fn check((limit, _): Limit, state: WindowCount) -> Result<WindowCount, ApiError> {
    if state.count > limit {
        return Err(too_many(limit, state));
    }
    Ok(state)
}

#[derive(Debug, Clone)]
pub struct Limiter {
    shared: Store,
    local: Arc<MemoryStore>,
}

impl Limiter {
    pub fn new(shared: Store) -> Self {
        Self { shared, local: Arc::new(MemoryStore::new()) }
    }

    async fn count(&self, key: &str, window: Duration) -> Result<WindowCount, ApiError> {
        match self.shared.hit(key, window).await {
            Err(InfraError::StoreUnavailable(cause)) => {
                tracing::warn!(%cause, "store unreachable: rate limits count in this instance only");
                Ok(self.local.hit(key, window).await?)
            }
            other => Ok(other?),
        }
    }

    /// Counts one hit on `key` and refuses once the window holds more than the limit. The hit
    /// is counted before anything is checked, so N parallel requests count N.
    pub async fn hit(&self, key: &str, limit: Limit) -> Result<WindowCount, ApiError> {
        let state = self.count(key, limit.1).await?;
        check(limit, state)
    }

    /// Counts one hit on each of `hits` and reads `gets` in one round trip (see
    /// `request_state`); nothing is refused here. While the store is away the hits count in
    /// this instance and nothing is read.
    pub async fn hit_and_get(
        &self,
        hits: &[(&str, Limit)],
        gets: &[&str],
    ) -> Result<(Vec<WindowCount>, Vec<Option<String>>), ApiError> {
        let windows: Vec<(&str, Duration)> = hits.iter().map(|(key, (_, window))| (*key, *window)).collect();
        match self.shared.hit_and_get(&windows, gets).await {
            Err(InfraError::StoreUnavailable(cause)) => {
                tracing::warn!(%cause, "store unreachable: rate limits count in this instance only");
                let (counts, _) = self.local.hit_and_get(&windows, &[]).await?;
                Ok((counts, vec![None; gets.len()]))
            }
            other => Ok(other?),
        }
    }

    /// Counts a guess of `account`'s password from `ip`, per account (strict) and per address
    /// (loose), before the guess is checked, so that parallel guesses cannot all slip under the
    /// limits. Past either limit: 429.
    pub async fn password_guess(
        &self,
        limits: &crate::config::Limits,
        account: &str,
        ip: Option<&str>,
    ) -> Result<PasswordGuess, ApiError> {
        let guess = PasswordGuess {
            account_key: format!("rl:login-fail:account:{account}"),
            ip_key: format!("rl:login-fail:ip:{}", ip.unwrap_or("unknown")),
        };
        self.hit(&guess.account_key, limits.login_failures_per_account).await?;
        self.hit(&guess.ip_key, limits.login_failures_per_ip).await?;
        Ok(guess)
    }
}

/// A counted password guess; see [`Limiter::password_guess`].
#[derive(Debug)]
pub struct PasswordGuess {
    account_key: String,
    ip_key: String,
}

impl PasswordGuess {
    /// The guess was right: the account's failures are forgotten, and the address's counter
    /// takes back this one hit (it counts failures, and a whole village shares one address).
    pub async fn was_right(self, limiter: &Limiter) -> Result<(), ApiError> {
        for store in [limiter.shared.as_ref(), limiter.local.as_ref() as &dyn KvStore] {
            match store.delete(&self.account_key).await.and(store.unhit(&self.ip_key).await) {
                Ok(()) | Err(InfraError::StoreUnavailable(_)) => {}
                Err(other) => return Err(other.into()),
            }
        }
        Ok(())
    }
}
