//! The key-value store: what Redis holds in the scale-out mode — sessions, rate-limit counters,
//! locks and short-lived caches — and an in-process map in the embedded mode. Both implement
//! [`KvStore`] and pass the same tests. Durable facts never go here; they go in the database.

mod memory;
mod redis_store;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub use memory::MemoryStore;
pub use redis_store::RedisStore;

use crate::InfraError;

/// A fixed-window counter's state after one increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    /// Hits in the current window, this one included.
    pub count: u64,
    /// Time until the window resets.
    pub resets_in: Duration,
}

#[async_trait]
pub trait KvStore: Send + Sync + std::fmt::Debug {
    async fn get(&self, key: &str) -> Result<Option<String>, InfraError>;
    /// Sets `key` to `value`, expiring after `ttl`.
    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), InfraError>;
    /// Sets `key` only if it is absent; returns whether it was set (locks, first-writer-wins).
    async fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, InfraError>;
    /// Deletes `key`; returns whether it existed.
    async fn delete(&self, key: &str) -> Result<bool, InfraError>;
    /// Deletes `key` only while it still holds `value` (releasing one's own lock, never another's).
    async fn delete_if_equals(&self, key: &str, value: &str) -> Result<bool, InfraError>;
    /// Counts a hit in the fixed window of length `window` that the first hit opened.
    async fn hit(&self, key: &str, window: Duration) -> Result<WindowCount, InfraError>;
    /// Takes back one hit of a window that is still open (an attempt that turned out not to
    /// count, such as a correct password); never below zero.
    async fn unhit(&self, key: &str) -> Result<(), InfraError>;
    /// Counts one hit on each of `hits` (as [`KvStore::hit`]) and reads each of `gets`, in one
    /// exchange with the store: what a request needs of the store before it runs (its rate
    /// limits, its session, its principal's version) costs one round trip.
    async fn hit_and_get(
        &self,
        hits: &[(&str, Duration)],
        gets: &[&str],
    ) -> Result<(Vec<WindowCount>, Vec<Option<String>>), InfraError>;
    /// Sets `key` to `value` unless it holds `unless` (a tombstone no later write may replace);
    /// returns whether it was set.
    async fn set_unless(&self, key: &str, value: &str, unless: &str, ttl: Duration) -> Result<bool, InfraError>;
    /// The state of a hit counter without counting, if its window is open.
    async fn counter(&self, key: &str) -> Result<Option<WindowCount>, InfraError>;
    /// Answers whether the store is reachable.
    async fn ping(&self) -> Result<(), InfraError>;
    /// Which implementation this is, for logs and `/readyz`.
    fn kind(&self) -> &'static str;
}

pub type Store = Arc<dyn KvStore>;

/// A lock held in the store: one holder at a time across every instance, released by its
/// holder or by expiry if the holder dies.
#[derive(Debug)]
pub struct StoreLock {
    store: Store,
    key: String,
    token: String,
}

impl StoreLock {
    /// Takes the lock `name` for at most `ttl`, if it is free.
    pub async fn try_acquire(store: &Store, name: &str, ttl: Duration) -> Result<Option<Self>, InfraError> {
        let key = format!("lock:{name}");
        let token = domain::new_id();
        if store.set_if_absent(&key, &token, ttl).await? {
            Ok(Some(Self { store: store.clone(), key, token }))
        } else {
            Ok(None)
        }
    }

    pub async fn release(self) -> Result<bool, InfraError> {
        self.store.delete_if_equals(&self.key, &self.token).await
    }
}

/// Connects the store `REDIS_URL` names, or the in-process one when there is none. Redis is
/// connected lazily, so the server starts (and reports not-ready) while Redis is down.
pub fn open(redis_url: Option<&str>, prefix: &str) -> Result<Store, InfraError> {
    match redis_url {
        Some(url) => Ok(Arc::new(RedisStore::new(url, prefix)?)),
        None => Ok(Arc::new(MemoryStore::new())),
    }
}
