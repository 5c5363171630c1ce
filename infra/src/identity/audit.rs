//! The append-only audit log: who did what to which object, when, from where, under which
//! request. Nothing here updates or deletes a row.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::identity::principal::Principal;

use crate::schema::audit_log::dsl as a;
use crate::DbConn;

/// One entry to append.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub actor_id: Option<&'a str>,
    pub acting_for: Option<&'a str>,
    pub action: &'a str,
    pub object_kind: &'a str,
    pub object_id: &'a str,
    pub details: serde_json::Value,
    pub ip: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

pub fn append(conn: &mut DbConn, entry: &Entry<'_>, now: NaiveDateTime) -> Result<String, DieselError> {
    let id = domain::new_id();
    diesel::insert_into(a::audit_log)
        .values((
            a::id.eq(&id),
            a::actor_id.eq(entry.actor_id),
            a::acting_for.eq(entry.acting_for),
            a::action.eq(entry.action),
            a::object_kind.eq(entry.object_kind),
            a::object_id.eq(entry.object_id),
            a::details.eq(entry.details.to_string()),
            a::ip.eq(entry.ip),
            a::request_id.eq(entry.request_id),
            a::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Where a request came from, carried into the services that append entries for it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl Origin {
    /// An entry by `principal` (recording the resident too when acting by proxy).
    pub fn entry<'a>(
        &'a self,
        principal: Option<&'a Principal>,
        action: &'a str,
        object_kind: &'a str,
        object_id: &'a str,
        details: serde_json::Value,
    ) -> Entry<'a> {
        Entry {
            actor_id: principal.map(|p| p.user_id.as_str()),
            acting_for: principal.and_then(|p| p.acting_for.as_deref()),
            action,
            object_kind,
            object_id,
            details,
            ip: self.ip.as_deref(),
            request_id: self.request_id.as_deref(),
        }
    }
}

/// Who acts, and from where: what a service needs to check a request and audit it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub origin: Origin,
}

impl Caller {
    /// Appends an entry by the caller, in the caller's transaction.
    pub fn audit(
        &self,
        conn: &mut DbConn,
        action: &str,
        object_kind: &str,
        object_id: &str,
        details: serde_json::Value,
        now: NaiveDateTime,
    ) -> Result<(), DieselError> {
        let entry = self.origin.entry(Some(&self.principal), action, object_kind, object_id, details);
        append(conn, &entry, now)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The hash chain

use domain::identity::audit_chain::{self as chain, Break, Sealed};

use crate::db::write_tx;
use crate::identity::rows::AuditRow;
use crate::schema::audit_chain::dsl as h;

/// How many entries one seal takes at most (the job comes back for the rest).
const SEAL_BATCH: i64 = 500;

/// How an entry's time enters its hash: as stored, to the microsecond.
fn stamp(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

fn sealed<'a>(row: &'a AuditRow, seq: i64, at: &'a str) -> Sealed<'a> {
    Sealed {
        seq,
        id: &row.id,
        actor_id: row.actor_id.as_deref(),
        acting_for: row.acting_for.as_deref(),
        action: &row.action,
        object_kind: &row.object_kind,
        object_id: &row.object_id,
        details: &row.details,
        ip: row.ip.as_deref(),
        request_id: row.request_id.as_deref(),
        at,
    }
}

/// Seals the entries not yet in the chain, oldest id first, at most a batch: numbers each after
/// the head, hashes it over the one before and moves the head, in one transaction. Two sealers
/// at once (two instances): the head's row is claimed first by compare-and-set, so the second
/// finds it moved and seals nothing. Returns how many it sealed.
pub fn seal(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, DieselError> {
    write_tx(conn, |conn| {
        let (head_seq, head_hash): (i64, String) = h::audit_chain.find(1).select((h::seq, h::hash)).first(conn)?;
        let claimed = diesel::update(h::audit_chain.filter(h::id.eq(1)).filter(h::seq.eq(head_seq)))
            .set(h::sealed_at.eq(now))
            .execute(conn)?;
        if claimed == 0 {
            return Ok(0);
        }
        let pending: Vec<AuditRow> = a::audit_log
            .filter(a::seq.is_null())
            .order(a::id.asc())
            .limit(SEAL_BATCH)
            .select(AuditRow::as_select())
            .load(conn)?;
        let (mut seq, mut prev) = (head_seq, head_hash);
        for row in &pending {
            seq += 1;
            let at = stamp(row.created_at);
            prev = chain::chain_hash(&prev, &sealed(row, seq, &at));
            diesel::update(a::audit_log.filter(a::id.eq(&row.id)).filter(a::seq.is_null()))
                .set((a::seq.eq(seq), a::hash.eq(&prev)))
                .execute(conn)?;
        }
        if !pending.is_empty() {
            diesel::update(h::audit_chain.filter(h::id.eq(1)))
                .set((h::seq.eq(seq), h::hash.eq(&prev)))
                .execute(conn)?;
        }
        Ok(pending.len())
    })
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Sealed entries checked.
    pub sealed: i64,
    /// Entries appended but not yet sealed (the sealer runs every few seconds).
    pub unsealed: i64,
    /// The first break, if any.
    pub broken: Option<Break>,
}

/// How many sealed entries one read takes.
const VERIFY_PAGE: i64 = 1000;

/// Recomputes the chain from its start, a page at a time, and checks it ends at the head: the
/// first entry edited (`hash`), deleted or inserted (`sequence`) or the tail cut off (`head`).
pub fn verify(conn: &mut DbConn) -> Result<Verification, DieselError> {
    let (head_seq, head_hash): (i64, String) = h::audit_chain.find(1).select((h::seq, h::hash)).first(conn)?;
    let unsealed: i64 = a::audit_log.filter(a::seq.is_null()).count().get_result(conn)?;
    let (mut seq, mut prev) = (0_i64, chain::GENESIS.to_owned());
    loop {
        let page: Vec<AuditRow> = a::audit_log
            .filter(a::seq.gt(seq))
            .order(a::seq.asc())
            .limit(VERIFY_PAGE)
            .select(AuditRow::as_select())
            .load(conn)?;
        let stamps: Vec<String> = page.iter().map(|r| stamp(r.created_at)).collect();
        let links = page
            .iter()
            .zip(&stamps)
            .map(|(row, at)| (sealed(row, row.seq.unwrap_or_default(), at), row.hash.as_deref().unwrap_or_default()));
        match chain::verify_from(&prev, seq, links) {
            Ok((last, hash)) => (seq, prev) = (last, hash),
            Err(found) => return Ok(Verification { sealed: seq, unsealed, broken: Some(found) }),
        }
        if (page.len() as i64) < VERIFY_PAGE {
            break;
        }
    }
    let broken = chain::check_head(seq, &prev, head_seq, &head_hash).err();
    Ok(Verification { sealed: seq, unsealed, broken })
}
