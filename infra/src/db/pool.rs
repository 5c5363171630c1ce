//! The bounded connection pool, and running blocking database work off the async executor.

use std::sync::{Arc, PoisonError, RwLock};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::{Backend, DbConn, DbOptions, DbTarget};
use crate::error::ConnectionLoss;
use crate::InfraError;

/// Opens connections of the configured backend. SQLite connections get their pragmas here, when
/// the pool opens them: WAL so readers never block the writer, a busy timeout so writers queue
/// instead of failing, foreign keys on.
#[derive(Debug)]
pub struct Connector {
    target: DbTarget,
    options: DbOptions,
}

impl ManageConnection for Connector {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self.target.backend {
            Backend::Postgres => {
                let url = with_connect_timeout(&self.target.location, &self.options);
                let conn = PgConnection::establish(&url).map_err(r2d2::Error::ConnectionError)?;
                Ok(DbConn::Pg(conn))
            }
            Backend::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.target.location).map_err(r2d2::Error::ConnectionError)?;
                let busy_ms = self.options.sqlite_busy_timeout.as_millis();
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {busy_ms}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

fn with_connect_timeout(url: &str, options: &DbOptions) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}connect_timeout={}", options.connect_timeout.as_secs().max(1))
}

/// A connection checked out of the pool; it goes back when dropped.
pub type PooledConn = r2d2::PooledConnection<Connector>;

/// The database handle the application shares: a pool and what it was opened on.
///
/// When a statement finds its connection lost (the server restarted, or an administrator ended
/// the sessions), the other pooled connections are almost surely dead too. Rather than let each
/// fail one request in turn, the pool is replaced by a fresh one: requests already holding a
/// connection finish on the old pool, which closes when they are done.
#[derive(Clone)]
pub struct Database {
    /// The pool and its generation (how many times it was renewed).
    pool: Arc<RwLock<(r2d2::Pool<Connector>, u64)>>,
    target: Arc<DbTarget>,
    options: DbOptions,
    /// SQLite: this process's write transactions take turns here (see `write_tx`).
    writers: super::tx::Writers,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("target", &self.target).finish()
    }
}

fn new_pool(target: &DbTarget, options: &DbOptions) -> r2d2::Pool<Connector> {
    r2d2::Pool::builder()
        .max_size(options.max_connections)
        .min_idle(Some(0))
        .connection_timeout(options.checkout_timeout)
        .test_on_check_out(false)
        .build_unchecked(Connector { target: target.clone(), options: options.clone() })
}

impl Database {
    /// Builds the pool without connecting: the server starts (and reports not-ready) even while
    /// the database is down. For SQLite the file's directory is created.
    pub fn open(url: &str, options: DbOptions) -> Result<Self, InfraError> {
        let target = DbTarget::parse(url)?;
        if target.backend == Backend::Sqlite {
            if let Some(dir) = std::path::Path::new(&target.location).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| InfraError::Config(format!("cannot create {}: {e}", dir.display())))?;
                }
            }
        }
        let pool = new_pool(&target, &options);
        let writers = super::tx::Writers::default();
        Ok(Self { pool: Arc::new(RwLock::new((pool, 0))), target: Arc::new(target), options, writers })
    }

    fn current_pool(&self) -> (r2d2::Pool<Connector>, u64) {
        self.pool.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// A connection of pool `generation` was found lost: start a fresh pool, unless another
    /// request already did (connections of the old pool failing later change nothing).
    fn renew_after_lost_connection(&self, generation: u64) {
        let mut pool = self.pool.write().unwrap_or_else(PoisonError::into_inner);
        if pool.1 == generation {
            tracing::warn!("a database connection was lost: the pool starts afresh");
            *pool = (new_pool(&self.target, &self.options), generation + 1);
        }
    }

    pub fn backend(&self) -> Backend {
        self.target.backend
    }

    pub fn target(&self) -> &DbTarget {
        &self.target
    }

    /// A pooled connection for blocking code (migrations, jobs already off the executor).
    pub fn get(&self) -> Result<PooledConn, InfraError> {
        self.get_within(self.options.checkout_timeout)
    }

    fn get_within(&self, timeout: std::time::Duration) -> Result<r2d2::PooledConnection<Connector>, InfraError> {
        self.checkout(timeout).map(|(conn, _)| conn)
    }

    fn checkout(&self, timeout: std::time::Duration) -> Result<(PooledConn, u64), InfraError> {
        let (pool, generation) = self.current_pool();
        let conn = pool.get_timeout(timeout).map_err(|e| InfraError::DbUnavailable(e.to_string()))?;
        Ok((conn, generation))
    }

    /// Runs blocking database work on the blocking thread pool, never on the async executor.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<InfraError> + ConnectionLoss + Send + 'static,
    {
        let db = self.clone();
        // Keep the request's span (and its request id) on whatever the work logs.
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            span.in_scope(|| {
                let (mut conn, generation) = db.checkout(db.options.checkout_timeout)?;
                let outcome = {
                    let _writers = db.writers.enter();
                    work(&mut conn)
                };
                if outcome.as_ref().is_err_and(ConnectionLoss::connection_lost) {
                    db.renew_after_lost_connection(generation);
                }
                outcome
            })
        })
        .await
        .map_err(|e| E::from(InfraError::Task(e.to_string())))?
    }

    /// Answers whether a connection can be had and answers `SELECT 1`, within `timeout`.
    pub async fn ping(&self, timeout: std::time::Duration) -> Result<(), InfraError> {
        let db = self.clone();
        let check = tokio::task::spawn_blocking(move || {
            let mut conn = db.get_within(timeout)?;
            conn.batch_execute("SELECT 1").map_err(InfraError::from)
        });
        match tokio::time::timeout(timeout, check).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(InfraError::Task(join.to_string())),
            Err(_) => Err(InfraError::DbUnavailable("no answer in time".into())),
        }
    }
}
