//! The grid-work feature's diesel rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A visit to a household of a grid.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::visits)]
pub struct VisitRow {
    pub id: String,
    pub grid_id: String,
    /// The household's unit (a village or a group in it), for figures by unit.
    pub org_unit_id: String,
    pub household_id: String,
    pub visitor_id: String,
    /// The phone's id for a visit captured offline: synced twice, made once.
    pub client_id: Option<String>,
    pub kind: String,
    /// Who was met (free text: "户主王大伯及老伴").
    pub met: String,
    pub note: String,
    /// Pieces of information collected (信息采集).
    pub info_items: i32,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// The case the visit raised, if any.
    pub case_id: Option<String>,
    pub visited_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
}

/// A patrol of a grid.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::patrols)]
pub struct PatrolRow {
    pub id: String,
    pub grid_id: String,
    pub org_unit_id: String,
    pub walker_id: String,
    pub client_id: Option<String>,
    pub status: String,
    pub note: String,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub point_count: i32,
    pub distance_m: i32,
    pub created_at: NaiveDateTime,
}

/// One point a patrol passed, numbered by the phone.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::patrol_points)]
pub struct PatrolPointRow {
    pub patrol_id: String,
    pub seq: i32,
    pub lat: f64,
    pub lng: f64,
    pub at: NaiveDateTime,
}

/// A hazard found on a patrol: the case it was filed as.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::patrol_hazards)]
pub struct PatrolHazardRow {
    pub case_id: String,
    pub patrol_id: String,
    pub created_at: NaiveDateTime,
}

/// A household that needs care, and how often it is due a visit.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::care_households)]
pub struct CareRow {
    pub household_id: String,
    /// Comma-separated `domain::grid_work::care::CareNeed`s.
    pub needs: String,
    pub interval_days: i32,
    pub working_days: bool,
    pub set_by: String,
    pub set_at: NaiveDateTime,
}

/// A grid staff member's terms and the contact they publish.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::grid_staff, treat_none_as_null = true)]
pub struct GridStaffRow {
    pub grid_id: String,
    pub user_id: String,
    /// Full- or part-time; null until an officer sets it.
    pub employment: Option<String>,
    pub contact: Option<String>,
    /// Whether residents see the contact in full (else masked).
    pub contact_unmasked: bool,
    pub updated_at: NaiveDateTime,
}

/// A grid's WeChat group entry.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::grid_groups, treat_none_as_null = true)]
pub struct GridGroupRow {
    pub grid_id: String,
    pub link: Option<String>,
    pub qr_media_id: Option<String>,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}
