//! The audit log's hash chain. Entries are appended unsealed inside the transaction that did the
//! work (so audited writes never queue behind one another); a sealer then numbers them in one
//! sequence and chains each to the one before with SHA-256, so an entry edited, deleted or
//! inserted in the database breaks the chain at an entry that can be named.

use sha2::{Digest, Sha256};

/// The hash before the first sealed entry.
pub const GENESIS: &str = "yishi-audit-genesis";

/// What an entry's hash covers: every column but the hash itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed<'a> {
    pub seq: i64,
    pub id: &'a str,
    pub actor_id: Option<&'a str>,
    pub acting_for: Option<&'a str>,
    pub action: &'a str,
    pub object_kind: &'a str,
    pub object_id: &'a str,
    pub details: &'a str,
    pub ip: Option<&'a str>,
    pub request_id: Option<&'a str>,
    /// The entry's time as stored, to the microsecond.
    pub at: &'a str,
}

/// The entry's hash: SHA-256 over the previous hash and the entry's fields, each
/// length-prefixed (an absent field apart from an empty one), so no two entries read the same.
pub fn chain_hash(prev: &str, entry: &Sealed<'_>) -> String {
    let seq = entry.seq.to_string();
    let fields = [
        Some(prev),
        Some(seq.as_str()),
        Some(entry.id),
        entry.actor_id,
        entry.acting_for,
        Some(entry.action),
        Some(entry.object_kind),
        Some(entry.object_id),
        Some(entry.details),
        entry.ip,
        entry.request_id,
        Some(entry.at),
    ];
    let mut hasher = Sha256::new();
    for field in fields {
        match field {
            Some(text) => {
                hasher.update([1]);
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
            None => hasher.update([0]),
        }
    }
    hex::encode(hasher.finalize())
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The first entry that does not verify (empty when the entries end before the head).
    pub id: String,
    pub seq: i64,
    pub reason: BreakReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakReason {
    /// Its stored hash is not the hash of its content and the previous hash: edited.
    Hash,
    /// Its sequence number skips or repeats: an entry deleted or inserted.
    Sequence,
    /// The entries end before the chain's recorded head, or go past it: the last ones deleted,
    /// or entries sealed behind the head's back.
    Head,
}

impl BreakReason {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakReason::Hash => "hash",
            BreakReason::Sequence => "sequence",
            BreakReason::Head => "head",
        }
    }
}

/// Verifies a stretch of the chain after entry `after_seq`, whose hash was `prev`, given in
/// sequence order as (entry, its stored hash): the last sequence number and hash, or the first
/// break.
pub fn verify_from<'a>(
    prev: &str,
    after_seq: i64,
    entries: impl IntoIterator<Item = (Sealed<'a>, &'a str)>,
) -> Result<(i64, String), Break> {
    let (mut prev, mut seq) = (prev.to_owned(), after_seq);
    for (entry, stored) in entries {
        let broken = |reason| Break { id: entry.id.to_owned(), seq: entry.seq, reason };
        if entry.seq != seq + 1 {
            return Err(broken(BreakReason::Sequence));
        }
        let hash = chain_hash(&prev, &entry);
        if hash != stored {
            return Err(broken(BreakReason::Hash));
        }
        (prev, seq) = (hash, entry.seq);
    }
    Ok((seq, prev))
}

/// Checks the verified end of the chain against its recorded head.
pub fn check_head(last_seq: i64, last_hash: &str, head_seq: i64, head_hash: &str) -> Result<(), Break> {
    if last_seq == head_seq && last_hash == head_hash {
        Ok(())
    } else {
        Err(Break { id: String::new(), seq: last_seq + 1, reason: BreakReason::Head })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, id: &str, details: &str) -> Sealed<'static> {
        let (id, details) = (Box::leak(id.to_owned().into_boxed_str()), Box::leak(details.to_owned().into_boxed_str()));
        Sealed {
            seq,
            id,
            actor_id: Some("u1"),
            acting_for: None,
            action: "phone_revealed",
            object_kind: "user",
            object_id: "u2",
            details,
            ip: None,
            request_id: Some("r"),
            at: "2026-12-02T05:00:00.000000",
        }
    }

    fn chain(n: i64) -> Vec<(Sealed<'static>, String)> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let e = entry(seq, &format!("e{seq}"), "{}");
                prev = chain_hash(&prev, &e);
                (e, prev.clone())
            })
            .collect()
    }

    #[test]
    fn a_chain_verifies_and_an_edit_a_deletion_or_a_lost_tail_is_named() {
        let rows = chain(5);
        let ok = verify_from(GENESIS, 0, rows.iter().map(|(e, h)| (e.clone(), h.as_str()))).unwrap();
        assert_eq!(ok.0, 5);
        check_head(ok.0, &ok.1, 5, &rows[4].1).unwrap();

        let mut edited = rows.clone();
        edited[2].0.details = "{\"x\":1}";
        let err = verify_from(GENESIS, 0, edited.iter().map(|(e, h)| (e.clone(), h.as_str()))).unwrap_err();
        assert_eq!((err.id.as_str(), err.reason), ("e3", BreakReason::Hash));

        let mut deleted = rows.clone();
        deleted.remove(1);
        let err = verify_from(GENESIS, 0, deleted.iter().map(|(e, h)| (e.clone(), h.as_str()))).unwrap_err();
        assert_eq!((err.id.as_str(), err.reason), ("e3", BreakReason::Sequence));

        let head = verify_from(GENESIS, 0, rows[..4].iter().map(|(e, h)| (e.clone(), h.as_str()))).unwrap();
        assert_eq!(check_head(head.0, &head.1, 5, &rows[4].1).unwrap_err().reason, BreakReason::Head);
    }

    #[test]
    fn an_absent_field_and_an_empty_one_hash_apart() {
        let mut a = entry(1, "e1", "{}");
        let mut b = a.clone();
        a.ip = None;
        b.ip = Some("");
        assert_ne!(chain_hash(GENESIS, &a), chain_hash(GENESIS, &b));
    }
}
