//! One step of a case's life, done the same way whoever takes it — a grid worker, the reporter,
//! or the deadline sweeper: the state machine of `domain` decides, the deadlines are set, the
//! row changes only if nobody changed it meanwhile, the timeline gets its entry, and the people
//! concerned are told through the outbox, all in the caller's transaction.

use chrono::NaiveDateTime;
use diesel::result::Error as DieselError;
use domain::calendar::WorkingCalendar;
use domain::cases::{self, Action, CaseStatus, DeadlinePolicy, Lapse, Level, Outcome, Urgency};
use serde_json::json;

use super::queries;
use super::rows::{self, CaseChanges, CaseRow, EventRow};
use super::CasesError;
use crate::db::{write_tx, Database};
use crate::{DbConn, InfraError};

/// Notification kinds raised by cases.
pub const CASE_STATUS_CHANGED: &str = "case_status_changed";
pub const CASE_ASSIGNED: &str = "case_assigned";
pub const CASE_OVERDUE: &str = "case_overdue";

/// What a step needs besides the case.
pub(crate) struct Ctx<'a> {
    pub policy: &'a DeadlinePolicy,
    pub calendar: &'a WorkingCalendar,
    pub now: NaiveDateTime,
}

/// One step and who takes it.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub action: Action,
    /// `None` for the system (the sweeper).
    pub actor_id: Option<String>,
    pub proxy_id: Option<String>,
    /// Taken by the case's reporter (hidden on anonymous cases).
    pub by_reporter: bool,
    pub note: Option<String>,
    pub attachments: Vec<String>,
    pub outcome: Option<Outcome>,
    pub rating: Option<(i32, Option<String>)>,
    /// Escalating to the county: the department (else the category's).
    pub department_id: Option<String>,
    pub merged_into: Option<String>,
    /// Set by the sweeper: the step happens because a deadline passed.
    pub lapsed: bool,
}

impl Step {
    pub fn by(action: Action, actor_id: &str) -> Self {
        Self {
            action,
            actor_id: Some(actor_id.to_owned()),
            proxy_id: None,
            by_reporter: false,
            note: None,
            attachments: Vec::new(),
            outcome: None,
            rating: None,
            department_id: None,
            merged_into: None,
            lapsed: false,
        }
    }

    fn system(action: Action) -> Self {
        Self { actor_id: None, lapsed: true, ..Self::by(action, "") }
    }
}

pub(crate) fn parsed(case: &CaseRow) -> Result<(CaseStatus, Level, Urgency), CasesError> {
    let bad = |what: &str| CasesError::Corrupt(format!("{what} of case {}", case.id));
    Ok((
        CaseStatus::parse(&case.status).map_err(|_| bad("status"))?,
        Level::parse(&case.level).map_err(|_| bad("level"))?,
        Urgency::parse(&case.urgency).map_err(|_| bad("urgency"))?,
    ))
}

fn utc(t: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

/// The name of a step on the timeline.
fn event_name(action: Action, lapsed: bool) -> &'static str {
    match (action, lapsed) {
        (Action::Escalate, true) => "auto_escalated",
        (Action::Accept, _) => "accepted",
        (Action::Start, _) => "started",
        (Action::Escalate, false) => "escalated",
        (Action::Resolve, _) => "resolved",
        (Action::Confirm, _) => "confirmed",
        (Action::Reopen, _) => "reopened",
        (Action::AutoClose, _) => "closed_unrated",
        (Action::Merge, _) => "merged",
    }
}

/// Takes one step. Returns the case as it is after it.
pub(crate) fn apply(conn: &mut DbConn, case: &CaseRow, step: &Step, ctx: &Ctx<'_>) -> Result<CaseRow, CasesError> {
    let (status, level, urgency) = parsed(case)?;
    let (to_status, to_level) = cases::transition(status, level, step.action)?;
    let now = ctx.now;
    let at = |t: chrono::DateTime<chrono::Utc>| Some(t.naive_utc());
    let late = case.overdue || case.accept_due.is_some_and(|d| d < now) || case.resolve_due.is_some_and(|d| d < now);
    let mut changes = CaseChanges {
        status: Some(to_status.as_str().to_owned()),
        level: Some(to_level.as_str().to_owned()),
        ..CaseChanges::default()
    };
    match step.action {
        Action::Escalate => {
            if to_level == Level::Department {
                let department = match &step.department_id {
                    Some(d) => Some(d.clone()),
                    None => queries::category(conn, &case.category)?.and_then(|c| c.department_id),
                };
                changes.department_id = Some(Some(department.ok_or(CasesError::NoDepartment)?));
            }
            let accept = at(ctx.policy.accept_due(ctx.calendar, to_level, urgency, utc(now)));
            changes.accept_due = Some(accept);
            changes.resolve_due = Some(None);
            changes.next_due = Some(accept);
            changes.escalations = Some(case.escalations + 1);
            if step.lapsed {
                changes.overdue = Some(true);
            }
        }
        Action::Accept => {
            let resolve = at(ctx.policy.resolve_due(ctx.calendar, level, urgency, utc(now)));
            changes.first_accepted_at = Some(case.first_accepted_at.or(Some(now)));
            changes.accept_due = Some(None);
            changes.resolve_due = Some(resolve);
            changes.next_due = Some(resolve);
            changes.overdue = Some(late);
        }
        Action::Start => {}
        Action::Resolve => {
            let confirm = at(ctx.policy.confirm_due(utc(now)));
            changes.outcome = Some(step.outcome.map(|o| o.as_str().to_owned()));
            changes.resolved_at = Some(Some(now));
            changes.accept_due = Some(None);
            changes.resolve_due = Some(None);
            changes.confirm_due = Some(confirm);
            changes.next_due = Some(confirm);
            changes.overdue = Some(late);
        }
        Action::Reopen => {
            let resolve = at(ctx.policy.resolve_due(ctx.calendar, level, urgency, utc(now)));
            changes.outcome = Some(None);
            changes.resolved_at = Some(None);
            changes.confirm_due = Some(None);
            changes.resolve_due = Some(resolve);
            changes.next_due = Some(resolve);
        }
        Action::Confirm | Action::AutoClose | Action::Merge => {
            changes.closed_at = Some(Some(now));
            changes.accept_due = Some(None);
            changes.resolve_due = Some(None);
            changes.confirm_due = Some(None);
            changes.next_due = Some(None);
            if let Some((rating, _)) = &step.rating {
                changes.rating = Some(Some(*rating));
            }
            if step.action == Action::Merge {
                changes.merged_into = Some(step.merged_into.clone());
            }
        }
    }
    if !rows::update_guarded(conn, &case.id, case.version, &changes)? {
        return Err(CasesError::Stale);
    }
    let mut details = serde_json::Map::new();
    if let Some(outcome) = step.outcome {
        details.insert("outcome".into(), json!(outcome.as_str()));
    }
    if let Some((rating, comment)) = &step.rating {
        details.insert("rating".into(), json!(rating));
        details.insert("comment".into(), json!(comment));
    }
    if let Some(Some(department)) = &changes.department_id {
        details.insert("department_id".into(), json!(department));
    }
    if let Some(into) = &step.merged_into {
        details.insert("merged_into".into(), json!(into));
    }
    let mut event = EventRow {
        id: domain::new_id(),
        case_id: case.id.clone(),
        seq: 0,
        action: event_name(step.action, step.lapsed).to_owned(),
        from_status: Some(status.as_str().to_owned()),
        to_status: Some(to_status.as_str().to_owned()),
        from_level: Some(level.as_str().to_owned()),
        to_level: Some(to_level.as_str().to_owned()),
        actor_id: step.actor_id.clone(),
        proxy_id: step.proxy_id.clone(),
        by_reporter: step.by_reporter,
        note: step.note.clone(),
        attachments: serde_json::to_string(&step.attachments).unwrap_or_else(|_| "[]".into()),
        details: serde_json::Value::Object(details).to_string(),
        created_at: now,
    };
    rows::append_event(conn, &mut event)?;
    if step.action == Action::Resolve && step.outcome.is_some_and(Outcome::confirms_report) {
        award_reporter(conn, case, now)?;
    }
    crate::media::service::attach(
        conn,
        &step.attachments,
        &owners(step),
        crate::media::service::Target::Case(&case.id),
    )?;
    let after = queries::find(conn, &case.id)?.ok_or(CasesError::Stale)?;
    tell_people(conn, &after, to_status, step.note.as_deref(), step.actor_id.as_deref(), now)?;
    if step.action == Action::Escalate {
        tell_handlers(conn, &after, to_level, CASE_ASSIGNED, now)?;
    }
    Ok(after)
}

/// Points for a report confirmed as valid, by the village's automatic rule: once per case, to
/// a resident who reported it under their name (an anonymous report stays anonymous; staff's
/// own reports earn nothing).
fn award_reporter(conn: &mut DbConn, case: &CaseRow, now: NaiveDateTime) -> Result<(), CasesError> {
    use crate::points::award::{award_in_tx, Award};
    let reporter = crate::identity::queries::users::find(conn, &case.reporter_id)?;
    if case.anonymous || reporter.is_none_or(|u| u.kind != "resident") {
        return Ok(());
    }
    // The entry is posted to the whole village: it says a report was confirmed, never which.
    let (source_ref, note) = (format!("case:{}", case.id), "随手拍反映问题属实".to_owned());
    let (on, source) = (domain::calendar::beijing_day(now), domain::points::rules::AutoSource::CaseConfirmed);
    let (unit_id, user_id) = (case.org_unit_id.as_str(), case.reporter_id.as_str());
    let award = Award { unit_id, user_id, source, source_ref: &source_ref, minutes: None, on, note: &note };
    award_in_tx(conn, &award, now).map_err(InfraError::from)?;
    Ok(())
}

fn owners(step: &Step) -> Vec<&str> {
    step.actor_id.iter().chain(step.proxy_id.iter()).map(String::as_str).collect()
}

/// A new report, routed already: what the reporter said and where it goes.
#[derive(Debug, Clone)]
pub(crate) struct NewReport {
    pub category: String,
    pub description: String,
    /// GCJ-02.
    pub point: Option<(f64, f64)>,
    pub address: Option<String>,
    pub urgency: Urgency,
    pub anonymous: bool,
    pub public: bool,
    pub reporter_id: String,
    /// A grid worker filing for the reporter.
    pub proxy_id: Option<String>,
    pub client_id: Option<String>,
    pub grid_id: String,
    pub org_unit_id: String,
    pub captured_at: NaiveDateTime,
    /// Uploads of the reporter (or the proxy) to attach.
    pub media: Vec<String>,
    /// Recorded on the timeline's first entry (e.g. how it arrived).
    pub details: serde_json::Value,
}

/// A report made ready before its write transaction: the case at the grid with its acceptance
/// deadline, its first timeline entry, the uploads to attach, and the grid's workers to tell
/// with what they are told.
#[derive(Debug, Clone)]
pub(crate) struct Filing {
    pub case: CaseRow,
    pub event: EventRow,
    pub media: Vec<String>,
    /// Whose uploads may be attached: the reporter and the proxy.
    pub owners: Vec<String>,
    pub handlers: Vec<crate::notify::Recipient>,
    pub notice: serde_json::Value,
}

impl Filing {
    /// The rows of a new report (no I/O): `handlers` are the grid's workers, `category_name`
    /// names the category in their notice.
    pub fn new(new: NewReport, ctx: &Ctx<'_>, handlers: Vec<crate::notify::Recipient>, category_name: &str) -> Self {
        let accept_due = ctx.policy.accept_due(ctx.calendar, Level::Grid, new.urgency, utc(ctx.now)).naive_utc();
        let case = CaseRow {
            id: domain::new_id(),
            category: new.category,
            description: new.description,
            lat: new.point.map(|p| p.0),
            lng: new.point.map(|p| p.1),
            cell: new.point.map(|(lat, lng)| domain::geo_cn::cell_of(lat, lng)),
            address: new.address,
            urgency: new.urgency.as_str().to_owned(),
            anonymous: new.anonymous,
            is_public: new.public,
            reporter_id: new.reporter_id.clone(),
            client_id: new.client_id,
            grid_id: Some(new.grid_id),
            org_unit_id: new.org_unit_id,
            department_id: None,
            level: Level::Grid.as_str().to_owned(),
            status: CaseStatus::Reported.as_str().to_owned(),
            outcome: None,
            merged_into: None,
            captured_at: new.captured_at,
            reported_at: ctx.now,
            first_accepted_at: None,
            resolved_at: None,
            closed_at: None,
            accept_due: Some(accept_due),
            resolve_due: None,
            confirm_due: None,
            next_due: Some(accept_due),
            overdue: false,
            escalations: 0,
            rating: None,
            version: 0,
        };
        let mut event = EventRow::on(&case, "reported", Some(&new.reporter_id), ctx.now);
        event.seq = 1;
        event.from_status = None;
        event.from_level = None;
        event.proxy_id = new.proxy_id.clone();
        event.by_reporter = true;
        event.attachments = serde_json::to_string(&new.media).unwrap_or_else(|_| "[]".into());
        event.details = new.details.to_string();
        let owners = std::iter::once(new.reporter_id).chain(new.proxy_id).collect();
        let notice = handler_notice(&case, Level::Grid, category_name);
        Self { case, event, media: new.media, owners, handlers, notice }
    }
}

/// Files a report made ready: the case, its first timeline entry, the media attached, the
/// grid's workers told — the only statements in the write transaction. A report whose reporter
/// already filed the same client id returns that case instead (`false`: nothing new).
pub(crate) fn file(conn: &mut DbConn, filing: &Filing) -> Result<(CaseRow, bool), CasesError> {
    let case = &filing.case;
    let now = case.reported_at;
    if rows::insert(conn, case)? == crate::db::Inserted::Duplicate {
        // The same client id raced in: the first report stands.
        let client = case.client_id.as_deref().unwrap_or_default();
        let first = queries::find_by_client_id(conn, &case.reporter_id, client)?.ok_or(CasesError::Stale)?;
        return Ok((first, false));
    }
    // The case is new in this transaction: its timeline starts at 1 with no read.
    rows::insert_event(conn, &filing.event)?;
    let owners: Vec<&str> = filing.owners.iter().map(String::as_str).collect();
    if !filing.media.is_empty()
        && crate::media::service::attach(conn, &filing.media, &owners, crate::media::service::Target::Case(&case.id))?
            != filing.media.len()
    {
        // Checked before the transaction; attached to another report since.
        return Err(CasesError::invalid("media", "each id must be an unattached upload of yours"));
    }
    crate::notify::service::enqueue_many(conn, CASE_ASSIGNED, &filing.handlers, &filing.notice, now)?;
    Ok((case.clone(), true))
}

/// A case's short name in notices: the start of its description.
pub(crate) fn short_name(case: &CaseRow) -> String {
    domain::notify::truncate_chars(&case.description, 20)
}

/// Tells the reporter and every follower (not whoever took the step) what happened.
pub(crate) fn tell_people(
    conn: &mut DbConn,
    case: &CaseRow,
    status: CaseStatus,
    note: Option<&str>,
    actor: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), DieselError> {
    let mut people = queries::followers(conn, &case.id)?;
    people.push(case.reporter_id.clone());
    people.sort();
    people.dedup();
    let data = json!({
        "case": short_name(case),
        "case_id": case.id,
        "status": status.label(),
        "status_code": status.as_str(),
        "note": note.unwrap_or_default(),
    });
    people.retain(|p| Some(p.as_str()) != actor);
    crate::notify::enqueue_to(conn, CASE_STATUS_CHANGED, &people, &data, now)?;
    Ok(())
}

/// The staff who handle a case at a level: the workers of its grid and of the grids holding it,
/// the village's cadres, the township's officers, or the department's officers — whoever holds
/// a role that may handle the level, granted on that scope.
pub(crate) fn handlers(conn: &mut DbConn, case: &CaseRow, level: Level) -> Result<Vec<String>, DieselError> {
    use crate::identity::queries::{grants, org};
    let (kind, scopes): (&str, Vec<String>) = match level {
        Level::Grid => match &case.grid_id {
            Some(grid) => ("grid", org::grid_and_holders(conn, grid)?),
            None => ("grid", Vec::new()),
        },
        Level::Department => ("department", case.department_id.iter().cloned().collect()),
        Level::Village | Level::Township => {
            let unit_kind = if level == Level::Village { "village" } else { "township" };
            ("org_unit", org::ancestor_of_kind(conn, &case.org_unit_id, unit_kind)?.into_iter().collect())
        }
    };
    let roles: Vec<String> = level.handling().roles().iter().map(|r| r.as_str().to_owned()).collect();
    grants::holders(conn, kind, &scopes, &roles)
}

/// The workers of a grid already read and of the grids holding it (who handle its cases at the
/// grid level), as the recipients of a notice: the holders found in `grids` when it has the
/// grid (a read when not), then one read.
pub(crate) fn grid_handlers(
    conn: &mut DbConn,
    grid: &crate::identity::rows::GridRow,
    unit_path: &[String],
    grids: &crate::identity::queries::org::GridMap,
) -> Result<Vec<crate::notify::Recipient>, DieselError> {
    use crate::identity::queries::{grants, org};
    let scopes = if grids.unit_path(&grid.id).is_some() {
        grids.grid_and_holders_at(&grid.id, &grid.level, unit_path)
    } else {
        org::grid_and_holders_at(conn, &grid.id, &grid.level, unit_path)?
    };
    let roles: Vec<String> = Level::Grid.handling().roles().iter().map(|r| r.as_str().to_owned()).collect();
    Ok(grants::reachable_holders(conn, "grid", &scopes, &roles)?
        .into_iter()
        .map(|(user_id, on_wechat, has_email)| crate::notify::Recipient { user_id, on_wechat, has_email })
        .collect())
}

/// What the handlers of `level` are told about a case.
pub(crate) fn handler_notice(case: &CaseRow, level: Level, category_name: &str) -> serde_json::Value {
    let due = case
        .accept_due
        .or(case.resolve_due)
        .map(|d| d.and_utc().with_timezone(&domain::calendar::beijing()).format("%m月%d日%H:%M").to_string())
        .unwrap_or_default();
    json!({ "case": short_name(case), "case_id": case.id, "category": category_name, "due": due, "level": level.as_str() })
}

/// Tells the handlers of `level` about a case (a new one, or one escalated to them).
pub(crate) fn tell_handlers(
    conn: &mut DbConn,
    case: &CaseRow,
    level: Level,
    kind: &str,
    now: NaiveDateTime,
) -> Result<usize, DieselError> {
    let category = queries::category(conn, &case.category)?.map(|c| c.name).unwrap_or_default();
    let data = handler_notice(case, level, &category);
    let people = handlers(conn, case, level)?;
    crate::notify::enqueue_to(conn, kind, &people, &data, now)
}

/// One sweeper pass: every case whose deadline has passed gets what its lapse calls for, once.
/// The job runs in one instance per period (its lease in `job_leases`); should two passes
/// still meet, the version guard lets only one move a case. Returns how many cases it moved.
pub async fn sweep(db: &Database, now: NaiveDateTime, policy: DeadlinePolicy) -> Result<usize, InfraError> {
    db.run(move |conn| -> Result<usize, InfraError> {
        let calendar = super::calendar::load_from(conn, now.date())?;
        let ctx = Ctx { policy: &policy, calendar: &calendar, now };
        let mut moved = 0;
        loop {
            let due = queries::due(conn, now, 100)?;
            let mut progressed = 0;
            for id in &due {
                match write_tx(conn, |conn| sweep_one(conn, id, &ctx)) {
                    Ok(true) => {
                        moved += 1;
                        progressed += 1;
                    }
                    Ok(false) | Err(CasesError::Stale) => {}
                    Err(other) => tracing::warn!(case = %id, error = %other, "deadline sweep of a case failed"),
                }
            }
            if due.len() < 100 || progressed == 0 {
                return Ok(moved);
            }
        }
    })
    .await
}

fn sweep_one(conn: &mut DbConn, id: &str, ctx: &Ctx<'_>) -> Result<bool, CasesError> {
    let Some(case) = queries::find(conn, id)? else { return Ok(false) };
    if case.next_due.is_none_or(|due| due > ctx.now) {
        return Ok(false); // another instance got here first
    }
    let (status, level, _) = parsed(&case)?;
    match cases::waiting_on(status) {
        Some(Lapse::NotAccepted) => {
            let can_climb = match level.next() {
                Some(Level::Department) => {
                    queries::category(conn, &case.category)?.and_then(|c| c.department_id).is_some()
                }
                Some(_) => true,
                None => false,
            };
            if can_climb {
                apply(conn, &case, &Step::system(Action::Escalate), ctx)?;
            } else {
                mark_overdue(conn, &case, level, ctx.now)?;
            }
        }
        Some(Lapse::NotResolved) => mark_overdue(conn, &case, level, ctx.now)?,
        Some(Lapse::NotConfirmed) => {
            apply(conn, &case, &Step::system(Action::AutoClose), ctx)?;
        }
        None => {
            let clear = CaseChanges { next_due: Some(None), ..CaseChanges::default() };
            rows::update_guarded(conn, &case.id, case.version, &clear)?;
        }
    }
    Ok(true)
}

/// A deadline passed with nowhere higher to send the case: mark it overdue, put it on the
/// timeline, and tell its handlers and the level above them.
fn mark_overdue(conn: &mut DbConn, case: &CaseRow, level: Level, now: NaiveDateTime) -> Result<(), CasesError> {
    let changes = CaseChanges { overdue: Some(true), next_due: Some(None), ..CaseChanges::default() };
    if !rows::update_guarded(conn, &case.id, case.version, &changes)? {
        return Err(CasesError::Stale);
    }
    let mut event = EventRow::on(case, "overdue", None, now);
    rows::append_event(conn, &mut event)?;
    tell_handlers(conn, case, level, CASE_OVERDUE, now)?;
    if let Some(up) = level.next() {
        tell_handlers(conn, case, up, CASE_OVERDUE, now)?;
    }
    Ok(())
}
