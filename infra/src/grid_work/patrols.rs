//! Patrols (巡查) in the database: started once per walker's client id, their points stored once
//! per seq as batches arrive (count and distance recomputed in the same transaction), ended once,
//! hazards found on the way filed as cases with the patrol named on both sides.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::cases::routing::Channel;
use domain::grid_work::patrols::{self as rules, NotNow, PatrolAction, PatrolPoint, PatrolStatus, PointBatch};
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use serde_json::json;

use super::rows::{PatrolHazardRow, PatrolPointRow, PatrolRow};
use super::GridWorkError;
use crate::cases::service::{Report, Rules};
use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::queries::org;
use crate::schema::{patrol_hazards as h, patrol_points as pp, patrols as p};
use crate::DbConn;

pub use crate::identity::audit::Caller;

/// The audit entry of a patrol's step, in the caller's transaction.
fn audit(
    caller: &Caller,
    conn: &mut DbConn,
    action: &str,
    patrol: &PatrolRow,
    now: NaiveDateTime,
) -> Result<(), GridWorkError> {
    let details = json!({ "grid_id": patrol.grid_id, "point_count": patrol.point_count });
    caller.audit(conn, action, "patrol", &patrol.id, details, now)?;
    Ok(())
}

/// A patrol to start, its fields checked by the caller (`rules::check_start`).
#[derive(Debug, Clone)]
pub struct NewPatrol {
    pub grid_id: String,
    pub started_at: NaiveDateTime,
    pub note: String,
    pub client_id: Option<String>,
}

/// A patrol as its readers see it: its points in seq order and the cases it filed.
#[derive(Debug, Clone)]
pub struct PatrolView {
    pub patrol: PatrolRow,
    pub points: Vec<PatrolPointRow>,
    pub hazard_case_ids: Vec<String>,
}

/// What a batch of points did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Walked {
    pub point_count: i32,
    pub distance_m: i32,
    /// Points new to the patrol (a batch sent again adds none).
    pub added: i32,
}

/// The place a grid's work is authorized at: the grid, under its unit's path.
fn grid_place(conn: &mut DbConn, grid_id: &str, unit_id: &str) -> Result<Place, GridWorkError> {
    Ok(super::place(conn, unit_id, Some(grid_id))?)
}

fn status(row: &PatrolRow) -> Result<PatrolStatus, GridWorkError> {
    PatrolStatus::parse(&row.status).map_err(|_| GridWorkError::Corrupt(format!("patrol status {}", row.status)))
}

fn find(conn: &mut DbConn, id: &str) -> Result<Option<PatrolRow>, GridWorkError> {
    Ok(p::table.filter(p::id.eq(id)).select(PatrolRow::as_select()).first(conn).optional()?)
}

fn by_client_id(conn: &mut DbConn, walker_id: &str, client_id: &str) -> Result<Option<PatrolRow>, GridWorkError> {
    let query = p::table.filter(p::walker_id.eq(walker_id)).filter(p::client_id.eq(client_id));
    Ok(query.select(PatrolRow::as_select()).first(conn).optional()?)
}

/// A patrol the caller may read: its walker, or staff reading visits over its grid. Others are
/// told what `require` tells them (404 outside the grid's scope, 403 in it without the role).
fn readable(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<PatrolRow, GridWorkError> {
    let row = find(conn, id)?.ok_or(GridWorkError::NotFound)?;
    if row.walker_id != principal.user_id {
        let place = grid_place(conn, &row.grid_id, &row.org_unit_id)?;
        principal.require(&place, Permission::ReadVisits)?;
    }
    Ok(row)
}

/// A patrol only its walker may change: others get 404, or 403 when they may read it.
fn walked_by(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<PatrolRow, GridWorkError> {
    let row = find(conn, id)?.ok_or(GridWorkError::NotFound)?;
    if row.walker_id != principal.user_id {
        let place = grid_place(conn, &row.grid_id, &row.org_unit_id)?;
        return Err(match principal.require(&place, Permission::ReadVisits) {
            Ok(()) => GridWorkError::Forbidden,
            Err(_) => GridWorkError::NotFound,
        });
    }
    Ok(row)
}

/// Starts a patrol of a grid, one transaction. The walker's client id makes it once: the same id
/// again (or sent in parallel) answers the first patrol, with `false`.
pub fn start(
    conn: &mut DbConn,
    caller: &Caller,
    new: &NewPatrol,
    now: NaiveDateTime,
) -> Result<(PatrolRow, bool), GridWorkError> {
    write_tx(conn, |conn| start_in_tx(conn, caller, new, now))
}

/// [`start`] in the caller's write transaction (an idempotency record's, for a start sent
/// without a client id).
pub fn start_in_tx(
    conn: &mut DbConn,
    caller: &Caller,
    new: &NewPatrol,
    now: NaiveDateTime,
) -> Result<(PatrolRow, bool), GridWorkError> {
    {
        let grid = org::find_grid(conn, &new.grid_id)?.ok_or(GridWorkError::NotFound)?;
        let place = grid_place(conn, &grid.id, &grid.org_unit_id)?;
        caller.principal.require(&place, Permission::RecordVisits)?;
        let walker_id = caller.principal.user_id.clone();
        if let Some(client_id) = &new.client_id {
            if let Some(row) = by_client_id(conn, &walker_id, client_id)? {
                return Ok((row, false));
            }
        }
        let row = PatrolRow {
            id: domain::new_id(),
            grid_id: grid.id.clone(),
            org_unit_id: grid.org_unit_id.clone(),
            walker_id: walker_id.clone(),
            client_id: new.client_id.clone(),
            status: PatrolStatus::Walking.as_str().to_owned(),
            note: new.note.clone(),
            started_at: new.started_at,
            ended_at: None,
            point_count: 0,
            distance_m: 0,
            created_at: now,
        };
        match insert_unique(conn, |conn| diesel::insert_into(p::table).values(&row).execute(conn))? {
            Inserted::New => {
                audit(caller, conn, "patrol.start", &row, now)?;
                Ok((row, true))
            }
            // Another request with the same client id got there first (its transaction has
            // committed, or the unique index would still be waiting on it).
            Inserted::Duplicate => {
                let client_id = new.client_id.as_deref().unwrap_or_default();
                let first = by_client_id(conn, &walker_id, client_id)?.ok_or(GridWorkError::NotFound)?;
                Ok((first, false))
            }
        }
    }
}

/// Claims a walking patrol for a change: an UPDATE that changes nothing but holds the row until
/// the transaction ends (PostgreSQL), so batches and the end of one patrol go one at a time.
fn claim_walking(conn: &mut DbConn, row: &PatrolRow, action: PatrolAction) -> Result<(), GridWorkError> {
    let walking = PatrolStatus::Walking.as_str();
    let claimed = diesel::update(p::table.filter(p::id.eq(&row.id)).filter(p::status.eq(walking)))
        .set(p::point_count.eq(p::point_count))
        .execute(conn)?;
    if claimed == 0 {
        let now_status = match find(conn, &row.id)? {
            Some(current) => status(&current)?,
            None => return Err(GridWorkError::NotFound),
        };
        rules::transition(now_status, action).map_err(GridWorkError::PatrolNotNow)?;
        return Err(GridWorkError::PatrolNotNow(NotNow { action, status: now_status }));
    }
    Ok(())
}

/// Stores a batch of points sent as plain values: checked against the patrol's start (nothing is
/// stored when one is refused), added once per seq, and the patrol's count and distance
/// recomputed from all its stored points, in one transaction.
pub fn add_points(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    points: Vec<PatrolPoint>,
    now: NaiveDateTime,
) -> Result<Walked, GridWorkError> {
    write_tx(conn, |conn| {
        let row = walked_by(conn, principal, id)?;
        rules::transition(status(&row)?, PatrolAction::Walk).map_err(GridWorkError::PatrolNotNow)?;
        let batch = PointBatch::parse(points, row.started_at, now)?;
        claim_walking(conn, &row, PatrolAction::Walk)?;
        let rows: Vec<PatrolPointRow> = batch
            .into_points()
            .into_iter()
            .map(|pt| PatrolPointRow { patrol_id: row.id.clone(), seq: pt.seq, lat: pt.lat, lng: pt.lng, at: pt.at })
            .collect();
        // Per-backend branch: a multi-row insert that skips stored seqs cannot be expressed
        // through the multi-backend connection (`ON CONFLICT DO NOTHING` on PostgreSQL, `INSERT
        // OR IGNORE` on SQLite: every value is set, so the only constraint it can meet is the
        // (patrol_id, seq) key). A seq already stored keeps its first point. 500 rows × 5 values
        // stay under SQLite's bound-parameter limit.
        let added = match conn {
            DbConn::Pg(pg) => diesel::insert_into(pp::table).values(&rows).on_conflict_do_nothing().execute(pg)?,
            DbConn::Sqlite(sqlite) => diesel::insert_or_ignore_into(pp::table).values(&rows).execute(sqlite)?,
        };
        let stored = points_of(conn, &row.id)?;
        let path: Vec<PatrolPoint> =
            stored.iter().map(|s| PatrolPoint { seq: s.seq, lat: s.lat, lng: s.lng, at: s.at }).collect();
        let point_count = i32::try_from(stored.len()).unwrap_or(i32::MAX);
        let distance_m = rules::stored_distance_m(&path);
        diesel::update(p::table.filter(p::id.eq(&row.id)))
            .set((p::point_count.eq(point_count), p::distance_m.eq(distance_m)))
            .execute(conn)?;
        Ok(Walked { point_count, distance_m, added: i32::try_from(added).unwrap_or(i32::MAX) })
    })
}

/// Ends a walking patrol, once; `ended_at` not before its start nor in the future.
pub fn end(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    ended_at: NaiveDateTime,
    note: Option<String>,
    now: NaiveDateTime,
) -> Result<PatrolRow, GridWorkError> {
    write_tx(conn, |conn| {
        let mut row = walked_by(conn, &caller.principal, id)?;
        let ended = rules::transition(status(&row)?, PatrolAction::End).map_err(GridWorkError::PatrolNotNow)?;
        let ended_at = rules::check_end(row.started_at, ended_at, now)?;
        claim_walking(conn, &row, PatrolAction::End)?;
        row.status = ended.as_str().to_owned();
        row.ended_at = Some(ended_at);
        if let Some(note) = note {
            row.note = note;
        }
        diesel::update(p::table.filter(p::id.eq(&row.id)))
            .set((p::status.eq(&row.status), p::ended_at.eq(row.ended_at), p::note.eq(&row.note)))
            .execute(conn)?;
        let current = find(conn, &row.id)?.ok_or(GridWorkError::NotFound)?;
        audit(caller, conn, "patrol.end", &current, now)?;
        Ok(current)
    })
}

/// Files a hazard found on a patrol as a case in the patrol's grid (its point may route it to the
/// grid holding it), in one transaction with the hazard's row; the case's first timeline entry
/// names the patrol. Only the walker, while walking or within a day of the end. A client id the
/// walker already filed answers that case, with `false`, and no second hazard row.
pub fn file_hazard(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    report: &Report,
    case_rules: &Rules,
    now: NaiveDateTime,
) -> Result<(String, bool), GridWorkError> {
    write_tx(conn, |conn| file_hazard_in_tx(conn, principal, id, report, case_rules, now))
}

/// [`file_hazard`] in the caller's write transaction (an idempotency record's, for a hazard sent
/// without a client id).
pub fn file_hazard_in_tx(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    report: &Report,
    case_rules: &Rules,
    now: NaiveDateTime,
) -> Result<(String, bool), GridWorkError> {
    {
        let row = walked_by(conn, principal, id)?;
        rules::hazard_in_time(status(&row)?, row.ended_at, now).map_err(GridWorkError::PatrolNotNow)?;
        if let Some(client_id) = &report.client_id {
            if let Some(case) = crate::cases::queries::synced(conn, principal, client_id)? {
                return Ok((case.id, false));
            }
        }
        let mut report = report.clone();
        report.grid_id = Some(row.grid_id.clone());
        report.details = json!({ "via": "patrol", "patrol_id": row.id });
        let case = crate::cases::service::file(conn, principal, Channel::App, &report, case_rules, now)?;
        let hazard = PatrolHazardRow { case_id: case.id.clone(), patrol_id: row.id.clone(), created_at: now };
        let inserted = insert_unique(conn, |conn| diesel::insert_into(h::table).values(&hazard).execute(conn))?;
        Ok((case.id, inserted == Inserted::New))
    }
}

fn points_of(conn: &mut DbConn, id: &str) -> Result<Vec<PatrolPointRow>, GridWorkError> {
    let query = pp::table.filter(pp::patrol_id.eq(id)).order(pp::seq.asc());
    Ok(query.select(PatrolPointRow::as_select()).load(conn)?)
}

/// A patrol with its points and hazards, for its walker and staff reading visits over its grid.
pub fn view(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<PatrolView, GridWorkError> {
    let patrol = readable(conn, principal, id)?;
    let points = points_of(conn, &patrol.id)?;
    let hazard_case_ids = h::table
        .filter(h::patrol_id.eq(&patrol.id))
        .order((h::created_at.asc(), h::case_id.asc()))
        .select(h::case_id)
        .load(conn)?;
    Ok(PatrolView { patrol, points, hazard_case_ids })
}

/// A grid's patrols, newest first, `limit` rows after `before` (a patrol id): all of them for
/// staff reading visits over the grid, one's own for those who only walk it (volunteers).
pub fn list(
    conn: &mut DbConn,
    principal: &Principal,
    grid_id: &str,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<PatrolRow>, GridWorkError> {
    let grid = org::find_grid(conn, grid_id)?.ok_or(GridWorkError::NotFound)?;
    let place = grid_place(conn, &grid.id, &grid.org_unit_id)?;
    let all = principal.may(&place, Permission::ReadVisits);
    if !all {
        principal.require(&place, Permission::RecordVisits)?;
    }
    let mut query = p::table.filter(p::grid_id.eq(&grid.id)).into_boxed();
    if !all {
        query = query.filter(p::walker_id.eq(principal.user_id.clone()));
    }
    if let Some(before) = before {
        query = query.filter(p::id.lt(before.to_owned()));
    }
    Ok(query.order(p::id.desc()).limit(limit).select(PatrolRow::as_select()).load(conn)?)
}
