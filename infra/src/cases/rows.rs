//! The cases feature's diesel rows, and the elementary statements on them that the service and
//! the flow put together into transactions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::cases::access::Exposure;

use crate::db::{insert_unique, Inserted};
use crate::schema::case_categories::dsl as cc;
use crate::schema::case_events::dsl as ev;
use crate::schema::case_followers::dsl as cf;
use crate::schema::cases::dsl as c;
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

pub(crate) fn insert_category(conn: &mut DbConn, row: &CategoryRow) -> Result<Inserted, DieselError> {
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

pub(crate) fn update_category(conn: &mut DbConn, row: &CategoryRow) -> Result<usize, DieselError> {
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

impl CaseRow {
    /// What the access rules need of the case.
    pub fn exposure(&self) -> Exposure<'_> {
        Exposure { reporter_id: &self.reporter_id, anonymous: self.anonymous, public: self.is_public }
    }
}

/// Inserts a case, unless its reporter already filed one with the same client id.
pub(crate) fn insert(conn: &mut DbConn, row: &CaseRow) -> Result<Inserted, DieselError> {
    // Per-backend branch: `ON CONFLICT DO NOTHING` (one statement, where `insert_unique` needs a
    // savepoint around the insert) cannot be expressed through the multi-backend connection.
    // The only unique keys a new case can meet are its fresh id and (reporter, client id).
    let inserted = match conn {
        DbConn::Pg(pg) => diesel::insert_into(c::cases).values(row).on_conflict_do_nothing().execute(pg)?,
        DbConn::Sqlite(sqlite) => diesel::insert_into(c::cases).values(row).on_conflict_do_nothing().execute(sqlite)?,
    };
    Ok(if inserted == 1 { Inserted::New } else { Inserted::Duplicate })
}

/// Applies `changes` if nobody changed the case since `version` was read. Returns whether it
/// did: a concurrent transition makes the loser see `false`, never overwrite the winner.
pub(crate) fn update_guarded(
    conn: &mut DbConn,
    id: &str,
    version: i32,
    changes: &CaseChanges,
) -> Result<bool, DieselError> {
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
pub(crate) fn append_event(conn: &mut DbConn, event: &mut EventRow) -> Result<(), DieselError> {
    let last: Option<i32> =
        ev::case_events.filter(ev::case_id.eq(&event.case_id)).select(diesel::dsl::max(ev::seq)).first(conn)?;
    event.seq = last.unwrap_or(0) + 1;
    diesel::insert_into(ev::case_events).values(&*event).execute(conn)?;
    Ok(())
}

/// Inserts an entry whose `seq` is already known (a new case's first, numbered 1).
pub(crate) fn insert_event(conn: &mut DbConn, event: &EventRow) -> Result<(), DieselError> {
    diesel::insert_into(ev::case_events).values(event).execute(conn)?;
    Ok(())
}

/// Follows a case ("me too"); following twice is following once.
pub(crate) fn follow(conn: &mut DbConn, case_id: &str, user_id: &str, now: NaiveDateTime) -> Result<bool, DieselError> {
    let inserted = insert_unique(conn, |conn| {
        diesel::insert_into(cf::case_followers)
            .values((cf::case_id.eq(case_id), cf::user_id.eq(user_id), cf::created_at.eq(now)))
            .execute(conn)
    })?;
    Ok(inserted == Inserted::New)
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
