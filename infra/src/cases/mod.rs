//! Grid cases in the database: the category catalog, cases and their timeline, followers,
//! media rows, and the working-day calendar. The lifecycle itself — one transition with its
//! deadlines, timeline entry and notices — is in [`flow`].

pub mod calendar;
pub mod flow;
pub mod keys;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::db::{insert_unique, Inserted};
use crate::schema::case_categories::dsl as cc;
use crate::schema::case_events::dsl as ev;
use crate::schema::case_followers::dsl as cf;
use crate::schema::cases::dsl as c;
use crate::schema::media::dsl as m;
use crate::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::case_categories)]
pub struct CategoryRow {
    pub code: String,
    pub name: String,
    pub duty: String,
    pub description: String,
    pub department_id: Option<String>,
    pub public_by_default: bool,
    pub active: bool,
    pub sort_order: i32,
}

pub fn categories(conn: &mut DbConn) -> Result<Vec<CategoryRow>, DieselError> {
    cc::case_categories.select(CategoryRow::as_select()).order((cc::sort_order.asc(), cc::code.asc())).load(conn)
}

pub fn category(conn: &mut DbConn, code: &str) -> Result<Option<CategoryRow>, DieselError> {
    cc::case_categories.filter(cc::code.eq(code)).select(CategoryRow::as_select()).first(conn).optional()
}

pub fn insert_category(conn: &mut DbConn, row: &CategoryRow) -> Result<Inserted, DieselError> {
    insert_unique(conn, |conn| {
        diesel::insert_into(cc::case_categories)
            .values((
                cc::code.eq(&row.code),
                cc::name.eq(&row.name),
                cc::duty.eq(&row.duty),
                cc::description.eq(&row.description),
                cc::department_id.eq(&row.department_id),
                cc::public_by_default.eq(row.public_by_default),
                cc::active.eq(row.active),
                cc::sort_order.eq(row.sort_order),
            ))
            .execute(conn)
    })
}

pub fn update_category(conn: &mut DbConn, row: &CategoryRow) -> Result<usize, DieselError> {
    diesel::update(cc::case_categories.filter(cc::code.eq(&row.code)))
        .set((
            cc::name.eq(&row.name),
            cc::duty.eq(&row.duty),
            cc::description.eq(&row.description),
            cc::department_id.eq(&row.department_id),
            cc::public_by_default.eq(row.public_by_default),
            cc::active.eq(row.active),
            cc::sort_order.eq(row.sort_order),
        ))
        .execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::cases)]
pub struct CaseRow {
    pub id: String,
    pub category: String,
    pub description: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub cell: Option<i64>,
    pub address: Option<String>,
    pub urgency: String,
    pub anonymous: bool,
    pub is_public: bool,
    pub reporter_id: String,
    pub client_id: Option<String>,
    pub grid_id: Option<String>,
    pub org_unit_id: String,
    pub department_id: Option<String>,
    pub level: String,
    pub status: String,
    pub outcome: Option<String>,
    pub merged_into: Option<String>,
    pub captured_at: NaiveDateTime,
    pub reported_at: NaiveDateTime,
    pub first_accepted_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub accept_due: Option<NaiveDateTime>,
    pub resolve_due: Option<NaiveDateTime>,
    pub confirm_due: Option<NaiveDateTime>,
    pub next_due: Option<NaiveDateTime>,
    pub overdue: bool,
    pub escalations: i32,
    pub rating: Option<i32>,
    pub version: i32,
}

/// What a transition changes; `None` leaves a column alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = crate::schema::cases)]
pub struct CaseChanges {
    pub level: Option<String>,
    pub status: Option<String>,
    pub department_id: Option<Option<String>>,
    pub outcome: Option<Option<String>>,
    pub merged_into: Option<Option<String>>,
    pub first_accepted_at: Option<Option<NaiveDateTime>>,
    pub resolved_at: Option<Option<NaiveDateTime>>,
    pub closed_at: Option<Option<NaiveDateTime>>,
    pub accept_due: Option<Option<NaiveDateTime>>,
    pub resolve_due: Option<Option<NaiveDateTime>>,
    pub confirm_due: Option<Option<NaiveDateTime>>,
    pub next_due: Option<Option<NaiveDateTime>>,
    pub overdue: Option<bool>,
    pub escalations: Option<i32>,
    pub rating: Option<Option<i32>>,
}

/// Inserts a case, unless its reporter already filed one with the same client id.
pub fn insert(conn: &mut DbConn, row: &CaseRow) -> Result<Inserted, DieselError> {
    insert_unique(conn, |conn| diesel::insert_into(c::cases).values(row).execute(conn))
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CaseRow>, DieselError> {
    c::cases.filter(c::id.eq(id)).select(CaseRow::as_select()).first(conn).optional()
}

pub fn find_by_client_id(conn: &mut DbConn, reporter: &str, client_id: &str) -> Result<Option<CaseRow>, DieselError> {
    c::cases
        .filter(c::reporter_id.eq(reporter))
        .filter(c::client_id.eq(client_id))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()
}

/// Applies `changes` if nobody changed the case since `version` was read. Returns whether it
/// did: a concurrent transition makes the loser see `false`, never overwrite the winner.
pub fn update_guarded(conn: &mut DbConn, id: &str, version: i32, changes: &CaseChanges) -> Result<bool, DieselError> {
    let changed = diesel::update(c::cases.filter(c::id.eq(id)).filter(c::version.eq(version)))
        .set((changes, c::version.eq(version + 1)))
        .execute(conn)?;
    Ok(changed == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::case_events)]
pub struct EventRow {
    pub id: String,
    pub case_id: String,
    pub seq: i32,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub from_level: Option<String>,
    pub to_level: Option<String>,
    pub actor_id: Option<String>,
    pub proxy_id: Option<String>,
    pub by_reporter: bool,
    pub note: Option<String>,
    pub attachments: String,
    pub details: String,
    pub created_at: NaiveDateTime,
}

impl EventRow {
    /// A timeline entry that leaves the case where it is (a visit, a merge into it, a lapse);
    /// set what else it carries on the value.
    pub fn on(case: &CaseRow, action: &str, actor: Option<&str>, now: NaiveDateTime) -> Self {
        Self {
            id: domain::new_id(),
            case_id: case.id.clone(),
            seq: 0,
            action: action.to_owned(),
            from_status: Some(case.status.clone()),
            to_status: Some(case.status.clone()),
            from_level: Some(case.level.clone()),
            to_level: Some(case.level.clone()),
            actor_id: actor.map(str::to_owned),
            proxy_id: None,
            by_reporter: false,
            note: None,
            attachments: "[]".into(),
            details: "{}".into(),
            created_at: now,
        }
    }
}

/// Appends to a case's timeline; `seq` is the next number (unique per case).
pub fn append_event(conn: &mut DbConn, event: &mut EventRow) -> Result<(), DieselError> {
    let last: Option<i32> =
        ev::case_events.filter(ev::case_id.eq(&event.case_id)).select(diesel::dsl::max(ev::seq)).first(conn)?;
    event.seq = last.unwrap_or(0) + 1;
    diesel::insert_into(ev::case_events).values(&*event).execute(conn)?;
    Ok(())
}

pub fn timeline(conn: &mut DbConn, case_id: &str) -> Result<Vec<EventRow>, DieselError> {
    ev::case_events.filter(ev::case_id.eq(case_id)).select(EventRow::as_select()).order(ev::seq.asc()).load(conn)
}

pub fn events_named(conn: &mut DbConn, case_id: &str, action: &str) -> Result<i64, DieselError> {
    ev::case_events.filter(ev::case_id.eq(case_id)).filter(ev::action.eq(action)).count().get_result(conn)
}

/// Follows a case ("me too"); following twice is following once.
pub fn follow(conn: &mut DbConn, case_id: &str, user_id: &str, now: NaiveDateTime) -> Result<bool, DieselError> {
    let inserted = insert_unique(conn, |conn| {
        diesel::insert_into(cf::case_followers)
            .values((cf::case_id.eq(case_id), cf::user_id.eq(user_id), cf::created_at.eq(now)))
            .execute(conn)
    })?;
    Ok(inserted == Inserted::New)
}

pub fn followers(conn: &mut DbConn, case_id: &str) -> Result<Vec<String>, DieselError> {
    cf::case_followers.filter(cf::case_id.eq(case_id)).select(cf::user_id).order(cf::user_id.asc()).load(conn)
}

pub fn follower_count(conn: &mut DbConn, case_id: &str) -> Result<i64, DieselError> {
    cf::case_followers.filter(cf::case_id.eq(case_id)).count().get_result(conn)
}

pub fn is_follower(conn: &mut DbConn, case_id: &str, user_id: &str) -> Result<bool, DieselError> {
    diesel::select(diesel::dsl::exists(
        cf::case_followers.filter(cf::case_id.eq(case_id)).filter(cf::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

/// Filters of the case lists and the ledger.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Cases of these org units (a unit's subtree, resolved by the caller).
    pub units: Option<Vec<String>>,
    pub grid_ids: Option<Vec<String>>,
    pub department_ids: Option<Vec<String>>,
    /// A resident's own and followed cases.
    pub reporter_or_follower: Option<String>,
    pub public_only: bool,
    pub status: Option<String>,
    pub category: Option<String>,
    pub level: Option<String>,
    pub overdue: Option<bool>,
    pub open: Option<bool>,
    pub reported_from: Option<NaiveDateTime>,
    pub reported_to: Option<NaiveDateTime>,
    pub ids: Option<Vec<String>>,
    /// Rows to skip (Open311's page numbers; the API's own lists use keyset cursors).
    pub offset: Option<i64>,
}

/// One page of cases, newest first, after the keyset `before`.
pub fn page(
    conn: &mut DbConn,
    filter: &CaseFilter,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<CaseRow>, DieselError> {
    let mut query = c::cases.select(CaseRow::as_select()).order(c::id.desc()).limit(limit).into_boxed();
    if let Some(units) = &filter.units {
        query = query.filter(c::org_unit_id.eq_any(units.clone()));
    }
    if let Some(grids) = &filter.grid_ids {
        query = query.filter(c::grid_id.eq_any(grids.clone()));
    }
    if let Some(departments) = &filter.department_ids {
        query = query.filter(c::department_id.eq_any(departments.clone()));
    }
    if let Some(user) = &filter.reporter_or_follower {
        let followed = cf::case_followers.filter(cf::user_id.eq(user.clone())).select(cf::case_id);
        query = query.filter(c::reporter_id.eq(user.clone()).or(c::id.eq_any(followed)));
    }
    if filter.public_only {
        query = query.filter(c::is_public.eq(true));
    }
    if let Some(status) = &filter.status {
        query = query.filter(c::status.eq(status.clone()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(c::category.eq(category.clone()));
    }
    if let Some(level) = &filter.level {
        query = query.filter(c::level.eq(level.clone()));
    }
    if let Some(overdue) = filter.overdue {
        query = query.filter(c::overdue.eq(overdue));
    }
    match filter.open {
        Some(true) => query = query.filter(c::closed_at.is_null()),
        Some(false) => query = query.filter(c::closed_at.is_not_null()),
        None => {}
    }
    if let Some(from) = filter.reported_from {
        query = query.filter(c::reported_at.ge(from));
    }
    if let Some(to) = filter.reported_to {
        query = query.filter(c::reported_at.lt(to));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(c::id.eq_any(ids.clone()));
    }
    if let Some(before) = before {
        query = query.filter(c::id.lt(before.to_owned()));
    }
    if let Some(offset) = filter.offset {
        query = query.offset(offset);
    }
    query.load(conn)
}

/// A circle for the spatial queries: the index cells it touches and its bounding box.
#[derive(Debug, Clone)]
pub struct Around {
    pub cells: Vec<i64>,
    /// (min_lat, max_lat, min_lng, max_lng)
    pub bbox: (f64, f64, f64, f64),
}

impl Around {
    pub fn new(lat: f64, lng: f64, radius_m: f64) -> Self {
        Self {
            cells: domain::geo_cn::cells_around(lat, lng, radius_m),
            bbox: domain::geo_cn::bbox_around(lat, lng, radius_m),
        }
    }
}

/// Open cases in the box around a point, of one category or all, newest first. The partial
/// indexes on (category,) cell, lat, lng answer it without touching closed cases or the rows
/// outside the box; the caller measures the exact distance.
pub fn open_around(
    conn: &mut DbConn,
    category: Option<&str>,
    around: &Around,
    limit: i64,
) -> Result<Vec<CaseRow>, DieselError> {
    let (s, n, w, e) = around.bbox;
    let mut query = c::cases
        .filter(c::cell.eq_any(around.cells.clone()))
        .filter(c::closed_at.is_null())
        .filter(c::lat.between(s, n))
        .filter(c::lng.between(w, e))
        .select(CaseRow::as_select())
        .order(c::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(category) = category {
        query = query.filter(c::category.eq(category.to_owned()));
    }
    query.load(conn)
}

/// Cases whose next deadline has passed, soonest first, by the `next_due` index.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> Result<Vec<String>, DieselError> {
    c::cases.filter(c::next_due.le(now)).select(c::id).order(c::next_due.asc()).limit(limit).load(conn)
}

/// The reporters of a case and of the cases merged into it.
pub fn merged_reporters(conn: &mut DbConn, into: &str) -> Result<Vec<String>, DieselError> {
    c::cases.filter(c::merged_into.eq(into)).select(c::reporter_id).load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::media)]
pub struct MediaRow {
    pub id: String,
    pub owner_id: String,
    pub kind: String,
    pub mime: String,
    pub size_bytes: i32,
    pub case_id: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert_media(conn: &mut DbConn, row: &MediaRow) -> Result<usize, DieselError> {
    diesel::insert_into(m::media)
        .values((
            m::id.eq(&row.id),
            m::owner_id.eq(&row.owner_id),
            m::kind.eq(&row.kind),
            m::mime.eq(&row.mime),
            m::size_bytes.eq(row.size_bytes),
            m::case_id.eq(&row.case_id),
            m::created_at.eq(row.created_at),
        ))
        .execute(conn)
}

pub fn find_media(conn: &mut DbConn, id: &str) -> Result<Option<MediaRow>, DieselError> {
    m::media.filter(m::id.eq(id)).select(MediaRow::as_select()).first(conn).optional()
}

pub fn media_of(conn: &mut DbConn, ids: &[String]) -> Result<Vec<MediaRow>, DieselError> {
    m::media.filter(m::id.eq_any(ids.to_vec())).select(MediaRow::as_select()).load(conn)
}

pub fn case_media(conn: &mut DbConn, case_id: &str) -> Result<Vec<MediaRow>, DieselError> {
    m::media.filter(m::case_id.eq(case_id)).select(MediaRow::as_select()).order(m::id.asc()).load(conn)
}

/// Attaches unattached media of `owners` to a case. Returns how many it attached.
pub fn attach_media(conn: &mut DbConn, ids: &[String], owners: &[&str], case_id: &str) -> Result<usize, DieselError> {
    let owners: Vec<String> = owners.iter().map(|s| (*s).to_owned()).collect();
    diesel::update(
        m::media.filter(m::id.eq_any(ids.to_vec())).filter(m::owner_id.eq_any(owners)).filter(m::case_id.is_null()),
    )
    .set(m::case_id.eq(case_id))
    .execute(conn)
}

/// What the figures read of one case.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::cases)]
pub struct FactRow {
    pub id: String,
    pub org_unit_id: String,
    pub status: String,
    pub reported_at: NaiveDateTime,
    pub first_accepted_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
    pub overdue: bool,
    pub escalations: i32,
    pub rating: Option<i32>,
}

/// The cases of some units reported in `[from, to)` or closed in it: the figures count the
/// first by report and the second by closure.
pub fn facts(
    conn: &mut DbConn,
    units: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<FactRow>, DieselError> {
    c::cases
        .filter(c::org_unit_id.eq_any(units.to_vec()))
        .filter((c::reported_at.ge(from).and(c::reported_at.lt(to))).or(c::closed_at.ge(from).and(c::closed_at.lt(to))))
        .select(FactRow::as_select())
        .load(conn)
}
