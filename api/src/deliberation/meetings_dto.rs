//! Meetings' and the courtyard ledger's request and response bodies: parsing what clients send
//! into the infra drafts, and the views of infra's read models.

use chrono::NaiveDateTime;
use domain::deliberation::meetings::{MeetingMode, Rsvp};
use domain::deliberation::values::{BODY_MAX, OPINION_MAX};
use infra::deliberation::ledger::{self, Ledger, LedgerItem, Question};
use infra::deliberation::meetings::{self as m, AttendanceEntry, CheckInCode, Invitee, MeetingDraft};
use infra::deliberation::service;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::PersonRef;
use crate::http::error::ApiError;
use crate::http::support::rfc3339;

fn parse_time(value: Option<&str>, field: &str) -> Result<Option<NaiveDateTime>, ApiError> {
    value.map(|t| crate::http::support::parse_rfc3339(t, field)).transpose()
}

/// A short line (a place, a link, a name): trimmed, at most `max` characters.
fn line(value: Option<String>, field: &'static str, max: usize) -> Result<Option<String>, ApiError> {
    Ok(service::written(value, field, max, false)?)
}

/// A meeting as its organiser writes it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct MeetingBody {
    /// The unit it is held for: a village or a unit below it.
    pub scope_id: String,
    #[schema(example = "杨家村屋场会")]
    pub title: String,
    /// online, offline or both.
    #[schema(example = "offline")]
    pub mode: String,
    /// A courtyard meeting (屋场会): its problem ledger is kept.
    #[serde(default)]
    pub courtyard: bool,
    /// RFC 3339.
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    /// Where, in words (required in person).
    pub place: Option<String>,
    /// GCJ-02 unless `coord` is `wgs84`; a point in China.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub coord: Option<String>,
    /// The conference link (required online).
    pub link: Option<String>,
    /// The most people who may say yes (required with registration).
    pub capacity: Option<i32>,
    /// Residents of the scope may register themselves.
    #[serde(default)]
    pub registration: bool,
}

impl MeetingBody {
    pub fn parse(self) -> Result<MeetingDraft, ApiError> {
        let point = match (self.lat, self.lng) {
            (Some(lat), Some(lng)) => Some(crate::cases::dto::parse_point(lat, lng, self.coord.as_deref())?.pair()),
            (None, None) => None,
            _ => return Err(ApiError::invalid_field("lat", "lat and lng come together")),
        };
        let link = line(self.link, "link", 500)?;
        if link.as_deref().is_some_and(|l| !l.starts_with("https://") && !l.starts_with("http://")) {
            return Err(ApiError::invalid_field("link", "an http(s) address"));
        }
        Ok(MeetingDraft {
            scope_id: self.scope_id,
            title: service::title(Some(self.title))?,
            mode: MeetingMode::parse(&self.mode)?,
            courtyard: self.courtyard,
            starts_at: parse_time(self.starts_at.as_deref(), "starts_at")?,
            ends_at: parse_time(self.ends_at.as_deref(), "ends_at")?,
            place: line(self.place, "place", 200)?,
            point,
            link,
            capacity: self.capacity,
            registration: self.registration,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MeetingQuery {
    pub village_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteeView {
    pub id: String,
    pub user_id: Option<String>,
    pub member_id: Option<String>,
    pub name: String,
    /// pending, yes or no.
    pub rsvp: String,
    pub rsvp_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaView {
    pub matter_id: String,
    pub title: String,
    pub status: String,
    pub position: i32,
    /// Recorded with the minutes.
    pub outcome: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingView {
    pub id: String,
    pub village_id: String,
    pub scope_id: String,
    pub title: String,
    pub mode: String,
    pub courtyard: bool,
    /// draft, announced, held or cancelled.
    pub status: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub place: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub link: Option<String>,
    pub capacity: Option<i32>,
    pub registration: bool,
    pub minutes: Option<String>,
    pub organiser: PersonRef,
    pub announced_at: Option<String>,
    pub held_at: Option<String>,
    /// In the detail only (empty in lists).
    pub invitees: Vec<InviteeView>,
    pub agenda: Vec<AgendaView>,
    pub attendance: i64,
    /// The caller's own answer, when invited.
    pub my_rsvp: Option<String>,
    pub checked_in: bool,
    pub version: i32,
}

fn base(row: m::MeetingRow, organiser: Option<String>) -> MeetingView {
    MeetingView {
        organiser: PersonRef { id: row.organiser_id, display_name: organiser.unwrap_or_default() },
        id: row.id,
        village_id: row.village_id,
        scope_id: row.scope_id,
        title: row.title,
        mode: row.mode,
        courtyard: row.courtyard,
        status: row.status,
        starts_at: row.starts_at.map(rfc3339),
        ends_at: row.ends_at.map(rfc3339),
        place: row.place,
        lat: row.lat,
        lng: row.lng,
        link: row.link,
        capacity: row.capacity,
        registration: row.registration,
        minutes: row.minutes,
        announced_at: row.announced_at.map(rfc3339),
        held_at: row.held_at.map(rfc3339),
        invitees: Vec::new(),
        agenda: Vec::new(),
        attendance: 0,
        my_rsvp: None,
        checked_in: false,
        version: row.version,
    }
}

impl From<m::MeetingRow> for MeetingView {
    fn from(row: m::MeetingRow) -> Self {
        base(row, None)
    }
}

impl From<m::MeetingView> for MeetingView {
    fn from(v: m::MeetingView) -> Self {
        let mut out = base(v.row, v.organiser_name);
        out.invitees = v
            .invitees
            .into_iter()
            .map(|i| InviteeView {
                id: i.id,
                user_id: i.user_id,
                member_id: i.member_id,
                name: i.name,
                rsvp: i.rsvp,
                rsvp_at: i.rsvp_at.map(rfc3339),
            })
            .collect();
        out.agenda = v
            .agenda
            .into_iter()
            .map(|a| AgendaView {
                matter_id: a.matter_id,
                title: a.title,
                status: a.status,
                position: a.position,
                outcome: a.outcome,
            })
            .collect();
        out.attendance = v.attendance;
        out.my_rsvp = v.my_rsvp;
        out.checked_in = v.checked_in;
        out
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingList {
    pub items: Vec<MeetingView>,
}

/// One person to invite: `user_id` (a resident of the scope), `member_id` (the village's member
/// pool) or `name` alone.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct InviteeBody {
    pub user_id: Option<String>,
    pub member_id: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct InviteesBody {
    pub invitees: Vec<InviteeBody>,
}

impl InviteesBody {
    pub fn parse(self) -> Result<Vec<Invitee>, ApiError> {
        if self.invitees.is_empty() || self.invitees.len() > 200 {
            return Err(ApiError::invalid_field("invitees", "1 to 200 people"));
        }
        self.invitees
            .into_iter()
            .map(|i| match (i.user_id, i.member_id, line(i.name, "name", 50)?) {
                (Some(user), None, None) => Ok(Invitee::User(user)),
                (None, Some(member), None) => Ok(Invitee::Member(member)),
                (None, None, Some(name)) => Ok(Invitee::Name(name)),
                _ => Err(ApiError::invalid_field("invitees", "each one of user_id, member_id or name")),
            })
            .collect()
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct RsvpBody {
    /// yes or no.
    pub rsvp: String,
}

impl RsvpBody {
    pub fn parse(&self) -> Result<Rsvp, ApiError> {
        match Rsvp::parse(&self.rsvp)? {
            Rsvp::Pending => Err(ApiError::invalid_field("rsvp", "yes or no")),
            answer => Ok(answer),
        }
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AgendaBody {
    /// A matter of the meeting's village being deliberated or decided.
    pub matter_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInCodeView {
    /// Shown once; only its hash is kept.
    pub code: String,
    pub expires_at: String,
    /// What the QR code encodes: `yishi:checkin:{meeting}:{code}`.
    pub qr: String,
}

impl From<CheckInCode> for CheckInCodeView {
    fn from(c: CheckInCode) -> Self {
        Self { code: c.code, expires_at: rfc3339(c.expires_at), qr: c.qr }
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CheckInBody {
    pub code: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AttendanceBody {
    /// An invitee or a resident of the scope, present on paper.
    pub user_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceView {
    pub user: PersonRef,
    /// code or paper.
    pub method: String,
    pub recorded_by: Option<String>,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceList {
    pub count: usize,
    pub items: Vec<AttendanceView>,
}

impl From<Vec<AttendanceEntry>> for AttendanceList {
    fn from(entries: Vec<AttendanceEntry>) -> Self {
        let items: Vec<AttendanceView> = entries
            .into_iter()
            .map(|e| AttendanceView {
                user: PersonRef { id: e.row.user_id, display_name: e.name.unwrap_or_default() },
                method: e.row.method,
                recorded_by: e.row.recorded_by,
                at: rfc3339(e.row.checked_in_at),
            })
            .collect();
        Self { count: items.len(), items }
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct OutcomeBody {
    pub matter_id: String,
    pub outcome: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct MinutesBody {
    pub minutes: String,
    #[serde(default)]
    pub outcomes: Vec<OutcomeBody>,
}

impl MinutesBody {
    pub fn parse(self) -> Result<(String, Vec<(String, String)>), ApiError> {
        let minutes = service::written(Some(self.minutes), "minutes", BODY_MAX, true)?.unwrap_or_default();
        let mut outcomes = Vec::with_capacity(self.outcomes.len());
        for o in self.outcomes {
            let outcome = service::written(Some(o.outcome), "outcome", OPINION_MAX, true)?.unwrap_or_default();
            if outcomes.iter().any(|(m, _): &(String, String)| *m == o.matter_id) {
                return Err(ApiError::invalid_field("outcomes", "one outcome per matter"));
            }
            outcomes.push((o.matter_id, outcome));
        }
        Ok((minutes, outcomes))
    }
}

/// A question raised on the spot at a courtyard meeting.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct LedgerBody {
    pub title: String,
    pub body: String,
    /// The resident who spoke (a resident of the meeting's scope); leave out with `anonymous`.
    pub speaker_id: Option<String>,
    #[serde(default)]
    pub anonymous: bool,
    /// Working days to answer in (1 to 60, default 5).
    pub answer_days: Option<u32>,
    /// A code of `GET /deliberation-categories`; `other` when left out.
    pub category: Option<String>,
}

impl LedgerBody {
    pub fn parse(self) -> Result<Question, ApiError> {
        if self.anonymous == self.speaker_id.is_some() {
            return Err(ApiError::invalid_field("speaker_id", "a speaker, or anonymous: true"));
        }
        let answer_days = self.answer_days.unwrap_or(ledger::DEFAULT_ANSWER_DAYS);
        if !(1..=60).contains(&answer_days) {
            return Err(ApiError::invalid_field("answer_days", "1 to 60"));
        }
        Ok(Question {
            title: service::title(Some(self.title))?,
            body: service::body(Some(self.body))?,
            speaker_id: self.speaker_id,
            anonymous: self.anonymous,
            answer_days,
            category: self.category,
        })
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AnswerBody {
    pub answer: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct RevisitBody {
    #[schema(schema_with = super::dto::note_schema)]
    pub note: String,
}

/// A ledger text: required, at most 500 characters.
pub fn ledger_text(value: String, field: &'static str) -> Result<String, ApiError> {
    Ok(service::note(Some(value), field, true)?.unwrap_or_default())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerItemView {
    pub matter_id: String,
    pub meeting_id: String,
    pub title: String,
    pub matter_status: String,
    /// Hidden on anonymous items.
    pub speaker: Option<PersonRef>,
    pub anonymous: bool,
    pub answer_due: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    pub revisit_note: Option<String>,
    pub revisited_at: Option<String>,
    /// When the sweeper found it unanswered at its deadline.
    pub overdue_at: Option<String>,
}

impl From<LedgerItem> for LedgerItemView {
    fn from(i: LedgerItem) -> Self {
        let row = i.row;
        Self {
            speaker: row.speaker_id.map(|id| PersonRef { id, display_name: i.speaker_name.unwrap_or_default() }),
            matter_id: row.matter_id,
            meeting_id: row.meeting_id,
            title: i.title,
            matter_status: i.status,
            anonymous: row.anonymous,
            answer_due: rfc3339(row.answer_due),
            answer: row.answer,
            answered_at: row.answered_at.map(rfc3339),
            revisit_note: row.revisit_note,
            revisited_at: row.revisited_at.map(rfc3339),
            overdue_at: row.overdue_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerView {
    pub total: usize,
    pub answered: usize,
    pub unanswered: usize,
    /// Ever found unanswered at the deadline.
    pub overdue: usize,
    pub revisited: usize,
    pub items: Vec<LedgerItemView>,
}

impl From<Ledger> for LedgerView {
    fn from(l: Ledger) -> Self {
        Self {
            total: l.total,
            answered: l.answered,
            unanswered: l.unanswered,
            overdue: l.overdue,
            revisited: l.revisited,
            items: l.items.into_iter().map(LedgerItemView::from).collect(),
        }
    }
}
