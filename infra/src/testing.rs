//! Throwaway databases and store prefixes for tests (enabled by the `testing` feature).
//!
//! Which backend a test run uses is the environment's choice, so the same test bodies run on
//! both: with `YISHI_TEST_DATABASE_URL=postgres://…` each test gets a fresh PostgreSQL database
//! (dropped afterwards); without it, a fresh SQLite file. With `YISHI_TEST_REDIS_URL` each test
//! gets the Redis store under its own key prefix; without it, the in-process store. When the
//! variables are set and the servers cannot be reached, tests fail; they never skip.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::db::{Backend, DbTarget};
use crate::store::{self, Store};

pub const DATABASE_ENV: &str = "YISHI_TEST_DATABASE_URL";
pub const REDIS_ENV: &str = "YISHI_TEST_REDIS_URL";

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// Creates an empty database on the backend the environment chose.
    ///
    /// # Panics
    /// When PostgreSQL was asked for and cannot be reached: a test must fail, not skip.
    #[allow(clippy::expect_used)]
    pub fn create() -> Self {
        let tag = uuid::Uuid::now_v7().simple().to_string();
        match std::env::var(DATABASE_ENV).ok().filter(|u| !u.trim().is_empty()) {
            Some(admin_url) => {
                let admin_url = plain_on_loopback(&admin_url);
                let target = DbTarget::parse(&admin_url).expect("YISHI_TEST_DATABASE_URL must parse");
                assert_eq!(target.backend, Backend::Postgres, "{DATABASE_ENV} must be a postgres:// URL");
                let name = format!("yishi_t_{tag}");
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL for tests: {e}"));
                admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("admin URL parses");
                url.set_path(&format!("/{name}"));
                Self { url: url.to_string(), cleanup: Cleanup::Postgres { admin_url, name } }
            }
            None => {
                let dir = std::env::temp_dir().join("yishi-tests").join(&tag);
                std::fs::create_dir_all(&dir).expect("create test directory");
                let url = format!("sqlite://{}", dir.join("yishi.db").display());
                Self { url, cleanup: Cleanup::Sqlite(dir) }
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self.cleanup {
            Cleanup::Sqlite(_) => Backend::Sqlite,
            Cleanup::Postgres { .. } => Backend::Postgres,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// The Redis URL tests should use, if the environment names one.
/// Test databases on this machine are reached without TLS unless the URL asks for it.
///
/// The bundled libpq links the system OpenSSL, whose exit handler frees its global state while
/// the in-process test servers of a finished test binary may still be closing pooled TLS
/// connections on their own threads: a `double free` abort after every test had passed. A
/// loopback connection gains nothing from TLS, so tests leave OpenSSL out of it.
pub fn plain_on_loopback(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else { return url.to_owned() };
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "::1" | "[::1]") | None);
    if !loopback || parsed.query_pairs().any(|(key, _)| key == "sslmode") {
        return url.to_owned();
    }
    parsed.query_pairs_mut().append_pair("sslmode", "disable");
    parsed.to_string()
}

pub fn redis_url() -> Option<String> {
    std::env::var(REDIS_ENV).ok().filter(|u| !u.trim().is_empty())
}

/// A key prefix no other test uses.
pub fn store_prefix() -> String {
    format!("yishi-test:{}:", uuid::Uuid::now_v7().simple())
}

/// The store the environment chose, under a fresh prefix.
///
/// # Panics
/// When the Redis URL does not parse.
#[allow(clippy::expect_used)]
pub fn test_store() -> Store {
    store::open(redis_url().as_deref(), &store_prefix()).expect("test store opens")
}

/// The tables, for tests that check what a request wrote (outside tests, `schema` is private to
/// infra: only its features' queries and services name a table).
pub mod schema {
    pub use crate::schema::*;
}

/// Runs `work` on `conn` and counts the SQL statements it sends: the round trips a request
/// costs, measured rather than claimed.
pub fn count_statements<T>(conn: &mut crate::DbConn, work: impl FnOnce(&mut crate::DbConn) -> T) -> (T, usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use diesel::connection::{Instrumentation, InstrumentationEvent};

    let counted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&counted);
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let out = work(conn);
    conn.set_instrumentation(None::<Box<dyn Instrumentation>>);
    (out, counted.load(Ordering::SeqCst))
}
