//! The in-process store of the embedded mode: one map behind a mutex, with expiry.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{KvStore, WindowCount};
use crate::InfraError;

#[derive(Debug)]
struct Entry {
    value: String,
    expires_at: Instant,
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Entry>>,
}

/// Past this many keys, a write first sweeps out the expired ones, so the map stays bounded by
/// what is live.
const SWEEP_ABOVE: usize = 10_000;

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn with_live<T>(&self, f: impl FnOnce(&mut HashMap<String, Entry>, Instant) -> T) -> T {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if entries.len() > SWEEP_ABOVE {
            entries.retain(|_, e| e.expires_at > now);
        }
        f(&mut entries, now)
    }
}

fn live<'a>(entries: &'a HashMap<String, Entry>, key: &str, now: Instant) -> Option<&'a Entry> {
    entries.get(key).filter(|e| e.expires_at > now)
}

#[async_trait]
impl KvStore for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<String>, InfraError> {
        Ok(self.with_live(|entries, now| live(entries, key, now).map(|e| e.value.clone())))
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), InfraError> {
        self.with_live(|entries, now| {
            entries.insert(key.to_owned(), Entry { value: value.to_owned(), expires_at: now + ttl });
        });
        Ok(())
    }

    async fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, InfraError> {
        Ok(self.with_live(|entries, now| {
            if live(entries, key, now).is_some() {
                return false;
            }
            entries.insert(key.to_owned(), Entry { value: value.to_owned(), expires_at: now + ttl });
            true
        }))
    }

    async fn delete(&self, key: &str) -> Result<bool, InfraError> {
        Ok(self.with_live(|entries, now| entries.remove(key).is_some_and(|e| e.expires_at > now)))
    }

    async fn delete_if_equals(&self, key: &str, value: &str) -> Result<bool, InfraError> {
        Ok(self.with_live(|entries, now| {
            if live(entries, key, now).is_some_and(|e| e.value == value) {
                entries.remove(key);
                true
            } else {
                false
            }
        }))
    }

    async fn hit(&self, key: &str, window: Duration) -> Result<WindowCount, InfraError> {
        Ok(self.with_live(|entries, now| {
            let entry =
                entries.entry(key.to_owned()).or_insert_with(|| Entry { value: "0".into(), expires_at: now + window });
            if entry.expires_at <= now {
                *entry = Entry { value: "0".into(), expires_at: now + window };
            }
            let count = entry.value.parse::<u64>().unwrap_or(0) + 1;
            entry.value = count.to_string();
            WindowCount { count, resets_in: entry.expires_at.saturating_duration_since(now) }
        }))
    }

    async fn hit_and_get(
        &self,
        hits: &[(&str, Duration)],
        gets: &[&str],
    ) -> Result<(Vec<WindowCount>, Vec<Option<String>>), InfraError> {
        let mut counts = Vec::with_capacity(hits.len());
        for (key, window) in hits {
            counts.push(self.hit(key, *window).await?);
        }
        let values = self
            .with_live(|entries, now| gets.iter().map(|k| live(entries, k, now).map(|e| e.value.clone())).collect());
        Ok((counts, values))
    }

    async fn set_unless(&self, key: &str, value: &str, unless: &str, ttl: Duration) -> Result<bool, InfraError> {
        Ok(self.with_live(|entries, now| {
            if live(entries, key, now).is_some_and(|e| e.value == unless) {
                return false;
            }
            entries.insert(key.to_owned(), Entry { value: value.to_owned(), expires_at: now + ttl });
            true
        }))
    }

    async fn unhit(&self, key: &str) -> Result<(), InfraError> {
        self.with_live(|entries, now| {
            if let Some(entry) = entries.get_mut(key).filter(|e| e.expires_at > now) {
                let count = entry.value.parse::<u64>().unwrap_or(0).saturating_sub(1);
                entry.value = count.to_string();
            }
        });
        Ok(())
    }

    async fn counter(&self, key: &str) -> Result<Option<WindowCount>, InfraError> {
        Ok(self.with_live(|entries, now| {
            live(entries, key, now).map(|e| WindowCount {
                count: e.value.parse().unwrap_or(0),
                resets_in: e.expires_at.saturating_duration_since(now),
            })
        }))
    }

    async fn ping(&self) -> Result<(), InfraError> {
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}
