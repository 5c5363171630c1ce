//! Transactions that keep the concurrency guarantees on both backends.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::Connection;

use super::DbConn;

type Manager = <DbConn as Connection>::TransactionManager;

/// The turn a database's write transactions take in this process, on SQLite. SQLite's busy
/// handler waits for the write lock by sleeping in growing steps (up to 100 ms) and in no
/// order, so under load a writer could wait long after the lock was free; writers of one
/// process instead queue on this lock and start the moment the previous one commits. Writers of
/// other processes still queue on the busy timeout.
#[derive(Debug, Clone, Default)]
pub(crate) struct Writers(std::sync::Arc<std::sync::Mutex<()>>);

thread_local! {
    /// The turn of the database whose work runs on this thread (`Database::run`).
    static WRITERS: std::cell::RefCell<Option<Writers>> = const { std::cell::RefCell::new(None) };
}

/// While alive, `write_tx` on this thread takes turns on its database's [`Writers`].
pub(crate) struct Entered(Option<Writers>);

impl Writers {
    pub(crate) fn enter(&self) -> Entered {
        Entered(WRITERS.with(|w| w.replace(Some(self.clone()))))
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.0.take();
        WRITERS.with(|w| *w.borrow_mut() = previous);
    }
}

/// Runs `work` in a transaction that intends to write.
///
/// On SQLite it begins `IMMEDIATE`, taking the write lock up front: a deferred transaction that
/// reads and then writes fails with SQLITE_BUSY at once when another writer got there first,
/// whatever the busy timeout, which would break every read-then-write rule. With the lock taken
/// first, writers queue instead: this process's in turn on its database's `Writers`, other
/// processes' on the busy timeout. PostgreSQL begins an ordinary transaction.
///
/// Must be the outermost transaction; inside it, `conn.transaction(..)` makes savepoints.
pub fn write_tx<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DieselError>,
{
    let writers = match conn {
        DbConn::Sqlite(_) => WRITERS.with(|w| w.borrow().clone()),
        DbConn::Pg(_) => None,
    };
    // Held until the transaction ends (a poisoned lock guards nothing of its own: take it).
    let _turn = writers.as_ref().map(|w| w.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
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

/// Serializes the transactions that name `key` until the calling one ends: a check-then-write
/// rule over rows that do not exist yet (a cap on entries still to be inserted) holds only when
/// its writers take turns. PostgreSQL takes a transaction-scoped advisory lock on the key's
/// hash; SQLite needs nothing, as `write_tx` began with the database's one write lock.
pub fn lock_key(conn: &mut DbConn, key: &str) -> Result<(), DieselError> {
    match conn {
        // Per-backend branch: only PostgreSQL runs writers side by side.
        DbConn::Pg(pg) => {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind::<diesel::sql_types::Text, _>(key)
                .execute(pg)?;
        }
        DbConn::Sqlite(_) => {}
    }
    Ok(())
}
