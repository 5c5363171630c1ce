//! The Redis store of the scale-out mode. Every key carries the configured prefix, so several
//! deployments (or test runs) can share one Redis.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};
use tokio::sync::OnceCell;

use super::{KvStore, WindowCount};
use crate::InfraError;

const TIMEOUT: Duration = Duration::from_secs(2);
/// After Redis fails to answer, calls fail at once for this long instead of each waiting out
/// the timeout: a Redis outage must not make every request slow as well as degraded.
const REST_AFTER_FAILURE: Duration = Duration::from_secs(1);

pub struct RedisStore {
    client: redis::Client,
    prefix: String,
    conn: OnceCell<ConnectionManager>,
    delete_if_equals: Script,
    unhit: Script,
    set_unless: Script,
    resting_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("prefix", &self.prefix).finish()
    }
}

impl RedisStore {
    pub fn new(url: &str, prefix: &str) -> Result<Self, InfraError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            prefix: prefix.to_owned(),
            conn: OnceCell::new(),
            delete_if_equals: Script::new(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
            ),
            // Takes back one hit of a window still open; never below zero, never opens one.
            unhit: Script::new(
                "local v = tonumber(redis.call('GET', KEYS[1])) if v and v > 0 then return redis.call('DECR', KEYS[1]) else return 0 end",
            ),
            // Sets unless the key holds the tombstone ARGV[2].
            set_unless: Script::new(
                "if redis.call('GET', KEYS[1]) == ARGV[2] then return 0 end redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) return 1",
            ),
            resting_until: Mutex::new(None),
        })
    }

    fn resting(&self) -> bool {
        let until = self.resting_until.lock().unwrap_or_else(PoisonError::into_inner);
        until.is_some_and(|t| Instant::now() < t)
    }

    fn rest(&self) {
        *self.resting_until.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now() + REST_AFTER_FAILURE);
    }

    /// Runs one exchange with Redis; a failure to reach it rests the store briefly.
    async fn with_conn<T, F, Fut>(&self, exchange: F) -> Result<T, InfraError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = Result<T, redis::RedisError>>,
    {
        if self.resting() {
            return Err(InfraError::StoreUnavailable("redis failed moments ago; not retried yet".into()));
        }
        let outcome = match self.conn().await {
            Ok(conn) => exchange(conn).await.map_err(InfraError::from),
            Err(e) => Err(e),
        };
        if let Err(InfraError::StoreUnavailable(_)) = &outcome {
            self.rest();
        }
        outcome
    }

    async fn conn(&self) -> Result<ConnectionManager, InfraError> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(TIMEOUT))
                    .set_response_timeout(Some(TIMEOUT))
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(self.client.clone(), config).await
            })
            .await?;
        Ok(conn.clone())
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[async_trait]
impl KvStore for RedisStore {
    async fn get(&self, key: &str) -> Result<Option<String>, InfraError> {
        let key = self.key(key);
        self.with_conn(|mut conn| async move { conn.get(key).await }).await
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), InfraError> {
        let key = self.key(key);
        self.with_conn(|mut conn| async move {
            redis::cmd("SET").arg(key).arg(value).arg("PX").arg(millis(ttl)).query_async::<()>(&mut conn).await
        })
        .await
    }

    async fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, InfraError> {
        let key = self.key(key);
        let set: Option<String> = self
            .with_conn(|mut conn| async move {
                redis::cmd("SET").arg(key).arg(value).arg("NX").arg("PX").arg(millis(ttl)).query_async(&mut conn).await
            })
            .await?;
        Ok(set.is_some())
    }

    async fn delete(&self, key: &str) -> Result<bool, InfraError> {
        let key = self.key(key);
        let removed: u64 = self.with_conn(|mut conn| async move { conn.del(key).await }).await?;
        Ok(removed > 0)
    }

    async fn delete_if_equals(&self, key: &str, value: &str) -> Result<bool, InfraError> {
        let key = self.key(key);
        let script = &self.delete_if_equals;
        let removed: u64 =
            self.with_conn(|mut conn| async move { script.key(key).arg(value).invoke_async(&mut conn).await }).await?;
        Ok(removed > 0)
    }

    async fn hit(&self, key: &str, window: Duration) -> Result<WindowCount, InfraError> {
        let key = self.key(key);
        // One round trip, atomic: count, open the window on the first hit (NX), read what is left.
        let (count, _, ttl_ms): (u64, i64, i64) = self
            .with_conn(|mut conn| async move {
                redis::pipe()
                    .atomic()
                    .incr(&key, 1)
                    .cmd("PEXPIRE")
                    .arg(&key)
                    .arg(millis(window))
                    .arg("NX")
                    .cmd("PTTL")
                    .arg(&key)
                    .query_async(&mut conn)
                    .await
            })
            .await?;
        let resets_in = Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0));
        Ok(WindowCount { count, resets_in })
    }

    async fn hit_and_get(
        &self,
        hits: &[(&str, Duration)],
        gets: &[&str],
    ) -> Result<(Vec<WindowCount>, Vec<Option<String>>), InfraError> {
        let hit_keys: Vec<(String, Duration)> = hits.iter().map(|(k, w)| (self.key(k), *w)).collect();
        let get_keys: Vec<String> = gets.iter().map(|k| self.key(k)).collect();
        // One pipeline, one round trip; the counters atomically as in `hit`.
        let replies: Vec<redis::Value> = self
            .with_conn(|mut conn| async move {
                let mut pipe = redis::pipe();
                pipe.atomic();
                for (key, window) in &hit_keys {
                    pipe.incr(key, 1).cmd("PEXPIRE").arg(key).arg(millis(*window)).arg("NX").cmd("PTTL").arg(key);
                }
                for key in &get_keys {
                    pipe.get(key);
                }
                pipe.query_async(&mut conn).await
            })
            .await?;
        let parse = |e: redis::ParsingError| InfraError::Store(e.to_string());
        let mut replies = replies.into_iter();
        let mut counts = Vec::with_capacity(hits.len());
        for _ in hits {
            let count: u64 = redis::from_redis_value(replies.next().unwrap_or(redis::Value::Nil)).map_err(parse)?;
            replies.next();
            let ttl_ms: i64 = redis::from_redis_value(replies.next().unwrap_or(redis::Value::Nil)).map_err(parse)?;
            counts.push(WindowCount { count, resets_in: Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0)) });
        }
        let values =
            replies.map(redis::from_redis_value::<Option<String>>).collect::<Result<Vec<_>, _>>().map_err(parse)?;
        Ok((counts, values))
    }

    async fn set_unless(&self, key: &str, value: &str, unless: &str, ttl: Duration) -> Result<bool, InfraError> {
        let key = self.key(key);
        let script = &self.set_unless;
        let set: i64 = self
            .with_conn(|mut conn| async move {
                script.key(key).arg(value).arg(unless).arg(millis(ttl)).invoke_async(&mut conn).await
            })
            .await?;
        Ok(set == 1)
    }

    async fn unhit(&self, key: &str) -> Result<(), InfraError> {
        let key = self.key(key);
        let script = &self.unhit;
        self.with_conn(|mut conn| async move { script.key(key).invoke_async::<i64>(&mut conn).await }).await?;
        Ok(())
    }

    async fn counter(&self, key: &str) -> Result<Option<WindowCount>, InfraError> {
        let key = self.key(key);
        let (count, ttl_ms): (Option<u64>, i64) = self
            .with_conn(
                |mut conn| async move { redis::pipe().get(&key).cmd("PTTL").arg(&key).query_async(&mut conn).await },
            )
            .await?;
        Ok(count
            .map(|count| WindowCount { count, resets_in: Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0)) }))
    }

    async fn ping(&self) -> Result<(), InfraError> {
        self.with_conn(|mut conn| async move { redis::cmd("PING").query_async::<String>(&mut conn).await }).await?;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}
