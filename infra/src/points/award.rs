//! Automatic entries: the one function other features call inside their own transactions when
//! something worth points happened (a meeting check-in, a ballot, a confirmed case report, a
//! winning idea, confirmed volunteer hours). The points code never reads their tables: they
//! say who, where, what and which event; the rule in force decides the points.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::dsl::sum;
use diesel::prelude::*;
use domain::points::entries::{EntrySource, EntryStatus};
use domain::points::rules::{within_cap, AutoSource, CapPeriod};
use domain::points::volunteers::points_for;
use domain::points::EntryId;

use super::rows::EntryRow;
use super::{rules, PointsError};
use crate::db::{insert_unique, DbConn, Inserted};
use crate::schema::points_entries::dsl as e;

/// Something that happened, as the feature it happened in reports it.
#[derive(Debug, Clone, Copy)]
pub struct Award<'a> {
    /// Where it happened: a village or a unit in it (a unit above villages awards nothing).
    pub unit_id: &'a str,
    pub user_id: &'a str,
    pub source: AutoSource,
    /// What made it, unique for its source (`meeting:{id}:{user}`, a ballot's id, a case's id…):
    /// the same event delivered twice awards once.
    pub source_ref: &'a str,
    /// Minutes served, for service hours (the rule's points are per hour).
    pub minutes: Option<u32>,
    pub on: NaiveDate,
    pub note: &'a str,
}

/// Records the automatic entry for `award`, approved (the event was its review) and waiting for
/// the village's next posting. Nothing when the village has no rule for the event, when the
/// person's cap for the period is used up, or when this event was already awarded (the unique
/// key on source, reference and rule decides, also between concurrent deliveries). Returns the
/// new entry's id.
pub fn award_in_tx(conn: &mut DbConn, award: &Award<'_>, now: NaiveDateTime) -> Result<Option<String>, PointsError> {
    let Some(village) = rules::village_of(conn, award.unit_id)? else { return Ok(None) };
    let Some(in_force) = rules::in_force(conn, &village)? else { return Ok(None) };
    let Some((row, rule)) = in_force.automatic(award.source) else { return Ok(None) };
    let points = match award.source {
        AutoSource::ServiceHours => points_for(rule.points, award.minutes.unwrap_or(0)),
        _ => rule.points,
    };
    let already = match rule.cap_period {
        Some(period) => {
            lock_cap(conn, &village, award.user_id, &row.code)?;
            given_in_period(conn, &village, award.user_id, &row.code, period, award.on)?
        }
        None => 0,
    };
    let points = within_cap(points, already, rule.cap);
    if points == 0 {
        return Ok(None);
    }
    let entry = EntryRow {
        id: EntryId::generate().into_string(),
        org_unit_id: village,
        user_id: award.user_id.to_owned(),
        rule_id: row.id.clone(),
        rule_code: row.code.clone(),
        subject: row.subject.clone(),
        points: i32::try_from(points).map_err(|_| PointsError::invalid("points", "too large"))?,
        note: award.note.to_owned(),
        occurred_on: award.on,
        status: EntryStatus::Approved.as_str().to_owned(),
        source: EntrySource::from(award.source).as_str().to_owned(),
        source_ref: Some(award.source_ref.to_owned()),
        recorded_by: None,
        reviewed_by: None,
        reviewed_at: Some(now),
        reject_reason: None,
        posting_id: None,
        effective_at: None,
        created_at: now,
        updated_at: now,
    };
    let inserted = insert_unique(conn, |conn| diesel::insert_into(e::points_entries).values(&entry).execute(conn))?;
    Ok((inserted == Inserted::New).then_some(entry.id))
}

/// The first day of the cap period holding `on`, and the first day after it.
pub fn period_bounds(period: CapPeriod, on: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(on);
    match period {
        CapPeriod::Month => {
            let (y, m) = if on.month() == 12 { (on.year() + 1, 1) } else { (on.year(), on.month() + 1) };
            (first(on.year(), on.month()), first(y, m))
        }
        CapPeriod::Year => (first(on.year(), 1), first(on.year() + 1, 1)),
    }
}

/// Makes the writers of one person's entries under one capped rule take turns until the
/// transaction ends, so that two at once cannot both fit under the cap.
pub(crate) fn lock_cap(conn: &mut DbConn, village: &str, user_id: &str, rule_code: &str) -> Result<(), PointsError> {
    crate::db::lock_key(conn, &format!("points-cap:{village}:{user_id}:{rule_code}"))?;
    Ok(())
}

/// Points a person got (or is getting: not rejected, not struck) from one rule of a village in
/// the cap period holding `on`.
pub fn given_in_period(
    conn: &mut DbConn,
    village: &str,
    user_id: &str,
    rule_code: &str,
    period: CapPeriod,
    on: NaiveDate,
) -> Result<i64, PointsError> {
    let (from, until) = period_bounds(period, on);
    let total: Option<i64> = e::points_entries
        .filter(e::user_id.eq(user_id))
        .filter(e::org_unit_id.eq(village))
        .filter(e::rule_code.eq(rule_code))
        .filter(e::occurred_on.ge(from))
        .filter(e::occurred_on.lt(until))
        .filter(e::status.ne_all([EntryStatus::Rejected.as_str(), EntryStatus::Struck.as_str()]))
        .select(sum(e::points))
        .first(conn)?;
    Ok(total.unwrap_or(0))
}
