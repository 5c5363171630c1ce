//! Where people and households stand: balances read from the cached account rows (one indexed
//! read, so a balance costs the same at a million ledger rows as at ten), a household's total
//! (its own account's base points plus its members' accounts in its village), one person's
//! ledger, base points posted by household size, corrections, verify by unit, rankings
//! (all-time from accounts' earned points, monthly from the ledger's earning rows in a Beijing
//! month; residents and cadres apart) and the star-rated households (星级文明户).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use domain::identity::principal::Principal;
use domain::identity::roles::{Denial, Permission, Place};
use domain::points::ledger::{HolderKind, LedgerKind};
use domain::points::rules::{base_points, stars as stars_for, Subject};
use serde_json::json;

use super::ledger::{self, Appended, Holder, NewRow, Verified};
use super::rows::{AccountRow, LedgerRow};
use super::{rules, PointsError};
use crate::db::{write_tx, DbConn};
use crate::identity::audit::Origin;
use crate::identity::queries::{org, residency, users};
use crate::identity::rows::{path_text, HouseholdRow};
use crate::schema::points_accounts::dsl as a;
use crate::schema::points_ledger::dsl as l;

/// A village as the points routes address it.
#[derive(Debug, Clone)]
pub struct Village {
    pub id: String,
    pub path: Vec<String>,
}

fn unit_place(conn: &mut DbConn, unit_id: &str) -> Result<Vec<String>, PointsError> {
    org::unit_path(conn, unit_id)?.ok_or(PointsError::NotFound)
}

/// Staff holding one of `permissions` over the residents of `unit_id` (404 outside every grant,
/// 403 inside without the role). Returns the unit's path.
fn staff_over(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    permissions: &[Permission],
) -> Result<Vec<String>, PointsError> {
    let path = unit_place(conn, unit_id)?;
    require_any(principal, &Place::in_org(path.clone()), permissions)?;
    Ok(path)
}

fn require_any(principal: &Principal, place: &Place, permissions: &[Permission]) -> Result<(), PointsError> {
    let outcomes: Vec<_> = permissions.iter().map(|p| principal.require_over_residents(place, *p)).collect();
    if outcomes.iter().any(Result::is_ok) {
        Ok(())
    } else if outcomes.contains(&Err(Denial::Forbidden)) {
        Err(PointsError::Forbidden)
    } else {
        Err(PointsError::NotFound)
    }
}

/// The unit at `path`, which must be a village (the third level: county, township, village).
fn as_village(unit_id: &str, path: Vec<String>) -> Result<Village, PointsError> {
    if path.len() != 3 {
        return Err(PointsError::invalid("id", "a village"));
    }
    Ok(Village { id: unit_id.to_owned(), path })
}

/// The village `unit_id` for a reader of its standings: a resident living there, or staff
/// reading points over it.
fn readable_village(conn: &mut DbConn, principal: &Principal, unit_id: &str) -> Result<Village, PointsError> {
    let path = unit_place(conn, unit_id)?;
    if !residency::lives_in(conn, principal.subject(), &path)? {
        require_any(principal, &Place::in_org(path.clone()), &[Permission::ReadPoints])?;
    }
    as_village(unit_id, path)
}

/// A person's points in one village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonPoints {
    pub user_id: String,
    pub name: String,
    pub balance: i64,
    pub earned: i64,
}

/// A household's points in its village: its own account (base points) and its members'.
#[derive(Debug, Clone)]
pub struct HouseholdPoints {
    pub household_id: String,
    pub name: String,
    pub village_id: String,
    pub base_balance: i64,
    pub members: Vec<PersonPoints>,
    /// The household account's balance plus every member's.
    pub balance: i64,
    /// What counts for stars and rankings (spending left out).
    pub earned: i64,
    /// By the thresholds in force (0 without rules).
    pub stars: u8,
}

/// A household's points: its members (one read), then its own and its members' accounts (one
/// indexed read), whatever the ledger's size. `None` for a household above any village.
pub fn household_points(conn: &mut DbConn, household: &HouseholdRow) -> Result<Option<HouseholdPoints>, PointsError> {
    let Some(village) = rules::village_of(conn, &household.org_unit_id)? else { return Ok(None) };
    let members = residency::members(conn, &household.id)?;
    let ids: Vec<String> = members.iter().map(|m| m.user_id.clone()).collect();
    let accounts: Vec<AccountRow> = a::points_accounts
        .filter(a::org_unit_id.eq(&village))
        .filter(a::subject.eq(Subject::Resident.as_str()))
        .filter(
            a::holder
                .eq(HolderKind::Household.as_str())
                .and(a::holder_id.eq(&household.id))
                .or(a::holder.eq(HolderKind::User.as_str()).and(a::holder_id.eq_any(ids))),
        )
        .select(AccountRow::as_select())
        .load(conn)?;
    let account = |kind: HolderKind, id: &str| {
        accounts
            .iter()
            .find(|acc| acc.holder == kind.as_str() && acc.holder_id == id)
            .map(|acc| (acc.balance, acc.earned))
    };
    let base = account(HolderKind::Household, &household.id).unwrap_or((0, 0));
    let people: Vec<PersonPoints> = members
        .into_iter()
        .map(|m| {
            let (balance, earned) = account(HolderKind::User, &m.user_id).unwrap_or((0, 0));
            PersonPoints { balance, earned, user_id: m.user_id, name: m.display_name }
        })
        .collect();
    let earned = base.1 + people.iter().map(|p| p.earned).sum::<i64>();
    let thresholds = rules::in_force(conn, &village)?.map(|f| f.stars).unwrap_or_default();
    Ok(Some(HouseholdPoints {
        household_id: household.id.clone(),
        name: household.name.clone(),
        village_id: village,
        base_balance: base.0,
        balance: base.0 + people.iter().map(|p| p.balance).sum::<i64>(),
        earned,
        stars: stars_for(&thresholds, earned),
        members: people,
    }))
}

/// One village's line of `GET /me/points`.
#[derive(Debug, Clone)]
pub struct MyVillage {
    pub village_id: String,
    pub village_name: String,
    pub balance: i64,
    pub earned: i64,
    pub household: Option<HouseholdPoints>,
}

/// The caller's points per village where they hold an account or live: their own balance and,
/// in their household's village, the household's total.
pub fn mine(conn: &mut DbConn, principal: &Principal) -> Result<Vec<MyVillage>, PointsError> {
    let me = principal.subject();
    let accounts: Vec<AccountRow> = a::points_accounts
        .filter(a::holder.eq(HolderKind::User.as_str()))
        .filter(a::holder_id.eq(me))
        .filter(a::subject.eq(Subject::Resident.as_str()))
        .select(AccountRow::as_select())
        .load(conn)?;
    let mut villages: Vec<String> = accounts.iter().map(|acc| acc.org_unit_id.clone()).collect();
    villages.extend(residency::member_places(conn, me)?.into_iter().filter_map(|home| home.org_path.get(2).cloned()));
    let household = residency::household_row_of(conn, me)?;
    let household = household.map(|h| household_points(conn, &h)).transpose()?.flatten();
    villages.extend(household.as_ref().map(|h| h.village_id.clone()));
    villages.sort();
    villages.dedup();
    let names: HashMap<String, String> =
        org::units_by_ids(conn, &villages)?.into_iter().map(|unit| (unit.id, unit.name)).collect();
    Ok(villages
        .into_iter()
        .map(|village| {
            let acc = accounts.iter().find(|acc| acc.org_unit_id == village);
            MyVillage {
                village_name: names.get(&village).cloned().unwrap_or_default(),
                balance: acc.map_or(0, |acc| acc.balance),
                earned: acc.map_or(0, |acc| acc.earned),
                household: household.clone().filter(|h| h.village_id == village),
                village_id: village,
            }
        })
        .collect())
}

/// A household's points, for its members and staff reading or reviewing points over its unit.
pub fn of_household(
    conn: &mut DbConn,
    principal: &Principal,
    household_id: &str,
) -> Result<HouseholdPoints, PointsError> {
    let row = residency::find_household(conn, household_id)?.ok_or(PointsError::NotFound)?;
    if !residency::is_member(conn, &row.id, principal.subject())? {
        staff_over(conn, principal, &row.org_unit_id, &[Permission::ReadPoints, Permission::ReviewPoints])?;
    }
    household_points(conn, &row)?.ok_or(PointsError::NotFound)
}

/// A page of one account's rows: newest first, before a sequence number.
#[derive(Debug, Clone, Copy)]
pub struct RowsWindow {
    pub before: Option<i64>,
    /// One more than the page shows.
    pub limit: i64,
}

/// A person's points in a village with a page of their ledger.
#[derive(Debug, Clone)]
pub struct PersonLedger {
    pub village_id: String,
    pub person: PersonPoints,
    pub rows: Vec<LedgerRow>,
}

fn person_ledger(
    conn: &mut DbConn,
    village: &str,
    user_id: &str,
    name: String,
    window: RowsWindow,
) -> Result<PersonLedger, PointsError> {
    let account = ledger::find_account(conn, village, HolderKind::User, user_id, Subject::Resident)?;
    let rows = match &account {
        Some(acc) => ledger::page(conn, &acc.id, window.before, window.limit)?,
        None => Vec::new(),
    };
    let person = PersonPoints {
        user_id: user_id.to_owned(),
        name,
        balance: account.as_ref().map_or(0, |acc| acc.balance),
        earned: account.as_ref().map_or(0, |acc| acc.earned),
    };
    Ok(PersonLedger { village_id: village.to_owned(), person, rows })
}

/// One person's balance and ledger in a village, for staff reading points over it. Someone who
/// neither holds an account there nor lives there is not found.
/// A staff read of someone's ledger is a personal-data action: audited (the first page only,
/// so paging through one ledger is one entry).
pub fn person(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    unit_id: &str,
    user_id: &str,
    window: RowsWindow,
    now: NaiveDateTime,
) -> Result<PersonLedger, PointsError> {
    let path = staff_over(conn, principal, unit_id, &[Permission::ReadPoints])?;
    let village = as_village(unit_id, path)?;
    let has_account = ledger::find_account(conn, &village.id, HolderKind::User, user_id, Subject::Resident)?.is_some();
    let places = residency::member_places(conn, user_id)?;
    if !has_account && !places.iter().any(|p| p.org_path.starts_with(&village.path)) {
        return Err(PointsError::NotFound);
    }
    if window.before.is_none() {
        let entry =
            origin.entry(Some(principal), "points.ledger_read", "user", user_id, json!({ "org_unit_id": village.id }));
        write_tx(conn, |conn| crate::identity::audit::append(conn, &entry, now))?;
    }
    let name = users::names(conn, &[user_id.to_owned()])?.remove(user_id).unwrap_or_default();
    person_ledger(conn, &village.id, user_id, name, window)
}

/// The caller's own rows in a village, newest first.
pub fn my_ledger(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    window: RowsWindow,
) -> Result<PersonLedger, PointsError> {
    let path = unit_place(conn, unit_id)?;
    let village = as_village(unit_id, path).map_err(|_| PointsError::invalid("unit", "a village"))?;
    let me = principal.subject().to_owned();
    let name = users::names(conn, std::slice::from_ref(&me))?.remove(&me).unwrap_or_default();
    person_ledger(conn, &village.id, &me, name, window)
}

/// What a run of base points did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BasePosted {
    pub households: u64,
    /// Households given a Base row (their base points, or the difference a new version makes).
    pub posted: u64,
    /// Households already at their base points under the set in force.
    pub unchanged: u64,
    /// The sum of the rows posted.
    pub points: i64,
}

/// Households of a village with their members' ids, read by identity's queries in pages.
fn village_households(conn: &mut DbConn, path: &[String]) -> Result<Vec<(HouseholdRow, Vec<String>)>, PointsError> {
    const PAGE: i64 = 1_000;
    let mut out = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let rows = residency::households_in(conn, &[path_text(path)], before.as_deref(), PAGE)?;
        let full = rows.len() as i64 == PAGE;
        before = rows.last().map(|h| h.id.clone());
        let ids: Vec<String> = rows.iter().map(|h| h.id.clone()).collect();
        let mut members: HashMap<String, Vec<String>> = HashMap::new();
        for (household, user) in residency::members_by_household(conn, &ids)? {
            members.entry(household).or_default().push(user);
        }
        for row in rows {
            let theirs = members.remove(&row.id).unwrap_or_default();
            out.push((row, theirs));
        }
        if !full {
            return Ok(out);
        }
    }
}

/// The Base rows a household account holds: (their sum, whether one is from `set_id`).
fn base_so_far(conn: &mut DbConn, account_id: &str, set_id: &str) -> Result<(i64, bool), PointsError> {
    let rows: Vec<(i64, String)> = l::points_ledger
        .filter(l::account_id.eq(account_id))
        .filter(l::kind.eq(LedgerKind::Base.as_str()))
        .select((l::points, l::reference))
        .load(conn)?;
    Ok((rows.iter().map(|r| r.0).sum(), rows.iter().any(|r| r.1 == set_id)))
}

/// Posts every household's base points in a village by its member count under the set in force
/// (ManagePoints over the village): once per set version per household; a later version posts
/// the difference (nothing when equal). Each row's reference is the set's id, so a second run,
/// or two at once, posts nothing more (the ledger's unique index decides).
pub fn post_base_points(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    unit_id: &str,
    now: NaiveDateTime,
) -> Result<BasePosted, PointsError> {
    write_tx(conn, |conn| {
        let path = staff_over(conn, principal, unit_id, &[Permission::ManagePoints])?;
        let village = as_village(unit_id, path)?;
        let in_force = rules::in_force(conn, &village.id)?.ok_or(PointsError::NoRules)?;
        let set_id = in_force.set.id.clone();
        let mut done = BasePosted::default();
        for (household, members) in village_households(conn, &village.path)? {
            done.households += 1;
            let target = base_points(&in_force.base, members.len() as u32);
            let holder = Holder {
                unit_id: &village.id,
                kind: HolderKind::Household,
                id: &household.id,
                subject: Subject::Resident,
            };
            let (posted, this_set) =
                match ledger::find_account(conn, &village.id, HolderKind::Household, &household.id, Subject::Resident)?
                {
                    Some(acc) => base_so_far(conn, &acc.id, &set_id)?,
                    None => (0, false),
                };
            let delta = target - posted;
            if this_set || delta == 0 {
                done.unchanged += 1;
                continue;
            }
            let memo = format!("{}人户基础分", members.len());
            let new = NewRow { kind: LedgerKind::Base, points: delta, reference: &set_id, memo: &memo };
            match ledger::append_once(conn, holder, new, now)? {
                Some(_) => (done.posted, done.points) = (done.posted + 1, done.points + delta),
                None => done.unchanged += 1,
            }
        }
        let details = json!({ "rule_set_id": set_id, "households": done.households, "posted": done.posted, "points": done.points });
        crate::identity::audit::append(
            conn,
            &origin.entry(Some(principal), "points.base_points", "org_unit", &village.id, details),
            now,
        )?;
        Ok(done)
    })
}

/// Reverses a ledger row (ManagePoints over its village): see [`ledger::reverse_in_tx`].
pub fn reverse(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    row_id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(LedgerRow, Appended), PointsError> {
    write_tx(conn, |conn| {
        let row = ledger::find_row(conn, row_id)?.ok_or(PointsError::NotFound)?;
        staff_over(conn, principal, &row.org_unit_id, &[Permission::ManagePoints])?;
        // Nobody corrects their own or their household's points.
        let account = ledger::accounts_by_id(conn, std::slice::from_ref(&row.account_id))?;
        let own = account.iter().any(|acc| match HolderKind::parse(&acc.holder) {
            Ok(HolderKind::User) => acc.holder_id == principal.user_id,
            _ => residency::household_of(conn, &principal.user_id).ok().flatten().as_deref() == Some(&acc.holder_id),
        });
        if own {
            return Err(PointsError::Forbidden);
        }
        let appended = ledger::reverse_in_tx(conn, &row, reason, now)?;
        let details = json!({ "reversal_id": appended.ledger_id, "points": -row.points, "reason": reason.trim() });
        crate::identity::audit::append(
            conn,
            &origin.entry(Some(principal), "points.reverse", "points_ledger", &row.id, details),
            now,
        )?;
        let reversal = ledger::find_row(conn, &appended.ledger_id)?.ok_or(PointsError::NotFound)?;
        Ok((reversal, appended))
    })
}

/// Verifies the chains of a unit's subtree (ManagePoints over it), and records who asked.
pub fn verify_unit(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    unit_id: &str,
    now: NaiveDateTime,
) -> Result<Verified, PointsError> {
    staff_over(conn, principal, unit_id, &[Permission::ManagePoints])?;
    let verified = ledger::verify_under(conn, Some(unit_id))?;
    let broken: Vec<&str> = verified.breaks.iter().map(|(acc, _)| acc.id.as_str()).collect();
    let details = json!({ "accounts": verified.accounts, "rows": verified.rows, "broken_accounts": broken });
    write_tx(conn, |conn| {
        crate::identity::audit::append(
            conn,
            &origin.entry(Some(principal), "points.verify", "org_unit", unit_id, details),
            now,
        )
    })?;
    Ok(verified)
}

/// Which points a ranking counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Everything earned (accounts' cached `earned`).
    All,
    /// The earning rows of one Beijing month (its first day).
    Month(NaiveDate),
}

impl Period {
    /// `all` or `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Self> {
        if text == "all" {
            return Some(Period::All);
        }
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1).map(Period::Month)
    }
}

/// The UTC bounds of the Beijing month starting on `first`.
fn month_bounds(first: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .unwrap_or(first);
    let utc = |d: NaiveDate| d.and_time(NaiveTime::MIN) - chrono::Duration::hours(8);
    (utc(first), utc(next))
}

/// One line of a ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Ties share a rank (1, 2, 2, 4).
    pub rank: u32,
    pub holder_id: String,
    pub name: String,
    pub points: i64,
}

/// What a ranking ranks.
#[derive(Debug, Clone, Copy)]
pub struct RankingAsk {
    pub period: Period,
    pub holder: HolderKind,
    pub subject: Subject,
    pub limit: usize,
}

/// Each account's points in the period: (account, points).
fn totals(conn: &mut DbConn, village: &str, ask: &RankingAsk) -> Result<Vec<(AccountRow, i64)>, PointsError> {
    match ask.period {
        Period::All => {
            let mut query = a::points_accounts
                .filter(a::org_unit_id.eq(village))
                .filter(a::subject.eq(ask.subject.as_str()))
                .select(AccountRow::as_select())
                .into_boxed();
            if ask.holder == HolderKind::User {
                query = query
                    .filter(a::holder.eq(HolderKind::User.as_str()))
                    .order(a::earned.desc())
                    .limit(ask.limit as i64 + 1);
            }
            Ok(query
                .load(conn)?
                .into_iter()
                .map(|acc: AccountRow| (acc.earned, acc))
                .map(|(e, acc)| (acc, e))
                .collect())
        }
        Period::Month(first) => {
            let (from, until) = month_bounds(first);
            let earning: Vec<&str> = LedgerKind::ALL.iter().filter(|k| k.is_earning()).map(|k| k.as_str()).collect();
            let rows: Vec<(String, i64)> = l::points_ledger
                .filter(l::org_unit_id.eq(village))
                .filter(l::at.ge(from))
                .filter(l::at.lt(until))
                .filter(l::kind.eq_any(earning))
                .select((l::account_id, l::points))
                .load(conn)?;
            let mut sums: HashMap<String, i64> = HashMap::new();
            for (account, points) in rows {
                *sums.entry(account).or_default() += points;
            }
            let ids: Vec<String> = sums.keys().cloned().collect();
            let accounts = ledger::accounts_by_id(conn, &ids)?;
            Ok(accounts
                .into_iter()
                .filter(|acc| acc.subject == ask.subject.as_str())
                .map(|acc| {
                    let points = sums.get(&acc.id).copied().unwrap_or(0);
                    (acc, points)
                })
                .collect())
        }
    }
}

/// Ranks (holder, name, points) highest first, ties sharing a rank, the first `limit`.
fn ranked(mut lines: Vec<(String, String, i64)>, limit: usize) -> Vec<Standing> {
    lines.sort_by(|x, y| y.2.cmp(&x.2).then_with(|| x.1.cmp(&y.1)).then_with(|| x.0.cmp(&y.0)));
    let mut out: Vec<Standing> = Vec::with_capacity(limit.min(lines.len()));
    for (i, (holder_id, name, points)) in lines.into_iter().take(limit).enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.points == points => prev.rank,
            _ => i as u32 + 1,
        };
        out.push(Standing { rank, holder_id, name, points });
    }
    out
}

/// Households' totals from accounts' points: the household account plus its members'.
fn household_lines(
    households: Vec<(HouseholdRow, Vec<String>)>,
    accounts: &[(AccountRow, i64)],
) -> Vec<(String, String, i64)> {
    let by_holder: HashMap<(&str, &str), i64> =
        accounts.iter().map(|(acc, pts)| ((acc.holder.as_str(), acc.holder_id.as_str()), *pts)).collect();
    households
        .into_iter()
        .filter_map(|(row, members)| {
            let own = by_holder.get(&(HolderKind::Household.as_str(), row.id.as_str())).copied();
            let theirs: Vec<i64> = members
                .iter()
                .filter_map(|m| by_holder.get(&(HolderKind::User.as_str(), m.as_str())).copied())
                .collect();
            if own.is_none() && theirs.is_empty() {
                return None;
            }
            Some((row.id, row.name, own.unwrap_or(0) + theirs.iter().sum::<i64>()))
        })
        .collect()
}

/// A village's ranking (residents of the village and staff reading points over it): people or
/// households, residents or cadres (each ranked apart; households are residents'), all-time or
/// one Beijing month. Names only, never phones.
pub fn rankings(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    ask: &RankingAsk,
) -> Result<Vec<Standing>, PointsError> {
    let village = readable_village(conn, principal, unit_id)?;
    if ask.holder == HolderKind::Household && ask.subject == Subject::Cadre {
        return Err(PointsError::invalid("holder", "households are ranked among residents only"));
    }
    let accounts = totals(conn, &village.id, ask)?;
    let lines = match ask.holder {
        HolderKind::User => {
            let people: Vec<(AccountRow, i64)> =
                accounts.into_iter().filter(|(acc, _)| acc.holder == HolderKind::User.as_str()).collect();
            let ids: Vec<String> = people.iter().map(|(acc, _)| acc.holder_id.clone()).collect();
            let names = users::names(conn, &ids)?;
            people
                .into_iter()
                .map(|(acc, pts)| (acc.holder_id.clone(), names.get(&acc.holder_id).cloned().unwrap_or_default(), pts))
                .collect()
        }
        HolderKind::Household => household_lines(village_households(conn, &village.path)?, &accounts),
    };
    Ok(ranked(lines, ask.limit))
}

/// A starred household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Starred {
    pub household_id: String,
    pub name: String,
    pub points: i64,
    pub stars: u8,
}

/// The village's star-rated households (星级文明户) by the thresholds in force, most stars first
/// (then most points): their total earned points (household account plus members').
pub fn starred(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
) -> Result<(Vec<i64>, Vec<Starred>), PointsError> {
    let village = readable_village(conn, principal, unit_id)?;
    let thresholds = rules::in_force(conn, &village.id)?.map(|f| f.stars).unwrap_or_default();
    if thresholds.is_empty() {
        return Ok((thresholds, Vec::new()));
    }
    let ask = RankingAsk { period: Period::All, holder: HolderKind::Household, subject: Subject::Resident, limit: 0 };
    let accounts = totals(conn, &village.id, &ask)?;
    let mut out: Vec<Starred> = household_lines(village_households(conn, &village.path)?, &accounts)
        .into_iter()
        .map(|(household_id, name, points)| Starred {
            stars: stars_for(&thresholds, points),
            household_id,
            name,
            points,
        })
        .filter(|s| s.stars > 0)
        .collect();
    out.sort_by(|x, y| y.stars.cmp(&x.stars).then(y.points.cmp(&x.points)).then_with(|| x.name.cmp(&y.name)));
    Ok((thresholds, out))
}

// ---------------------------------------------------------------------------------------------
// Read by the figures (`infra::stats`)

/// Entries of `units` that took effect over `[from, to)`: (unit, user, points).
pub fn effective_between(
    conn: &mut DbConn,
    units: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<(String, String, i32)>, diesel::result::Error> {
    use crate::schema::points_entries::dsl as pe;
    pe::points_entries
        .filter(pe::org_unit_id.eq_any(units.to_vec()))
        .filter(pe::status.eq(domain::points::entries::EntryStatus::Effective.as_str()))
        .filter(pe::effective_at.ge(from))
        .filter(pe::effective_at.lt(to))
        .select((pe::org_unit_id, pe::user_id, pe::points))
        .load(conn)
}

/// Orders of `units` handed over during `[from, to)`: (unit, points).
pub fn handed_over_between(
    conn: &mut DbConn,
    units: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<(String, i32)>, diesel::result::Error> {
    use crate::schema::points_orders::dsl as po;
    po::points_orders
        .filter(po::org_unit_id.eq_any(units.to_vec()))
        .filter(po::status.eq(domain::points::redemption::OrderStatus::HandedOver.as_str()))
        .filter(po::handled_at.ge(from))
        .filter(po::handled_at.lt(to))
        .select((po::org_unit_id, po::points))
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, pts: i64) -> (String, String, i64) {
        (id.to_owned(), id.to_owned(), pts)
    }

    #[test]
    fn ties_share_a_rank_and_the_next_rank_skips() {
        let out = ranked(vec![line("a", 5), line("b", 9), line("c", 5), line("d", 1)], 10);
        let ranks: Vec<(u32, &str)> = out.iter().map(|s| (s.rank, s.holder_id.as_str())).collect();
        assert_eq!(ranks, vec![(1, "b"), (2, "a"), (2, "c"), (4, "d")]);
        assert_eq!(ranked(vec![line("a", 1), line("b", 2)], 1).len(), 1);
    }

    #[test]
    fn months_are_beijing_months() {
        let (from, until) = month_bounds(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default());
        assert_eq!(from.to_string(), "2026-11-30 16:00:00");
        assert_eq!(until.to_string(), "2026-12-31 16:00:00");
        assert_eq!(Period::parse("2026-02"), NaiveDate::from_ymd_opt(2026, 2, 1).map(Period::Month));
        assert_eq!(Period::parse("all"), Some(Period::All));
        for bad in ["2026-13", "26-01", "2026-1", "x"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }
}
