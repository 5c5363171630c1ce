//! Meetings of the deliberation council, online or in a courtyard (屋场会): drafted by council
//! staff, announced only after the three confirms (三确: time, participants, agenda), with
//! invitations and RSVPs, self-registration up to a capacity, reminders, check-in by an expiring
//! code (stored as a hash) or on paper, and minutes that record each agenda matter's outcome on
//! its timeline.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use domain::deliberation::access::lives_in;
use domain::deliberation::meetings::{
    check_in, missing_confirms, CheckInRefusal, Confirms, MeetingMode, MeetingStatus, Rsvp,
};
use domain::deliberation::MatterStatus;
use domain::identity::org::OrgKind;
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place, Role};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::queries;
use super::rows::{self, EventRow};
use super::service::{beijing, holders_on, Caller};
use super::DeliberationError;
use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::queries::{org, residency, users};
use crate::identity::rows::split_path;
use crate::schema::deliberation_members::dsl as dm;
use crate::schema::meeting_agenda::dsl as ag;
use crate::schema::meeting_attendance::dsl as at;
use crate::schema::meeting_checkin_codes::dsl as cc;
use crate::schema::meeting_invitees::dsl as inv;
use crate::schema::meetings::dsl as mt;
use crate::DbConn;

/// Notification kinds raised by meetings.
pub const MEETING_SCHEDULED: &str = "meeting_scheduled";
pub const MEETING_REMINDER: &str = "meeting_reminder";
pub const MEETING_CANCELLED: &str = "meeting_cancelled";

/// A meeting as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::meetings)]
pub struct MeetingRow {
    pub id: String,
    pub village_id: String,
    pub scope_id: String,
    pub title: String,
    pub mode: String,
    pub courtyard: bool,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub place: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub link: Option<String>,
    pub capacity: Option<i32>,
    pub registration: bool,
    pub status: String,
    pub minutes: Option<String>,
    pub organiser_id: String,
    pub announced_at: Option<NaiveDateTime>,
    pub reminded_at: Option<NaiveDateTime>,
    pub held_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub version: i32,
}

impl MeetingRow {
    pub fn status(&self) -> Result<MeetingStatus, DeliberationError> {
        MeetingStatus::parse(&self.status)
            .map_err(|_| DeliberationError::Corrupt(format!("status of meeting {}", self.id)))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::meeting_invitees)]
pub struct InviteeRow {
    pub id: String,
    pub meeting_id: String,
    pub user_id: Option<String>,
    pub member_id: Option<String>,
    pub name: String,
    pub rsvp: String,
    pub rsvp_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::meeting_attendance)]
pub struct AttendanceRow {
    pub meeting_id: String,
    pub user_id: String,
    pub method: String,
    pub recorded_by: Option<String>,
    pub checked_in_at: NaiveDateTime,
}

/// A meeting as its organiser writes it (create, or change while a draft).
#[derive(Debug, Clone)]
pub struct MeetingDraft {
    pub scope_id: String,
    pub title: String,
    pub mode: MeetingMode,
    pub courtyard: bool,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub place: Option<String>,
    /// GCJ-02, validated by the caller.
    pub point: Option<(f64, f64)>,
    pub link: Option<String>,
    pub capacity: Option<i32>,
    pub registration: bool,
}

/// A meeting the caller may see, with how they stand to it.
#[derive(Debug, Clone)]
pub struct SeenMeeting {
    pub row: MeetingRow,
    pub scope_path: Vec<String>,
    /// Staff whose grants reach the scope.
    pub staff: bool,
    /// Lives in the scope.
    pub resident: bool,
    /// The caller's own invitation.
    pub invitation: Option<InviteeRow>,
}

impl SeenMeeting {
    pub fn place(&self) -> Place {
        Place::in_org(self.scope_path.clone())
    }

    /// Refuses a caller without the council's work over the scope (403: they see it).
    pub fn require_council(&self, principal: &Principal) -> Result<(), DeliberationError> {
        principal.require(&self.place(), Permission::CouncilWork).map_err(|_| DeliberationError::Forbidden)
    }
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<MeetingRow>, diesel::result::Error> {
    mt::meetings.filter(mt::id.eq(id)).select(MeetingRow::as_select()).first(conn).optional()
}

/// The meeting `id` as the caller may see it: staff over its scope always; residents of the
/// scope and invitees once it was announced; anyone else not at all.
pub fn seen(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<SeenMeeting, DeliberationError> {
    let row = find(conn, id)?.ok_or(DeliberationError::NotFound)?;
    let scope_path = org::unit_path(conn, &row.scope_id)?.unwrap_or_default();
    let staff = principal.sees(&Place::in_org(scope_path.clone()));
    let homes = queries::homes_of(conn, principal)?;
    let resident = lives_in(&homes, &scope_path);
    let invitation: Option<InviteeRow> = inv::meeting_invitees
        .filter(inv::meeting_id.eq(id))
        .filter(inv::user_id.eq(principal.subject()))
        .select(InviteeRow::as_select())
        .first(conn)
        .optional()?;
    // Once announced it stays public (held or cancelled); a draft cancelled unannounced never was.
    let public = row.announced_at.is_some();
    if !(staff || (public && (resident || invitation.is_some()))) {
        return Err(DeliberationError::NotFound);
    }
    Ok(SeenMeeting { row, scope_path, staff, resident, invitation })
}

/// A seen meeting the caller does council work on, in one of `statuses`.
fn council_meeting(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    action: &'static str,
    statuses: &[MeetingStatus],
) -> Result<SeenMeeting, DeliberationError> {
    let seen = seen(conn, principal, id)?;
    seen.require_council(principal)?;
    let status = seen.row.status()?;
    if !statuses.contains(&status) {
        return Err(DeliberationError::NotNow { action, status: status.as_str().to_owned() });
    }
    Ok(seen)
}

/// Bumps the meeting's version if it is still at `version` (and so serialises writers on it).
fn bump(conn: &mut DbConn, row: &MeetingRow) -> Result<(), DeliberationError> {
    let n = diesel::update(mt::meetings.filter(mt::id.eq(&row.id)).filter(mt::version.eq(row.version)))
        .set(mt::version.eq(row.version + 1))
        .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(DeliberationError::Stale)
    }
}

/// Takes the meeting's row lock (PostgreSQL) for a count-then-insert.
fn lock(conn: &mut DbConn, id: &str) -> Result<(), DeliberationError> {
    diesel::update(mt::meetings.filter(mt::id.eq(id))).set(mt::version.eq(mt::version + 1)).execute(conn)?;
    Ok(())
}

fn check_draft(d: &MeetingDraft) -> Result<(), DeliberationError> {
    if let (Some(s), Some(e)) = (d.starts_at, d.ends_at) {
        if e <= s {
            return Err(DeliberationError::invalid("ends_at", "after starts_at"));
        }
    }
    if d.ends_at.is_some() && d.starts_at.is_none() {
        return Err(DeliberationError::invalid("starts_at", "required with ends_at"));
    }
    let online = matches!(d.mode, MeetingMode::Online | MeetingMode::Both);
    let offline = matches!(d.mode, MeetingMode::Offline | MeetingMode::Both);
    if online && d.link.is_none() {
        return Err(DeliberationError::invalid("link", "required for an online meeting"));
    }
    if offline && d.place.is_none() {
        return Err(DeliberationError::invalid("place", "required for a meeting in person"));
    }
    if d.courtyard && !offline {
        return Err(DeliberationError::invalid("courtyard", "a courtyard meeting is held in person"));
    }
    if d.capacity.is_some_and(|c| !(1..=100_000).contains(&c)) {
        return Err(DeliberationError::invalid("capacity", "1 to 100000"));
    }
    if d.registration && d.capacity.is_none() {
        return Err(DeliberationError::invalid("capacity", "required with registration"));
    }
    Ok(())
}

/// The scope a meeting is held for: a village or a unit below it; with its path and village.
fn scope_of(conn: &mut DbConn, scope_id: &str) -> Result<(Vec<String>, String), DeliberationError> {
    let unit = org::find_unit(conn, scope_id)?.ok_or_else(|| DeliberationError::invalid("scope_id", "unknown unit"))?;
    let kind =
        OrgKind::parse(&unit.kind).map_err(|_| DeliberationError::Corrupt(format!("kind of unit {}", unit.id)))?;
    domain::deliberation::values::check_scope(kind)?;
    let path = split_path(&unit.path);
    let village = path.get(2).cloned().ok_or_else(|| DeliberationError::Corrupt(format!("path of {}", unit.id)))?;
    Ok((path, village))
}

/// Drafts a meeting (council staff over its scope).
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    d: &MeetingDraft,
    now: NaiveDateTime,
) -> Result<MeetingView, DeliberationError> {
    check_draft(d)?;
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let (path, village) = scope_of(conn, &d.scope_id)?;
        let place = Place::in_org(path);
        if !principal.sees(&place) {
            return Err(DeliberationError::invalid("scope_id", "not a unit you work on"));
        }
        principal.require(&place, Permission::CouncilWork).map_err(|_| DeliberationError::Forbidden)?;
        let row = MeetingRow {
            id: domain::new_id(),
            village_id: village,
            scope_id: d.scope_id.clone(),
            title: d.title.clone(),
            mode: d.mode.as_str().to_owned(),
            courtyard: d.courtyard,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            place: d.place.clone(),
            lat: d.point.map(|p| p.0),
            lng: d.point.map(|p| p.1),
            link: d.link.clone(),
            capacity: d.capacity,
            registration: d.registration,
            status: MeetingStatus::Draft.as_str().to_owned(),
            minutes: None,
            organiser_id: principal.user_id.clone(),
            announced_at: None,
            reminded_at: None,
            held_at: None,
            created_at: now,
            version: 0,
        };
        diesel::insert_into(mt::meetings).values(&row).execute(conn)?;
        caller.audit(conn, "meeting.create", "meeting", &row.id, json!({ "title": row.title }), now)?;
        view(conn, principal, &row.id)
    })
}

/// Changes a draft (its scope stays).
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    d: &MeetingDraft,
    now: NaiveDateTime,
) -> Result<MeetingView, DeliberationError> {
    check_draft(d)?;
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = council_meeting(conn, principal, id, "update", &[MeetingStatus::Draft])?;
        if d.scope_id != seen.row.scope_id {
            return Err(DeliberationError::invalid("scope_id", "a meeting keeps its scope"));
        }
        bump(conn, &seen.row)?;
        diesel::update(mt::meetings.filter(mt::id.eq(id)))
            .set((
                mt::title.eq(&d.title),
                mt::mode.eq(d.mode.as_str()),
                mt::courtyard.eq(d.courtyard),
                mt::starts_at.eq(d.starts_at),
                mt::ends_at.eq(d.ends_at),
                mt::place.eq(&d.place),
                mt::lat.eq(d.point.map(|p| p.0)),
                mt::lng.eq(d.point.map(|p| p.1)),
                mt::link.eq(&d.link),
                mt::capacity.eq(d.capacity),
                mt::registration.eq(d.registration),
            ))
            .execute(conn)?;
        caller.audit(conn, "meeting.update", "meeting", id, json!({ "title": d.title }), now)?;
        view(conn, principal, id)
    })
}

// ---------------------------------------------------------------------------------------------
// Reading

/// An agenda item with its matter's title.
#[derive(Debug, Clone)]
pub struct AgendaItem {
    pub matter_id: String,
    pub title: String,
    pub status: String,
    pub position: i32,
    pub outcome: Option<String>,
}

/// A meeting as its reader gets it.
#[derive(Debug, Clone)]
pub struct MeetingView {
    pub row: MeetingRow,
    pub organiser_name: Option<String>,
    pub invitees: Vec<InviteeRow>,
    pub agenda: Vec<AgendaItem>,
    pub attendance: i64,
    pub my_rsvp: Option<String>,
    pub checked_in: bool,
    /// The caller may do council work on it.
    pub council: bool,
}

fn view_of(conn: &mut DbConn, principal: &Principal, seen: SeenMeeting) -> Result<MeetingView, DeliberationError> {
    use crate::schema::matters::dsl as m;
    let id = seen.row.id.clone();
    let invitees: Vec<InviteeRow> = inv::meeting_invitees
        .filter(inv::meeting_id.eq(&id))
        .order(inv::id.asc())
        .select(InviteeRow::as_select())
        .load(conn)?;
    let agenda: Vec<(String, i32, Option<String>, String, String)> = ag::meeting_agenda
        .inner_join(m::matters.on(m::id.eq(ag::matter_id)))
        .filter(ag::meeting_id.eq(&id))
        .order(ag::position.asc())
        .select((ag::matter_id, ag::position, ag::outcome, m::title, m::status))
        .load(conn)?;
    let attendance: i64 = at::meeting_attendance.filter(at::meeting_id.eq(&id)).count().get_result(conn)?;
    let checked_in: i64 = at::meeting_attendance
        .filter(at::meeting_id.eq(&id))
        .filter(at::user_id.eq(principal.subject()))
        .count()
        .get_result(conn)?;
    let names = users::names(conn, std::slice::from_ref(&seen.row.organiser_id))?;
    let council = principal.may(&seen.place(), Permission::CouncilWork);
    Ok(MeetingView {
        organiser_name: names.get(&seen.row.organiser_id).cloned(),
        invitees,
        agenda: agenda
            .into_iter()
            .map(|(matter_id, position, outcome, title, status)| AgendaItem {
                matter_id,
                title,
                status,
                position,
                outcome,
            })
            .collect(),
        attendance,
        my_rsvp: seen.invitation.as_ref().map(|i| i.rsvp.clone()),
        checked_in: checked_in > 0,
        council,
        row: seen.row,
    })
}

/// The meeting `id` with its invitees, agenda and attendance count.
pub fn view(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<MeetingView, DeliberationError> {
    let seen = seen(conn, principal, id)?;
    view_of(conn, principal, seen)
}

/// The meetings of a village the caller may see, newest first (drafts for staff only).
pub fn list(conn: &mut DbConn, principal: &Principal, village_id: &str) -> Result<Vec<MeetingRow>, DeliberationError> {
    let path = org::unit_path(conn, village_id)?.ok_or(DeliberationError::NotFound)?;
    let rows: Vec<MeetingRow> = mt::meetings
        .filter(mt::village_id.eq(village_id))
        .order(mt::id.desc())
        .limit(200)
        .select(MeetingRow::as_select())
        .load(conn)?;
    let homes = queries::homes_of(conn, principal)?;
    let invited: Vec<String> = inv::meeting_invitees
        .filter(inv::user_id.eq(principal.subject()))
        .filter(inv::meeting_id.eq_any(rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>()))
        .select(inv::meeting_id)
        .load(conn)?;
    let scope_ids: Vec<String> = rows.iter().map(|r| r.scope_id.clone()).collect();
    let paths = org::unit_paths(conn, &scope_ids)?;
    let staff_over_village = principal.sees(&Place::in_org(path));
    Ok(rows
        .into_iter()
        .filter(|r| {
            let scope = paths.get(&r.scope_id).cloned().unwrap_or_default();
            let staff = staff_over_village || principal.sees(&Place::in_org(scope.clone()));
            let public = r.announced_at.is_some();
            staff || (public && (lives_in(&homes, &scope) || invited.contains(&r.id)))
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Invitees, RSVPs, registration

/// Who is invited: a resident of the scope, a member of the village's pool, or a name only.
#[derive(Debug, Clone)]
pub enum Invitee {
    User(String),
    Member(String),
    Name(String),
}

/// Invites people (council staff; while a draft or announced). Someone invited already is
/// skipped; people invited after the announcement are told at once.
pub fn invite(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    people: &[Invitee],
    now: NaiveDateTime,
) -> Result<MeetingView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = council_meeting(conn, principal, id, "invite", &[MeetingStatus::Draft, MeetingStatus::Announced])?;
        let mut told = Vec::new();
        for person in people {
            let (user_id, member_id, name) = match person {
                Invitee::User(user) => {
                    let homes: Vec<Vec<String>> =
                        residency::member_places(conn, user)?.into_iter().map(|p| p.org_path).collect();
                    if !lives_in(&homes, &seen.scope_path) {
                        return Err(DeliberationError::invalid("user_id", "not a resident of the meeting's scope"));
                    }
                    let name = users::names(conn, std::slice::from_ref(user))?.remove(user).unwrap_or_default();
                    (Some(user.clone()), None, name)
                }
                Invitee::Member(member) => {
                    let found: Option<(Option<String>, String)> = dm::deliberation_members
                        .filter(dm::id.eq(member))
                        .filter(dm::village_id.eq(&seen.row.village_id))
                        .filter(dm::active.eq(true))
                        .select((dm::user_id, dm::name))
                        .first(conn)
                        .optional()?;
                    let (user, name) = found
                        .ok_or_else(|| DeliberationError::invalid("member_id", "not in the village's member pool"))?;
                    (user, Some(member.clone()), name)
                }
                Invitee::Name(name) => (None, None, name.clone()),
            };
            if let Some(member) = &member_id {
                let dup: i64 = inv::meeting_invitees
                    .filter(inv::meeting_id.eq(id))
                    .filter(inv::member_id.eq(member))
                    .count()
                    .get_result(conn)?;
                if dup > 0 {
                    continue;
                }
            }
            let row = InviteeRow {
                id: domain::new_id(),
                meeting_id: id.to_owned(),
                user_id: user_id.clone(),
                member_id,
                name,
                rsvp: Rsvp::Pending.as_str().to_owned(),
                rsvp_at: None,
                created_at: now,
            };
            let inserted =
                insert_unique(conn, |conn| diesel::insert_into(inv::meeting_invitees).values(&row).execute(conn))?;
            if inserted == Inserted::New {
                told.extend(user_id);
            }
        }
        if seen.row.status == MeetingStatus::Announced.as_str() {
            crate::notify::enqueue_to(conn, MEETING_SCHEDULED, &told, &scheduled_data(&seen.row), now)?;
        }
        caller.audit(conn, "meeting.invite", "meeting", id, json!({ "count": people.len() }), now)?;
        view(conn, principal, id)
    })
}

fn scheduled_data(row: &MeetingRow) -> serde_json::Value {
    let place = row.place.clone().or_else(|| row.link.as_ref().map(|_| "线上".to_owned())).unwrap_or_default();
    json!({ "matter": row.title, "meeting": row.title, "time": row.starts_at.map(beijing), "place": place })
}

/// Seats taken: the people who said yes.
fn seats_taken(conn: &mut DbConn, id: &str) -> Result<i64, DeliberationError> {
    Ok(inv::meeting_invitees
        .filter(inv::meeting_id.eq(id))
        .filter(inv::rsvp.eq(Rsvp::Yes.as_str()))
        .count()
        .get_result(conn)?)
}

fn full(row: &MeetingRow, taken: i64) -> bool {
    row.capacity.is_some_and(|c| taken >= i64::from(c))
}

/// An invitee answers yes or no (while announced); a yes takes a seat when there is a capacity.
pub fn rsvp(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    answer: Rsvp,
    now: NaiveDateTime,
) -> Result<MeetingView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = seen(conn, principal, id)?;
        let invitation = seen.invitation.clone().ok_or(DeliberationError::Forbidden)?;
        let status = seen.row.status()?;
        if status != MeetingStatus::Announced {
            return Err(DeliberationError::NotNow { action: "rsvp", status: status.as_str().to_owned() });
        }
        if answer == Rsvp::Pending {
            return Err(DeliberationError::invalid("rsvp", "yes or no"));
        }
        lock(conn, id)?;
        if answer == Rsvp::Yes && invitation.rsvp != Rsvp::Yes.as_str() && full(&seen.row, seats_taken(conn, id)?) {
            return Err(DeliberationError::NotNow { action: "rsvp", status: "full".to_owned() });
        }
        diesel::update(inv::meeting_invitees.filter(inv::id.eq(&invitation.id)))
            .set((inv::rsvp.eq(answer.as_str()), inv::rsvp_at.eq(now)))
            .execute(conn)?;
        caller.audit(conn, "meeting.rsvp", "meeting", id, json!({ "rsvp": answer.as_str() }), now)?;
        view(conn, principal, id)
    })
}

/// A resident of the scope registers for an announced meeting open to registration, while seats
/// remain: once each, exactly up to the capacity even when many register at once.
pub fn register(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    now: NaiveDateTime,
) -> Result<MeetingView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = seen(conn, principal, id)?;
        if !seen.resident {
            return Err(DeliberationError::Forbidden);
        }
        let status = seen.row.status()?;
        if !seen.row.registration || status != MeetingStatus::Announced {
            return Err(DeliberationError::NotNow { action: "register", status: status.as_str().to_owned() });
        }
        if seen.invitation.is_some() {
            return Err(DeliberationError::Duplicate);
        }
        // The row lock orders concurrent registrations; each then counts what the others left.
        lock(conn, id)?;
        if full(&seen.row, seats_taken(conn, id)?) {
            return Err(DeliberationError::NotNow { action: "register", status: "full".to_owned() });
        }
        let me = principal.subject().to_owned();
        let name = users::names(conn, std::slice::from_ref(&me))?.remove(&me).unwrap_or_default();
        let row = InviteeRow {
            id: domain::new_id(),
            meeting_id: id.to_owned(),
            user_id: Some(me),
            member_id: None,
            name,
            rsvp: Rsvp::Yes.as_str().to_owned(),
            rsvp_at: Some(now),
            created_at: now,
        };
        if insert_unique(conn, |conn| diesel::insert_into(inv::meeting_invitees).values(&row).execute(conn))?
            == Inserted::Duplicate
        {
            return Err(DeliberationError::Duplicate);
        }
        caller.audit(conn, "meeting.register", "meeting", id, json!({}), now)?;
        view(conn, principal, id)
    })
}

// ---------------------------------------------------------------------------------------------
// Agenda, the three confirms, reminders

/// Puts a matter of the same village that is being deliberated or decided on the agenda.
pub fn add_agenda(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    matter_id: &str,
    now: NaiveDateTime,
) -> Result<MeetingView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = council_meeting(conn, principal, id, "agenda", &[MeetingStatus::Draft, MeetingStatus::Announced])?;
        let matter = match queries::seen(conn, principal, matter_id) {
            Ok(matter) => matter,
            Err(DeliberationError::NotFound) => {
                return Err(DeliberationError::invalid("matter_id", "unknown matter"));
            }
            Err(other) => return Err(other),
        };
        if matter.row.village_id != seen.row.village_id {
            return Err(DeliberationError::invalid("matter_id", "a matter of the meeting's village"));
        }
        let status = matter.status()?;
        if !matches!(status, MatterStatus::Deliberating | MatterStatus::Deciding) {
            return Err(DeliberationError::invalid("matter_id", "a matter being deliberated or decided"));
        }
        let last: Option<i32> =
            ag::meeting_agenda.filter(ag::meeting_id.eq(id)).select(diesel::dsl::max(ag::position)).first(conn)?;
        let inserted = insert_unique(conn, |conn| {
            diesel::insert_into(ag::meeting_agenda)
                .values((ag::meeting_id.eq(id), ag::matter_id.eq(matter_id), ag::position.eq(last.unwrap_or(0) + 1)))
                .execute(conn)
        })?;
        if inserted == Inserted::Duplicate {
            return Err(DeliberationError::Duplicate);
        }
        caller.audit(conn, "meeting.agenda", "meeting", id, json!({ "matter_id": matter_id }), now)?;
        view(conn, principal, id)
    })
}

/// Announces a draft once the three confirms hold (a time, someone invited, something on the
/// agenda): the invitees are told and each agenda matter's timeline shows the meeting.
pub fn announce(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    now: NaiveDateTime,
) -> Result<MeetingView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = council_meeting(conn, principal, id, "announce", &[MeetingStatus::Draft])?;
        let invitees: Vec<InviteeRow> =
            inv::meeting_invitees.filter(inv::meeting_id.eq(id)).select(InviteeRow::as_select()).load(conn)?;
        let agenda: Vec<String> = ag::meeting_agenda
            .filter(ag::meeting_id.eq(id))
            .order(ag::position.asc())
            .select(ag::matter_id)
            .load(conn)?;
        let missing = missing_confirms(Confirms {
            // A time already past confirms nothing: people cannot come to it.
            has_time: seen.row.starts_at.is_some_and(|t| t > now),
            invitees: invitees.len(),
            agenda_items: agenda.len(),
        });
        if !missing.is_empty() {
            return Err(DeliberationError::Unconfirmed(missing));
        }
        bump(conn, &seen.row)?;
        diesel::update(mt::meetings.filter(mt::id.eq(id)))
            .set((mt::status.eq(MeetingStatus::Announced.as_str()), mt::announced_at.eq(now)))
            .execute(conn)?;
        for matter in &agenda {
            let mut event = EventRow::new(matter, "meeting_announced", Some(&principal.user_id), now);
            event.details = json!({
                "meeting_id": id,
                "title": seen.row.title,
                "starts_at": seen.row.starts_at.map(|t| t.and_utc().to_rfc3339()),
                "place": seen.row.place,
                "mode": seen.row.mode,
            })
            .to_string();
            rows::insert_event(conn, &event)?;
        }
        let people: Vec<String> = invitees.iter().filter_map(|i| i.user_id.clone()).collect();
        crate::notify::enqueue_to(conn, MEETING_SCHEDULED, &people, &scheduled_data(&seen.row), now)?;
        caller.audit(conn, "meeting.announce", "meeting", id, json!({ "agenda": agenda }), now)?;
        view(conn, principal, id)
    })
}

/// Reminds the invitees who said yes or have not answered of a meeting starting within
/// `hours`, once per meeting even with several instances sweeping. Returns how many meetings.
pub fn remind(conn: &mut DbConn, hours: u32, now: NaiveDateTime) -> Result<usize, DeliberationError> {
    let soon = now + Duration::hours(i64::from(hours));
    let due: Vec<MeetingRow> = mt::meetings
        .filter(mt::status.eq(MeetingStatus::Announced.as_str()))
        .filter(mt::starts_at.le(soon))
        .filter(mt::starts_at.gt(now))
        .filter(mt::reminded_at.is_null())
        .limit(200)
        .select(MeetingRow::as_select())
        .load(conn)?;
    let mut reminded = 0;
    for row in due {
        let done = write_tx(conn, |conn| -> Result<bool, DeliberationError> {
            let taken = diesel::update(mt::meetings.filter(mt::id.eq(&row.id)).filter(mt::reminded_at.is_null()))
                .set(mt::reminded_at.eq(now))
                .execute(conn)?;
            if taken == 0 {
                return Ok(false);
            }
            let people: Vec<Option<String>> = inv::meeting_invitees
                .filter(inv::meeting_id.eq(&row.id))
                .filter(inv::rsvp.ne(Rsvp::No.as_str()))
                .select(inv::user_id)
                .load(conn)?;
            let people: Vec<String> = people.into_iter().flatten().collect();
            crate::notify::enqueue_to(conn, MEETING_REMINDER, &people, &scheduled_data(&row), now)?;
            Ok(true)
        })?;
        reminded += usize::from(done);
    }
    Ok(reminded)
}

// ---------------------------------------------------------------------------------------------
// Check-in and attendance

/// A fresh check-in code: shown once to the organiser, stored as a hash.
#[derive(Debug, Clone)]
pub struct CheckInCode {
    pub code: String,
    pub expires_at: NaiveDateTime,
    /// What the QR code shows: `yishi:checkin:{meeting}:{code}`.
    pub qr: String,
}

fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.trim().as_bytes()))
}

/// Issues a fresh code for an announced meeting (council staff), replacing the last one.
pub fn issue_code(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    minutes: u32,
    now: NaiveDateTime,
) -> Result<CheckInCode, DeliberationError> {
    use rand::Rng;
    let principal = &caller.principal;
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let expires_at = now + Duration::minutes(i64::from(minutes));
    write_tx(conn, |conn| {
        council_meeting(conn, principal, id, "checkin_code", &[MeetingStatus::Announced])?;
        diesel::delete(cc::meeting_checkin_codes.filter(cc::meeting_id.eq(id))).execute(conn)?;
        diesel::insert_into(cc::meeting_checkin_codes)
            .values((
                cc::meeting_id.eq(id),
                cc::code_hash.eq(hash(&code)),
                cc::expires_at.eq(expires_at),
                cc::created_at.eq(now),
            ))
            .execute(conn)?;
        caller.audit(conn, "meeting.checkin_code", "meeting", id, json!({ "expires_at": expires_at }), now)?;
        Ok(CheckInCode { qr: format!("yishi:checkin:{id}:{code}"), code: code.clone(), expires_at })
    })
}

/// Checks the caller in with the organiser's code: invitees and residents of the scope, once.
pub fn check_in_with(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    code: &str,
    now: NaiveDateTime,
) -> Result<MeetingView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = seen(conn, principal, id)?;
        if !(seen.resident || seen.invitation.is_some()) {
            return Err(DeliberationError::Forbidden);
        }
        let stored: Option<(String, NaiveDateTime)> = cc::meeting_checkin_codes
            .filter(cc::meeting_id.eq(id))
            .select((cc::code_hash, cc::expires_at))
            .first(conn)
            .optional()?;
        let matches = stored.as_ref().is_some_and(|(h, _)| *h == hash(code));
        let already: i64 = at::meeting_attendance
            .filter(at::meeting_id.eq(id))
            .filter(at::user_id.eq(principal.subject()))
            .count()
            .get_result(conn)?;
        let status = seen.row.status()?;
        check_in(status, matches, stored.map(|(_, e)| e), already > 0, now).map_err(|r| refusal(r, status))?;
        attend(conn, id, principal.subject(), "code", None, now)?;
        award_attendance(conn, &seen.row, principal.subject(), now)?;
        caller.audit(conn, "meeting.checkin", "meeting", id, json!({ "method": "code" }), now)?;
        view(conn, principal, id)
    })
}

fn refusal(r: CheckInRefusal, status: MeetingStatus) -> DeliberationError {
    match r {
        CheckInRefusal::Wrong => DeliberationError::invalid("code", "wrong"),
        CheckInRefusal::Expired => DeliberationError::invalid("code", "expired"),
        CheckInRefusal::AlreadyIn => DeliberationError::Duplicate,
        CheckInRefusal::NotOpen => DeliberationError::NotNow { action: "checkin", status: status.as_str().to_owned() },
    }
}

/// One attendance row per person: a second (even a concurrent one) is already done.
fn attend(
    conn: &mut DbConn,
    id: &str,
    user_id: &str,
    method: &str,
    recorded_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    let inserted = insert_unique(conn, |conn| {
        diesel::insert_into(at::meeting_attendance)
            .values((
                at::meeting_id.eq(id),
                at::user_id.eq(user_id),
                at::method.eq(method),
                at::recorded_by.eq(recorded_by),
                at::checked_in_at.eq(now),
            ))
            .execute(conn)
    })?;
    if inserted == Inserted::Duplicate {
        return Err(DeliberationError::Duplicate);
    }
    Ok(())
}

/// Points for attending, by the village's automatic rule: once per meeting and person (the
/// points' unique key decides, also between a code and a paper record).
fn award_attendance(
    conn: &mut DbConn,
    meeting: &MeetingRow,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    use crate::points::award::{award_in_tx, Award};
    let (source_ref, note) = (format!("meeting:{}:{user_id}", meeting.id), format!("参加会议：{}", meeting.title));
    let on = domain::calendar::beijing_day(now);
    let source = domain::points::rules::AutoSource::MeetingCheckin;
    let award =
        Award { unit_id: &meeting.scope_id, user_id, source, source_ref: &source_ref, minutes: None, on, note: &note };
    award_in_tx(conn, &award, now).map_err(crate::InfraError::from)?;
    Ok(())
}

/// Council staff record someone present on paper (an invitee or a resident of the scope).
pub fn record_attendance(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<Vec<AttendanceEntry>, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen =
            council_meeting(conn, principal, id, "attendance", &[MeetingStatus::Announced, MeetingStatus::Held])?;
        let invited: i64 = inv::meeting_invitees
            .filter(inv::meeting_id.eq(id))
            .filter(inv::user_id.eq(user_id))
            .count()
            .get_result(conn)?;
        let homes: Vec<Vec<String>> =
            residency::member_places(conn, user_id)?.into_iter().map(|p| p.org_path).collect();
        if invited == 0 && !lives_in(&homes, &seen.scope_path) {
            return Err(DeliberationError::invalid("user_id", "an invitee or a resident of the meeting's scope"));
        }
        attend(conn, id, user_id, "paper", Some(&principal.user_id), now)?;
        award_attendance(conn, &seen.row, user_id, now)?;
        caller.audit(conn, "meeting.attendance", "meeting", id, json!({ "user_id": user_id }), now)?;
        attendance_of(conn, id)
    })
}

/// Who attended, with their names.
#[derive(Debug, Clone)]
pub struct AttendanceEntry {
    pub row: AttendanceRow,
    pub name: Option<String>,
}

fn attendance_of(conn: &mut DbConn, id: &str) -> Result<Vec<AttendanceEntry>, DeliberationError> {
    let rows: Vec<AttendanceRow> = at::meeting_attendance
        .filter(at::meeting_id.eq(id))
        .order(at::checked_in_at.asc())
        .select(AttendanceRow::as_select())
        .load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
    let names = users::names(conn, &ids)?;
    Ok(rows.into_iter().map(|row| AttendanceEntry { name: names.get(&row.user_id).cloned(), row }).collect())
}

/// The attendance list (council staff).
pub fn attendance(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
) -> Result<Vec<AttendanceEntry>, DeliberationError> {
    let seen = seen(conn, principal, id)?;
    seen.require_council(principal)?;
    attendance_of(conn, id)
}

// ---------------------------------------------------------------------------------------------
// Minutes, cancellation

/// Records the minutes of an announced meeting and each agenda matter's outcome: the meeting is
/// held, and every agenda matter's timeline shows its outcome.
pub fn record_minutes(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    minutes: &str,
    outcomes: &[(String, String)],
    now: NaiveDateTime,
) -> Result<MeetingView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = council_meeting(conn, principal, id, "minutes", &[MeetingStatus::Announced])?;
        let agenda: Vec<String> = ag::meeting_agenda
            .filter(ag::meeting_id.eq(id))
            .order(ag::position.asc())
            .select(ag::matter_id)
            .load(conn)?;
        for (matter, _) in outcomes {
            if !agenda.contains(matter) {
                return Err(DeliberationError::invalid("outcomes", "a matter on the agenda"));
            }
        }
        bump(conn, &seen.row)?;
        diesel::update(mt::meetings.filter(mt::id.eq(id)))
            .set((mt::status.eq(MeetingStatus::Held.as_str()), mt::minutes.eq(minutes), mt::held_at.eq(now)))
            .execute(conn)?;
        for matter in &agenda {
            let outcome = outcomes.iter().find(|(m, _)| m == matter).map(|(_, o)| o.clone());
            diesel::update(ag::meeting_agenda.filter(ag::meeting_id.eq(id)).filter(ag::matter_id.eq(matter)))
                .set(ag::outcome.eq(&outcome))
                .execute(conn)?;
            let mut event = EventRow::new(matter, "meeting_held", Some(&principal.user_id), now);
            event.note = outcome.clone().unwrap_or_default();
            event.details = json!({ "meeting_id": id, "title": seen.row.title, "outcome": outcome }).to_string();
            rows::insert_event(conn, &event)?;
        }
        caller.audit(conn, "meeting.minutes", "meeting", id, json!({ "outcomes": outcomes.len() }), now)?;
        view(conn, principal, id)
    })
}

/// Cancels a draft or announced meeting; the invitees of an announced one are told.
pub fn cancel(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    now: NaiveDateTime,
) -> Result<MeetingView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = council_meeting(conn, principal, id, "cancel", &[MeetingStatus::Draft, MeetingStatus::Announced])?;
        bump(conn, &seen.row)?;
        diesel::update(mt::meetings.filter(mt::id.eq(id)))
            .set(mt::status.eq(MeetingStatus::Cancelled.as_str()))
            .execute(conn)?;
        if seen.row.status == MeetingStatus::Announced.as_str() {
            let people: Vec<Option<String>> =
                inv::meeting_invitees.filter(inv::meeting_id.eq(id)).select(inv::user_id).load(conn)?;
            let people: Vec<String> = people.into_iter().flatten().collect();
            crate::notify::enqueue_to(conn, MEETING_CANCELLED, &people, &scheduled_data(&seen.row), now)?;
        }
        caller.audit(conn, "meeting.cancel", "meeting", id, json!({}), now)?;
        view(conn, principal, id)
    })
}

/// The village cadres of `village_id` (the courtyard ledger's watchers).
pub(crate) fn cadres_of(conn: &mut DbConn, village_id: &str) -> Result<Vec<String>, DeliberationError> {
    holders_on(conn, village_id, &[Role::VillageCadre])
}
