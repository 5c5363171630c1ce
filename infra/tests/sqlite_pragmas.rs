//! SQLite's connection settings, on SQLite whatever backend the test run chose: a SQLite-only
//! fact is tested once, in the backend-independent run, not skipped on the PostgreSQL run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::prelude::*;
use yishi_infra::{Database, DbOptions};

#[derive(QueryableByName, Debug)]
struct Pragma {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// Every pooled SQLite connection runs in WAL mode with a busy timeout and foreign keys on.
#[test]
fn pooled_sqlite_connections_get_their_pragmas() {
    let dir = std::env::temp_dir().join(format!("yishi-pragmas-{}", uuid::Uuid::now_v7().simple()));
    let database = Database::open(&format!("sqlite://{}", dir.join("y.db").display()), DbOptions::default()).unwrap();
    let mut conn = database.get().unwrap();
    let mut read = |sql: &str| diesel::sql_query(sql).get_result::<Pragma>(&mut *conn).unwrap().value;
    assert_eq!(read("SELECT journal_mode AS value FROM pragma_journal_mode"), "wal");
    assert_eq!(read("SELECT CAST(foreign_keys AS TEXT) AS value FROM pragma_foreign_keys"), "1");
    assert_eq!(read("SELECT CAST(timeout AS TEXT) AS value FROM pragma_busy_timeout"), "5000");
    assert_eq!(read("SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous"), "1", "NORMAL");
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}
