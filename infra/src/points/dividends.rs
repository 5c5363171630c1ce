//! Dividends (积分分红) in the database: a village's distributable income shared among its
//! households by their earned points up to a cut-off date (the domain's largest-remainder
//! method, exact to the fen), posted publicly (公示) for objections, then final — or cancelled
//! when an objection is upheld, and computed anew.
//!
//! A household's points are the earning ledger rows (`LedgerKind::is_earning`: earned,
//! penalties, base points, reversals — not spending or refunds) dated before the end of the
//! cut-off day in Beijing, of the household's own account and its members' accounts in the
//! village.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use domain::identity::principal::Principal;
use domain::identity::roles::{Denial, Permission, Place};
use domain::points::dividends::{self as rules, DividendAction, DividendNotNow, DividendStatus};
use domain::points::entries::{self as postings, ObjectionStatus, PostingKind, PostingStatus, Ruling};
use domain::points::ledger::{HolderKind, LedgerKind};
use domain::points::{share_by_points, DividendError, DividendId, ObjectionId, PostingId};
use serde_json::json;

use super::redemption::{lives_in, require_village, unit_place, Window};
use super::rows::{DividendRow, ObjectionRow, PostingRow};
use super::PointsError;
use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::audit;
use crate::identity::audit::Caller;
use crate::identity::queries::residency;
use crate::schema::points_dividend_shares::dsl as sh;
use crate::schema::points_dividends::dsl as d;
use crate::schema::points_ledger::dsl as l;
use crate::schema::points_objections::dsl as ob;
use crate::schema::points_postings::dsl as p;
use crate::DbConn;

/// Each household's members, when a dividend is posted.
pub const POINTS_DIVIDEND: &str = "points_dividend";
/// An objector, when staff answer.
pub const POINTS_OBJECTION_ANSWERED: &str = "points_objection_answered";

impl From<DividendNotNow> for PointsError {
    fn from(refusal: DividendNotNow) -> Self {
        PointsError::NotNow { action: refusal.action.as_str(), status: refusal.status.as_str() }
    }
}

/// One household's share as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::points_dividend_shares)]
pub struct ShareRow {
    pub dividend_id: String,
    pub household_id: String,
    pub points: i64,
    pub fen: i64,
}

/// A dividend to compute, checked.
#[derive(Debug, Clone)]
pub struct NewDividend {
    pub title: String,
    pub total_fen: u64,
    pub cut_off: NaiveDate,
    pub days: u32,
}

/// A share with its household's name.
#[derive(Debug, Clone)]
pub struct ShareLine {
    pub household_id: String,
    pub household_name: String,
    pub points: i64,
    pub fen: i64,
}

/// A dividend as it is shown: its posting, shares (biggest first), their sum, and the
/// objections the reader may see (staff: all; a resident: their own).
#[derive(Debug, Clone)]
pub struct DividendView {
    pub row: DividendRow,
    pub posting: Option<PostingRow>,
    pub shares: Vec<ShareLine>,
    pub sum_fen: i64,
    pub objections: Vec<ObjectionRow>,
}

fn find(conn: &mut DbConn, id: &str) -> Result<DividendRow, PointsError> {
    d::points_dividends
        .filter(d::id.eq(id))
        .select(DividendRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PointsError::NotFound)
}

fn posting_of(conn: &mut DbConn, row: &DividendRow) -> Result<Option<PostingRow>, PointsError> {
    let Some(posting_id) = &row.posting_id else { return Ok(None) };
    Ok(p::points_postings.filter(p::id.eq(posting_id)).select(PostingRow::as_select()).first(conn).optional()?)
}

fn status_of(row: &DividendRow) -> Result<DividendStatus, PointsError> {
    DividendStatus::parse(&row.status).map_err(|_| PointsError::Corrupt(format!("dividend {}", row.id)))
}

fn record(
    caller: &Caller,
    conn: &mut DbConn,
    action: &str,
    id: &str,
    details: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), PointsError> {
    let entry = caller.origin.entry(Some(&caller.principal), action, "points_dividend", id, details);
    audit::append(conn, &entry, now)?;
    Ok(())
}

/// Each household of the village with its earned points up to the cut-off: (id, name, points),
/// in id order.
fn household_points(
    conn: &mut DbConn,
    village: &Place,
    cut_off: NaiveDate,
) -> Result<Vec<(String, String, i64)>, PointsError> {
    let village_id = village.org_path.last().cloned().unwrap_or_default();
    let path = crate::identity::rows::path_text(&village.org_path);
    let mut households = residency::households_in(conn, &[path], None, i64::MAX)?;
    households.sort_by(|a, b| a.id.cmp(&b.id));
    let earning: Vec<&str> = LedgerKind::ALL.iter().filter(|k| k.is_earning()).map(|k| k.as_str()).collect();
    let sums: Vec<(String, String, i64)> = {
        use crate::schema::points_accounts::dsl as a;
        l::points_ledger
            .inner_join(a::points_accounts)
            .filter(l::org_unit_id.eq(&village_id))
            .filter(a::subject.eq(domain::points::rules::Subject::Resident.as_str()))
            .filter(l::kind.eq_any(earning))
            .filter(l::at.lt(rules::cut_off_end(cut_off)))
            .group_by((a::holder, a::holder_id))
            .select((a::holder, a::holder_id, diesel::dsl::sql::<BigInt>("CAST(SUM(points_ledger.points) AS BIGINT)")))
            .load(conn)?
    };
    let by_holder: HashMap<(String, String), i64> = sums.into_iter().map(|(k, id, s)| ((k, id), s)).collect();
    let points_of = |kind: HolderKind, id: &str| by_holder.get(&(kind.as_str().to_owned(), id.to_owned())).copied();
    let ids: Vec<String> = households.iter().map(|h| h.id.clone()).collect();
    let mut members: HashMap<String, Vec<String>> = HashMap::new();
    for (household, user) in residency::members_by_household(conn, &ids)? {
        members.entry(household).or_default().push(user);
    }
    let mut out = Vec::with_capacity(households.len());
    for household in households {
        let mut points = points_of(HolderKind::Household, &household.id).unwrap_or(0);
        for member in members.remove(&household.id).unwrap_or_default() {
            points += points_of(HolderKind::User, &member).unwrap_or(0);
        }
        out.push((household.id, household.name, points));
    }
    Ok(out)
}

/// Computes and posts a dividend of a village (`ManagePoints` over it) in the caller's write
/// transaction (an idempotency record's): the shares stored, a posting of kind `dividend` open
/// for `days`, and each household's members told their share. No household with points: 422.
pub fn create_in_tx(
    conn: &mut DbConn,
    caller: &Caller,
    unit_id: &str,
    new: &NewDividend,
    now: NaiveDateTime,
) -> Result<DividendView, PointsError> {
    let place = unit_place(conn, unit_id)?;
    caller.principal.require(&place, Permission::ManagePoints)?;
    require_village(&place)?;
    let households = household_points(conn, &place, new.cut_off)?;
    let weights: Vec<(String, i64)> = households.iter().map(|(id, _, points)| (id.clone(), *points)).collect();
    let shares = share_by_points(new.total_fen, &weights).map_err(|e| match e {
        DividendError::NoPoints => PointsError::invalid("cut_off", "no household has points up to this date"),
        DividendError::DuplicateHousehold => PointsError::Corrupt("a household twice".into()),
    })?;
    let posting = PostingRow {
        id: PostingId::generate().into_string(),
        org_unit_id: unit_id.to_owned(),
        kind: PostingKind::Dividend.as_str().to_owned(),
        title: new.title.clone(),
        status: PostingStatus::Open.as_str().to_owned(),
        opened_at: now,
        ends_at: postings::posting_ends(now, new.days),
        closed_at: None,
        created_by: caller.principal.user_id.clone(),
    };
    diesel::insert_into(p::points_postings).values(&posting).execute(conn)?;
    let row = DividendRow {
        id: DividendId::generate().into_string(),
        org_unit_id: unit_id.to_owned(),
        title: new.title.clone(),
        total_fen: i64::try_from(new.total_fen).map_err(|_| PointsError::invalid("total_fen", "too large"))?,
        cut_off: new.cut_off,
        status: DividendStatus::Posted.as_str().to_owned(),
        posting_id: Some(posting.id.clone()),
        created_by: caller.principal.user_id.clone(),
        created_at: now,
    };
    diesel::insert_into(d::points_dividends).values(&row).execute(conn)?;
    let rows: Vec<ShareRow> = shares
        .iter()
        .map(|s| ShareRow {
            dividend_id: row.id.clone(),
            household_id: s.household_id.clone(),
            points: s.points,
            fen: i64::try_from(s.fen).unwrap_or(i64::MAX),
        })
        .collect();
    // One statement per share: the multi-backend connection cannot batch inserts.
    for share in &rows {
        diesel::insert_into(sh::points_dividend_shares).values(share).execute(conn)?;
    }
    let ends_at = posting.ends_at.and_utc().with_timezone(&domain::calendar::beijing()).format("%Y-%m-%d %H:%M");
    let ids: Vec<String> = rows.iter().map(|s| s.household_id.clone()).collect();
    let mut people: HashMap<String, Vec<String>> = HashMap::new();
    for (household, user) in residency::members_by_household(conn, &ids)? {
        people.entry(household).or_default().push(user);
    }
    for share in &rows {
        let members: Vec<String> = people.remove(&share.household_id).unwrap_or_default();
        let data = json!({
            "title": row.title, "points": share.points, "yuan": rules::yuan(share.fen), "ends_at": ends_at.to_string(),
        });
        crate::notify::enqueue_to(conn, POINTS_DIVIDEND, &members, &data, now)?;
    }
    let details =
        json!({ "unit_id": unit_id, "total_fen": row.total_fen, "cut_off": row.cut_off, "households": rows.len() });
    record(caller, conn, "points.dividend.create", &row.id, details, now)?;
    view(conn, &caller.principal, row, true)
}

/// How a reader sees a dividend: staff who read points there (`true`: every objection), its
/// village's residents and other staff in scope (`false`: their own objections); else 404.
fn reader(conn: &mut DbConn, principal: &Principal, row: &DividendRow) -> Result<(Place, bool), PointsError> {
    let place = unit_place(conn, &row.org_unit_id)?;
    if principal.may(&place, Permission::ReadPoints) {
        return Ok((place, true));
    }
    if principal.sees(&place) || lives_in(conn, principal.subject(), &place)? {
        return Ok((place, false));
    }
    Err(PointsError::NotFound)
}

fn view(conn: &mut DbConn, principal: &Principal, row: DividendRow, all: bool) -> Result<DividendView, PointsError> {
    let stored: Vec<ShareRow> =
        sh::points_dividend_shares.filter(sh::dividend_id.eq(&row.id)).select(ShareRow::as_select()).load(conn)?;
    let ids: Vec<String> = stored.iter().map(|s| s.household_id.clone()).collect();
    let names = residency::household_names(conn, &ids)?;
    let mut shares: Vec<ShareLine> = stored
        .into_iter()
        .map(|s| ShareLine {
            household_name: names.get(&s.household_id).cloned().unwrap_or_default(),
            household_id: s.household_id,
            points: s.points,
            fen: s.fen,
        })
        .collect();
    shares.sort_by(|a, b| b.fen.cmp(&a.fen).then(b.points.cmp(&a.points)).then(a.household_id.cmp(&b.household_id)));
    let sum_fen = shares.iter().map(|s| s.fen).sum();
    let posting = posting_of(conn, &row)?;
    let mut objections = Vec::new();
    if let Some(posting) = &posting {
        let mut query = ob::points_objections
            .filter(ob::posting_id.eq(&posting.id))
            .select(ObjectionRow::as_select())
            .order(ob::id.asc())
            .into_boxed();
        if !all {
            query = query.filter(ob::objector_id.eq(principal.subject().to_owned()));
        }
        objections = query.load(conn)?;
    }
    Ok(DividendView { row, posting, shares, sum_fen, objections })
}

/// One dividend as the caller may see it (see [`reader`]).
pub fn get(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<DividendView, PointsError> {
    let row = find(conn, id)?;
    let (_, all) = reader(conn, principal, &row)?;
    view(conn, principal, row, all)
}

/// A dividend in a list: without its shares.
#[derive(Debug, Clone)]
pub struct DividendSummary {
    pub row: DividendRow,
    pub posting: Option<PostingRow>,
}

/// A unit's dividends, newest first: for its residents and staff in scope.
pub fn list(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    window: &Window,
) -> Result<Vec<DividendSummary>, PointsError> {
    let place = unit_place(conn, unit_id)?;
    if !principal.sees(&place) && !lives_in(conn, principal.subject(), &place)? {
        return Err(PointsError::NotFound);
    }
    let units = residency::units_under(conn, &[crate::identity::rows::path_text(&place.org_path)])?;
    let mut query = d::points_dividends
        .filter(d::org_unit_id.eq_any(units))
        .select(DividendRow::as_select())
        .order(d::id.desc())
        .limit(window.limit)
        .into_boxed();
    if let Some(before) = &window.before {
        query = query.filter(d::id.lt(before.clone()));
    }
    let rows = query.load(conn)?;
    rows.into_iter().map(|row| Ok(DividendSummary { posting: posting_of(conn, &row)?, row })).collect()
}

/// The shares for the CSV export (`ReadPoints` over the village; its residents: 403). Every
/// household's share leaves the system in it: the export is audited.
pub fn shares_for_export(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    now: NaiveDateTime,
) -> Result<DividendView, PointsError> {
    let principal = &caller.principal;
    let row = find(conn, id)?;
    let place = unit_place(conn, &row.org_unit_id)?;
    match principal.require(&place, Permission::ReadPoints) {
        Err(Denial::NotFound) if lives_in(conn, principal.subject(), &place)? => return Err(PointsError::Forbidden),
        other => other?,
    }
    write_tx(conn, |conn| record(caller, conn, "points.dividend_exported", id, json!({}), now))?;
    let mut view = view(conn, principal, row, true)?;
    view.shares.sort_by(|a, b| a.household_name.cmp(&b.household_name).then(a.household_id.cmp(&b.household_id)));
    Ok(view)
}

/// A resident's objection to a posted dividend, while its posting runs: once per person.
pub fn object(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<ObjectionRow, PointsError> {
    write_tx(conn, |conn| {
        let row = find(conn, id)?;
        let place = unit_place(conn, &row.org_unit_id)?;
        let objector = caller.principal.subject().to_owned();
        if !lives_in(conn, &objector, &place)? {
            return Err(if caller.principal.sees(&place) { PointsError::Forbidden } else { PointsError::NotFound });
        }
        let posting = posting_of(conn, &row)?.ok_or(PointsError::NotFound)?;
        let posting_status = PostingStatus::parse(&posting.status).unwrap_or(PostingStatus::Closed);
        let status = status_of(&row)?;
        if status != DividendStatus::Posted || !postings::may_object(posting_status, posting.ends_at, now) {
            let shown = if status == DividendStatus::Posted { "closed" } else { status.as_str() };
            return Err(PointsError::NotNow { action: "object", status: shown });
        }
        let objection = ObjectionRow {
            id: ObjectionId::generate().into_string(),
            posting_id: posting.id.clone(),
            entry_id: None,
            household_id: residency::household_of(conn, &objector)?,
            objector_id: objector,
            reason: reason.to_owned(),
            status: ObjectionStatus::Pending.as_str().to_owned(),
            answer: None,
            decided_by: None,
            decided_at: None,
            created_at: now,
        };
        let inserted =
            insert_unique(conn, |conn| diesel::insert_into(ob::points_objections).values(&objection).execute(conn))?;
        if inserted == Inserted::Duplicate {
            return Err(PointsError::Duplicate);
        }
        Ok(objection)
    })
}

/// Staff's answer to an objection (`ManagePoints` over the village): upheld or dismissed, once;
/// the objector is told. An upheld objection keeps the dividend from becoming final.
pub fn answer(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    objection_id: &str,
    ruling: Ruling,
    text: &str,
    now: NaiveDateTime,
) -> Result<ObjectionRow, PointsError> {
    write_tx(conn, |conn| {
        let row = find(conn, id)?;
        let place = unit_place(conn, &row.org_unit_id)?;
        caller.principal.require(&place, Permission::ManagePoints)?;
        let posting_id = row.posting_id.clone().ok_or(PointsError::NotFound)?;
        let objection: ObjectionRow = ob::points_objections
            .filter(ob::id.eq(objection_id))
            .filter(ob::posting_id.eq(&posting_id))
            .select(ObjectionRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(PointsError::NotFound)?;
        let decided = match ruling {
            Ruling::Uphold => ObjectionStatus::Upheld,
            Ruling::Dismiss => ObjectionStatus::Dismissed,
        };
        let moved = diesel::update(
            ob::points_objections
                .filter(ob::id.eq(objection_id))
                .filter(ob::status.eq(ObjectionStatus::Pending.as_str())),
        )
        .set((
            ob::status.eq(decided.as_str()),
            ob::answer.eq(text),
            ob::decided_by.eq(&caller.principal.user_id),
            ob::decided_at.eq(now),
        ))
        .execute(conn)?;
        if moved == 0 {
            let status = ObjectionStatus::parse(&objection.status).map_or("answered", ObjectionStatus::as_str);
            let status = if status == "pending" { "answered" } else { status };
            return Err(PointsError::NotNow { action: "answer", status });
        }
        let told = if decided == ObjectionStatus::Upheld { "成立" } else { "不成立" };
        let data = json!({ "subject": row.title, "ruling": told, "answer": text });
        crate::notify::enqueue_to(
            conn,
            POINTS_OBJECTION_ANSWERED,
            std::slice::from_ref(&objection.objector_id),
            &data,
            now,
        )?;
        record(
            caller,
            conn,
            "points.dividend.answer",
            id,
            json!({ "objection_id": objection_id, "ruling": ruling.as_str() }),
            now,
        )?;
        Ok(ob::points_objections.filter(ob::id.eq(objection_id)).select(ObjectionRow::as_select()).first(conn)?)
    })
}

/// Counts of a posting's pending and upheld objections.
fn objection_counts(conn: &mut DbConn, posting_id: &str) -> Result<(u64, u64), PointsError> {
    let statuses: Vec<String> =
        ob::points_objections.filter(ob::posting_id.eq(posting_id)).select(ob::status).load(conn)?;
    let count = |s: ObjectionStatus| statuses.iter().filter(|t| t.as_str() == s.as_str()).count() as u64;
    Ok((count(ObjectionStatus::Pending), count(ObjectionStatus::Upheld)))
}

/// Moves a posted dividend by a conditional update (one of two concurrent moves wins) and
/// closes its posting.
fn settle(conn: &mut DbConn, row: &DividendRow, action: DividendAction, now: NaiveDateTime) -> Result<(), PointsError> {
    let next = rules::transition(status_of(row)?, action)?;
    let moved = diesel::update(
        d::points_dividends.filter(d::id.eq(&row.id)).filter(d::status.eq(DividendStatus::Posted.as_str())),
    )
    .set(d::status.eq(next.as_str()))
    .execute(conn)?;
    if moved == 0 {
        let found = status_of(&find(conn, &row.id)?)?;
        return Err(rules::transition(found, action).err().map_or(PointsError::Duplicate, PointsError::from));
    }
    if let Some(posting_id) = &row.posting_id {
        diesel::update(p::points_postings.filter(p::id.eq(posting_id)))
            .set((p::status.eq(PostingStatus::Closed.as_str()), p::closed_at.eq(now)))
            .execute(conn)?;
    }
    Ok(())
}

/// Makes a dividend final (`ManagePoints`): its posting period over, no objection pending and
/// none upheld; otherwise 409 `invalid_transition`.
pub fn finalize(conn: &mut DbConn, caller: &Caller, id: &str, now: NaiveDateTime) -> Result<DividendView, PointsError> {
    write_tx(conn, |conn| {
        let row = find(conn, id)?;
        let place = unit_place(conn, &row.org_unit_id)?;
        caller.principal.require(&place, Permission::ManagePoints)?;
        let status = status_of(&row)?;
        rules::transition(status, DividendAction::Finalize)?;
        let posting = posting_of(conn, &row)?.ok_or(PointsError::NotFound)?;
        let (pending, upheld) = objection_counts(conn, &posting.id)?;
        if !rules::may_finalize(posting.ends_at, pending, upheld, now) {
            return Err(PointsError::NotNow { action: "finalize", status: status.as_str() });
        }
        settle(conn, &row, DividendAction::Finalize, now)?;
        record(caller, conn, "points.dividend.finalize", id, json!({}), now)?;
        let row = find(conn, id)?;
        view(conn, &caller.principal, row, true)
    })
}

/// Cancels a posted dividend (`ManagePoints`), for one computed anew.
pub fn cancel(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<DividendView, PointsError> {
    write_tx(conn, |conn| {
        let row = find(conn, id)?;
        let place = unit_place(conn, &row.org_unit_id)?;
        caller.principal.require(&place, Permission::ManagePoints)?;
        settle(conn, &row, DividendAction::Cancel, now)?;
        record(caller, conn, "points.dividend.cancel", id, json!({ "reason": reason }), now)?;
        let row = find(conn, id)?;
        view(conn, &caller.principal, row, true)
    })
}
