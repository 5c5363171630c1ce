//! `Idempotency-Key` records (API.md): the first answer to a creating POST is stored in the
//! same transaction as what it created, so a retry gets the same answer and creates nothing,
//! and a crash can never keep one without the other.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use sha2::{Digest, Sha256};

use crate::db::{write_tx, Database, DbConn};
use crate::schema::idempotency_keys::dsl as k;
use crate::InfraError;

/// A client's key, scoped to who sent it, with a digest of what was sent. Only digests are
/// stored, each keyed by the client's key: a record names no caller and gives no way to guess
/// what was sent, so the record of a secret ballot does not link the voter to the stored answer
/// (its receipt and choices) for anyone who reads the table without the client's key.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    /// sha256 over whose key this is (a user id, or the route for anonymous callers) and the
    /// key: keys of different callers never collide.
    pub scope: String,
    /// sha256 over the key.
    pub key: String,
    /// sha256 over the key, the method and path, and the body.
    pub request_hash: String,
}

fn digest(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

impl IdempotencyKey {
    pub fn new(scope: impl Into<String>, key: impl Into<String>, method_path: &str, body: &[u8]) -> Self {
        let (scope, key) = (scope.into(), key.into());
        Self {
            scope: digest(&[b"scope", scope.as_bytes(), key.as_bytes()]),
            key: digest(&[b"key", key.as_bytes()]),
            request_hash: digest(&[b"request", key.as_bytes(), method_path.as_bytes(), body]),
        }
    }
}

/// The stored first answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// What an idempotent creation came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Created now.
    Created(StoredResponse),
    /// An earlier request with this key created it; this is its answer.
    Replayed(StoredResponse),
}

impl Outcome {
    pub fn response(&self) -> &StoredResponse {
        match self {
            Outcome::Created(r) | Outcome::Replayed(r) => r,
        }
    }
}

/// Why an idempotent creation did not happen.
#[derive(Debug)]
pub enum IdempotencyError<E> {
    /// The key was used before with a different request.
    KeyReused,
    /// The creation itself failed; nothing was recorded.
    Failed(E),
}

impl<E: From<DieselError>> From<DieselError> for IdempotencyError<E> {
    fn from(error: DieselError) -> Self {
        Self::Failed(E::from(error))
    }
}

/// How one transaction attempt ended.
enum TxError<E> {
    KeyReused,
    Failed(E),
    /// Another request with the same key committed first; its answer is now readable.
    LostRace,
}

impl<E: From<InfraError>> From<DieselError> for TxError<E> {
    fn from(error: DieselError) -> Self {
        Self::Failed(E::from(InfraError::from(error)))
    }
}

impl<E: crate::error::ConnectionLoss> crate::error::ConnectionLoss for TxError<E> {
    fn connection_lost(&self) -> bool {
        matches!(self, Self::Failed(e) if e.connection_lost())
    }
}

impl<E: From<InfraError>> From<InfraError> for TxError<E> {
    fn from(error: InfraError) -> Self {
        Self::Failed(E::from(error))
    }
}

fn find(conn: &mut DbConn, key: &IdempotencyKey) -> Result<Option<(String, StoredResponse)>, DieselError> {
    k::idempotency_keys
        .filter(k::scope.eq(&key.scope))
        .filter(k::idem_key.eq(&key.key))
        .select((k::request_hash, k::status, k::response_body))
        .first::<(String, i32, String)>(conn)
        .optional()
        .map(|row| {
            row.map(|(hash, status, body)| {
                (hash, StoredResponse { status: u16::try_from(status).unwrap_or(500), body })
            })
        })
}

/// Inserts the key's record unless the key is taken (`ON CONFLICT DO NOTHING`: no savepoint, no
/// read first); answers how many rows it wrote.
fn claim(conn: &mut DbConn, key: &IdempotencyKey, record_id: &str, now: NaiveDateTime) -> Result<usize, DieselError> {
    let row = (
        k::id.eq(record_id),
        k::scope.eq(&key.scope),
        k::idem_key.eq(&key.key),
        k::request_hash.eq(&key.request_hash),
        k::status.eq(0),
        k::response_body.eq(""),
        k::created_at.eq(now),
    );
    match conn {
        DbConn::Pg(pg) => diesel::insert_into(k::idempotency_keys).values(row).on_conflict_do_nothing().execute(pg),
        DbConn::Sqlite(sqlite) => {
            diesel::insert_into(k::idempotency_keys).values(row).on_conflict_do_nothing().execute(sqlite)
        }
    }
}

/// Runs `create` at most once per key, inside one write transaction that also records the
/// answer. Concurrent requests with one key: one creates, the others wait on the unique key and
/// replay its answer. Without a key, `create` simply runs in a write transaction.
pub async fn run_once<E, F>(
    db: &Database,
    key: Option<IdempotencyKey>,
    now: NaiveDateTime,
    create: F,
) -> Result<Outcome, IdempotencyError<E>>
where
    F: Fn(&mut DbConn) -> Result<StoredResponse, E> + Send + Sync + 'static,
    E: From<InfraError> + crate::error::ConnectionLoss + Send + 'static,
{
    let Some(key) = key else {
        let created =
            db.run(move |conn| write_tx(conn, |conn| create(conn).map_err(TxError::Failed))).await.map_err(|e| {
                IdempotencyError::Failed(match e {
                    TxError::Failed(e) => e,
                    TxError::KeyReused | TxError::LostRace => E::from(InfraError::Task("no key, no race".into())),
                })
            })?;
        return Ok(Outcome::Created(created));
    };
    let create = std::sync::Arc::new(create);
    // Two attempts suffice: after a lost race the winner's record is committed and visible.
    for _ in 0..2 {
        let key = key.clone();
        let create = create.clone();
        let attempt = db
            .run(move |conn| {
                write_tx(conn, |conn| -> Result<Outcome, TxError<E>> {
                    // Claim the key before creating, in one statement: a concurrent request with
                    // the same key waits on this row's unique index until we commit (then finds
                    // our answer) or roll back (then creates afresh). Creating first would let it
                    // collide with our creation's own unique rules instead, and fail.
                    let record_id = domain::new_id();
                    if claim(conn, &key, &record_id, now)? == 0 {
                        return match find(conn, &key)? {
                            Some((hash, stored)) if hash == key.request_hash => Ok(Outcome::Replayed(stored)),
                            Some(_) => Err(TxError::KeyReused),
                            None => Err(TxError::LostRace),
                        };
                    }
                    let created = create(conn).map_err(TxError::Failed)?;
                    diesel::update(k::idempotency_keys.filter(k::id.eq(&record_id)))
                        .set((k::status.eq(i32::from(created.status)), k::response_body.eq(&created.body)))
                        .execute(conn)?;
                    Ok(Outcome::Created(created))
                })
            })
            .await;
        match attempt {
            Ok(outcome) => return Ok(outcome),
            Err(TxError::LostRace) => continue,
            Err(TxError::KeyReused) => return Err(IdempotencyError::KeyReused),
            Err(TxError::Failed(e)) => return Err(IdempotencyError::Failed(e)),
        }
    }
    Err(IdempotencyError::Failed(E::from(InfraError::Task("idempotency record not readable after a lost race".into()))))
}

/// Deletes records older than `before`; returns how many. Keys only need to outlive clients'
/// retries.
pub fn purge_before(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, DieselError> {
    diesel::delete(k::idempotency_keys.filter(k::created_at.lt(before))).execute(conn)
}
