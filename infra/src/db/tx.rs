//! Transactions that keep the concurrency guarantees on both backends.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::Connection;

use super::DbConn;

type Manager = <DbConn as Connection>::TransactionManager;

/// Runs `work` in a transaction that intends to write.
///
/// On SQLite it begins `IMMEDIATE`, taking the write lock up front: a deferred transaction that
/// reads and then writes fails with SQLITE_BUSY at once when another writer got there first,
/// whatever the busy timeout, which would break every read-then-write rule. With the lock taken
/// first, writers queue on the busy timeout instead. PostgreSQL begins an ordinary transaction.
///
/// Must be the outermost transaction; inside it, `conn.transaction(..)` makes savepoints.
pub fn write_tx<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DieselError>,
{
    match conn {
        // Per-backend branch: only SQLite has (and needs) BEGIN IMMEDIATE.
        DbConn::Sqlite(sqlite) => AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?,
        DbConn::Pg(_) => Manager::begin_transaction(conn)?,
    }
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            // The work's error is the one worth reporting; a failed rollback leaves the
            // connection marked broken, and the pool discards it.
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                tracing::warn!(error = %rollback, "rollback failed");
            }
            Err(error)
        }
    }
}

/// What [`insert_unique`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    New,
    /// A row with the same unique key already existed; nothing was written.
    Duplicate,
}

/// Runs an insert in a savepoint and reports a unique-key collision as [`Inserted::Duplicate`]
/// instead of an error, leaving the surrounding transaction usable (PostgreSQL aborts the whole
/// transaction on an error unless a savepoint contains it). This stands in for `ON CONFLICT`,
/// which the multi-backend connection cannot express.
pub fn insert_unique<F>(conn: &mut DbConn, insert: F) -> Result<Inserted, DieselError>
where
    F: FnOnce(&mut DbConn) -> Result<usize, DieselError>,
{
    match conn.transaction(insert) {
        Ok(_) => Ok(Inserted::New),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(Inserted::Duplicate),
        Err(other) => Err(other),
    }
}
