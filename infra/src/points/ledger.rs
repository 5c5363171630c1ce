//! The ledger: append-only rows, one hash chain per account, each account's balance and earned
//! points cached on its row in the same transaction as the row that changes them. Every write
//! to the ledger goes through [`append`]; nothing here updates or deletes a ledger row.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::points::ledger::{self as chain, Break, BreakReason, HolderKind, LedgerKind, Link};
use domain::points::rules::Subject;
use domain::points::LedgerId;

use super::rows::{AccountRow, LedgerRow};
use super::PointsError;
use crate::db::{insert_unique, DbConn};
use crate::schema::points_accounts::dsl as a;
use crate::schema::points_ledger::dsl as l;

/// Whose account: a person's or a household's, in one village.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    pub unit_id: &'a str,
    pub kind: HolderKind,
    pub id: &'a str,
    /// Residents and cadres are ranked apart: each has an account of its own.
    pub subject: Subject,
}

/// A row to append.
#[derive(Debug, Clone, Copy)]
pub struct NewRow<'a> {
    pub kind: LedgerKind,
    /// Signed: spending and penalties below zero.
    pub points: i64,
    /// The entry, order or reversed row it records (unique per account and kind).
    pub reference: &'a str,
    pub memo: &'a str,
}

/// What an append left.
#[derive(Debug, Clone)]
pub struct Appended {
    pub ledger_id: String,
    pub account_id: String,
    pub seq: i64,
    pub balance: i64,
}

/// How often an append re-reads a head that moved under it before giving up (each retry means
/// another transaction appended to the same account and committed in between).
const RETRIES: usize = 100;

/// The account of `holder`, made (empty, at the chain's start) when it has none yet.
pub fn account(conn: &mut DbConn, holder: Holder<'_>, now: NaiveDateTime) -> Result<AccountRow, PointsError> {
    if let Some(row) = find_account(conn, holder.unit_id, holder.kind, holder.id, holder.subject)? {
        return Ok(row);
    }
    let id = LedgerId::generate().into_string();
    let genesis = chain::genesis(&id, holder.unit_id, holder.kind, holder.id, holder.subject.as_str());
    let row = AccountRow {
        id,
        org_unit_id: holder.unit_id.to_owned(),
        holder: holder.kind.as_str().to_owned(),
        holder_id: holder.id.to_owned(),
        subject: holder.subject.as_str().to_owned(),
        balance: 0,
        earned: 0,
        seq: 0,
        last_hash: genesis,
        updated_at: now,
    };
    insert_unique(conn, |conn| diesel::insert_into(a::points_accounts).values(&row).execute(conn))?;
    find_account(conn, holder.unit_id, holder.kind, holder.id, holder.subject)?.ok_or(PointsError::NotFound)
}

/// An account by its holder, if it exists (one indexed read: a balance is O(1) in the ledger).
/// A cadre who lives in the village holds two accounts there: a resident's and a cadre's, so
/// cadre work is ranked apart and never counts toward the household.
pub fn find_account(
    conn: &mut DbConn,
    unit_id: &str,
    kind: HolderKind,
    holder_id: &str,
    subject: Subject,
) -> Result<Option<AccountRow>, PointsError> {
    Ok(a::points_accounts
        .filter(a::org_unit_id.eq(unit_id))
        .filter(a::holder.eq(kind.as_str()))
        .filter(a::holder_id.eq(holder_id))
        .filter(a::subject.eq(subject.as_str()))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?)
}

/// Appends one row to `holder`'s chain and moves its cached balance (and earned points, for an
/// earning row) in the same transaction (the caller's). With `guard`, the balance may not go
/// below zero: the update that moves the head carries the condition, so parallel spenders of
/// one account are decided by the database — one at a time, each seeing the last one's balance.
///
/// The head moves by compare-and-set on `seq`: a concurrent append that committed first makes
/// this one re-read the head and hash again.
pub fn append(
    conn: &mut DbConn,
    holder: Holder<'_>,
    new: NewRow<'_>,
    guard: bool,
    now: NaiveDateTime,
) -> Result<Appended, PointsError> {
    let mut head = account(conn, holder, now)?;
    let earned = if new.kind.is_earning() { new.points } else { 0 };
    for _ in 0..RETRIES {
        if guard && head.balance + new.points < 0 {
            return Err(PointsError::InsufficientPoints { balance: head.balance, needed: -new.points });
        }
        let id = LedgerId::generate().into_string();
        let seq = head.seq + 1;
        let link = Link {
            id: &id,
            account_id: &head.id,
            seq,
            kind: new.kind,
            points: new.points,
            reference: new.reference,
            memo: new.memo,
            at: now,
        };
        let hash = chain::chain_hash(&head.last_hash, &link);
        let mut moved = diesel::update(a::points_accounts.filter(a::id.eq(&head.id)).filter(a::seq.eq(head.seq)))
            .set((
                a::balance.eq(a::balance + new.points),
                a::earned.eq(a::earned + earned),
                a::seq.eq(seq),
                a::last_hash.eq(&hash),
                a::updated_at.eq(now),
            ))
            .into_boxed();
        if guard {
            moved = moved.filter((a::balance + new.points).ge(0));
        }
        if moved.execute(conn)? == 1 {
            let row = LedgerRow {
                id,
                account_id: head.id.clone(),
                seq,
                org_unit_id: holder.unit_id.to_owned(),
                kind: new.kind.as_str().to_owned(),
                points: new.points,
                reference: new.reference.to_owned(),
                memo: new.memo.to_owned(),
                at: now,
                hash,
            };
            diesel::insert_into(l::points_ledger).values(&row).execute(conn)?;
            return Ok(Appended {
                ledger_id: row.id,
                account_id: row.account_id,
                seq,
                balance: head.balance + new.points,
            });
        }
        head = a::points_accounts.filter(a::id.eq(&head.id)).select(AccountRow::as_select()).first(conn)?;
    }
    Err(PointsError::Infra(crate::InfraError::Task("points account too contended".into())))
}

/// An account's rows in chain order, after `after_seq`, at most `limit`.
pub fn rows(conn: &mut DbConn, account_id: &str, after_seq: i64, limit: i64) -> Result<Vec<LedgerRow>, PointsError> {
    Ok(l::points_ledger
        .filter(l::account_id.eq(account_id))
        .filter(l::seq.gt(after_seq))
        .order(l::seq.asc())
        .limit(limit)
        .select(LedgerRow::as_select())
        .load(conn)?)
}

/// What verifying found.
#[derive(Debug, Clone, Default)]
pub struct Verified {
    pub accounts: u64,
    pub rows: u64,
    /// Each broken account's first bad row.
    pub breaks: Vec<(AccountRow, Break)>,
}

/// Verifies accounts (all, or those of the units given): each chain recomputed from its
/// account's genesis through its rows in pages (up to the head the account had when read, so
/// rows appended meanwhile are no false alarm), every row in its account's village, then held
/// against the account's cached balance, earned points, sequence and head.
pub fn verify(conn: &mut DbConn, units: Option<&[String]>) -> Result<Verified, PointsError> {
    const PAGE: i64 = 5_000;
    let mut query = a::points_accounts.select(AccountRow::as_select()).order(a::id.asc()).into_boxed();
    if let Some(units) = units {
        query = query.filter(a::org_unit_id.eq_any(units.to_vec()));
    }
    let accounts = query.load(conn)?;
    let mut verified = Verified { accounts: accounts.len() as u64, ..Verified::default() };
    for account in accounts {
        let holder = HolderKind::parse(&account.holder).unwrap_or(HolderKind::User);
        let mut prev = chain::genesis(&account.id, &account.org_unit_id, holder, &account.holder_id, &account.subject);
        let (mut seq, mut total, mut earned, mut broken) = (0_i64, 0_i64, 0_i64, None);
        while seq < account.seq {
            let page: Vec<LedgerRow> =
                rows(conn, &account.id, seq, PAGE)?.into_iter().filter(|r| r.seq <= account.seq).collect();
            let Some(last) = page.last() else { break };
            let last_seq = last.seq;
            verified.rows += page.len() as u64;
            match verify_page(&prev, seq, &account.org_unit_id, &page) {
                Ok((sum, gained, head)) => (total, earned, prev, seq) = (total + sum, earned + gained, head, last_seq),
                Err(found) => {
                    broken = Some(found);
                    break;
                }
            }
        }
        let off =
            account.balance != total || account.earned != earned || account.seq != seq || account.last_hash != prev;
        if broken.is_none() && off {
            broken = Some(Break { id: account.id.clone(), seq: account.seq, reason: BreakReason::Balance });
        }
        if let Some(found) = broken {
            verified.breaks.push((account, found));
        }
    }
    Ok(verified)
}

/// One page of a chain, continuing from `prev` after `seq`: the points, the earned points and
/// the last hash, or the first row that breaks (a row of another village breaks too).
fn verify_page(prev: &str, seq: i64, unit_id: &str, page: &[LedgerRow]) -> Result<(i64, i64, String), Break> {
    let mut links = Vec::with_capacity(page.len());
    let mut earned = 0;
    for row in page {
        let broken = || Break { id: row.id.clone(), seq: row.seq, reason: BreakReason::Hash };
        let kind = LedgerKind::parse(&row.kind).map_err(|_| broken())?;
        if row.org_unit_id != unit_id {
            return Err(broken());
        }
        if kind.is_earning() {
            earned += row.points;
        }
        links.push((
            Link {
                id: &row.id,
                account_id: &row.account_id,
                seq: row.seq,
                kind,
                points: row.points,
                reference: &row.reference,
                memo: &row.memo,
                at: row.at,
            },
            row.hash.as_str(),
        ));
    }
    chain::verify_from(prev, seq, links).map(|(total, head)| (total, earned, head))
}

// ---- Part B: the ledger's reads, corrections and verify by unit. ----

/// One row by its id.
pub fn find_row(conn: &mut DbConn, id: &str) -> Result<Option<LedgerRow>, PointsError> {
    Ok(l::points_ledger.filter(l::id.eq(id)).select(LedgerRow::as_select()).first(conn).optional()?)
}

/// An account's rows newest first, before sequence `before` (all when `None`), at most `limit`:
/// one indexed range read on (account_id, seq).
pub fn page(
    conn: &mut DbConn,
    account_id: &str,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<LedgerRow>, PointsError> {
    let mut query = l::points_ledger
        .filter(l::account_id.eq(account_id))
        .order(l::seq.desc())
        .limit(limit)
        .select(LedgerRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(l::seq.lt(before));
    }
    Ok(query.load(conn)?)
}

/// Accounts by id (the holders of rows read together).
pub fn accounts_by_id(conn: &mut DbConn, ids: &[String]) -> Result<Vec<AccountRow>, PointsError> {
    Ok(a::points_accounts.filter(a::id.eq_any(ids.to_vec())).select(AccountRow::as_select()).load(conn)?)
}

/// The longest reason a reversal may give.
pub const REASON_MAX: usize = 200;

/// A correction: `row`'s points negated on the same account, as a Reversal row whose reference
/// is `row`'s id and whose memo is the reason. Spending and refunds are not corrected this way
/// (an order is cancelled instead), nor is a reversal. Once per row: a second answers
/// [`PointsError::Duplicate`], also when two race (the unique index on account, kind and
/// reference decides). No permission check: callers check.
pub fn reverse_in_tx(
    conn: &mut DbConn,
    row: &LedgerRow,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Appended, PointsError> {
    let kind = LedgerKind::parse(&row.kind).map_err(|_| PointsError::Corrupt(format!("ledger row {}", row.id)))?;
    if matches!(kind, LedgerKind::Spend | LedgerKind::Refund | LedgerKind::Reversal) {
        return Err(PointsError::invalid("id", "spending, refunds and reversals are not reversed (cancel the order)"));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(PointsError::invalid("reason", "1 to 200 characters"));
    }
    let already = l::points_ledger
        .filter(l::account_id.eq(&row.account_id))
        .filter(l::kind.eq(LedgerKind::Reversal.as_str()))
        .filter(l::reference.eq(&row.id))
        .select(l::id)
        .first::<String>(conn)
        .optional()?;
    if already.is_some() {
        return Err(PointsError::Duplicate);
    }
    let account = a::points_accounts.filter(a::id.eq(&row.account_id)).select(AccountRow::as_select()).first(conn)?;
    let holder = holder_of(&account)?;
    let new = NewRow { kind: LedgerKind::Reversal, points: -row.points, reference: &row.id, memo: reason };
    append_once(conn, holder, new, now)?.ok_or(PointsError::Duplicate)
}

/// The holder an account row stands for.
pub fn holder_of(account: &AccountRow) -> Result<Holder<'_>, PointsError> {
    let corrupt = || PointsError::Corrupt(format!("points account {}", account.id));
    Ok(Holder {
        unit_id: &account.org_unit_id,
        kind: HolderKind::parse(&account.holder).map_err(|_| corrupt())?,
        id: &account.holder_id,
        subject: Subject::parse(&account.subject).map_err(|_| corrupt())?,
    })
}

/// [`append`] in a savepoint, unguarded: `None` when the account already holds a row of this kind
/// and reference (the unique index said so), leaving the caller's transaction usable.
pub fn append_once(
    conn: &mut DbConn,
    holder: Holder<'_>,
    new: NewRow<'_>,
    now: NaiveDateTime,
) -> Result<Option<Appended>, PointsError> {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    match conn.transaction(|conn| append(conn, holder, new, false, now)) {
        Ok(appended) => Ok(Some(appended)),
        Err(PointsError::Db(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Verifies the accounts of a unit's subtree (`Some`), or all of them: see [`verify`].
pub fn verify_under(conn: &mut DbConn, unit_id: Option<&str>) -> Result<Verified, PointsError> {
    let Some(unit_id) = unit_id else { return verify(conn, None) };
    let path = crate::identity::queries::org::unit_path(conn, unit_id)?.ok_or(PointsError::NotFound)?;
    let units = crate::identity::queries::residency::units_under(conn, &[crate::identity::rows::path_text(&path)])?;
    verify(conn, Some(&units))
}
