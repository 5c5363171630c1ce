//! Embedded migrations, one folder per backend with the same names.

use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{write_tx, DbConn};
use crate::InfraError;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The PostgreSQL advisory lock key that serializes migrations across instances starting at
/// once ("yishi" in ASCII).
pub const MIGRATION_LOCK_KEY: i64 = 0x0079_6973_6869;

/// Applies pending migrations; returns the versions applied. On PostgreSQL an advisory lock
/// makes several instances starting together safe: one migrates, the others wait and find
/// nothing left to do. On SQLite an immediate write transaction does the same.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>, InfraError> {
    // Per-backend branch: each backend has its own migration folder and its own harness.
    match conn {
        DbConn::Pg(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let result = pg.run_pending_migrations(POSTGRES).map(versions);
            pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            result.map_err(|e| InfraError::Migration(e.to_string()))
        }
        // SQLite: read what is applied and apply the rest under one write lock, so instances
        // (or processes) starting together never both apply the same migration.
        DbConn::Sqlite(_) => write_tx(conn, |conn| {
            let DbConn::Sqlite(sqlite) = conn else {
                return Err(InfraError::Migration("connection changed backend".into()));
            };
            sqlite.run_pending_migrations(SQLITE).map(versions).map_err(|e| InfraError::Migration(e.to_string()))
        }),
    }
}

/// Runs `work` in a write transaction that is serialized with every other instance's startup
/// work: migrations, and the data loaded with them (the shipped working-day calendar, the demo
/// county, the bootstrap administrator). On PostgreSQL it takes the migration lock for the
/// transaction (`pg_advisory_xact_lock`, released at commit or rollback), so replicas starting
/// together on an empty database load each thing once: the second finds the first's rows
/// committed instead of both inserting them. On SQLite the write transaction's `IMMEDIATE` lock
/// already serializes it.
///
/// `work` must read what is there before it writes; the lock makes that read-then-write safe.
pub fn setup_tx<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    write_tx(conn, |conn| {
        // Per-backend branch: only PostgreSQL needs a lock beyond the write transaction's own.
        if let DbConn::Pg(pg) = conn {
            pg.batch_execute(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))?;
        }
        work(conn)
    })
}

/// Reverts every applied migration (tests and operators rolling back).
pub fn revert_all(conn: &mut DbConn) -> Result<Vec<String>, InfraError> {
    let reverted = match conn {
        DbConn::Pg(pg) => pg.revert_all_migrations(POSTGRES).map(versions),
        DbConn::Sqlite(sqlite) => sqlite.revert_all_migrations(SQLITE).map(versions),
    };
    reverted.map_err(|e| InfraError::Migration(e.to_string()))
}

/// The versions applied so far.
pub fn applied_migrations(conn: &mut DbConn) -> Result<Vec<String>, InfraError> {
    let applied = match conn {
        DbConn::Pg(pg) => pg.applied_migrations(),
        DbConn::Sqlite(sqlite) => sqlite.applied_migrations(),
    };
    applied
        .map(|list| list.into_iter().map(|v| v.to_string()).collect())
        .map_err(|e| InfraError::Migration(e.to_string()))
}

fn versions(list: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    list.into_iter().map(|v| v.to_string()).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeSet;

    fn migration_names(backend: &str) -> BTreeSet<String> {
        let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| {
                let path = entry.unwrap().path();
                for file in ["up.sql", "down.sql"] {
                    assert!(path.join(file).is_file(), "{} lacks {file}", path.display());
                }
                path.file_name().unwrap().to_string_lossy().into_owned()
            })
            .collect()
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let sqlite = migration_names("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, migration_names("postgres"));
    }
}
