//! What clients get: a case as the caller may see it, pages of them, duplicates, a revealed
//! reporter — made from infra's read models.

use chrono::NaiveDateTime;
use infra::cases::queries;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::support::rfc3339;
use crate::media::dto::MediaView;

#[derive(Debug, Serialize, ToSchema)]
pub struct ReporterView {
    pub id: String,
    pub display_name: String,
    pub phone_masked: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActorView {
    pub id: String,
    pub display_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub seq: i32,
    /// reported, accepted, started, escalated, auto_escalated, overdue, resolved, confirmed,
    /// reopened, closed_unrated, merged, merged_in, visit.
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub from_level: Option<String>,
    pub to_level: Option<String>,
    /// Who did it; absent for the system (deadlines) and for an anonymous reporter.
    pub actor: Option<ActorView>,
    /// The step was the reporter's own.
    pub by_reporter: bool,
    /// The grid worker who acted for the reporter (shown to staff).
    pub proxy: Option<ActorView>,
    pub note: Option<String>,
    pub attachments: Vec<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: String,
    pub category: String,
    pub description: String,
    /// GCJ-02. Exact for staff in scope, the reporter and residents of the case's village;
    /// coarsened to about 100 m for everyone else.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// The house-number address: only for those who see the exact point.
    pub address: Option<String>,
    pub urgency: String,
    pub anonymous: bool,
    pub public: bool,
    pub status: String,
    /// grid, village, township or department: who holds the case now.
    pub level: String,
    pub outcome: Option<String>,
    pub overdue: bool,
    pub escalations: i32,
    pub grid_id: Option<String>,
    pub org_unit_id: String,
    pub department_id: Option<String>,
    pub merged_into: Option<String>,
    /// When the reporter captured it (an offline report keeps its real time).
    pub captured_at: String,
    pub reported_at: String,
    pub first_accepted_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub accept_due: Option<String>,
    pub resolve_due: Option<String>,
    pub confirm_due: Option<String>,
    pub rating: Option<i32>,
    /// The caller reported it.
    pub mine: bool,
    pub following: bool,
    /// Shown to the reporter and to staff whose scope holds the case (not volunteers, the civic
    /// roles or other residents); never for an anonymous report.
    pub reporter: Option<ReporterView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followers: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Vec<MediaView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<EventView>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateCandidate {
    pub case: CaseView,
    pub distance_m: f64,
    /// 0–1.
    pub similarity: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateList {
    pub items: Vec<DuplicateCandidate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevealedReporter {
    pub user_id: String,
    pub display_name: String,
    pub phone: Option<String>,
}

fn opt_time(t: Option<NaiveDateTime>) -> Option<String> {
    t.map(rfc3339)
}

impl From<queries::Actor> for ActorView {
    fn from(a: queries::Actor) -> Self {
        Self { id: a.id, display_name: a.display_name }
    }
}

impl From<queries::Event> for EventView {
    fn from(e: queries::Event) -> Self {
        Self {
            seq: e.seq,
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            from_level: e.from_level,
            to_level: e.to_level,
            actor: e.actor.map(ActorView::from),
            by_reporter: e.by_reporter,
            proxy: e.proxy.map(ActorView::from),
            note: e.note,
            attachments: e.attachments,
            details: e.details,
            at: rfc3339(e.at),
        }
    }
}

impl From<queries::CaseView> for CaseView {
    fn from(c: queries::CaseView) -> Self {
        Self {
            id: c.id,
            category: c.category,
            description: c.description,
            lat: c.lat,
            lng: c.lng,
            address: c.address,
            urgency: c.urgency,
            anonymous: c.anonymous,
            public: c.public,
            status: c.status,
            level: c.level,
            outcome: c.outcome,
            overdue: c.overdue,
            escalations: c.escalations,
            grid_id: c.grid_id,
            org_unit_id: c.org_unit_id,
            department_id: c.department_id,
            merged_into: c.merged_into,
            captured_at: rfc3339(c.captured_at),
            reported_at: rfc3339(c.reported_at),
            first_accepted_at: opt_time(c.first_accepted_at),
            resolved_at: opt_time(c.resolved_at),
            closed_at: opt_time(c.closed_at),
            accept_due: opt_time(c.accept_due),
            resolve_due: opt_time(c.resolve_due),
            confirm_due: opt_time(c.confirm_due),
            rating: c.rating,
            mine: c.mine,
            following: c.following,
            reporter: c.reporter.map(|r| ReporterView {
                id: r.id,
                display_name: r.display_name,
                phone_masked: r.phone_masked,
            }),
            followers: c.followers,
            media: c.media.map(|m| m.iter().map(MediaView::from).collect()),
            timeline: c.timeline.map(|t| t.into_iter().map(EventView::from).collect()),
        }
    }
}

impl From<queries::Duplicate> for DuplicateCandidate {
    fn from(d: queries::Duplicate) -> Self {
        Self { case: d.case.into(), distance_m: d.distance_m, similarity: d.similarity }
    }
}

impl From<infra::cases::service::Revealed> for RevealedReporter {
    fn from(r: infra::cases::service::Revealed) -> Self {
        Self { user_id: r.user_id, display_name: r.display_name, phone: r.phone }
    }
}
