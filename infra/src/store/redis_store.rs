//! The Redis store of the scale-out mode. Every key carries the configured prefix, so several
//! deployments (or test runs) can share one Redis.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};
use tokio::sync::OnceCell;

use super::{KvStore, WindowCount};
use crate::InfraError;

const TIMEOUT: Duration = Duration::from_secs(2);

pub struct RedisStore {
    client: redis::Client,
    prefix: String,
    conn: OnceCell<ConnectionManager>,
    delete_if_equals: Script,
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
        })
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
        Ok(self.conn().await?.get(self.key(key)).await?)
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), InfraError> {
        let mut conn = self.conn().await?;
        redis::cmd("SET").arg(self.key(key)).arg(value).arg("PX").arg(millis(ttl)).query_async::<()>(&mut conn).await?;
        Ok(())
    }

    async fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, InfraError> {
        let mut conn = self.conn().await?;
        let set: Option<String> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut conn)
            .await?;
        Ok(set.is_some())
    }

    async fn delete(&self, key: &str) -> Result<bool, InfraError> {
        let removed: u64 = self.conn().await?.del(self.key(key)).await?;
        Ok(removed > 0)
    }

    async fn delete_if_equals(&self, key: &str, value: &str) -> Result<bool, InfraError> {
        let mut conn = self.conn().await?;
        let removed: u64 = self.delete_if_equals.key(self.key(key)).arg(value).invoke_async(&mut conn).await?;
        Ok(removed > 0)
    }

    async fn hit(&self, key: &str, window: Duration) -> Result<WindowCount, InfraError> {
        let mut conn = self.conn().await?;
        let key = self.key(key);
        // One round trip, atomic: count, open the window on the first hit (NX), read what is left.
        let (count, _, ttl_ms): (u64, i64, i64) = redis::pipe()
            .atomic()
            .incr(&key, 1)
            .cmd("PEXPIRE")
            .arg(&key)
            .arg(millis(window))
            .arg("NX")
            .cmd("PTTL")
            .arg(&key)
            .query_async(&mut conn)
            .await?;
        let resets_in = Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0));
        Ok(WindowCount { count, resets_in })
    }

    async fn counter(&self, key: &str) -> Result<Option<WindowCount>, InfraError> {
        let mut conn = self.conn().await?;
        let key = self.key(key);
        let (count, ttl_ms): (Option<u64>, i64) =
            redis::pipe().get(&key).cmd("PTTL").arg(&key).query_async(&mut conn).await?;
        Ok(count
            .map(|count| WindowCount { count, resets_in: Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0)) }))
    }

    async fn ping(&self) -> Result<(), InfraError> {
        let mut conn = self.conn().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await?;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}
