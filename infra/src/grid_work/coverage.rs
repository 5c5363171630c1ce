//! Coverage of a grid (走村不漏户), care households and their due visits, and the figures of a
//! unit's grids, villages and townships. Reads group in the database: a grid's coverage is a few
//! statements whatever its size, a township's figures a few more, never one per grid or household.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count, count_star, max, sum};
use diesel::prelude::*;
use domain::calendar::WorkingCalendar;
use domain::grid_work::care::{care_status, CareInterval, CareNeeds, CareStatus, Coverage, Period, StaleDays};
use domain::identity::ids::{GridId, HouseholdId, OrgUnitId};
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use serde_json::json;

use super::rows::CareRow;
use super::GridWorkError;
use crate::identity::audit::{self, Origin};
use crate::identity::queries::{org, residency, users};
use crate::schema::care_households::dsl as ch;
use crate::schema::households::dsl as h;
use crate::schema::visits::dsl as v;
use crate::DbConn;

// ---------------------------------------------------------------------------------------------
// Care households

/// What a cadre sets on a household that needs care.
#[derive(Debug, Clone)]
pub struct CareSetting {
    pub needs: CareNeeds,
    pub interval: CareInterval,
}

/// The place a household sits at (its unit, and its grid if it has one).
fn household_place(conn: &mut DbConn, household_id: &str) -> Result<(Place, Option<String>), GridWorkError> {
    let row = residency::find_household(conn, household_id)?.ok_or(GridWorkError::NotFound)?;
    Ok((super::place(conn, &row.org_unit_id, row.grid_id.as_deref())?, row.grid_id))
}

/// Marks a household as needing care (or changes its needs and interval): `ManageCare` over the
/// household's unit; audited.
pub fn set_care(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    household: &HouseholdId,
    setting: &CareSetting,
    now: NaiveDateTime,
) -> Result<CareRow, GridWorkError> {
    crate::db::write_tx(conn, |conn| {
        let (place, _) = household_place(conn, household.as_str())?;
        principal.require_over_residents(&place, Permission::ManageCare)?;
        let row = CareRow {
            household_id: household.as_str().to_owned(),
            needs: setting.needs.to_stored(),
            interval_days: i32::try_from(setting.interval.days()).unwrap_or(i32::MAX),
            working_days: setting.interval.working_days(),
            set_by: principal.user_id.clone(),
            set_at: now,
        };
        // Marked once per household by the primary key: a second cadre marking it at the same
        // moment changes the first one's setting instead of failing.
        let insert = |conn: &mut DbConn| diesel::insert_into(ch::care_households).values(&row).execute(conn);
        // A change keeps the first marking time: a never-visited household stays due from then.
        if crate::db::insert_unique(conn, insert)? == crate::db::Inserted::Duplicate {
            diesel::update(ch::care_households.filter(ch::household_id.eq(&row.household_id)))
                .set((
                    ch::needs.eq(&row.needs),
                    ch::interval_days.eq(row.interval_days),
                    ch::working_days.eq(row.working_days),
                    ch::set_by.eq(&row.set_by),
                ))
                .execute(conn)?;
        }
        let details =
            json!({ "needs": row.needs, "interval_days": row.interval_days, "working_days": row.working_days });
        audit::append(conn, &origin.entry(Some(principal), "care.set", "household", &row.household_id, details), now)?;
        Ok(row)
    })
}

/// Unmarks a household (nothing to do when it was not marked): `ManageCare`; audited.
pub fn clear_care(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    household: &HouseholdId,
    now: NaiveDateTime,
) -> Result<bool, GridWorkError> {
    crate::db::write_tx(conn, |conn| {
        let (place, _) = household_place(conn, household.as_str())?;
        principal.require_over_residents(&place, Permission::ManageCare)?;
        let removed =
            diesel::delete(ch::care_households.filter(ch::household_id.eq(household.as_str()))).execute(conn)?;
        if removed > 0 {
            let entry = origin.entry(Some(principal), "care.clear", "household", household.as_str(), json!({}));
            audit::append(conn, &entry, now)?;
        }
        Ok(removed > 0)
    })
}

// ---------------------------------------------------------------------------------------------
// A grid's coverage

/// What a coverage read asks: the period, the stale threshold, and today (Beijing).
#[derive(Debug, Clone, Copy)]
pub struct CoverageAsk {
    pub period: Period,
    pub stale: StaleDays,
    pub today: NaiveDate,
}

/// A household not visited for the stale threshold (never, or last visit older).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleHousehold {
    pub household_id: String,
    pub name: String,
    pub last_visit: Option<NaiveDateTime>,
}

/// One visitor's work on the grid in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorFigures {
    pub user_id: String,
    pub display_name: String,
    pub visits: i64,
    pub households: i64,
    pub info_items: i64,
}

/// A care household on the grid: its needs only for those who may read households' details.
#[derive(Debug, Clone)]
pub struct CareLine {
    pub household_id: String,
    pub name: String,
    pub needs: CareNeeds,
    pub interval: CareInterval,
    pub last_visit: Option<NaiveDateTime>,
    pub status: CareStatus,
}

/// A grid's coverage. The named lists (`stale`, `care`) are `None` for a caller who sees figures
/// only (a township officer).
#[derive(Debug, Clone)]
pub struct GridCoverage {
    pub grid_id: String,
    pub period: Period,
    pub stale_days: StaleDays,
    pub coverage: Coverage,
    pub visits: i64,
    pub info_items: i64,
    pub stale_count: u64,
    pub stale: Option<Vec<StaleHousehold>>,
    pub visitors: Vec<VisitorFigures>,
    pub care_households: u64,
    pub care_overdue: u64,
    pub care: Option<Vec<CareLine>>,
}

/// Visits are counted in the database; these are its grouped answers.
type VisitorRow = (String, i64, i64, Option<i64>);

/// A grid's coverage for `ask.period`: `ReadGridFigures` over the grid; the names of stale and
/// care households (and the care needs) only for callers who also read visits and households
/// there (a township sees figures, not names).
pub fn grid_coverage(
    conn: &mut DbConn,
    principal: &Principal,
    grid: &GridId,
    ask: CoverageAsk,
    calendar: &WorkingCalendar,
) -> Result<GridCoverage, GridWorkError> {
    let row = org::find_grid(conn, grid.as_str())?.ok_or(GridWorkError::NotFound)?;
    let place = super::place(conn, &row.org_unit_id, Some(&row.id))?;
    principal.require(&place, Permission::ReadGridFigures)?;
    let named = principal.may(&place, Permission::ReadVisits)
        && principal.require_over_residents(&place, Permission::ReadHouseholds).is_ok();

    let roster = residency::households_on_grid(conn, &row.id)?;
    let (start, end) = ask.period.bounds();
    // A past period is judged as it stood at its end.
    let today = ask.today.min(ask.period.to());
    // The last visit (on any grid, before the period's end) of every household on the roster,
    // and which of them were visited in the period: one grouped statement each.
    let last: HashMap<String, Option<NaiveDateTime>> = v::visits
        .inner_join(h::households.on(h::id.eq(v::household_id)))
        .filter(h::grid_id.eq(&row.id))
        .filter(v::visited_at.lt(end))
        .group_by(v::household_id)
        .select((v::household_id, max(v::visited_at)))
        .load::<(String, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .collect();
    let visited: HashSet<String> = v::visits
        .inner_join(h::households.on(h::id.eq(v::household_id)))
        .filter(h::grid_id.eq(&row.id))
        .filter(v::visited_at.ge(start))
        .filter(v::visited_at.lt(end))
        .select(v::household_id)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let in_period =
        v::visits.filter(v::grid_id.eq(&row.id)).filter(v::visited_at.ge(start)).filter(v::visited_at.lt(end));
    let by_visitor: Vec<VisitorRow> = in_period
        .group_by(v::visitor_id)
        .select((v::visitor_id, count_star(), count(v::household_id).aggregate_distinct(), sum(v::info_items)))
        .load(conn)?;

    let on_roll: HashSet<&str> = roster.iter().map(|(id, _)| id.as_str()).collect();
    let visited_on_roll = visited.iter().filter(|id| on_roll.contains(id.as_str())).count() as u64;
    let stale: Vec<StaleHousehold> = roster
        .iter()
        .filter_map(|(id, name)| {
            let last_visit = last.get(id).copied().flatten();
            ask.stale.is_stale(last_visit, today).then(|| StaleHousehold {
                household_id: id.clone(),
                name: name.clone(),
                last_visit,
            })
        })
        .collect();

    let names = users::names(conn, &by_visitor.iter().map(|r| r.0.clone()).collect::<Vec<_>>())?;
    let mut visitors: Vec<VisitorFigures> = by_visitor
        .into_iter()
        .map(|(user_id, visits, households, info)| VisitorFigures {
            display_name: names.get(&user_id).cloned().unwrap_or_default(),
            user_id,
            visits,
            households,
            info_items: info.unwrap_or(0),
        })
        .collect();
    visitors.sort_by(|a, b| b.visits.cmp(&a.visits).then_with(|| a.user_id.cmp(&b.user_id)));

    let care_rows: Vec<CareRow> = ch::care_households
        .inner_join(h::households.on(h::id.eq(ch::household_id)))
        .filter(h::grid_id.eq(&row.id))
        .select(CareRow::as_select())
        .order(ch::household_id.asc())
        .load(conn)?;
    let names_by_id: HashMap<&str, &str> = roster.iter().map(|(id, name)| (id.as_str(), name.as_str())).collect();
    let care = care_rows
        .into_iter()
        .map(|c| {
            let last_visit = last.get(&c.household_id).copied().flatten();
            let line = care_line(&c, last_visit, today, calendar)?;
            Ok(CareLine {
                name: names_by_id.get(c.household_id.as_str()).copied().unwrap_or_default().to_owned(),
                ..line
            })
        })
        .collect::<Result<Vec<_>, GridWorkError>>()?;

    let visits = visitors.iter().map(|v| v.visits).sum();
    let info_items = visitors.iter().map(|v| v.info_items).sum();
    Ok(GridCoverage {
        grid_id: row.id,
        period: ask.period,
        stale_days: ask.stale,
        coverage: Coverage::new(visited_on_roll, roster.len() as u64),
        visits,
        info_items,
        stale_count: stale.len() as u64,
        stale: named.then_some(stale),
        visitors,
        care_households: care.len() as u64,
        care_overdue: care.iter().filter(|c| c.status.overdue).count() as u64,
        care: named.then_some(care),
    })
}

fn care_line(
    c: &CareRow,
    last_visit: Option<NaiveDateTime>,
    today: NaiveDate,
    calendar: &WorkingCalendar,
) -> Result<CareLine, GridWorkError> {
    let needs = CareNeeds::from_stored(&c.needs).map_err(|_| GridWorkError::Corrupt(c.needs.clone()))?;
    let interval = CareInterval::parse(i64::from(c.interval_days), c.working_days)
        .map_err(|_| GridWorkError::Corrupt(c.interval_days.to_string()))?;
    let status = care_status(interval, c.set_at, last_visit, today, calendar);
    Ok(CareLine { household_id: c.household_id.clone(), name: String::new(), needs, interval, last_visit, status })
}

// ---------------------------------------------------------------------------------------------
// Figures of a unit

/// The figures of one grid, village, township or the whole unit: counts only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub visits: i64,
    pub coverage: Coverage,
    pub info_items: i64,
    pub care_households: u64,
    pub care_overdue: u64,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.visits += other.visits;
        self.coverage = self.coverage + other.coverage;
        self.info_items += other.info_items;
        self.care_households += other.care_households;
        self.care_overdue += other.care_overdue;
    }
}

/// One named line of figures (a grid, a village or a township).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiguresLine {
    pub id: String,
    pub name: String,
    /// For a grid, the village (or unit) it belongs to; for a village, its township.
    pub parent_id: Option<String>,
    pub figures: Figures,
}

/// A unit's figures: per grid, per village, per township, and the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFigures {
    pub org_unit_id: String,
    pub period: Period,
    pub grids: Vec<FiguresLine>,
    pub villages: Vec<FiguresLine>,
    pub townships: Vec<FiguresLine>,
    pub total: Figures,
}

/// The figures under `unit` for a caller with `ReadGridFigures` over it.
pub fn unit_figures(
    conn: &mut DbConn,
    principal: &Principal,
    unit: &OrgUnitId,
    period: Period,
    today: NaiveDate,
    calendar: &WorkingCalendar,
) -> Result<UnitFigures, GridWorkError> {
    let row = org::find_unit(conn, unit.as_str())?.ok_or(GridWorkError::NotFound)?;
    principal.require(&row.place(), Permission::ReadGridFigures)?;
    figures(conn, &row.path, period, today, calendar)
}

/// The figures of every grid under the unit at `unit_path`, summed by village, township and in
/// total: reusable by other features (the monthly transparency figures). Seven statements however
/// many grids and households: the subtree, its grids, households per grid, visits per grid, care
/// households with their grid, and the last visit of each care household.
pub fn figures(
    conn: &mut DbConn,
    unit_path: &str,
    period: Period,
    today: NaiveDate,
    calendar: &WorkingCalendar,
) -> Result<UnitFigures, GridWorkError> {
    let units = org::subtree(conn, unit_path)?;
    let top = units.iter().find(|u| u.path == unit_path).ok_or(GridWorkError::NotFound)?.id.clone();
    let unit_ids: Vec<String> = units.iter().map(|u| u.id.clone()).collect();
    let grids = org::grids_of_units(conn, &unit_ids)?;
    let grid_ids: Vec<String> = grids.iter().map(|g| g.id.clone()).collect();

    let mut per_grid: BTreeMap<String, Figures> = grid_ids.iter().map(|g| (g.clone(), Figures::default())).collect();
    let households: HashMap<String, i64> = residency::household_counts_by_grid(conn, &grid_ids)?.into_iter().collect();
    let (start, end) = period.bounds();
    // A past period is judged as it stood at its end.
    let today = today.min(period.to());
    // The work done on each grid (visits, information), and the households of each grid's
    // roster visited in the period (on whichever grid): as a grid's own coverage counts them.
    let visits: Vec<(String, i64, Option<i64>)> = v::visits
        .filter(v::grid_id.eq_any(&grid_ids))
        .filter(v::visited_at.ge(start))
        .filter(v::visited_at.lt(end))
        .group_by(v::grid_id)
        .select((v::grid_id, count_star(), sum(v::info_items)))
        .load(conn)?;
    let reached: HashMap<Option<String>, i64> = v::visits
        .inner_join(h::households.on(h::id.eq(v::household_id)))
        .filter(h::grid_id.eq_any(&grid_ids))
        .filter(v::visited_at.ge(start))
        .filter(v::visited_at.lt(end))
        .group_by(h::grid_id)
        .select((h::grid_id, count(v::household_id).aggregate_distinct()))
        .load::<(Option<String>, i64)>(conn)?
        .into_iter()
        .collect();
    let visited: HashMap<String, (i64, i64)> =
        visits.into_iter().map(|(g, n, info)| (g, (n, info.unwrap_or(0)))).collect();
    for (grid, f) in &mut per_grid {
        let (n, info) = visited.get(grid).copied().unwrap_or_default();
        let hh = reached.get(&Some(grid.clone())).copied().unwrap_or(0);
        let on_roll = u64::try_from(households.get(grid).copied().unwrap_or(0)).unwrap_or(0);
        f.visits = n;
        f.info_items = info;
        f.coverage = Coverage::new(u64::try_from(hh).unwrap_or(0), on_roll);
    }

    // Care households with their grid, then the last visit of each (two statements).
    let care: Vec<(CareRow, Option<String>)> = ch::care_households
        .inner_join(h::households.on(h::id.eq(ch::household_id)))
        .filter(h::grid_id.eq_any(&grid_ids))
        .select((CareRow::as_select(), h::grid_id))
        .load(conn)?;
    // Joined, not an id list: a county's care households may outnumber SQLite's bound
    // parameters.
    let last: HashMap<String, Option<NaiveDateTime>> = if care.is_empty() {
        HashMap::new()
    } else {
        v::visits
            .inner_join(ch::care_households.on(ch::household_id.eq(v::household_id)))
            .inner_join(h::households.on(h::id.eq(v::household_id)))
            .filter(h::grid_id.eq_any(&grid_ids))
            .filter(v::visited_at.lt(end))
            .group_by(v::household_id)
            .select((v::household_id, max(v::visited_at)))
            .load::<(String, Option<NaiveDateTime>)>(conn)?
            .into_iter()
            .collect()
    };
    for (c, grid) in &care {
        let Some(f) = grid.as_ref().and_then(|g| per_grid.get_mut(g)) else { continue };
        let line = care_line(c, last.get(&c.household_id).copied().flatten(), today, calendar)?;
        f.care_households += 1;
        f.care_overdue += u64::from(line.status.overdue);
    }

    Ok(roll_up(&top, &units, &grids, &per_grid, period))
}

/// Sums grids into their villages and townships (the nearest ancestor of each kind).
fn roll_up(
    top: &str,
    units: &[crate::identity::rows::OrgUnitRow],
    grids: &[crate::identity::rows::GridRow],
    per_grid: &BTreeMap<String, Figures>,
    period: Period,
) -> UnitFigures {
    let by_id: HashMap<&str, &crate::identity::rows::OrgUnitRow> = units.iter().map(|u| (u.id.as_str(), u)).collect();
    // The nearest unit of `kind` at or above `unit_id`, within the subtree read.
    let ancestor = |unit_id: &str, kind: &str| -> Option<String> {
        let unit = by_id.get(unit_id)?;
        unit.path_ids().into_iter().rev().find(|id| by_id.get(id.as_str()).is_some_and(|u| u.kind == kind))
    };
    let mut villages: BTreeMap<String, FiguresLine> = BTreeMap::new();
    let mut townships: BTreeMap<String, FiguresLine> = BTreeMap::new();
    let mut total = Figures::default();
    let mut grid_lines = Vec::with_capacity(grids.len());
    let line = |id: &str, parent: Option<String>| FiguresLine {
        id: id.to_owned(),
        name: by_id.get(id).map(|u| u.name.clone()).unwrap_or_default(),
        parent_id: parent,
        figures: Figures::default(),
    };
    for grid in grids {
        let f = per_grid.get(&grid.id).copied().unwrap_or_default();
        total.add(&f);
        let village = ancestor(&grid.org_unit_id, "village");
        let township = ancestor(&grid.org_unit_id, "township");
        if let Some(village) = &village {
            villages.entry(village.clone()).or_insert_with(|| line(village, township.clone())).figures.add(&f);
        }
        if let Some(township) = &township {
            let county = by_id.get(township.as_str()).and_then(|u| u.parent_id.clone());
            townships.entry(township.clone()).or_insert_with(|| line(township, county)).figures.add(&f);
        }
        grid_lines.push(FiguresLine {
            id: grid.id.clone(),
            name: grid.name.clone(),
            parent_id: Some(village.unwrap_or_else(|| grid.org_unit_id.clone())),
            figures: f,
        });
    }
    UnitFigures {
        org_unit_id: top.to_owned(),
        period,
        grids: grid_lines,
        villages: villages.into_values().collect(),
        townships: townships.into_values().collect(),
        total,
    }
}
