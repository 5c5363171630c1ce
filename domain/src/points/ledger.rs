//! The ledger: append-only, one chain per account (a person's or a household's points in one
//! village). Each row carries a hash over its content and the previous row's hash, so an edit,
//! a deleted row or a reordering made in the database breaks the chain at a row that can be
//! named. A balance is the sum of its account's rows; nothing is edited, a correction is a new
//! reversing row pointing at the original.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::text_enum;

text_enum!(
    HolderKind "holder" "user or household" {
        User => "user",
        /// A household's own account: its base points.
        Household => "household",
    }
);

text_enum!(
    LedgerKind "kind" "earn, penalty, base, spend, refund or reversal" {
        /// An effective reward entry.
        Earn => "earn",
        /// An effective penalty entry (points below zero).
        Penalty => "penalty",
        /// A household's base points by its size.
        Base => "base",
        /// A redemption order.
        Spend => "spend",
        /// A cancelled order's points returned.
        Refund => "refund",
        /// A correction of an earlier row (its points negated).
        Reversal => "reversal",
    }
);

impl LedgerKind {
    /// Whether the row counts toward what was earned (rankings, stars, dividends), as opposed
    /// to what was spent and returned.
    pub fn is_earning(self) -> bool {
        matches!(self, LedgerKind::Earn | LedgerKind::Penalty | LedgerKind::Base | LedgerKind::Reversal)
    }
}

/// The hash before the first row of a chain tested on its own (the domain's tests).
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash before an account's first row: over the account's identity (its id, village,
/// holder and subject), so moving a chain to another holder or village in the database breaks
/// it at its first row.
pub fn genesis(account_id: &str, unit_id: &str, holder: HolderKind, holder_id: &str, subject: &str) -> String {
    let mut hasher = Sha256::new();
    for field in ["yishi-points-account", account_id, unit_id, holder.as_str(), holder_id, subject] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// What a row's hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub seq: i64,
    pub kind: LedgerKind,
    pub points: i64,
    /// The entry, order or reversed row it records.
    pub reference: &'a str,
    pub memo: &'a str,
    pub at: NaiveDateTime,
}

/// The row's hash: SHA-256 over the previous hash and the row's fields, each length-prefixed so
/// that no two different rows read the same.
pub fn chain_hash(prev: &str, link: &Link<'_>) -> String {
    let at = link.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    let seq = link.seq.to_string();
    let points = link.points.to_string();
    let fields = [prev, link.id, link.account_id, &seq, link.kind.as_str(), &points, link.reference, link.memo, &at];
    let mut hasher = Sha256::new();
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Where an account's chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The first row that does not verify.
    pub id: String,
    pub seq: i64,
    pub reason: BreakReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakReason {
    /// Its stored hash is not the hash of its content and the previous hash (edited).
    Hash,
    /// Its sequence number skips or repeats (a row deleted or inserted).
    Sequence,
    /// The account's stored balance or last hash differs from the rows.
    Balance,
}

/// Verifies one account's rows, given in sequence order as (row, its stored hash), and returns
/// the total of their points or the first break.
pub fn verify<'a>(rows: impl IntoIterator<Item = (Link<'a>, &'a str)>) -> Result<(i64, String), Break> {
    verify_from(GENESIS, 0, rows)
}

/// Verifies a stretch of a chain that continues after row `after_seq`, whose hash was `prev`:
/// the total of its points and its last hash, or the first break.
pub fn verify_from<'a>(
    prev: &str,
    after_seq: i64,
    rows: impl IntoIterator<Item = (Link<'a>, &'a str)>,
) -> Result<(i64, String), Break> {
    let mut prev = prev.to_owned();
    let mut total = 0_i64;
    for (expected_seq, (link, stored)) in (after_seq + 1..).zip(rows) {
        let broken = |reason| Break { id: link.id.to_owned(), seq: link.seq, reason };
        if link.seq != expected_seq {
            return Err(broken(BreakReason::Sequence));
        }
        let hash = chain_hash(&prev, &link);
        if hash != stored {
            return Err(broken(BreakReason::Hash));
        }
        total += link.points;
        prev = hash;
    }
    Ok((total, prev))
}
