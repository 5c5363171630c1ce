//! Every write of the cases feature, each one transaction with its audit entry and its notices
//! (the notices go through the outbox in [`super::flow`]): filing a report — the one entry for
//! the app and for Open311 —, a step of the ladder, following, merging, a visit, revealing the
//! reporter's phone, the category catalog, the working-day calendar and Open311 keys.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use domain::cases::access::{self, Seen};
use domain::cases::routing::{self, Channel, Fallback};
use domain::cases::{
    text, Action, CaseId, CaseStatus, CategoryCode, DeadlinePolicy, Duty, Level, Open311KeyId, Outcome, Rating, Urgency,
};
use domain::geo_cn::ChinaPoint;
use domain::identity::principal::{AccountKind, Principal};
use domain::identity::roles::{Permission, Place};
use serde_json::{json, Value};

use super::flow::{self, Step};
use super::keys::{self, KeyRow};
use super::queries::{self, CaseView};
use super::rows::{self, CaseRow, CategoryRow, EventRow};
use super::{calendar, CasesError};
use crate::db::{write_tx, Inserted};
use crate::identity::queries::org::GridMap;
use crate::identity::queries::{grants, org, residency, users};
use crate::identity::rows::UserRow;
use crate::media::MediaRow;
use crate::DbConn;

pub use crate::identity::audit::Caller;

/// The deployment's rules for cases.
#[derive(Debug, Clone)]
pub struct Rules {
    pub policy: DeadlinePolicy,
    /// Residents reporting for themselves need a bound phone (the real-name rule).
    pub require_phone: bool,
    /// The category catalog and the calendar as reports read them.
    pub reference: super::reference::Reference,
}

fn deny_unless(allowed: bool) -> Result<(), CasesError> {
    if allowed {
        Ok(())
    } else {
        Err(CasesError::Forbidden)
    }
}

// ---------------------------------------------------------------------------------------------
// Filing

/// The most photos and voice notes on one report or step.
pub const MAX_ATTACHMENTS: usize = 9;

/// A report as the reporter gave it, its values already validated.
#[derive(Debug, Clone)]
pub struct Report {
    pub category: String,
    /// Empty: named by its category (Open311 lets a request go without one).
    pub description: String,
    pub point: Option<ChinaPoint>,
    pub address: Option<String>,
    pub urgency: Urgency,
    pub anonymous: bool,
    /// Whether other residents may see it; the category decides by default.
    pub public: Option<bool>,
    pub media: Vec<String>,
    pub client_id: Option<String>,
    /// The grid it is filed in when its point lies in no grid (or it has none): a visit's or
    /// patrol's grid. Checked by the caller.
    pub grid_id: Option<String>,
    pub captured_at: Option<NaiveDateTime>,
    /// Recorded on the first timeline entry (how it arrived).
    pub details: Value,
}

/// Checks attachments: ids of media the caller uploaded that belong to nothing yet.
fn check_attachments(conn: &mut DbConn, principal: &Principal, ids: &[String]) -> Result<(), CasesError> {
    attachments(conn, principal, ids).map(drop)
}

/// The media rows of attachments, checked as [`check_attachments`] does.
fn attachments(conn: &mut DbConn, principal: &Principal, ids: &[String]) -> Result<Vec<MediaRow>, CasesError> {
    if ids.len() > MAX_ATTACHMENTS {
        return Err(CasesError::invalid("media", "at most 9 files"));
    }
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if unique.len() != ids.len() || ids.iter().any(|id| !domain::ids::is_valid_id(id)) {
        return Err(CasesError::invalid("media", "distinct media ids"));
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = crate::media::queries::of_ids(conn, ids)?;
    let usable = rows.iter().filter(|m| m.is_free() && crate::media::queries::is_own(principal, m)).count();
    if usable != ids.len() {
        return Err(CasesError::invalid("media", "each id must be an unattached upload of yours"));
    }
    Ok(rows)
}

/// The reporter's home grid: the grid of the deepest unit with one on their first residence
/// that has one (`routing::home_unit`).
fn home_grid(conn: &mut DbConn, principal: &Principal) -> Result<Option<crate::identity::rows::GridRow>, CasesError> {
    let homes: Vec<Vec<String>> =
        residency::member_places(conn, principal.subject())?.into_iter().map(|p| p.org_path).collect();
    let mut units: Vec<String> = homes.iter().flatten().cloned().collect();
    units.sort();
    units.dedup();
    let grids = org::grids_of_units(conn, &units)?;
    let Some(unit) = routing::home_unit(&homes, |unit| grids.iter().any(|g| g.org_unit_id == unit)) else {
        return Ok(None);
    };
    Ok(grids.into_iter().find(|g| g.org_unit_id == unit))
}

/// The grid a report goes to: the one holding its point, else the channel's fallbacks in order.
fn route(
    conn: &mut DbConn,
    principal: &Principal,
    channel: Channel,
    report: &Report,
    grids: &GridMap,
) -> Result<crate::identity::rows::GridRow, CasesError> {
    let point = report.point;
    if let Some(point) = point {
        if let Some(grid) = grids.locate(point.lat(), point.lng()) {
            return Ok(grid);
        }
    }
    if let Some(grid_id) = &report.grid_id {
        return org::find_grid(conn, grid_id)?.ok_or(CasesError::NoGrid);
    }
    for fallback in channel.fallbacks(point.is_some(), principal.acting_for.is_some()) {
        let grid = match fallback {
            Fallback::Home => home_grid(conn, principal)?,
            Fallback::Granted => org::first_granted_grid(conn, &principal.grants)?,
        };
        if let Some(grid) = grid {
            return Ok(grid);
        }
    }
    Err(CasesError::NoGrid)
}

/// A report checked and routed, its rows made, before its write transaction: what the
/// transaction writes, and what its answer is built from.
#[derive(Debug, Clone)]
pub struct Filing {
    rows: flow::Filing,
    place: Place,
    reporter: UserRow,
    /// The attachments as they are before they are attached.
    media: Vec<MediaRow>,
}

/// Checks and routes a report and makes its rows, reading what filing needs (the category, the
/// reporter, the attachments, the grid, the calendar, the grid's workers to tell) — outside the
/// write transaction, or inside it for [`file`]. The checks: the category must be offered on
/// the channel, a resident reporting for themselves needs a bound phone, attachments must be
/// the reporter's own unattached uploads (checked again as they are attached), and an Open311
/// key's account must be able to handle the case at its grid.
fn prepare(
    conn: &mut DbConn,
    principal: &Principal,
    channel: Channel,
    report: &Report,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<Filing, CasesError> {
    let category = rules
        .reference
        .category(conn, &report.category)?
        .filter(|c| channel.offers(c.active, c.public_by_default))
        .ok_or(CasesError::UnknownCategory)?;
    let reporter_id = principal.subject().to_owned();
    let reporter = users::find(conn, &reporter_id)?.ok_or(CasesError::NotFound)?;
    let self_reporting_resident = principal.acting_for.is_none() && reporter.kind == "resident";
    if rules.require_phone && self_reporting_resident && reporter.phone.is_none() {
        return Err(CasesError::PhoneRequired);
    }
    let media = attachments(conn, principal, &report.media)?;
    let grids = rules.reference.grids(conn)?;
    let grid = route(conn, principal, channel, report, &grids)?;
    let org_path = match grids.unit_path(&grid.id) {
        Some(path) => path,
        None => org::unit_path(conn, &grid.org_unit_id)?.unwrap_or_default(),
    };
    let place = Place { org_path, grid_id: Some(grid.id.clone()), department_id: None };
    if channel.reporter_must_handle() && !principal.may(&place, Permission::HandleGridCase) {
        return Err(CasesError::OutsideKeyScope);
    }
    let calendar = rules.reference.calendar(conn, now.date())?;
    let ctx = flow::Ctx { policy: &rules.policy, calendar: &calendar, now };
    let handlers = flow::grid_handlers(conn, &grid, &place.org_path, &grids)?;
    let new = flow::NewReport {
        category: category.code.clone(),
        description: if report.description.is_empty() { category.name.clone() } else { report.description.clone() },
        point: report.point.map(ChinaPoint::pair),
        address: report.address.clone(),
        urgency: report.urgency,
        anonymous: report.anonymous,
        public: report.public.unwrap_or(category.public_by_default),
        reporter_id,
        proxy_id: principal.proxy().map(str::to_owned),
        client_id: report.client_id.clone(),
        grid_id: grid.id.clone(),
        org_unit_id: grid.org_unit_id.clone(),
        captured_at: report.captured_at.unwrap_or(now),
        media: report.media.clone(),
        details: report.details.clone(),
    };
    let rows = flow::Filing::new(new, &ctx, handlers, &category.name);
    Ok(Filing { rows, place, reporter, media })
}

/// Files a report, whichever way it came, in the caller's write transaction: checked and routed
/// by [`prepare`], written by `flow::file`, and the grid's workers told. A report whose reporter
/// already filed the same client id returns that case.
pub fn file(
    conn: &mut DbConn,
    principal: &Principal,
    channel: Channel,
    report: &Report,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<CaseRow, CasesError> {
    let filing = prepare(conn, principal, channel, report, rules, now)?;
    Ok(flow::file(conn, &filing.rows)?.0)
}

/// Where a case referred from elsewhere (a deliberation matter, 部门事件) goes: straight to a
/// county department, in the village it concerns, on behalf of the resident who raised it.
#[derive(Debug, Clone, Copy)]
pub struct DepartmentReferral<'a> {
    pub reporter_id: &'a str,
    pub org_unit_id: &'a str,
    pub department_id: &'a str,
}

/// Files a case directly at the department level (not up from a grid), in the caller's write
/// transaction: its first timeline entry carries `report.details`, and the department's officers
/// are told. `principal` is the staff member referring it.
pub fn file_for_department(
    conn: &mut DbConn,
    principal: &Principal,
    report: &Report,
    to: DepartmentReferral<'_>,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<CaseRow, CasesError> {
    let category = rules.reference.category(conn, &report.category)?.ok_or(CasesError::UnknownCategory)?;
    let calendar = rules.reference.calendar(conn, now.date())?;
    let ctx = flow::Ctx { policy: &rules.policy, calendar: &calendar, now };
    let new = flow::NewReport {
        category: category.code.clone(),
        description: report.description.clone(),
        point: None,
        address: report.address.clone(),
        urgency: report.urgency,
        anonymous: report.anonymous,
        public: report.public.unwrap_or(false),
        reporter_id: to.reporter_id.to_owned(),
        proxy_id: Some(principal.user_id.clone()),
        client_id: None,
        grid_id: String::new(),
        org_unit_id: to.org_unit_id.to_owned(),
        captured_at: report.captured_at.unwrap_or(now),
        media: Vec::new(),
        details: report.details.clone(),
    };
    let mut filing = flow::Filing::new(new, &ctx, Vec::new(), &category.name);
    let accept_due = rules.policy.accept_due(&calendar, Level::Department, report.urgency, now.and_utc()).naive_utc();
    let case = &mut filing.case;
    case.grid_id = None;
    case.department_id = Some(to.department_id.to_owned());
    case.level = Level::Department.as_str().to_owned();
    case.accept_due = Some(accept_due);
    case.next_due = Some(accept_due);
    filing.event.from_level = None;
    filing.event.to_level = Some(Level::Department.as_str().to_owned());
    filing.event.by_reporter = false;
    let (case, _) = flow::file(conn, &filing)?;
    flow::tell_handlers(conn, &case, Level::Department, flow::CASE_ASSIGNED, now)?;
    Ok(case)
}

/// A report through the app as reading before the write found it.
#[derive(Debug, Clone)]
pub enum Prepared {
    /// Its reporter already filed its client id (an offline report synced again): that case.
    Synced(Box<CaseView>),
    /// Checked, routed and made: [`report`] writes it, and answers with the case as its
    /// reporter sees it, built from what it wrote.
    Ready(Box<(Filing, CaseView)>),
    /// A check refused it, and the request carries an `Idempotency-Key`: [`report`] checks
    /// again inside the write transaction, where a retry of an earlier success (whose uploads
    /// are attached by now) replays that answer instead of failing the check.
    Recheck,
}

/// Reads what a report through the app needs, before its write transaction: the case already
/// made from its client id, or the filing ready to write with its answer. `retryable` (the
/// request has an `Idempotency-Key`): a refusal is left for [`report`] to find again.
pub fn prepare_report(
    conn: &mut DbConn,
    principal: &Principal,
    report: &Report,
    rules: &Rules,
    retryable: bool,
    now: NaiveDateTime,
) -> Result<Prepared, CasesError> {
    if let Some(client_id) = &report.client_id {
        if let Some(view) = queries::synced(conn, principal, client_id)? {
            return Ok(Prepared::Synced(Box::new(view)));
        }
    }
    let ready = prepare(conn, principal, Channel::App, report, rules, now).and_then(|filing| {
        let view = answer(conn, principal, &filing)?;
        Ok((filing, view))
    });
    match ready {
        Ok(ready) => Ok(Prepared::Ready(Box::new(ready))),
        Err(_) if retryable => Ok(Prepared::Recheck),
        Err(refused) => Err(refused),
    }
}

/// The case as its reporter will see it once `filing` is written (no follower yet, the first
/// timeline entry, the uploads attached to it).
fn answer(conn: &mut DbConn, principal: &Principal, filing: &Filing) -> Result<CaseView, CasesError> {
    let (case, event) = (&filing.rows.case, &filing.rows.event);
    let exposure = case.exposure();
    let homes: Vec<Vec<String>> = if access::needs_homes(principal, exposure, &filing.place) {
        residency::member_places(conn, principal.subject())?.into_iter().map(|p| p.org_path).collect()
    } else {
        Vec::new()
    };
    let seen = Seen::new(principal, exposure, filing.place.clone(), false, &homes);
    if !seen.visible(principal, exposure) {
        return Err(CasesError::NotFound);
    }
    let mut names = HashMap::from([(filing.reporter.id.clone(), filing.reporter.display_name.clone())]);
    if let Some(proxy) = event.proxy_id.as_ref().filter(|p| !names.contains_key(*p)) {
        names.extend(users::names(conn, std::slice::from_ref(proxy))?);
    }
    let reporter = seen.shows_reporter(exposure).then(|| queries::reporter(&filing.reporter));
    let mut media = filing.media.clone();
    for row in &mut media {
        row.case_id = Some(case.id.clone());
    }
    media.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(queries::assemble(case, &seen, reporter, std::slice::from_ref(event), &names, 0, media))
}

/// A report through the app, in the caller's write transaction: written as [`prepare_report`]
/// made it ready (or checked and made here, when it was left to recheck), and shown as its
/// reporter sees it.
pub fn report(
    conn: &mut DbConn,
    principal: &Principal,
    report: &Report,
    rules: &Rules,
    ready: Option<&(Filing, CaseView)>,
    now: NaiveDateTime,
) -> Result<CaseView, CasesError> {
    let made;
    let (filing, view) = match ready {
        Some(ready) => ready,
        None => {
            let filing = prepare(conn, principal, Channel::App, report, rules, now)?;
            let view = answer(conn, principal, &filing)?;
            made = (filing, view);
            &made
        }
    };
    let (case, new) = flow::file(conn, &filing.rows)?;
    if new {
        return Ok(view.clone());
    }
    let seen = queries::visible(conn, principal, &case)?;
    queries::detail(conn, &case, &seen)
}

/// An Open311 request, one transaction: the key is checked (and marked used), and the report
/// filed as its account's, through [`file`]. Returns the new case's id.
pub fn open311_request(
    conn: &mut DbConn,
    api_key: &str,
    report: &Report,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<CaseId, CasesError> {
    write_tx(conn, |conn| {
        let key = keys::authenticate(conn, api_key, now)?.ok_or(CasesError::InvalidApiKey)?;
        let user = users::find(conn, &key.user_id)?.filter(|u| u.deleted_at.is_none());
        let user = user.ok_or(CasesError::InvalidApiKey)?;
        let principal = Principal {
            user_id: user.id.clone(),
            session_id: String::new(),
            kind: AccountKind::Staff,
            grants: grants::of_user(conn, &user.id)?,
            acting_for: None,
        };
        let mut report = report.clone();
        if let Value::Object(details) = &mut report.details {
            details.insert("api_key_id".into(), json!(key.id));
        }
        let case = file(conn, &principal, Channel::Open311, &report, rules, now)?;
        Ok(CaseId::from_stored(case.id))
    })
}

// ---------------------------------------------------------------------------------------------
// Steps

/// A step a person asks for, with what they said.
#[derive(Debug, Clone)]
pub enum StepRequest {
    /// The holding level reports for duty.
    Accept {
        note: Option<String>,
        media: Vec<String>,
    },
    Start {
        note: Option<String>,
        media: Vec<String>,
    },
    /// Up one rung, for a reason; to the county, to `department_id` (else the category's).
    Escalate {
        reason: String,
        department_id: Option<String>,
        media: Vec<String>,
    },
    Resolve {
        outcome: Outcome,
        note: String,
        media: Vec<String>,
    },
    /// The reporter confirms and rates.
    Confirm {
        rating: Rating,
        comment: Option<String>,
    },
    /// The reporter disagrees with the answer.
    Reopen {
        reason: String,
        media: Vec<String>,
    },
    /// Staff fold a duplicate into the case it repeats.
    Merge {
        into: CaseId,
        note: Option<String>,
    },
}

fn note(value: Option<String>, field: &'static str, required: bool) -> Result<Option<String>, CasesError> {
    Ok(text(value, field, 500, required)?)
}

fn stored_level(case: &CaseRow) -> Result<Level, CasesError> {
    Level::parse(&case.level).map_err(|_| CasesError::Corrupt(format!("level of case {}", case.id)))
}

/// Checks that the caller may take the step and makes it: handlers at the holding level for
/// staff steps, the reporter for theirs.
fn make_step(
    conn: &mut DbConn,
    principal: &Principal,
    case: &CaseRow,
    seen: &Seen,
    request: StepRequest,
    now: NaiveDateTime,
) -> Result<Step, CasesError> {
    let handler = |level: Level| access::require_handler(principal, seen, level).map_err(CasesError::from);
    let staff = |action: Action, note: Option<String>, media: Vec<String>| Step {
        note,
        attachments: media,
        ..Step::by(action, &principal.user_id)
    };
    let reporters = |action: Action, note: Option<String>, media: Vec<String>| -> Result<Step, CasesError> {
        deny_unless(seen.reporter)?;
        Ok(Step { by_reporter: true, note, attachments: media, ..Step::by(action, principal.subject()) })
    };
    match request {
        StepRequest::Accept { note: n, media } => {
            handler(stored_level(case)?)?;
            Ok(staff(Action::Accept, note(n, "note", false)?, media))
        }
        StepRequest::Start { note: n, media } => {
            handler(stored_level(case)?)?;
            Ok(staff(Action::Start, note(n, "note", false)?, media))
        }
        StepRequest::Escalate { reason, department_id, media } => {
            handler(stored_level(case)?)?;
            let mut step = staff(Action::Escalate, note(Some(reason), "reason", true)?, media);
            if let Some(department) = department_id {
                let department = domain::identity::ids::DepartmentId::parse(&department)
                    .ok_or_else(|| CasesError::invalid("department_id", "a department id"))?;
                org::find_department(conn, department.as_str())?
                    .ok_or_else(|| CasesError::invalid("department_id", "no such department"))?;
                step.department_id = Some(department.into_string());
            }
            Ok(step)
        }
        StepRequest::Resolve { outcome, note: n, media } => {
            handler(stored_level(case)?)?;
            Ok(Step { outcome: Some(outcome), ..staff(Action::Resolve, note(Some(n), "note", true)?, media) })
        }
        StepRequest::Confirm { rating, comment } => {
            let mut step = reporters(Action::Confirm, None, Vec::new())?;
            step.rating = Some((i32::from(rating.value()), note(comment, "comment", false)?));
            Ok(step)
        }
        StepRequest::Reopen { reason, media } => {
            // The reporter's right first, then what they wrote.
            deny_unless(seen.reporter)?;
            reporters(Action::Reopen, note(Some(reason), "reason", true)?, media)
        }
        StepRequest::Merge { into, note: n } => {
            handler(stored_level(case)?)?;
            let target = merge_target(conn, principal, case, &into)?;
            let mut people = queries::followers(conn, &case.id)?;
            people.push(case.reporter_id.clone());
            for person in people.iter().filter(|p| **p != target.reporter_id) {
                rows::follow(conn, &target.id, person, now)?;
            }
            let mut event = EventRow::on(&target, "merged_in", Some(&principal.user_id), now);
            event.details = json!({ "from": case.id }).to_string();
            rows::append_event(conn, &mut event)?;
            let mut step = staff(Action::Merge, None, Vec::new());
            step.merged_into = Some(target.id);
            step.note = note(n, "note", false)?;
            Ok(step)
        }
    }
}

/// The case a duplicate is merged into: another open case the caller handles.
fn merge_target(
    conn: &mut DbConn,
    principal: &Principal,
    case: &CaseRow,
    into: &CaseId,
) -> Result<CaseRow, CasesError> {
    if into.as_str() == case.id {
        return Err(CasesError::invalid("into", "another case"));
    }
    let target = queries::find(conn, into.as_str())?.ok_or_else(|| CasesError::invalid("into", "no such case"))?;
    let place = queries::place_of(conn, &target)?;
    if !principal.may(&place, Permission::HandleGridCase) || target.closed_at.is_some() {
        return Err(CasesError::invalid("into", "an open case in your scope"));
    }
    Ok(target)
}

/// Takes one step on a case, one transaction: the caller must see the case and may take the
/// step; attachments are checked; the flow moves the case, writes its timeline and tells those
/// concerned; a proxy step is audited. Answers with the case as the caller sees it after.
pub fn step(
    conn: &mut DbConn,
    actor: &Caller,
    id: &CaseId,
    request: StepRequest,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<CaseView, CasesError> {
    let principal = &actor.principal;
    write_tx(conn, |conn| {
        let (case, seen) = queries::seen_case(conn, principal, id.as_str())?;
        let mut step = make_step(conn, principal, &case, &seen, request, now)?;
        step.actor_id = Some(principal.subject().to_owned());
        step.proxy_id = principal.proxy().map(str::to_owned);
        check_attachments(conn, principal, &step.attachments)?;
        let calendar = calendar::load_from(conn, now.date())?;
        let ctx = flow::Ctx { policy: &rules.policy, calendar: &calendar, now };
        let after = flow::apply(conn, &case, &step, &ctx)?;
        if principal.acting_for.is_some() {
            actor.audit(conn, &format!("case_{}", step.action.as_str()), "case", &case.id, json!({}), now)?;
        }
        let seen = queries::visible(conn, principal, &after)?;
        queries::detail(conn, &after, &seen)
    })
}

/// "Me too": the caller follows an open case they may see (the reporter follows their own
/// already).
pub fn follow(
    conn: &mut DbConn,
    principal: &Principal,
    id: &CaseId,
    now: NaiveDateTime,
) -> Result<CaseView, CasesError> {
    write_tx(conn, |conn| {
        let (case, _) = queries::seen_case(conn, principal, id.as_str())?;
        if case.closed_at.is_some() {
            return Err(CasesError::NotNow { action: "follow", status: case.status.clone() });
        }
        if access::needs_following(principal, case.exposure()) {
            rows::follow(conn, &case.id, principal.subject(), now)?;
        }
        let seen = queries::visible(conn, principal, &case)?;
        queries::detail(conn, &case, &seen)
    })
}

/// A follow-up visit (回访) as the grid's handlers record it.
#[derive(Debug, Clone)]
pub struct Visit {
    pub method: domain::cases::VisitMethod,
    pub note: String,
    pub satisfied: Option<bool>,
}

/// Records a follow-up visit on an answered case (its grid's handlers).
pub fn record_visit(
    conn: &mut DbConn,
    principal: &Principal,
    id: &CaseId,
    visit: &Visit,
    now: NaiveDateTime,
) -> Result<CaseView, CasesError> {
    write_tx(conn, |conn| {
        let (case, seen) = queries::seen_case(conn, principal, id.as_str())?;
        access::require_handler(principal, &seen, Level::Grid)?;
        let status =
            CaseStatus::parse(&case.status).map_err(|_| CasesError::Corrupt(format!("status of case {}", case.id)))?;
        if !matches!(status, CaseStatus::Resolved | CaseStatus::Closed | CaseStatus::ClosedUnrated) {
            return Err(CasesError::NotNow { action: "visit", status: status.as_str().to_owned() });
        }
        let mut event = EventRow::on(&case, "visit", Some(&principal.user_id), now);
        event.note = Some(visit.note.clone());
        event.details = json!({ "method": visit.method.as_str(), "satisfied": visit.satisfied }).to_string();
        rows::append_event(conn, &mut event)?;
        queries::detail(conn, &case, &seen)
    })
}

/// The reporter as revealed to those who must call them.
#[derive(Debug, Clone)]
pub struct Revealed {
    pub user_id: String,
    pub display_name: String,
    pub phone: Option<String>,
}

/// Reveals the reporter's phone to staff who handle the case (an anonymous one to admins only),
/// recorded in the audit log with the reason.
pub fn reveal_reporter(
    conn: &mut DbConn,
    actor: &Caller,
    id: &CaseId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Revealed, CasesError> {
    let principal = &actor.principal;
    write_tx(conn, |conn| {
        let (case, seen) = queries::seen_case(conn, principal, id.as_str())?;
        deny_unless(seen.staff)?;
        access::may_reveal_reporter(principal, &seen, stored_level(&case)?, case.exposure())?;
        let user = users::find(conn, &case.reporter_id)?.ok_or(CasesError::NotFound)?;
        let details = json!({ "reason": reason, "anonymous": case.anonymous });
        actor.audit(conn, "case_reporter_revealed", "case", &case.id, details, now)?;
        Ok(Revealed { user_id: user.id, display_name: user.display_name, phone: user.phone })
    })
}

// ---------------------------------------------------------------------------------------------
// Categories

/// A category as an admin sends it.
#[derive(Debug, Clone)]
pub struct CategoryDraft {
    pub code: String,
    pub name: String,
    pub duty: String,
    pub description: String,
    pub department_id: Option<String>,
    pub public_by_default: bool,
    pub active: bool,
    pub sort_order: i32,
}

fn category_row(conn: &mut DbConn, draft: CategoryDraft) -> Result<CategoryRow, CasesError> {
    let code = CategoryCode::parse(&draft.code)?.into_inner();
    let name = domain::identity::org::parse_name(&draft.name, "name")?;
    let duty = Duty::parse(&draft.duty)?.as_str().to_owned();
    if let Some(department) = &draft.department_id {
        if !domain::ids::is_valid_id(department) {
            return Err(CasesError::invalid("department_id", "a department id"));
        }
        if org::find_department(conn, department)?.is_none() {
            return Err(CasesError::invalid("department_id", "no such department"));
        }
    }
    Ok(CategoryRow {
        code,
        name,
        duty,
        description: text(Some(draft.description), "description", 200, false)?.unwrap_or_default(),
        department_id: draft.department_id,
        public_by_default: draft.public_by_default,
        active: draft.active,
        sort_order: draft.sort_order,
    })
}

/// Adds a category (admins); a code in use is a duplicate.
pub fn create_category(
    conn: &mut DbConn,
    actor: &Caller,
    draft: CategoryDraft,
    now: NaiveDateTime,
) -> Result<CategoryRow, CasesError> {
    deny_unless(actor.principal.is_admin())?;
    write_tx(conn, |conn| {
        let row = category_row(conn, draft)?;
        if rows::insert_category(conn, &row)? == Inserted::Duplicate {
            return Err(CasesError::Duplicate);
        }
        actor.audit(conn, "case_category_created", "case_category", &row.code, json!({}), now)?;
        Ok(row)
    })
}

/// Changes the category `code` names (admins); the draft's own code must be a code too.
pub fn update_category(
    conn: &mut DbConn,
    actor: &Caller,
    code: &str,
    mut draft: CategoryDraft,
    now: NaiveDateTime,
) -> Result<CategoryRow, CasesError> {
    deny_unless(actor.principal.is_admin())?;
    CategoryCode::parse(&draft.code)?;
    draft.code = code.to_owned();
    write_tx(conn, |conn| {
        let row = category_row(conn, draft)?;
        if rows::update_category(conn, &row)? == 0 {
            return Err(CasesError::NotFound);
        }
        let details = json!({ "department_id": row.department_id });
        actor.audit(conn, "case_category_updated", "case_category", &row.code, details, now)?;
        Ok(row)
    })
}

/// Maps category `code` to the county department cases of it climb to, inside the caller's
/// transaction (the demo county; admins use [`update_category`]).
pub fn map_department(conn: &mut DbConn, code: &str, department_id: &str) -> Result<(), CasesError> {
    let mut row = queries::category(conn, code)?.ok_or(CasesError::NotFound)?;
    row.department_id = Some(department_id.to_owned());
    rows::update_category(conn, &row)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The working-day calendar

/// One special day as an admin sends it.
#[derive(Debug, Clone)]
pub struct DayDraft {
    pub day: String,
    pub kind: String,
    pub name: String,
}

fn special_days(year: i32, drafts: &[DayDraft]) -> Result<Vec<domain::calendar::SpecialDay>, CasesError> {
    let mut days = Vec::with_capacity(drafts.len());
    for d in drafts {
        let day = chrono::NaiveDate::parse_from_str(&d.day, "%Y-%m-%d")
            .map_err(|_| CasesError::invalid("days", "dates as YYYY-MM-DD"))?;
        if chrono::Datelike::year(&day) != year {
            return Err(CasesError::invalid("days", "every day within the year"));
        }
        let kind = domain::calendar::DayKind::parse(&d.kind)?;
        let name = text(Some(d.name.clone()), "name", 40, true)?.unwrap_or_default();
        days.push(domain::calendar::SpecialDay { day, kind, name });
    }
    days.sort_by_key(|d| d.day);
    if days.windows(2).any(|w| w[0].day == w[1].day) {
        return Err(CasesError::invalid("days", "each day once"));
    }
    Ok(days)
}

/// Replaces a year's calendar as the State Council published it (admins). `given_year` is the
/// year the upload names, which must be the year replaced.
pub fn upload_calendar_year(
    conn: &mut DbConn,
    actor: &Caller,
    year: i32,
    given_year: i32,
    days: &[DayDraft],
    now: NaiveDateTime,
) -> Result<(), CasesError> {
    deny_unless(actor.principal.is_admin())?;
    if given_year != year || !domain::calendar::YEARS.contains(&year) {
        return Err(CasesError::invalid("year", "the year in the path, 2000-2100"));
    }
    let days = special_days(year, days)?;
    write_tx(conn, |conn| {
        calendar::replace_days(conn, year, &days)?;
        let details = json!({ "days": days.len() });
        actor.audit(conn, "working_calendar_uploaded", "working_calendar", &year.to_string(), details, now)?;
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Open311 keys

/// Creates an Open311 key acting as the caller (staff who may use Open311, not by proxy).
/// Returns the key and its secret, which is stored only as a digest.
pub fn create_key(
    conn: &mut DbConn,
    actor: &Caller,
    name: &str,
    now: NaiveDateTime,
) -> Result<(KeyRow, String), CasesError> {
    let principal = &actor.principal;
    deny_unless(principal.acting_for.is_none() && principal.holds(Permission::UseOpen311))?;
    let name = domain::identity::org::parse_name(name, "name")?;
    let secret = {
        use rand::Rng;
        let bytes: [u8; 24] = rand::rng().random();
        format!("o311_{}", hex::encode(bytes))
    };
    write_tx(conn, |conn| {
        let id = Open311KeyId::generate();
        keys::insert(conn, id.as_str(), &name, &secret, &principal.user_id, &principal.user_id, now)?;
        actor.audit(conn, "open311_key_created", "open311_key", id.as_str(), json!({ "name": name }), now)?;
        let key = keys::find(conn, id.as_str())?.ok_or_else(|| CasesError::Corrupt("key vanished".into()))?;
        Ok((key, secret.clone()))
    })
}

/// Revokes a key at once (its owner or an admin; another's key is not found).
pub fn revoke_key(conn: &mut DbConn, actor: &Caller, id: &Open311KeyId, now: NaiveDateTime) -> Result<(), CasesError> {
    let principal = &actor.principal;
    write_tx(conn, |conn| {
        let key = keys::find(conn, id.as_str())?.ok_or(CasesError::NotFound)?;
        if key.user_id != principal.user_id && !principal.is_admin() {
            return Err(CasesError::NotFound);
        }
        keys::revoke(conn, id.as_str(), now)?;
        actor.audit(conn, "open311_key_revoked", "open311_key", id.as_str(), json!({}), now)?;
        Ok(())
    })
}
