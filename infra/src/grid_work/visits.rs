//! Visits to households: recorded (offline ones made once, by the unique index
//! `visits_client (visitor_id, client_id)`), read by who may, raising a case in the same
//! transaction.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::cases::routing::Channel;
use domain::cases::Urgency;
use domain::geo_cn::{ChinaPoint, Datum};
use domain::grid_work::visits::Visit;
use domain::grid_work::VisitId;
use domain::identity::principal::Principal;
use domain::identity::roles::{Denial, Permission, Place};
use serde_json::json;

use super::rows::VisitRow;
use super::GridWorkError;
use crate::cases::service::{Report, Rules};
use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::audit::{self, Origin};
use crate::identity::queries::{org, residency, users};
use crate::identity::rows::HouseholdRow;
use crate::schema::visits::dsl as v;
use crate::DbConn;

/// Photos one visit may carry.
pub const MAX_PHOTOS: usize = 9;

/// A case a visit raises, as sent (checked by the cases feature as it files it).
#[derive(Debug, Clone)]
pub struct RaisedCase {
    pub category: String,
    pub description: String,
    pub urgency: Urgency,
    pub public: Option<bool>,
}

/// A visit to record: its checked fields, the household, photos and the case it raises.
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub household_id: String,
    pub visit: Visit,
    pub media: Vec<String>,
    pub case: Option<RaisedCase>,
}

/// A visit as its visitor and the staff who read the grid's visits see it.
#[derive(Debug, Clone)]
pub struct VisitView {
    pub row: VisitRow,
    pub household_name: String,
    pub visitor_name: String,
    pub media: Vec<String>,
}

/// A visit as the visited household sees it: when, what kind, by whom (no note, no `met`).
#[derive(Debug, Clone)]
pub struct ResidentVisit {
    pub id: String,
    pub household_id: String,
    pub kind: String,
    pub visitor_name: String,
    pub visited_at: NaiveDateTime,
}

/// One visit as its reader may see it.
#[derive(Debug, Clone)]
pub enum Seen {
    Whole(Box<VisitView>),
    Resident(ResidentVisit),
}

/// Which visits a list shows.
#[derive(Debug, Clone)]
pub enum Of {
    Grid(String),
    Household(String),
}

/// A list's filter and position: visits at or after `from`, before `to`, after the cursor
/// `(visited_at, id)` (newest first).
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub before: Option<(NaiveDateTime, String)>,
    pub limit: i64,
}

/// The place a household is visited at: its unit's path and its grid.
fn household_place(conn: &mut DbConn, household: &HouseholdRow) -> Result<Place, GridWorkError> {
    Ok(super::place(conn, &household.org_unit_id, household.grid_id.as_deref())?)
}

fn visit_place(conn: &mut DbConn, row: &VisitRow) -> Result<Place, DieselError> {
    super::place(conn, &row.org_unit_id, Some(&row.grid_id))
}

fn find(conn: &mut DbConn, id: &str) -> Result<Option<VisitRow>, DieselError> {
    v::visits.filter(v::id.eq(id)).select(VisitRow::as_select()).first(conn).optional()
}

fn find_synced(conn: &mut DbConn, visitor_id: &str, client_id: &str) -> Result<Option<VisitRow>, DieselError> {
    v::visits
        .filter(v::visitor_id.eq(visitor_id))
        .filter(v::client_id.eq(client_id))
        .select(VisitRow::as_select())
        .first(conn)
        .optional()
}

/// Checks photos: at most nine distinct ids, each an unattached upload of the visitor's.
fn check_photos(conn: &mut DbConn, principal: &Principal, ids: &[String]) -> Result<(), GridWorkError> {
    if ids.len() > MAX_PHOTOS {
        return Err(GridWorkError::invalid("media", "at most 9 files"));
    }
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if unique.len() != ids.len() || ids.iter().any(|id| !domain::ids::is_valid_id(id)) {
        return Err(GridWorkError::invalid("media", "distinct media ids"));
    }
    if ids.is_empty() {
        return Ok(());
    }
    let rows = crate::media::queries::of_ids(conn, ids)?;
    let usable = rows.iter().filter(|m| m.is_free() && m.owner_id == principal.user_id).count();
    if usable != ids.len() {
        return Err(GridWorkError::invalid("media", "each id must be an unattached upload of yours"));
    }
    Ok(())
}

/// Records a visit in its own write transaction (see [`record_in_tx`]).
pub fn record(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    rules: &Rules,
    new: &NewVisit,
    now: NaiveDateTime,
) -> Result<(VisitView, bool), GridWorkError> {
    write_tx(conn, |conn| record_in_tx(conn, principal, origin, rules, new, now))
}

/// Records a visit in the caller's write transaction (an idempotency record's): checked against
/// the household's place (`RecordVisits`; a household on no grid is refused), its photos
/// attached, the case it raises filed in the visit's grid and linked. A client id the visitor
/// already synced returns that visit (`false`: nothing new) — also when two sends race, by the
/// unique index.
pub fn record_in_tx(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    rules: &Rules,
    new: &NewVisit,
    now: NaiveDateTime,
) -> Result<(VisitView, bool), GridWorkError> {
    let visitor = principal.user_id.as_str();
    if let Some(client_id) = new.visit.client_id() {
        if let Some(row) = find_synced(conn, visitor, client_id)? {
            return Ok((view_of(conn, row)?, false));
        }
    }
    let household = residency::find_household(conn, &new.household_id)?.ok_or(GridWorkError::NotFound)?;
    let place = household_place(conn, &household)?;
    let Some(grid_id) = household.grid_id.clone() else {
        return Err(match principal.require(&place, Permission::RecordVisits) {
            Err(Denial::NotFound) => GridWorkError::NotFound,
            _ => GridWorkError::invalid("household_id", "the household is on no grid"),
        });
    };
    principal.require(&place, Permission::RecordVisits)?;
    check_photos(conn, principal, &new.media)?;
    let row = row_of(new, &household, grid_id, visitor, now);
    if insert_unique(conn, |conn| diesel::insert_into(v::visits).values(&row).execute(conn))? == Inserted::Duplicate {
        let client_id = row.client_id.as_deref().unwrap_or_default();
        let first = find_synced(conn, visitor, client_id)?.ok_or(GridWorkError::NotFound)?;
        return Ok((view_of(conn, first)?, false));
    }
    if crate::media::service::attach(conn, &new.media, &[visitor], crate::media::service::Target::Visit(&row.id))?
        != new.media.len()
    {
        return Err(GridWorkError::invalid("media", "each id must be an unattached upload of yours"));
    }
    let mut row = row;
    if let Some(case) = &new.case {
        row.case_id = Some(raise_case(conn, principal, rules, &row, case, now)?);
    }
    let details = json!({ "household_id": row.household_id, "grid_id": row.grid_id, "case_id": row.case_id });
    audit::append(conn, &origin.entry(Some(principal), "visit.record", "visit", &row.id, details), now)?;
    Ok((view_of(conn, row)?, true))
}

fn row_of(new: &NewVisit, household: &HouseholdRow, grid_id: String, visitor: &str, now: NaiveDateTime) -> VisitRow {
    let visit = &new.visit;
    VisitRow {
        id: VisitId::generate().into_string(),
        grid_id,
        org_unit_id: household.org_unit_id.clone(),
        household_id: household.id.clone(),
        visitor_id: visitor.to_owned(),
        client_id: visit.client_id().map(str::to_owned),
        kind: visit.kind().as_str().to_owned(),
        met: visit.met().to_owned(),
        note: visit.note().to_owned(),
        info_items: visit.info_items(),
        lat: visit.point().map(|p| p.0),
        lng: visit.point().map(|p| p.1),
        case_id: None,
        visited_at: visit.visited_at(),
        recorded_at: now,
    }
}

/// Files the case a visit raises (as the visitor, through the app, in the visit's grid unless
/// its point lies in another) and links the visit to it. Returns the case's id.
fn raise_case(
    conn: &mut DbConn,
    principal: &Principal,
    rules: &Rules,
    row: &VisitRow,
    case: &RaisedCase,
    now: NaiveDateTime,
) -> Result<String, GridWorkError> {
    let point = match (row.lat, row.lng) {
        (Some(lat), Some(lng)) => ChinaPoint::parse(lat, lng, Datum::Gcj02).ok(),
        _ => None,
    };
    let report = Report {
        category: case.category.clone(),
        description: case.description.clone(),
        point,
        address: None,
        urgency: case.urgency,
        anonymous: false,
        public: case.public,
        media: Vec::new(),
        client_id: None,
        grid_id: Some(row.grid_id.clone()),
        captured_at: Some(row.visited_at),
        details: json!({ "via": "visit", "visit_id": row.id }),
    };
    let filed = crate::cases::service::file(conn, principal, Channel::App, &report, rules, now)?;
    diesel::update(v::visits.filter(v::id.eq(&row.id))).set(v::case_id.eq(&filed.id)).execute(conn)?;
    Ok(filed.id)
}

fn view_of(conn: &mut DbConn, row: VisitRow) -> Result<VisitView, GridWorkError> {
    views(conn, vec![row])?.pop().ok_or(GridWorkError::NotFound)
}

/// Whole views of rows: household and visitor names and photos read in one query each.
fn views(conn: &mut DbConn, rows: Vec<VisitRow>) -> Result<Vec<VisitView>, DieselError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let households: Vec<String> = rows.iter().map(|r| r.household_id.clone()).collect();
    let visitors: Vec<String> = rows.iter().map(|r| r.visitor_id.clone()).collect();
    let household_names = residency::household_names(conn, &households)?;
    let names = users::names(conn, &visitors)?;
    let mut media: HashMap<String, Vec<String>> = HashMap::new();
    for (visit, id) in crate::media::queries::of_visits(conn, &ids)? {
        media.entry(visit).or_default().push(id);
    }
    Ok(rows
        .into_iter()
        .map(|row| VisitView {
            household_name: household_names.get(&row.household_id).cloned().unwrap_or_default(),
            visitor_name: names.get(&row.visitor_id).cloned().unwrap_or_default(),
            media: media.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

fn resident_views(conn: &mut DbConn, rows: Vec<VisitRow>) -> Result<Vec<ResidentVisit>, DieselError> {
    let visitors: Vec<String> = rows.iter().map(|r| r.visitor_id.clone()).collect();
    let names = users::names(conn, &visitors)?;
    Ok(rows
        .into_iter()
        .map(|row| ResidentVisit {
            visitor_name: names.get(&row.visitor_id).cloned().unwrap_or_default(),
            id: row.id,
            household_id: row.household_id,
            kind: row.kind,
            visited_at: row.visited_at,
        })
        .collect())
}

/// Rows of a grid or household in a window, newest first; only `visitor`'s when given.
fn rows_in(conn: &mut DbConn, of: &Of, visitor: Option<&str>, window: &Window) -> Result<Vec<VisitRow>, DieselError> {
    let mut query = v::visits
        .select(VisitRow::as_select())
        .order((v::visited_at.desc(), v::id.desc()))
        .limit(window.limit)
        .into_boxed();
    query = match of {
        Of::Grid(grid) => query.filter(v::grid_id.eq(grid.clone())),
        Of::Household(household) => query.filter(v::household_id.eq(household.clone())),
    };
    if let Some(visitor) = visitor {
        query = query.filter(v::visitor_id.eq(visitor.to_owned()));
    }
    if let Some(from) = window.from {
        query = query.filter(v::visited_at.ge(from));
    }
    if let Some(to) = window.to {
        query = query.filter(v::visited_at.lt(to));
    }
    if let Some((at, id)) = &window.before {
        query = query.filter(v::visited_at.lt(*at).or(v::visited_at.eq(*at).and(v::id.lt(id.clone()))));
    }
    query.load(conn)
}

/// The place a list is read at: the grid's, or the household's.
fn list_place(conn: &mut DbConn, of: &Of) -> Result<Place, GridWorkError> {
    match of {
        Of::Grid(grid_id) => {
            let grid = org::find_grid(conn, grid_id)?.ok_or(GridWorkError::NotFound)?;
            Ok(super::place(conn, &grid.org_unit_id, Some(&grid.id))?)
        }
        Of::Household(household_id) => {
            let household = residency::find_household(conn, household_id)?.ok_or(GridWorkError::NotFound)?;
            household_place(conn, &household)
        }
    }
}

/// Visits of a grid or household, newest first: staff who read the place's visits see all;
/// one who only records them (a volunteer) sees their own; others are refused (403 in scope,
/// 404 outside).
pub fn list(
    conn: &mut DbConn,
    principal: &Principal,
    of: &Of,
    window: &Window,
) -> Result<Vec<VisitView>, GridWorkError> {
    let place = list_place(conn, of)?;
    let visitor = if principal.may(&place, Permission::ReadVisits) {
        None
    } else if principal.may(&place, Permission::RecordVisits) {
        Some(principal.user_id.as_str())
    } else {
        principal.require(&place, Permission::ReadVisits)?;
        return Err(GridWorkError::NotFound);
    };
    let rows = rows_in(conn, of, visitor, window)?;
    Ok(views(conn, rows)?)
}

/// The caller's own household's visits (the resident view), newest first; none without a
/// household.
pub fn of_my_household(
    conn: &mut DbConn,
    principal: &Principal,
    window: &Window,
) -> Result<Vec<ResidentVisit>, GridWorkError> {
    let Some(household) = residency::household_of(conn, principal.subject())? else {
        return Ok(Vec::new());
    };
    let rows = rows_in(conn, &Of::Household(household), None, window)?;
    Ok(resident_views(conn, rows)?)
}

/// How a reader may see a visit: whole (its visitor, staff who read the grid's visits), as the
/// household sees it (a member), or not at all (`None`: 404). `Err(Forbidden)`: staff in scope
/// without the right to read notes.
fn seen_as(conn: &mut DbConn, principal: &Principal, row: &VisitRow) -> Result<Option<bool>, GridWorkError> {
    if row.visitor_id == principal.user_id {
        return Ok(Some(true));
    }
    let place = visit_place(conn, row)?;
    match principal.require(&place, Permission::ReadVisits) {
        Ok(()) => return Ok(Some(true)),
        Err(Denial::Forbidden) if !residency::is_member(conn, &row.household_id, principal.subject())? => {
            return Err(GridWorkError::Forbidden)
        }
        Err(_) => {}
    }
    Ok(residency::is_member(conn, &row.household_id, principal.subject())?.then_some(false))
}

/// One visit as the caller may see it (see [`seen_as`]).
pub fn get(conn: &mut DbConn, principal: &Principal, id: &VisitId) -> Result<Seen, GridWorkError> {
    let row = find(conn, id.as_str())?.ok_or(GridWorkError::NotFound)?;
    match seen_as(conn, principal, &row)? {
        Some(true) => Ok(Seen::Whole(Box::new(view_of(conn, row)?))),
        Some(false) => Ok(Seen::Resident(resident_views(conn, vec![row])?.pop().ok_or(GridWorkError::NotFound)?)),
        None => Err(GridWorkError::NotFound),
    }
}

/// Whether the caller may see a visit (and so its photos): its visitor, the household's
/// members, and staff who may read the grid's visits.
pub fn may_see(conn: &mut DbConn, principal: &Principal, visit_id: &str) -> Result<bool, DieselError> {
    let Some(row) = find(conn, visit_id)? else { return Ok(false) };
    if row.visitor_id == principal.user_id {
        return Ok(true);
    }
    let place = visit_place(conn, &row)?;
    if principal.may(&place, Permission::ReadVisits) {
        return Ok(true);
    }
    residency::is_member(conn, &row.household_id, principal.subject())
}
