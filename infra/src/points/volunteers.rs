//! Volunteer teams (志愿服务队) and their service sessions in the database: a village's staff
//! form a team of its residents with a leader; the leader records who served how long; a cadre
//! confirms (each member's minutes become an automatic entry, once, in the same transaction) or
//! rejects with a reason; members are told either way.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::identity::principal::Principal;
use domain::identity::roles::{Denial, Permission, Place};
use domain::points::rules::AutoSource;
use domain::points::volunteers::{self as rules, SessionAction, SessionStatus};
use domain::points::{SessionId, TeamId};
use serde_json::json;

use super::award::{award_in_tx, Award};
use super::redemption::unit_place as place_of;
use super::rows::{SessionRow, TeamRow};
use super::PointsError;
use crate::db::{insert_unique, write_tx, DbConn, Inserted};
use crate::identity::audit::{self, Origin};
use crate::identity::queries::{residency, users};
use crate::schema::service_hours::dsl as sh;
use crate::schema::service_sessions::dsl as ss;
use crate::schema::volunteer_team_members::dsl as tm;
use crate::schema::volunteer_teams::dsl as vt;

/// The notice members get when a session is decided.
pub const POINTS_SERVICE: &str = "points_service";

/// A team's member as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::volunteer_team_members)]
pub struct MemberRow {
    pub team_id: String,
    pub user_id: String,
    pub joined_at: NaiveDateTime,
}

/// One member's minutes in a session as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::service_hours)]
pub struct HoursRow {
    pub session_id: String,
    pub user_id: String,
    pub minutes: i32,
}

/// A team as staff write it.
#[derive(Debug, Clone)]
pub struct NewTeam {
    pub name: String,
    pub leader_id: String,
    pub member_ids: Vec<String>,
}

/// A session as its leader records it.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub title: String,
    pub served_on: NaiveDate,
    /// Each member's minutes.
    pub hours: Vec<(String, u32)>,
}

/// Someone on a team or a session, with their display name.
#[derive(Debug, Clone)]
pub struct Person {
    pub user_id: String,
    pub display_name: String,
}

/// A team with its members (joined first, first).
#[derive(Debug, Clone)]
pub struct TeamView {
    pub row: TeamRow,
    pub members: Vec<(Person, NaiveDateTime)>,
}

/// A session with each member's minutes.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub row: SessionRow,
    pub team_name: String,
    pub hours: Vec<(Person, i32)>,
}

/// A page's position: newest first, after the id `before` (ids are time-ordered).
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub before: Option<String>,
    pub limit: i64,
}

/// Whether a person is an approved resident of the village `village` (or a unit inside it).
fn lives_in_village(conn: &mut DbConn, user_id: &str, village: &str) -> Result<bool, PointsError> {
    let places = residency::member_places(conn, user_id)?;
    Ok(places.iter().any(|p| p.org_path.get(2).is_some_and(|v| v == village)))
}

/// Sees the village's teams: staff over it (any role), and its residents.
fn sees_village(conn: &mut DbConn, principal: &Principal, place: &Place, village: &str) -> Result<bool, PointsError> {
    Ok(principal.sees(place) || lives_in_village(conn, principal.subject(), village)?)
}

/// A village's place, refusing units that are not villages (a team belongs to one village).
fn village_place(conn: &mut DbConn, unit_id: &str) -> Result<Place, PointsError> {
    let place = place_of(conn, unit_id)?;
    if place.org_path.len() != 3 {
        return Err(PointsError::invalid("id", "a village"));
    }
    Ok(place)
}

fn find_team(conn: &mut DbConn, id: &str) -> Result<TeamRow, PointsError> {
    vt::volunteer_teams
        .filter(vt::id.eq(id))
        .select(TeamRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PointsError::NotFound)
}

/// A team the caller may see (404 otherwise), with its village's place.
fn seen_team(conn: &mut DbConn, principal: &Principal, id: &TeamId) -> Result<(TeamRow, Place), PointsError> {
    let team = find_team(conn, id.as_str())?;
    let place = place_of(conn, &team.org_unit_id)?;
    if !sees_village(conn, principal, &place, &team.org_unit_id)? {
        return Err(PointsError::NotFound);
    }
    Ok((team, place))
}

/// A team the caller manages (`ManagePoints` over its village): 404 outside their reach, 403
/// inside without the right.
fn managed_team(conn: &mut DbConn, principal: &Principal, id: &TeamId) -> Result<TeamRow, PointsError> {
    let team = find_team(conn, id.as_str())?;
    let place = place_of(conn, &team.org_unit_id)?;
    match principal.require(&place, Permission::ManagePoints) {
        Err(Denial::NotFound) if lives_in_village(conn, principal.subject(), &team.org_unit_id)? => {
            Err(PointsError::Forbidden)
        }
        other => other.map_err(PointsError::from).map(|()| team),
    }
}

/// Refuses anyone in `ids` who is not an approved resident of the village.
fn check_residents(conn: &mut DbConn, village: &str, ids: &[String], field: &'static str) -> Result<(), PointsError> {
    for id in ids {
        if !lives_in_village(conn, id, village)? {
            return Err(PointsError::invalid(field, "approved residents of the village"));
        }
    }
    Ok(())
}

fn names(conn: &mut DbConn, ids: &[String]) -> Result<std::collections::HashMap<String, String>, PointsError> {
    Ok(users::names(conn, ids)?)
}

fn person(names: &std::collections::HashMap<String, String>, id: String) -> Person {
    Person { display_name: names.get(&id).cloned().unwrap_or_default(), user_id: id }
}

fn team_view(conn: &mut DbConn, row: TeamRow) -> Result<TeamView, PointsError> {
    let members: Vec<MemberRow> = tm::volunteer_team_members
        .filter(tm::team_id.eq(&row.id))
        .order((tm::joined_at.asc(), tm::user_id.asc()))
        .select(MemberRow::as_select())
        .load(conn)?;
    let names = names(conn, &members.iter().map(|m| m.user_id.clone()).collect::<Vec<_>>())?;
    let members = members.into_iter().map(|m| (person(&names, m.user_id), m.joined_at)).collect();
    Ok(TeamView { row, members })
}

/// Forms a team in a village (`ManagePoints` there): a unique name in the village, 1 to
/// [`rules::MAX_TEAM`] distinct approved residents of it, the leader among them.
pub fn create_team(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    unit_id: &str,
    new: &NewTeam,
    now: NaiveDateTime,
) -> Result<TeamView, PointsError> {
    write_tx(conn, |conn| {
        let place = place_of(conn, unit_id)?;
        principal.require(&place, Permission::ManagePoints)?;
        let place = village_place(conn, unit_id)?;
        rules::check_team(&new.name, &new.leader_id, &new.member_ids)?;
        check_residents(conn, unit_id, &new.member_ids, "member_ids")?;
        let row = TeamRow {
            id: TeamId::generate().into_string(),
            org_unit_id: place.org_path[2].clone(),
            name: new.name.trim().to_owned(),
            leader_id: new.leader_id.clone(),
            created_by: principal.user_id.clone(),
            created_at: now,
        };
        let inserted = insert_unique(conn, |conn| diesel::insert_into(vt::volunteer_teams).values(&row).execute(conn))?;
        if inserted == Inserted::Duplicate {
            return Err(PointsError::Duplicate);
        }
        let members: Vec<MemberRow> = new
            .member_ids
            .iter()
            .map(|user_id| MemberRow { team_id: row.id.clone(), user_id: user_id.clone(), joined_at: now })
            .collect();
        for member in &members {
            diesel::insert_into(tm::volunteer_team_members).values(member).execute(conn)?;
        }
        let details = json!({ "name": row.name, "members": new.member_ids.len() });
        audit::append(
            conn,
            &origin.entry(Some(principal), "points.team_create", "volunteer_team", &row.id, details),
            now,
        )?;
        team_view(conn, row)
    })
}

/// A village's teams, newest first: for its residents and staff over it.
pub fn list_teams(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    window: &Window,
) -> Result<Vec<TeamRow>, PointsError> {
    let place = place_of(conn, unit_id)?;
    if !sees_village(conn, principal, &place, unit_id)? {
        return Err(PointsError::NotFound);
    }
    let mut query = vt::volunteer_teams.filter(vt::org_unit_id.eq(unit_id)).into_boxed();
    if let Some(before) = &window.before {
        query = query.filter(vt::id.lt(before.clone()));
    }
    Ok(query.order(vt::id.desc()).limit(window.limit).select(TeamRow::as_select()).load(conn)?)
}

/// One team with its members, for its village's residents and staff.
pub fn team(conn: &mut DbConn, principal: &Principal, id: &TeamId) -> Result<TeamView, PointsError> {
    let (team, _) = seen_team(conn, principal, id)?;
    team_view(conn, team)
}

/// Adds a member (`ManagePoints`): an approved resident of the village, up to
/// [`rules::MAX_TEAM`]; one already on the team stays as they were.
pub fn add_member(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    id: &TeamId,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<TeamView, PointsError> {
    write_tx(conn, |conn| {
        let team = managed_team(conn, principal, id)?;
        check_residents(conn, &team.org_unit_id, &[user_id.to_owned()], "user_id")?;
        let count: i64 = tm::volunteer_team_members.filter(tm::team_id.eq(&team.id)).count().get_result(conn)?;
        let member = MemberRow { team_id: team.id.clone(), user_id: user_id.to_owned(), joined_at: now };
        let already = tm::volunteer_team_members
            .filter(tm::team_id.eq(&team.id))
            .filter(tm::user_id.eq(user_id))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !already {
            if count as usize >= rules::MAX_TEAM {
                return Err(PointsError::invalid("user_id", "a team has at most 30 members"));
            }
            insert_unique(conn, |conn| diesel::insert_into(tm::volunteer_team_members).values(&member).execute(conn))?;
            let details = json!({ "user_id": user_id });
            audit::append(
                conn,
                &origin.entry(Some(principal), "points.team_join", "volunteer_team", &team.id, details),
                now,
            )?;
        }
        team_view(conn, team)
    })
}

/// Removes a member (`ManagePoints`); the leader stays (name another first).
pub fn remove_member(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    id: &TeamId,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<TeamView, PointsError> {
    write_tx(conn, |conn| {
        let team = managed_team(conn, principal, id)?;
        if team.leader_id == user_id {
            return Err(PointsError::invalid("user_id", "the leader stays on the team"));
        }
        let removed =
            diesel::delete(tm::volunteer_team_members.filter(tm::team_id.eq(&team.id)).filter(tm::user_id.eq(user_id)))
                .execute(conn)?;
        if removed == 0 {
            return Err(PointsError::NotFound);
        }
        let details = json!({ "user_id": user_id });
        audit::append(
            conn,
            &origin.entry(Some(principal), "points.team_leave", "volunteer_team", &team.id, details),
            now,
        )?;
        team_view(conn, team)
    })
}

fn session_view(conn: &mut DbConn, row: SessionRow, team_name: String) -> Result<SessionView, PointsError> {
    let hours: Vec<HoursRow> = sh::service_hours
        .filter(sh::session_id.eq(&row.id))
        .order(sh::user_id.asc())
        .select(HoursRow::as_select())
        .load(conn)?;
    let names = names(conn, &hours.iter().map(|h| h.user_id.clone()).collect::<Vec<_>>())?;
    let hours = hours.into_iter().map(|h| (person(&names, h.user_id), h.minutes)).collect();
    Ok(SessionView { row, team_name, hours })
}

/// Records a session in the caller's write transaction (an idempotency record's): by the team's
/// leader or staff managing points over its village (another resident of the village: 403);
/// the day not in the future (Beijing), each member of the team once with 1 to
/// [`rules::MAX_MINUTES`] minutes.
pub fn record_session_in_tx(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    id: &TeamId,
    new: &NewSession,
    now: NaiveDateTime,
) -> Result<SessionView, PointsError> {
    let (team, place) = seen_team(conn, principal, id)?;
    if principal.subject() != team.leader_id && !principal.may(&place, Permission::ManagePoints) {
        return Err(PointsError::Forbidden);
    }
    rules::check_session(&new.title, new.served_on, domain::calendar::beijing_day(now), &new.hours)?;
    let members: Vec<String> =
        tm::volunteer_team_members.filter(tm::team_id.eq(&team.id)).select(tm::user_id).load(conn)?;
    if new.hours.iter().any(|(user, _)| !members.contains(user)) {
        return Err(PointsError::invalid("hours", "members of the team"));
    }
    let row = SessionRow {
        id: SessionId::generate().into_string(),
        team_id: team.id.clone(),
        org_unit_id: team.org_unit_id.clone(),
        title: new.title.trim().to_owned(),
        served_on: new.served_on,
        status: SessionStatus::Recorded.as_str().to_owned(),
        recorded_by: principal.user_id.clone(),
        decided_by: None,
        decided_at: None,
        reject_reason: None,
        created_at: now,
    };
    diesel::insert_into(ss::service_sessions).values(&row).execute(conn)?;
    for (user_id, minutes) in &new.hours {
        let hours = HoursRow { session_id: row.id.clone(), user_id: user_id.clone(), minutes: *minutes as i32 };
        diesel::insert_into(sh::service_hours).values(&hours).execute(conn)?;
    }
    let details = json!({ "team_id": team.id, "members": new.hours.len() });
    audit::append(
        conn,
        &origin.entry(Some(principal), "points.session_record", "service_session", &row.id, details),
        now,
    )?;
    session_view(conn, row, team.name)
}

/// A team's sessions, newest first, for its village's residents and staff.
pub fn sessions(
    conn: &mut DbConn,
    principal: &Principal,
    id: &TeamId,
    window: &Window,
) -> Result<Vec<SessionView>, PointsError> {
    let (team, _) = seen_team(conn, principal, id)?;
    let mut query = ss::service_sessions.filter(ss::team_id.eq(&team.id)).into_boxed();
    if let Some(before) = &window.before {
        query = query.filter(ss::id.lt(before.clone()));
    }
    let rows: Vec<SessionRow> =
        query.order(ss::id.desc()).limit(window.limit).select(SessionRow::as_select()).load(conn)?;
    rows.into_iter().map(|row| session_view(conn, row, team.name.clone())).collect()
}

/// A decision on a recorded session.
#[derive(Debug, Clone)]
pub enum Decision {
    Confirm,
    Reject { reason: String },
}

/// Confirms or rejects a recorded session (`ReviewPoints` over its village), once: the status
/// moves by a conditional update, so a second decision (even a concurrent one) is refused. A
/// confirmation awards each member's minutes by the village's service-hours rule, in the same
/// transaction; members are told either way.
pub fn decide(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    id: &SessionId,
    decision: &Decision,
    now: NaiveDateTime,
) -> Result<SessionView, PointsError> {
    write_tx(conn, |conn| {
        let row: SessionRow = ss::service_sessions
            .filter(ss::id.eq(id.as_str()))
            .select(SessionRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(PointsError::NotFound)?;
        principal.require(&place_of(conn, &row.org_unit_id)?, Permission::ReviewPoints)?;
        // Nobody confirms hours of their own.
        let served: i64 = crate::schema::service_hours::table
            .filter(crate::schema::service_hours::session_id.eq(&row.id))
            .filter(crate::schema::service_hours::user_id.eq(&principal.user_id))
            .count()
            .get_result(conn)?;
        if served > 0 {
            return Err(PointsError::Forbidden);
        }
        let status = SessionStatus::parse(&row.status)
            .map_err(|_| PointsError::Corrupt(format!("status of service session {}", row.id)))?;
        let (action, reason) = match decision {
            Decision::Confirm => (SessionAction::Confirm, None),
            Decision::Reject { reason } => (SessionAction::Reject, Some(reason.clone())),
        };
        let next = rules::transition(status, action)?;
        let moved = diesel::update(ss::service_sessions.filter(ss::id.eq(&row.id)).filter(ss::status.eq(&row.status)))
            .set((
                ss::status.eq(next.as_str()),
                ss::decided_by.eq(&principal.user_id),
                ss::decided_at.eq(now),
                ss::reject_reason.eq(&reason),
            ))
            .execute(conn)?;
        if moved == 0 {
            return Err(PointsError::NotNow { action: action.as_str(), status: status.as_str() });
        }
        let team = find_team(conn, &row.team_id)?;
        let view = session_view(
            conn,
            SessionRow {
                status: next.as_str().to_owned(),
                decided_by: Some(principal.user_id.clone()),
                decided_at: Some(now),
                reject_reason: reason.clone(),
                ..row
            },
            team.name,
        )?;
        if action == SessionAction::Confirm {
            award_hours(conn, &view, now)?;
        }
        let members: Vec<String> = view.hours.iter().map(|(p, _)| p.user_id.clone()).collect();
        let outcome = match &reason {
            None => "已确认，积分将按规则计入".to_owned(),
            Some(reason) => format!("未通过：{reason}"),
        };
        let served_on = view.row.served_on.format("%Y-%m-%d").to_string();
        let data =
            json!({ "team": view.team_name, "served_on": served_on, "title": view.row.title, "outcome": outcome });
        crate::notify::enqueue_to(conn, POINTS_SERVICE, &members, &data, now)?;
        let details = json!({ "action": action.as_str(), "reason": reason });
        audit::append(
            conn,
            &origin.entry(Some(principal), "points.session_decide", "service_session", &view.row.id, details),
            now,
        )?;
        Ok(view)
    })
}

/// One automatic entry per member of a confirmed session: the rule's points per hour for their
/// minutes, on the day served, once per session and member.
fn award_hours(conn: &mut DbConn, view: &SessionView, now: NaiveDateTime) -> Result<(), PointsError> {
    let note = format!("志愿服务：{}", view.row.title);
    for (person, minutes) in &view.hours {
        let source_ref = format!("session:{}:{}", view.row.id, person.user_id);
        let award = Award {
            unit_id: &view.row.org_unit_id,
            user_id: &person.user_id,
            source: AutoSource::ServiceHours,
            source_ref: &source_ref,
            minutes: Some(u32::try_from(*minutes).unwrap_or(0)),
            on: view.row.served_on,
            note: &note,
        };
        award_in_tx(conn, &award, now)?;
    }
    Ok(())
}
