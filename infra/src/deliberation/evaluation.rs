//! Evaluation (民评): once every commitment is kept, the residents of the matter's scope rate
//! the outcome for a while; then the sweeper archives the matter (一事一档). Follow-up visits
//! (回访) are noted any time after the resolution.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use domain::deliberation::{transition, Action, MatterStatus};
use domain::identity::principal::Principal;
use domain::identity::roles::Permission;
use serde_json::json;

use super::decisions::facts;
use super::queries::{self, MatterView};
use super::rows::{self, EventRow, MatterChanges, MatterRow};
use super::service::{step, Caller, Rules};
use super::DeliberationError;
use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::queries::residency;
use crate::schema::evaluations::dsl as ev;
use crate::schema::matter_revisits::dsl as rv;
use crate::schema::matters::dsl as m;
use crate::DbConn;

pub const MATTER_RATING_OPEN: &str = "matter_rating_open";

/// Opens the rating window (cadres): only once every commitment is kept; the residents of the
/// scope are told.
pub fn open(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<MatterView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        seen.require(principal, Permission::DecideMatters)?;
        let to = transition(seen.status()?, Action::Evaluate, facts(conn, &seen, rules.solicit_min_days, now)?)?;
        let closes = now + Duration::days(i64::from(rules.rating_days));
        let changes = MatterChanges { rating_closes_at: Some(Some(closes)), ..MatterChanges::default() };
        let mut event = EventRow::new(id, "evaluation_opened", Some(&principal.user_id), now);
        event.details = json!({ "closes_at": closes }).to_string();
        step(conn, caller, &seen, to, changes, event, now)?;
        let mut residents = residents_of(conn, &seen.row.scope_id)?;
        residents.retain(|r| r != &principal.user_id);
        let data = json!({ "matter": seen.row.title, "closes_at": super::service::beijing(closes) });
        crate::notify::enqueue_to(conn, MATTER_RATING_OPEN, &residents, &data, now)?;
        queries::view(conn, principal, id)
    })
}

/// The residents of a scope (its unit and the units below), by id.
fn residents_of(conn: &mut DbConn, scope_id: &str) -> Result<Vec<String>, DeliberationError> {
    let Some(unit) = crate::identity::queries::org::find_unit(conn, scope_id)? else { return Ok(Vec::new()) };
    let units = residency::units_under(conn, std::slice::from_ref(&unit.path))?;
    Ok(residency::reachable_residents(conn, &units, None, 10_000)?.into_iter().map(|(id, _, _)| id).collect())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::evaluations)]
pub struct RatingRow {
    pub matter_id: String,
    pub user_id: String,
    pub rating: i32,
    pub comment: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Rates the outcome: residents of the scope, once each, while the window is open.
pub fn rate(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    rating: i32,
    comment: Option<String>,
    now: NaiveDateTime,
) -> Result<Summary, DeliberationError> {
    let principal = &caller.principal;
    if !(1..=5).contains(&rating) {
        return Err(DeliberationError::invalid("rating", "from 1 to 5"));
    }
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        if !seen.takes_part {
            return Err(DeliberationError::Forbidden);
        }
        let status = seen.status()?;
        let open = seen.row.rating_closes_at.is_some_and(|closes| now < closes);
        if status != MatterStatus::Evaluating || !open {
            return Err(DeliberationError::NotNow { action: "rate", status: status.as_str().to_owned() });
        }
        let row = RatingRow {
            matter_id: id.to_owned(),
            user_id: principal.subject().to_owned(),
            rating,
            comment: comment.clone(),
            created_at: now,
        };
        if insert_unique(conn, |conn| diesel::insert_into(ev::evaluations).values(&row).execute(conn))?
            == Inserted::Duplicate
        {
            return Err(DeliberationError::Duplicate);
        }
        summary_of(conn, &seen.row, false)
    })
}

/// The ratings of a matter: how many, the average, the distribution; comments for staff.
#[derive(Debug, Clone)]
pub struct Summary {
    pub count: i64,
    pub average: Option<f64>,
    /// Ratings 1 to 5, counted.
    pub distribution: [i64; 5],
    pub comments: Vec<RatingRow>,
    pub closes_at: Option<NaiveDateTime>,
}

fn summary_of(conn: &mut DbConn, matter: &MatterRow, staff: bool) -> Result<Summary, DeliberationError> {
    let rows: Vec<RatingRow> = ev::evaluations
        .filter(ev::matter_id.eq(&matter.id))
        .order(ev::created_at.asc())
        .select(RatingRow::as_select())
        .load(conn)?;
    let mut distribution = [0i64; 5];
    for r in &rows {
        if let Some(slot) = usize::try_from(r.rating - 1).ok().and_then(|i| distribution.get_mut(i)) {
            *slot += 1;
        }
    }
    let count = rows.len() as i64;
    let total: i64 = rows.iter().map(|r| i64::from(r.rating)).sum();
    let average = (count > 0).then(|| (total as f64 / count as f64 * 100.0).round() / 100.0);
    let comments = if staff { rows.into_iter().filter(|r| r.comment.is_some()).collect() } else { Vec::new() };
    Ok(Summary { count, average, distribution, comments, closes_at: matter.rating_closes_at })
}

/// The ratings summary of a matter the caller sees; staff over its scope read the comments.
pub fn summary(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<Summary, DeliberationError> {
    let seen = queries::seen(conn, principal, id)?;
    let staff = principal.sees(&seen.place());
    summary_of(conn, &seen.row, staff)
}

/// Archives every matter whose rating window has closed; returns how many.
pub fn archive_due(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, DeliberationError> {
    let due: Vec<MatterRow> = m::matters
        .filter(m::status.eq(MatterStatus::Evaluating.as_str()))
        .filter(m::rating_closes_at.le(now))
        .order(m::rating_closes_at.asc())
        .limit(200)
        .select(MatterRow::as_select())
        .load(conn)?;
    let mut archived = 0;
    for row in due {
        let done = write_tx(conn, |conn| -> Result<bool, DeliberationError> {
            let facts = domain::deliberation::Facts {
                rating_over: row.rating_closes_at.is_some_and(|c| c <= now),
                ..domain::deliberation::Facts::default()
            };
            let status = MatterStatus::parse(&row.status)
                .map_err(|_| DeliberationError::Corrupt(format!("status of matter {}", row.id)))?;
            let Ok(to) = transition(status, Action::Archive, facts) else { return Ok(false) };
            let changes = MatterChanges {
                status: Some(to.as_str().to_owned()),
                closed_at: Some(Some(now)),
                ..MatterChanges::default()
            };
            if !rows::update_matter(conn, &row.id, row.version, &changes, now)? {
                return Ok(false);
            }
            let summary = summary_of(conn, &row, false)?;
            let mut event = EventRow::new(&row.id, "archived", None, now);
            event.status_after = Some(to.as_str().to_owned());
            event.details = json!({ "ratings": summary.count, "average": summary.average }).to_string();
            rows::insert_event(conn, &event)?;
            let data = json!({ "matter": row.title, "status": to.label(), "note": "" });
            crate::notify::enqueue_to(
                conn,
                super::service::MATTER_STATUS_CHANGED,
                std::slice::from_ref(&row.author_id),
                &data,
                now,
            )?;
            Ok(true)
        })?;
        archived += usize::from(done);
    }
    Ok(archived)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::matter_revisits)]
pub struct RevisitRow {
    pub id: String,
    pub matter_id: String,
    pub visitor_id: String,
    pub note: String,
    pub created_at: NaiveDateTime,
}

/// Notes a follow-up visit (回访): staff of the scope, any time after the resolution.
pub fn revisit(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    note: String,
    now: NaiveDateTime,
) -> Result<RevisitRow, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        seen.require(principal, Permission::CouncilWork)?;
        if seen.row.resolved_at.is_none() {
            let status = seen.status()?;
            return Err(DeliberationError::NotNow { action: "revisit", status: status.as_str().to_owned() });
        }
        let row = RevisitRow {
            id: domain::new_id(),
            matter_id: id.to_owned(),
            visitor_id: principal.user_id.clone(),
            note: note.clone(),
            created_at: now,
        };
        diesel::insert_into(rv::matter_revisits).values(&row).execute(conn)?;
        let mut event = EventRow::new(id, "revisited", Some(&principal.user_id), now);
        event.note = note;
        event.details = json!({ "revisit_id": row.id }).to_string();
        rows::insert_event(conn, &event)?;
        caller.audit(conn, "matter.revisit", "matter", id, json!({}), now)?;
        Ok(row)
    })
}
