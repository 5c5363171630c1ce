//! The deliberation feature's diesel rows, and the elementary statements on them that the
//! service puts together into transactions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::deliberation::access::Exposure;
use domain::deliberation::Moderation;

use crate::db::{insert_unique, Inserted};
use crate::schema::matter_events::dsl as ev;
use crate::schema::matter_sheets::dsl as sh;
use crate::schema::matter_supports::dsl as ms;
use crate::schema::matters::dsl as m;
use crate::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::deliberation_categories)]
pub struct CategoryRow {
    pub code: String,
    pub parent_code: Option<String>,
    pub name: String,
    pub sort_order: i32,
    pub active: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::triage_items)]
pub struct TriageItemRow {
    pub id: String,
    pub org_unit_id: String,
    pub scheme: String,
    pub tier: String,
    pub title: String,
    pub description: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

/// A matter as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::matters)]
pub struct MatterRow {
    pub id: String,
    pub scope_id: String,
    pub village_id: String,
    pub category: String,
    pub title: String,
    pub body: String,
    pub author_id: String,
    pub proxy_id: Option<String>,
    /// `app`, `proxy` (raised by staff for a resident) or `courtyard` (a courtyard meeting's
    /// problem ledger).
    pub origin: String,
    pub status: String,
    pub moderation: String,
    pub moderation_note: String,
    pub scheme: Option<String>,
    pub tier: Option<String>,
    pub route: Option<String>,
    pub triage_item_id: Option<String>,
    pub triage_note: Option<String>,
    pub merged_into: Option<String>,
    pub case_id: Option<String>,
    pub supports: i32,
    pub opinions: i32,
    pub client_id: Option<String>,
    pub raised_at: NaiveDateTime,
    pub triage_due: Option<NaiveDateTime>,
    pub triage_flagged_at: Option<NaiveDateTime>,
    pub triaged_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub rating_closes_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl MatterRow {
    /// The stored moderation word, read; an unknown word counts as held (never shown wrongly).
    pub fn moderation(&self) -> Moderation {
        Moderation::parse(&self.moderation).unwrap_or(Moderation::Held)
    }

    pub fn exposure<'a>(&'a self, scope_path: &'a [String]) -> Exposure<'a> {
        Exposure { scope_path, author_id: &self.author_id, moderation: self.moderation() }
    }
}

/// What a step changes on a matter (`None`: unchanged).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = crate::schema::matters)]
pub struct MatterChanges {
    pub status: Option<String>,
    pub moderation: Option<String>,
    pub moderation_note: Option<String>,
    pub scheme: Option<Option<String>>,
    pub tier: Option<Option<String>>,
    pub route: Option<Option<String>>,
    pub triage_item_id: Option<Option<String>>,
    pub triage_note: Option<Option<String>>,
    pub merged_into: Option<Option<String>>,
    pub case_id: Option<Option<String>>,
    pub triaged_at: Option<Option<NaiveDateTime>>,
    pub resolved_at: Option<Option<NaiveDateTime>>,
    pub rating_closes_at: Option<Option<NaiveDateTime>>,
    pub closed_at: Option<Option<NaiveDateTime>>,
}

pub(crate) fn insert_matter(conn: &mut DbConn, row: &MatterRow) -> Result<Inserted, DieselError> {
    insert_unique(conn, |conn| diesel::insert_into(m::matters).values(row).execute(conn))
}

/// Applies `changes` if the matter is still at `version`; false when someone changed it first.
pub(crate) fn update_matter(
    conn: &mut DbConn,
    id: &str,
    version: i32,
    changes: &MatterChanges,
    now: NaiveDateTime,
) -> Result<bool, DieselError> {
    let n = diesel::update(m::matters.filter(m::id.eq(id)).filter(m::version.eq(version)))
        .set((changes, m::version.eq(version + 1), m::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n == 1)
}

/// One step of a matter on its timeline.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::matter_events)]
pub struct EventRow {
    pub id: String,
    pub matter_id: String,
    pub kind: String,
    pub actor_id: Option<String>,
    pub proxy_id: Option<String>,
    pub status_after: Option<String>,
    pub note: String,
    pub details: String,
    pub created_at: NaiveDateTime,
}

impl EventRow {
    /// A new entry: `kind` by `actor_id` (`None`: the system).
    pub fn new(matter_id: &str, kind: &str, actor_id: Option<&str>, now: NaiveDateTime) -> Self {
        Self {
            id: domain::new_id(),
            matter_id: matter_id.to_owned(),
            kind: kind.to_owned(),
            actor_id: actor_id.map(str::to_owned),
            proxy_id: None,
            status_after: None,
            note: String::new(),
            details: "{}".to_owned(),
            created_at: now,
        }
    }
}

pub(crate) fn insert_event(conn: &mut DbConn, row: &EventRow) -> Result<usize, DieselError> {
    diesel::insert_into(ev::matter_events).values(row).execute(conn)
}

/// One of the three sheets.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::matter_sheets)]
pub struct SheetRow {
    pub id: String,
    pub matter_id: String,
    pub kind: String,
    pub commitment_id: Option<String>,
    /// The sheet's fields as JSON.
    pub body: String,
    pub status: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

impl SheetRow {
    /// A new sheet of `kind` (`SheetKind`'s words) for a matter with its fields as JSON, by
    /// `created_by` (`None`: the system). A record sheet is closed as it is written; the others
    /// stay open until acted on.
    pub fn new(
        matter_id: &str,
        kind: &str,
        body: &serde_json::Value,
        created_by: Option<&str>,
        now: NaiveDateTime,
    ) -> Self {
        let closed = kind == "record";
        Self {
            id: domain::new_id(),
            matter_id: matter_id.to_owned(),
            kind: kind.to_owned(),
            commitment_id: None,
            body: body.to_string(),
            status: if closed { "closed" } else { "open" }.to_owned(),
            created_by: created_by.map(str::to_owned),
            created_at: now,
            closed_at: closed.then_some(now),
        }
    }
}

/// Inserts a sheet; a second supervision sheet for the same commitment is a duplicate.
pub(crate) fn insert_sheet(conn: &mut DbConn, row: &SheetRow) -> Result<Inserted, DieselError> {
    insert_unique(conn, |conn| diesel::insert_into(sh::matter_sheets).values(row).execute(conn))
}

/// Records one support; a second by the same person is a duplicate, and the count moves only
/// for a new one.
pub(crate) fn insert_support(
    conn: &mut DbConn,
    matter_id: &str,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<Inserted, DieselError> {
    let inserted = insert_unique(conn, |conn| {
        diesel::insert_into(ms::matter_supports)
            .values((ms::matter_id.eq(matter_id), ms::user_id.eq(user_id), ms::created_at.eq(now)))
            .execute(conn)
    })?;
    if inserted == Inserted::New {
        diesel::update(m::matters.filter(m::id.eq(matter_id))).set(m::supports.eq(m::supports + 1)).execute(conn)?;
    }
    Ok(inserted)
}
