//! Planner statistics. A query whose best plan depends on how many rows a table or an index
//! range holds (the case list walking `case_units` in order, never sorting a township's cases)
//! needs them current: on SQLite they exist only where `ANALYZE` wrote them (`sqlite_stat1`),
//! so the server refreshes them after migrating and periodically; PostgreSQL's autovacuum
//! keeps its own current, and the server analyzes once after migrations that changed the
//! schema (new tables and backfills are otherwise unanalyzed until autovacuum gets to them).

use diesel::connection::SimpleConnection;

use super::DbConn;
use crate::InfraError;

/// After migrations: on SQLite `PRAGMA optimize=0x10002` (every table checked, `ANALYZE` run
/// with a bounded analysis limit where the statistics are missing or stale); on PostgreSQL
/// `ANALYZE` when a migration was applied.
pub fn after_migrations(conn: &mut DbConn, applied: &[String]) -> Result<(), InfraError> {
    // Per-backend branch: each backend keeps its statistics its own way.
    match conn {
        DbConn::Sqlite(sqlite) => sqlite.batch_execute("PRAGMA analysis_limit = 400; PRAGMA optimize = 0x10002")?,
        DbConn::Pg(pg) if !applied.is_empty() => pg.batch_execute("ANALYZE")?,
        DbConn::Pg(_) => {}
    }
    Ok(())
}

/// The periodic refresh (a job under the job lease, every minute): SQLite re-analyzes the
/// tables whose size changed about tenfold or more since their last analysis (`PRAGMA
/// optimize=0x10002`, which only compares sizes otherwise; 10k → 100k cases is re-analyzed),
/// sampling at most `analysis_limit` rows per index so a pass stays short. Statistics taken on a fresh
/// database describe tables of a few rows; until they are retaken, a list with filters may be
/// planned as a scan and a sort. PostgreSQL leaves it to autovacuum's analyze.
pub fn refresh(conn: &mut DbConn) -> Result<usize, InfraError> {
    // Per-backend branch: autovacuum already does this on PostgreSQL.
    match conn {
        DbConn::Sqlite(sqlite) => {
            sqlite.batch_execute("PRAGMA analysis_limit = 400; PRAGMA optimize = 0x10002")?;
            Ok(1)
        }
        DbConn::Pg(_) => Ok(0),
    }
}
