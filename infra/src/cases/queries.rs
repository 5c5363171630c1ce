//! Reading cases: the rows, and the read models the API shows — a case as the caller may see it
//! (with its timeline, media, names and follower count), lists, duplicates, the map, the ledger
//! and the figures. Who sees what is decided by `domain::cases::access`; these functions gather
//! the facts it needs.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::cases::access::{self, Seen};
use domain::cases::routing::Channel;
use domain::cases::{CaseStatus, Level, Outcome};
use domain::identity::principal::Principal;
use domain::identity::roles::{Grant, Permission, Place, ScopeKind};
use serde_json::Value;

pub use super::rows::{CaseRow, CategoryRow};
use super::rows::{EventRow, FactRow};
use super::CasesError;
use crate::identity::queries::{org, residency, users};
use crate::media::{self, MediaRow};
use crate::schema::case_categories::dsl as cc;
use crate::schema::case_events::dsl as ev;
use crate::schema::case_followers::dsl as cf;
use crate::schema::case_units::dsl as cu;
use crate::schema::cases::dsl as c;
use crate::DbConn;

// ---------------------------------------------------------------------------------------------
// Read models

/// Who reported a case, for those shown it.
#[derive(Debug, Clone)]
pub struct Reporter {
    pub id: String,
    pub display_name: String,
    pub phone_masked: Option<String>,
}

/// Someone on a case's timeline.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub display_name: String,
}

/// One timeline entry as the caller may see it.
#[derive(Debug, Clone)]
pub struct Event {
    pub seq: i32,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub from_level: Option<String>,
    pub to_level: Option<String>,
    /// Absent for the system and for a reporter the caller is not shown.
    pub actor: Option<Actor>,
    pub by_reporter: bool,
    pub proxy: Option<Actor>,
    pub note: Option<String>,
    pub attachments: Vec<String>,
    pub details: Value,
    pub at: NaiveDateTime,
}

/// A case as the caller may see it: the point coarsened unless they see it exactly, the
/// reporter only when shown. Lists leave out the follower count, media and timeline.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub id: String,
    pub category: String,
    pub description: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub address: Option<String>,
    pub urgency: String,
    pub anonymous: bool,
    pub public: bool,
    pub status: String,
    pub level: String,
    pub outcome: Option<String>,
    pub overdue: bool,
    pub escalations: i32,
    pub grid_id: Option<String>,
    pub org_unit_id: String,
    pub department_id: Option<String>,
    pub merged_into: Option<String>,
    pub captured_at: NaiveDateTime,
    pub reported_at: NaiveDateTime,
    pub first_accepted_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub accept_due: Option<NaiveDateTime>,
    pub resolve_due: Option<NaiveDateTime>,
    pub confirm_due: Option<NaiveDateTime>,
    pub rating: Option<i32>,
    pub mine: bool,
    pub following: bool,
    pub reporter: Option<Reporter>,
    pub followers: Option<i64>,
    pub media: Option<Vec<MediaRow>>,
    pub timeline: Option<Vec<Event>>,
}

impl CaseView {
    fn new(case: &CaseRow, seen: &Seen, reporter: Option<Reporter>) -> Self {
        let coarse = case.lat.zip(case.lng).map(|(lat, lng)| domain::geo_cn::coarsen(lat, lng));
        let exact = seen.exact_location;
        Self {
            id: case.id.clone(),
            category: case.category.clone(),
            description: case.description.clone(),
            lat: if exact { case.lat } else { coarse.map(|(lat, _)| lat) },
            lng: if exact { case.lng } else { coarse.map(|(_, lng)| lng) },
            address: if exact { case.address.clone() } else { None },
            urgency: case.urgency.clone(),
            anonymous: case.anonymous,
            public: case.is_public,
            status: case.status.clone(),
            level: case.level.clone(),
            outcome: case.outcome.clone(),
            overdue: case.overdue,
            escalations: case.escalations,
            grid_id: case.grid_id.clone(),
            org_unit_id: case.org_unit_id.clone(),
            department_id: case.department_id.clone(),
            merged_into: case.merged_into.clone(),
            captured_at: case.captured_at,
            reported_at: case.reported_at,
            first_accepted_at: case.first_accepted_at,
            resolved_at: case.resolved_at,
            closed_at: case.closed_at,
            accept_due: case.accept_due,
            resolve_due: case.resolve_due,
            confirm_due: case.confirm_due,
            rating: case.rating,
            mine: seen.reporter,
            following: seen.follower,
            reporter,
            followers: None,
            media: None,
            timeline: None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Who sees a case

/// Where a case sits, for the permission table.
pub fn place_of(conn: &mut DbConn, case: &CaseRow) -> Result<Place, DieselError> {
    let org_path = org::unit_path(conn, &case.org_unit_id)?.unwrap_or_default();
    Ok(Place { org_path, grid_id: case.grid_id.clone(), department_id: case.department_id.clone() })
}

/// Where the caller (or the resident they act for) lives: the org paths of their residencies.
fn homes_of(conn: &mut DbConn, principal: &Principal) -> Result<Vec<Vec<String>>, DieselError> {
    Ok(residency::member_places(conn, principal.subject())?.into_iter().map(|p| p.org_path).collect())
}

/// The caller's relation to a case, or not found when they may not see it at all.
pub fn visible(conn: &mut DbConn, principal: &Principal, case: &CaseRow) -> Result<Seen, CasesError> {
    let follower =
        access::needs_following(principal, case.exposure()) && is_follower(conn, &case.id, principal.subject())?;
    visible_knowing(conn, principal, case, follower)
}

/// As [`visible`], when whether the caller follows the case was read with it.
fn visible_knowing(
    conn: &mut DbConn,
    principal: &Principal,
    case: &CaseRow,
    follows: bool,
) -> Result<Seen, CasesError> {
    let place = place_of(conn, case)?;
    let exposure = case.exposure();
    let follower = follows && access::needs_following(principal, exposure);
    let homes = if access::needs_homes(principal, exposure, &place) { homes_of(conn, principal)? } else { Vec::new() };
    let seen = Seen::new(principal, exposure, place, follower, &homes);
    if seen.visible(principal, exposure) {
        Ok(seen)
    } else {
        Err(CasesError::NotFound)
    }
}

/// Whether the caller may see the case `case_id` (an unknown case is not seen).
pub fn may_see(conn: &mut DbConn, principal: &Principal, case_id: &str) -> Result<bool, CasesError> {
    let Some(case) = find(conn, case_id)? else { return Ok(false) };
    match visible(conn, principal, &case) {
        Ok(_) => Ok(true),
        Err(CasesError::NotFound) => Ok(false),
        Err(other) => Err(other),
    }
}

/// A case the caller may see, with their relation to it.
pub fn seen_case(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<(CaseRow, Seen), CasesError> {
    let case = find(conn, id)?.ok_or(CasesError::NotFound)?;
    let seen = visible(conn, principal, &case)?;
    Ok((case, seen))
}

/// One case with its whole timeline, as the caller may see it: the case with its follower
/// count and whether the caller follows it in one statement, its unit's path from the path
/// cache, then the timeline, the names of those on it with the reporter, and the media.
pub fn case_view(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<CaseView, CasesError> {
    let (case, followers, follows) = find_with_followers(conn, id, principal.subject())?.ok_or(CasesError::NotFound)?;
    let seen = visible_knowing(conn, principal, &case, follows)?;
    detail_counted(conn, &case, &seen, followers)
}

/// The case its reporter already filed with this client id, as they see it.
pub fn synced(conn: &mut DbConn, principal: &Principal, client_id: &str) -> Result<Option<CaseView>, CasesError> {
    let Some(case) = find_by_client_id(conn, principal.subject(), client_id)? else { return Ok(None) };
    let seen = visible(conn, principal, &case)?;
    Ok(Some(detail(conn, &case, &seen)?))
}

/// The reporter as shown to those who see them.
pub(crate) fn reporter(user: &crate::identity::rows::UserRow) -> Reporter {
    Reporter {
        id: user.id.clone(),
        display_name: user.display_name.clone(),
        phone_masked: user.phone.as_deref().map(domain::identity::accounts::mask_phone),
    }
}

/// A case as the caller may see it, with its timeline, media and follower count.
pub fn detail(conn: &mut DbConn, case: &CaseRow, seen: &Seen) -> Result<CaseView, CasesError> {
    let followers = follower_count(conn, &case.id)?;
    detail_counted(conn, case, seen, followers)
}

/// As [`detail`], the follower count known: the timeline, then the people on it and the
/// reporter (when shown) in one query, then the media.
fn detail_counted(conn: &mut DbConn, case: &CaseRow, seen: &Seen, followers: i64) -> Result<CaseView, CasesError> {
    let events = timeline(conn, &case.id)?;
    let shows_reporter = seen.shows_reporter(case.exposure());
    let mut people: Vec<String> = events
        .iter()
        .flat_map(|e| e.actor_id.iter().chain(e.proxy_id.iter()))
        .chain(shows_reporter.then_some(&case.reporter_id))
        .cloned()
        .collect();
    people.sort();
    people.dedup();
    let found = if people.is_empty() { HashMap::new() } else { users::people(conn, &people)? };
    let names: HashMap<String, String> =
        found.iter().map(|(id, person)| (id.clone(), person.display_name.clone())).collect();
    // A deleted account is not shown as the reporter (its name stays on the timeline).
    let reporter = found.get(&case.reporter_id).filter(|p| shows_reporter && p.live).map(|p| Reporter {
        id: case.reporter_id.clone(),
        display_name: p.display_name.clone(),
        phone_masked: p.phone.as_deref().map(domain::identity::accounts::mask_phone),
    });
    let media = media::queries::of_case(conn, &case.id)?;
    Ok(assemble(case, seen, reporter, &events, &names, followers, media))
}

/// A case as the caller may see it, from what is known of it (no I/O): the reporter if shown,
/// the timeline with the names of those on it, the follower count and the media.
pub(crate) fn assemble(
    case: &CaseRow,
    seen: &Seen,
    reporter: Option<Reporter>,
    events: &[EventRow],
    names: &HashMap<String, String>,
    followers: i64,
    media: Vec<MediaRow>,
) -> CaseView {
    let actor = |id: &Option<String>| {
        id.as_ref().map(|id| Actor { id: id.clone(), display_name: names.get(id).cloned().unwrap_or_default() })
    };
    let exposure = case.exposure();
    let timeline = events
        .iter()
        .map(|e: &EventRow| Event {
            seq: e.seq,
            action: e.action.clone(),
            from_status: e.from_status.clone(),
            to_status: e.to_status.clone(),
            from_level: e.from_level.clone(),
            to_level: e.to_level.clone(),
            actor: if seen.hides_actor(exposure, e.by_reporter, e.actor_id.as_deref()) {
                None
            } else {
                actor(&e.actor_id)
            },
            by_reporter: e.by_reporter,
            proxy: if seen.shows_proxy(exposure) { actor(&e.proxy_id) } else { None },
            note: e.note.clone(),
            attachments: serde_json::from_str(&e.attachments).unwrap_or_default(),
            details: serde_json::from_str(&e.details).unwrap_or_default(),
            at: e.created_at,
        })
        .collect();
    let mut view = CaseView::new(case, seen, reporter);
    view.followers = Some(followers);
    view.media = Some(media);
    view.timeline = Some(timeline);
    view
}

/// Views of listed cases the caller may see (the others are left out): which the caller
/// follows is read in one query, then as [`views_of`].
pub fn list_views(conn: &mut DbConn, principal: &Principal, rows: Vec<CaseRow>) -> Result<Vec<CaseView>, CasesError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let followed: Vec<String> = {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        cf::case_followers
            .filter(cf::user_id.eq(principal.subject()))
            .filter(cf::case_id.eq_any(ids))
            .select(cf::case_id)
            .load(conn)?
    };
    let rows = rows.into_iter().map(|r| {
        let follows = followed.contains(&r.id);
        (r, follows)
    });
    views_of(conn, principal, rows.collect())
}

/// Views of listed cases, each with whether the caller follows it, that the caller may see
/// (the others are left out): the page's unit paths, the caller's homes and the reporters are
/// each read once, in one query (none for an empty page).
fn views_of(conn: &mut DbConn, principal: &Principal, rows: Vec<(CaseRow, bool)>) -> Result<Vec<CaseView>, CasesError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut units: Vec<String> = rows.iter().map(|(r, _)| r.org_unit_id.clone()).collect();
    units.sort_unstable();
    units.dedup();
    let paths = org::unit_paths(conn, &units)?;
    let mut homes: Option<Vec<Vec<String>>> = None;
    let mut shown = Vec::with_capacity(rows.len());
    for (case, follows) in rows {
        let place = Place {
            org_path: paths.get(&case.org_unit_id).cloned().unwrap_or_default(),
            grid_id: case.grid_id.clone(),
            department_id: case.department_id.clone(),
        };
        let exposure = case.exposure();
        if homes.is_none() && access::needs_homes(principal, exposure, &place) {
            homes = Some(homes_of(conn, principal)?);
        }
        let seen = Seen::new(principal, exposure, place, follows, homes.as_deref().unwrap_or(&[]));
        if seen.visible(principal, exposure) {
            shown.push((case, seen));
        }
    }
    let mut wanted: Vec<String> = shown
        .iter()
        .filter(|(case, seen)| seen.shows_reporter(case.exposure()))
        .map(|(case, _)| case.reporter_id.clone())
        .collect();
    wanted.sort();
    wanted.dedup();
    let reporters = if wanted.is_empty() { HashMap::new() } else { users::names_and_phones(conn, &wanted)? };
    Ok(shown
        .iter()
        .map(|(case, seen)| {
            let reporter =
                seen.shows_reporter(case.exposure()).then(|| reporters.get(&case.reporter_id)).flatten().map(
                    |(name, phone)| Reporter {
                        id: case.reporter_id.clone(),
                        display_name: name.clone(),
                        phone_masked: phone.as_deref().map(domain::identity::accounts::mask_phone),
                    },
                );
            CaseView::new(case, seen, reporter)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Lists, the ledger, duplicates, the map

/// What a list or the ledger asks for; ids as given (an id that is no UUID names nothing).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub org_unit_id: Option<String>,
    pub grid_id: Option<String>,
    pub department_id: Option<String>,
    pub mine: Option<bool>,
    pub public: Option<bool>,
    pub status: Option<CaseStatus>,
    pub category: Option<String>,
    pub level: Option<Level>,
    pub overdue: Option<bool>,
    pub open: Option<bool>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

fn valid_id(id: &str) -> Result<(), CasesError> {
    if domain::ids::is_valid_id(id) {
        Ok(())
    } else {
        Err(CasesError::NotFound)
    }
}

/// Turns the query into a filter the caller is entitled to.
fn scoped_filter(conn: &mut DbConn, principal: &Principal, q: &ListQuery) -> Result<CaseFilter, CasesError> {
    let mut filter = CaseFilter {
        status: q.status.map(|s| s.as_str().to_owned()),
        category: q.category.clone(),
        level: q.level.map(|l| l.as_str().to_owned()),
        overdue: q.overdue,
        open: q.open,
        reported_from: q.from,
        reported_to: q.to,
        ..CaseFilter::default()
    };
    let staff = principal.holds(Permission::ReadCases) && principal.acting_for.is_none();
    if q.mine == Some(true) || (!staff && q.public != Some(true)) {
        filter.reporter_or_follower = Some(principal.subject().to_owned());
        return Ok(filter);
    }
    if let Some(unit_id) = &q.org_unit_id {
        valid_id(unit_id)?;
        let unit = org::find_unit(conn, unit_id)?.ok_or(CasesError::NotFound)?;
        if q.public == Some(true) {
            filter.public_only = true;
        } else {
            principal.require(&unit.place(), Permission::ReadCaseFigures)?;
        }
        filter.under_unit = Some(unit.id);
        return Ok(filter);
    }
    if q.public == Some(true) {
        return Err(CasesError::invalid("org_unit_id", "required with public=true"));
    }
    if let Some(grid_id) = &q.grid_id {
        valid_id(grid_id)?;
        let grid = org::find_grid(conn, grid_id)?.ok_or(CasesError::NotFound)?;
        let path = org::unit_path(conn, &grid.org_unit_id)?.unwrap_or_default();
        principal.require(
            &Place { org_path: path, grid_id: Some(grid.id.clone()), department_id: None },
            Permission::ReadCases,
        )?;
        let mut grids = org::grids_within(conn, &grid.id)?;
        grids.push(grid.id);
        filter.grid_ids = Some(grids);
        return Ok(filter);
    }
    if let Some(department_id) = &q.department_id {
        valid_id(department_id)?;
        let department = org::find_department(conn, department_id)?.ok_or(CasesError::NotFound)?;
        let path = org::unit_path(conn, &department.org_unit_id)?.unwrap_or_default();
        principal.require(
            &Place { org_path: path, grid_id: None, department_id: Some(department.id.clone()) },
            Permission::HandleDepartmentCase,
        )?;
        filter.department_ids = Some(vec![department.id]);
        return Ok(filter);
    }
    // No scope named: the caller's org units if they read cases on any, else their grids (with
    // the grids inside them), else their departments.
    if principal.is_admin() {
        return Ok(filter);
    }
    let reading: Vec<&Grant> = principal.grants.iter().filter(|g| Permission::ReadCases.allows(g.role)).collect();
    let of_kind = |kind: ScopeKind| reading.iter().filter(move |g| g.scope_kind == kind);
    let unit_paths: Vec<String> = of_kind(ScopeKind::OrgUnit).map(|g| format!("/{}/", g.org_path.join("/"))).collect();
    // One unit whose subtree holds the others' (a township's grant, with or without its
    // villages'): its cases are one index range, read in order.
    let mut top: Vec<&str> = of_kind(ScopeKind::OrgUnit)
        .filter(|g| {
            !of_kind(ScopeKind::OrgUnit)
                .any(|o| o.org_path.len() < g.org_path.len() && g.org_path.starts_with(&o.org_path))
        })
        .map(|g| g.scope_id.as_str())
        .collect();
    top.sort_unstable();
    top.dedup();
    let grids: Vec<String> = of_kind(ScopeKind::Grid)
        .flat_map(|g| std::iter::once(g.scope_id.clone()).chain(g.grids_within.iter().cloned()))
        .collect();
    let departments: Vec<String> = of_kind(ScopeKind::Department).map(|g| g.scope_id.clone()).collect();
    if let [only] = top.as_slice() {
        filter.under_unit = Some((*only).to_owned());
    } else if !unit_paths.is_empty() {
        filter.units = Some(residency::units_under(conn, &unit_paths)?);
    } else if !grids.is_empty() {
        filter.grid_ids = Some(grids);
    } else if !departments.is_empty() {
        filter.department_ids = Some(departments);
    } else {
        filter.reporter_or_follower = Some(principal.subject().to_owned());
    }
    Ok(filter)
}

/// One page of the cases the caller may list.
#[derive(Debug, Clone)]
pub struct CasePage {
    pub items: Vec<CaseView>,
    /// The last row of the page, when more follow (the next page's keyset).
    pub more_after: Option<String>,
}

/// The problem ledger as a list, newest first, a page after the keyset `before`.
pub fn list(
    conn: &mut DbConn,
    principal: &Principal,
    q: &ListQuery,
    before: Option<&str>,
    limit: domain::paging::PageLimit,
) -> Result<CasePage, CasesError> {
    let filter = scoped_filter(conn, principal, q)?;
    let rows = page_followed(conn, &filter, before, limit.probe(), principal.subject())?;
    let shown_count = limit.get() as usize;
    // The probe row decides the cursor; views are made for what is shown.
    let more = rows.len() > shown_count;
    let last_shown = rows.iter().take(shown_count).next_back().map(|(r, _)| r.id.clone());
    let shown: Vec<(CaseRow, bool)> = rows.into_iter().take(shown_count).collect();
    Ok(CasePage { items: views_of(conn, principal, shown)?, more_after: if more { last_shown } else { None } })
}

/// The ledger's most rows.
pub const LEDGER_MAX_ROWS: usize = 10_000;

/// One line of the ledger: the case as listed, and its category's name.
#[derive(Debug, Clone)]
pub struct LedgerLine {
    pub case: CaseView,
    pub category_name: String,
}

/// The ledger for export: the list's cases, read 500 at a time, until about
/// [`LEDGER_MAX_ROWS`].
pub fn ledger(conn: &mut DbConn, principal: &Principal, q: &ListQuery) -> Result<Vec<LedgerLine>, CasesError> {
    let filter = scoped_filter(conn, principal, q)?;
    let names: HashMap<String, String> = categories(conn)?.into_iter().map(|c| (c.code, c.name)).collect();
    let mut lines = Vec::new();
    let mut before: Option<String> = None;
    let mut read = 0;
    loop {
        let rows = page_followed(conn, &filter, before.as_deref(), 500, principal.subject())?;
        let last = rows.last().map(|(r, _)| r.id.clone());
        let views = views_of(conn, principal, rows)?;
        read += views.len();
        lines.extend(views.into_iter().map(|case| LedgerLine {
            category_name: names.get(&case.category).cloned().unwrap_or_else(|| case.category.clone()),
            case,
        }));
        match last {
            Some(last) if read < LEDGER_MAX_ROWS => before = Some(last),
            _ => break,
        }
    }
    Ok(lines)
}

/// An open case like the one about to be reported.
#[derive(Debug, Clone)]
pub struct Duplicate {
    pub case: CaseView,
    /// To the point the caller is shown, coarsened or not, to 0.1 m.
    pub distance_m: f64,
    /// 0–1, to three places.
    pub similarity: f64,
}

/// Open cases of `category` within `radius` metres of a point (GCJ-02) whose text is at least
/// `threshold` similar to `text`, most similar first, at most 20 the caller may see.
pub fn duplicates(
    conn: &mut DbConn,
    principal: &Principal,
    category: &str,
    (lat, lng): (f64, f64),
    text: &str,
    radius: f64,
    threshold: f64,
) -> Result<Vec<Duplicate>, CasesError> {
    let around = Around::new(lat, lng, radius);
    let mut scored: Vec<(CaseRow, f64)> = open_around(conn, Some(category), &around, 500)?
        .into_iter()
        .filter_map(|c| {
            let distance = domain::geo_cn::distance_m((lat, lng), (c.lat?, c.lng?));
            let similarity = domain::cases::similarity(text, &c.description);
            (distance <= radius && similarity >= threshold).then_some((c, similarity))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(20);
    let rows: Vec<CaseRow> = scored.iter().map(|(c, _)| c.clone()).collect();
    Ok(list_views(conn, principal, rows)?
        .into_iter()
        .filter_map(|v| {
            let (_, s) = scored.iter().find(|(c, _)| c.id == v.id)?;
            let d = domain::geo_cn::distance_m((lat, lng), (v.lat?, v.lng?));
            Some(Duplicate {
                distance_m: (d * 10.0).round() / 10.0,
                similarity: (s * 1000.0).round() / 1000.0,
                case: v,
            })
        })
        .collect())
}

/// Open cases around a point that the caller may see (the map), newest first, at most 100.
pub fn nearby(
    conn: &mut DbConn,
    principal: &Principal,
    (lat, lng): (f64, f64),
    category: Option<&str>,
    radius: f64,
) -> Result<Vec<CaseView>, CasesError> {
    let within = |a: f64, b: f64| domain::geo_cn::distance_m((lat, lng), (a, b)) <= radius;
    let around = Around::new(lat, lng, radius);
    let rows: Vec<CaseRow> = open_around(conn, category, &around, 500)?
        .into_iter()
        .filter(|c| matches!((c.lat, c.lng), (Some(a), Some(b)) if within(a, b)))
        .collect();
    // The radius is tested again on the point each caller is shown, so a coarsened case cannot
    // be pinned down by narrowing the circle.
    let mut views: Vec<CaseView> = list_views(conn, principal, rows)?
        .into_iter()
        .filter(|v| matches!((v.lat, v.lng), (Some(a), Some(b)) if within(a, b)))
        .collect();
    views.truncate(100);
    Ok(views)
}

// ---------------------------------------------------------------------------------------------
// Figures

/// A unit's figures for a period and the same per child unit.
#[derive(Debug, Clone)]
pub struct FiguresReport {
    pub org_unit_id: String,
    pub totals: domain::cases::Figures,
    /// (unit id, name, figures) per child unit.
    pub units: Vec<(String, String, domain::cases::Figures)>,
}

/// A unit's figures over `[from, to)` for those who may read them.
pub fn figures(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    period: &domain::cases::Period,
    satisfied_from: domain::cases::SatisfiedFrom,
) -> Result<FiguresReport, CasesError> {
    valid_id(unit_id)?;
    let unit = org::find_unit(conn, unit_id)?.ok_or(CasesError::NotFound)?;
    principal.require(&unit.place(), Permission::ReadCaseFigures)?;
    let units = residency::units_under(conn, std::slice::from_ref(&unit.path))?;
    let rows = facts(conn, &units, period.from.naive_utc(), period.to.naive_utc())?;
    let fact = |r: &FactRow| domain::cases::CaseFacts {
        status: CaseStatus::parse(&r.status).unwrap_or(CaseStatus::Reported),
        reported_at: r.reported_at.and_utc(),
        first_accepted_at: r.first_accepted_at.map(|t| t.and_utc()),
        resolved_at: r.resolved_at.map(|t| t.and_utc()),
        closed_at: r.closed_at.map(|t| t.and_utc()),
        outcome: r.outcome.as_deref().and_then(|o| Outcome::parse(o).ok()),
        overdue: r.overdue,
        escalations: r.escalations,
        rating: r.rating,
    };
    let totals = domain::cases::figures(&rows.iter().map(fact).collect::<Vec<_>>(), period, satisfied_from);
    let mut per_unit = Vec::new();
    for child in org::children(conn, Some(&unit.id))? {
        let under = residency::units_under(conn, std::slice::from_ref(&child.path))?;
        let facts: Vec<_> = rows.iter().filter(|r| under.contains(&r.org_unit_id)).map(fact).collect();
        per_unit.push((child.id, child.name, domain::cases::figures(&facts, period, satisfied_from)));
    }
    Ok(FiguresReport { org_unit_id: unit.id, totals, units: per_unit })
}

// ---------------------------------------------------------------------------------------------
// Open311: public requests and the offered catalog

/// The categories a channel offers, in catalog order.
pub fn offered(conn: &mut DbConn, channel: Channel) -> Result<Vec<CategoryRow>, CasesError> {
    Ok(categories(conn)?.into_iter().filter(|c| channel.offers(c.active, c.public_by_default)).collect())
}

/// A category the channel offers, by its code.
pub fn offered_category(conn: &mut DbConn, channel: Channel, code: &str) -> Result<Option<CategoryRow>, CasesError> {
    Ok(category(conn, code)?.filter(|c| channel.offers(c.active, c.public_by_default)))
}

/// What Open311's request list asks for: public cases only, newest first.
#[derive(Debug, Clone, Default)]
pub struct PublicQuery {
    pub ids: Option<Vec<String>>,
    pub category: Option<String>,
    pub open: Option<bool>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub offset: i64,
    pub limit: i64,
}

/// A public case with its category's name.
#[derive(Debug, Clone)]
pub struct PublicRequest {
    pub case: CaseRow,
    pub category_name: String,
}

fn with_names(conn: &mut DbConn, rows: Vec<CaseRow>) -> Result<Vec<PublicRequest>, CasesError> {
    let names: HashMap<String, String> = categories(conn)?.into_iter().map(|c| (c.code, c.name)).collect();
    Ok(rows
        .into_iter()
        .map(|case| PublicRequest { category_name: names.get(&case.category).cloned().unwrap_or_default(), case })
        .collect())
}

/// The public cases matching Open311's filters.
pub fn public_requests(conn: &mut DbConn, q: &PublicQuery) -> Result<Vec<PublicRequest>, CasesError> {
    let filter = CaseFilter {
        public_only: true,
        ids: q.ids.clone(),
        category: q.category.clone(),
        open: q.open,
        reported_from: q.from,
        reported_to: q.to,
        offset: Some(q.offset),
        ..CaseFilter::default()
    };
    let rows = page(conn, &filter, None, q.limit)?;
    with_names(conn, rows)
}

/// One public case by its id (a private one is as unknown as a missing one).
pub fn public_request(conn: &mut DbConn, id: &str) -> Result<Option<PublicRequest>, CasesError> {
    let rows: Vec<CaseRow> = find(conn, id)?.filter(|c| c.is_public).into_iter().collect();
    Ok(with_names(conn, rows)?.pop())
}

// ---------------------------------------------------------------------------------------------
// Rows

pub fn categories(conn: &mut DbConn) -> Result<Vec<CategoryRow>, CasesError> {
    Ok(category_rows(conn)?)
}

pub(crate) fn category_rows(conn: &mut DbConn) -> Result<Vec<CategoryRow>, DieselError> {
    cc::case_categories.select(CategoryRow::as_select()).order((cc::sort_order.asc(), cc::code.asc())).load(conn)
}

pub fn category(conn: &mut DbConn, code: &str) -> Result<Option<CategoryRow>, DieselError> {
    cc::case_categories.filter(cc::code.eq(code)).select(CategoryRow::as_select()).first(conn).optional()
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CaseRow>, DieselError> {
    c::cases.filter(c::id.eq(id)).select(CaseRow::as_select()).first(conn).optional()
}

/// A case, its follower count and whether `viewer` follows it, in one statement (correlated
/// subqueries on `case_followers`' key).
fn find_with_followers(conn: &mut DbConn, id: &str, viewer: &str) -> Result<Option<(CaseRow, i64, bool)>, DieselError> {
    let count = cf::case_followers.filter(cf::case_id.eq(c::id)).count().single_value();
    let follows =
        diesel::dsl::exists(cf::case_followers.filter(cf::case_id.eq(c::id)).filter(cf::user_id.eq(viewer.to_owned())));
    let found: Option<(CaseRow, Option<i64>, bool)> =
        c::cases.filter(c::id.eq(id)).select((CaseRow::as_select(), count, follows)).first(conn).optional()?;
    Ok(found.map(|(case, count, follows)| (case, count.unwrap_or(0), follows)))
}

pub fn find_by_client_id(conn: &mut DbConn, reporter: &str, client_id: &str) -> Result<Option<CaseRow>, DieselError> {
    c::cases
        .filter(c::reporter_id.eq(reporter))
        .filter(c::client_id.eq(client_id))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()
}

pub fn timeline(conn: &mut DbConn, case_id: &str) -> Result<Vec<EventRow>, DieselError> {
    ev::case_events.filter(ev::case_id.eq(case_id)).select(EventRow::as_select()).order(ev::seq.asc()).load(conn)
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
    /// Cases anywhere under this org unit, read through `case_units` in case order: a page is
    /// one index range, however many cases the subtree holds.
    pub under_unit: Option<String>,
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

/// Adds a [`CaseFilter`]'s conditions but the scope of `under_unit`, the keyset and the order
/// to a boxed query on `cases` (alone or joined with `case_units`).
macro_rules! narrowed {
    ($query:expr, $filter:expr) => {{
        let (mut query, filter): (_, &CaseFilter) = ($query, $filter);
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
        if let Some(offset) = filter.offset {
            query = query.offset(offset);
        }
        query
    }};
}

/// One page of cases, newest first, after the keyset `before`. Under a unit, the page walks
/// `case_units`' key (unit, case) backwards from the keyset and joins each case by its id, so
/// both planners stop after `limit` rows that pass the other filters, never sorting the match.
pub fn page(
    conn: &mut DbConn,
    filter: &CaseFilter,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<CaseRow>, DieselError> {
    if let Some(unit) = &filter.under_unit {
        let query = c::cases
            .inner_join(cu::case_units.on(cu::case_id.eq(c::id)))
            .filter(cu::unit_id.eq(unit.clone()))
            .select(CaseRow::as_select())
            .order(cu::case_id.desc())
            .limit(limit)
            .into_boxed();
        let mut query = narrowed!(query, filter);
        if let Some(before) = before {
            query = query.filter(cu::case_id.lt(before.to_owned()));
        }
        return query.load(conn);
    }
    let query = c::cases.select(CaseRow::as_select()).order(c::id.desc()).limit(limit).into_boxed();
    let mut query = narrowed!(query, filter);
    if let Some(before) = before {
        query = query.filter(c::id.lt(before.to_owned()));
    }
    query.load(conn)
}

/// A page as [`page`] reads it, each case with whether `viewer` follows it, in the same
/// statement (a correlated `EXISTS` on `case_followers`' key).
pub fn page_followed(
    conn: &mut DbConn,
    filter: &CaseFilter,
    before: Option<&str>,
    limit: i64,
    viewer: &str,
) -> Result<Vec<(CaseRow, bool)>, DieselError> {
    let follows =
        diesel::dsl::exists(cf::case_followers.filter(cf::case_id.eq(c::id)).filter(cf::user_id.eq(viewer.to_owned())));
    if let Some(unit) = &filter.under_unit {
        let query = c::cases
            .inner_join(cu::case_units.on(cu::case_id.eq(c::id)))
            .filter(cu::unit_id.eq(unit.clone()))
            .select((CaseRow::as_select(), follows))
            .order(cu::case_id.desc())
            .limit(limit)
            .into_boxed();
        let mut query = narrowed!(query, filter);
        if let Some(before) = before {
            query = query.filter(cu::case_id.lt(before.to_owned()));
        }
        return query.load(conn);
    }
    let query = c::cases.select((CaseRow::as_select(), follows)).order(c::id.desc()).limit(limit).into_boxed();
    let mut query = narrowed!(query, filter);
    if let Some(before) = before {
        query = query.filter(c::id.lt(before.to_owned()));
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

/// Who reported cases over `[from, to)`, anywhere (the figures' active residents).
pub fn reporters_between(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<String>, DieselError> {
    c::cases.filter(c::reported_at.ge(from)).filter(c::reported_at.lt(to)).select(c::reporter_id).distinct().load(conn)
}
