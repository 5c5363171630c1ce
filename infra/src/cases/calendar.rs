//! The working-day calendar in the database: seeded from the years the binary ships (the State
//! Council's published holidays and make-up workdays), replaced a year at a time by admins.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::calendar::{DayKind, SpecialDay, WorkingCalendar};
use serde::Deserialize;

use crate::db::setup_tx;
use crate::schema::calendar_days::dsl as cd;
use crate::{DbConn, InfraError};

/// The calendar shipped with the binary.
const SHIPPED: &str = include_str!("../../data/cn-working-calendar.json");

#[derive(Deserialize)]
struct Shipped {
    years: BTreeMap<String, ShippedYear>,
}

#[derive(Deserialize)]
struct ShippedYear {
    holidays: BTreeMap<String, String>,
    makeup_workdays: BTreeMap<String, String>,
}

/// The shipped years, by year.
pub fn shipped_years() -> Result<BTreeMap<i32, Vec<SpecialDay>>, InfraError> {
    let shipped: Shipped =
        serde_json::from_str(SHIPPED).map_err(|e| InfraError::Config(format!("shipped calendar: {e}")))?;
    let mut years = BTreeMap::new();
    for (year, days) in shipped.years {
        let year: i32 = year.parse().map_err(|_| InfraError::Config(format!("shipped calendar year {year}")))?;
        let mut list = Vec::new();
        for (kind, table) in [(DayKind::Holiday, days.holidays), (DayKind::MakeupWorkday, days.makeup_workdays)] {
            for (day, name) in table {
                let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                    .map_err(|_| InfraError::Config(format!("shipped calendar day {day}")))?;
                list.push(SpecialDay { day, kind, name });
            }
        }
        list.sort_by_key(|d| d.day);
        years.insert(year, list);
    }
    Ok(years)
}

/// Inserts the shipped years the database does not have yet; a year an admin uploaded is kept.
/// Under the startup lock, so instances starting together load each year once.
pub fn seed(conn: &mut DbConn) -> Result<usize, InfraError> {
    let shipped = shipped_years()?;
    setup_tx(conn, |conn| {
        let present: Vec<i32> = cd::calendar_days.select(cd::year).distinct().load(conn)?;
        let mut added = 0;
        for (year, days) in shipped {
            if !present.contains(&year) {
                added += insert_days(conn, year, &days)?;
            }
        }
        Ok(added)
    })
}

fn insert_days(conn: &mut DbConn, year: i32, days: &[SpecialDay]) -> Result<usize, DieselError> {
    let rows: Vec<_> = days
        .iter()
        .map(|d| {
            (
                cd::day.eq(d.day.format("%Y-%m-%d").to_string()),
                cd::year.eq(year),
                cd::kind.eq(d.kind.as_str()),
                cd::name.eq(d.name.clone()),
            )
        })
        .collect();
    let mut total = 0;
    // One row at a time: a multi-row insert through the multi-backend connection is not portable.
    for row in rows {
        total += diesel::insert_into(cd::calendar_days).values(row).execute(conn)?;
    }
    Ok(total)
}

/// Replaces one year's special days (an admin's upload, every day in that year), in the caller's
/// write transaction.
pub(crate) fn replace_days(conn: &mut DbConn, year: i32, days: &[SpecialDay]) -> Result<usize, DieselError> {
    diesel::delete(cd::calendar_days.filter(cd::year.eq(year))).execute(conn)?;
    insert_days(conn, year, days)
}

pub fn year(conn: &mut DbConn, year: i32) -> Result<Vec<SpecialDay>, crate::cases::CasesError> {
    let rows: Vec<(String, String, String)> = cd::calendar_days
        .filter(cd::year.eq(year))
        .select((cd::day, cd::kind, cd::name))
        .order(cd::day.asc())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(special).collect())
}

pub fn years(conn: &mut DbConn) -> Result<Vec<i32>, crate::cases::CasesError> {
    Ok(cd::calendar_days.select(cd::year).distinct().order(cd::year.asc()).load(conn)?)
}

fn special((day, kind, name): (String, String, String)) -> Option<SpecialDay> {
    Some(SpecialDay { day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok()?, kind: DayKind::parse(&kind).ok()?, name })
}

/// The calendar from `from` on (deadlines only look forward; a year and a half is plenty).
pub fn load_from(conn: &mut DbConn, from: NaiveDate) -> Result<WorkingCalendar, DieselError> {
    let start = from.pred_opt().unwrap_or(from).format("%Y-%m-%d").to_string();
    let rows: Vec<(String, String, String)> = cd::calendar_days
        .filter(cd::day.ge(start))
        .select((cd::day, cd::kind, cd::name))
        .order(cd::day.asc())
        .limit(2_000)
        .load(conn)?;
    Ok(WorkingCalendar::new(rows.into_iter().filter_map(special).map(|d| (d.day, d.kind))))
}
