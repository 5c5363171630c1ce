//! Reading deliberation: a matter as its reader may see it (who sees what is decided in
//! `domain::deliberation::access`), a page of matters, the catalogs and the scheme in force.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::deliberation::access;
use domain::deliberation::{MatterStatus, Moderation, Scheme};
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use domain::paging::PageLimit;

use super::rows::{CategoryRow, EventRow, MatterRow, TriageItemRow};
use super::DeliberationError;
use crate::identity::queries::{org, residency, users};
use crate::identity::rows::OrgUnitRow;
use crate::media::MediaRow;
use crate::schema::deliberation_categories::dsl as dc;
use crate::schema::matter_events::dsl as ev;
use crate::schema::matter_supports::dsl as ms;
use crate::schema::matters::dsl as m;
use crate::schema::media::dsl as md;
use crate::schema::triage_items::dsl as ti;
use crate::schema::triage_schemes::dsl as ts;
use crate::DbConn;

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<MatterRow>, DieselError> {
    m::matters.filter(m::id.eq(id)).select(MatterRow::as_select()).first(conn).optional()
}

/// Where the caller (or the resident they act for) lives: the org paths of their residencies.
pub fn homes_of(conn: &mut DbConn, principal: &Principal) -> Result<Vec<Vec<String>>, DieselError> {
    Ok(residency::member_places(conn, principal.subject())?.into_iter().map(|p| p.org_path).collect())
}

/// A matter the caller may see, with what they may do with it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub row: MatterRow,
    pub scope_path: Vec<String>,
    /// A resident of its scope (or its author): supports, opinions, ratings.
    pub takes_part: bool,
    /// May approve or reject its held text.
    pub moderator: bool,
}

impl Seen {
    pub fn place(&self) -> Place {
        Place::in_org(self.scope_path.clone())
    }

    pub fn status(&self) -> Result<MatterStatus, DeliberationError> {
        MatterStatus::parse(&self.row.status)
            .map_err(|_| DeliberationError::Corrupt(format!("status of matter {}", self.row.id)))
    }

    /// Refuses a caller without `permission` over the matter's scope (403: they see it).
    pub fn require(&self, principal: &Principal, permission: Permission) -> Result<(), DeliberationError> {
        principal.require(&self.place(), permission).map_err(|_| DeliberationError::Forbidden)
    }
}

/// The matter `id` as the caller may see it, or not found.
pub fn seen(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<Seen, DeliberationError> {
    let row = find(conn, id)?.ok_or(DeliberationError::NotFound)?;
    seen_row(conn, principal, row)
}

/// As [`seen`], for a row already read.
pub fn seen_row(conn: &mut DbConn, principal: &Principal, row: MatterRow) -> Result<Seen, DeliberationError> {
    let scope_path = org::unit_path(conn, &row.scope_id)?.unwrap_or_default();
    let homes = homes_of(conn, principal)?;
    let exposure = row.exposure(&scope_path);
    if !access::sees(principal, &homes, exposure) {
        return Err(DeliberationError::NotFound);
    }
    let takes_part = access::takes_part(principal, &homes, exposure);
    let moderator = principal.may(&Place::in_org(scope_path.clone()), Permission::ModerateContent);
    Ok(Seen { row, scope_path, takes_part, moderator })
}

/// Whether the caller may see the matter `id` (an unknown one is not seen).
pub fn may_see(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<bool, DeliberationError> {
    match seen(conn, principal, id) {
        Ok(_) => Ok(true),
        Err(DeliberationError::NotFound) => Ok(false),
        Err(other) => Err(other),
    }
}

/// The department case of a referred matter, as the matter shows it.
#[derive(Debug, Clone)]
pub struct CaseBrief {
    pub id: String,
    pub status: String,
    pub outcome: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
}

/// A matter as its reader gets it.
#[derive(Debug, Clone)]
pub struct MatterView {
    pub row: MatterRow,
    pub scope: Option<OrgUnitRow>,
    pub author_name: Option<String>,
    pub proxy_name: Option<String>,
    pub supported_by_me: bool,
    /// The moderation note, for the author and moderators only.
    pub show_moderation: bool,
    pub media: Vec<MediaRow>,
    pub case: Option<CaseBrief>,
    /// Every step, oldest first (the detail only; empty in lists).
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub row: EventRow,
    pub actor_name: Option<String>,
}

fn case_brief(conn: &mut DbConn, case_id: Option<&str>) -> Result<Option<CaseBrief>, DeliberationError> {
    let Some(id) = case_id else { return Ok(None) };
    Ok(crate::cases::queries::find(conn, id)?.map(|c| CaseBrief {
        id: c.id,
        status: c.status,
        outcome: c.outcome,
        resolved_at: c.resolved_at,
    }))
}

/// The views of `rows` for the caller, in their order, reading names, supports and media once
/// for the whole set.
fn views(
    conn: &mut DbConn,
    principal: &Principal,
    rows: Vec<(MatterRow, bool)>,
) -> Result<Vec<MatterView>, DeliberationError> {
    let ids: Vec<String> = rows.iter().map(|(r, _)| r.id.clone()).collect();
    let mut people: Vec<String> = rows.iter().map(|(r, _)| r.author_id.clone()).collect();
    people.extend(rows.iter().filter_map(|(r, _)| r.proxy_id.clone()));
    let names = users::names(conn, &people)?;
    let scope_ids: Vec<String> = rows.iter().map(|(r, _)| r.scope_id.clone()).collect();
    let scopes = org::units_by_id(conn, &scope_ids)?;
    let supported: Vec<String> = ms::matter_supports
        .filter(ms::matter_id.eq_any(&ids))
        .filter(ms::user_id.eq(principal.subject()))
        .select(ms::matter_id)
        .load(conn)?;
    let mut media: HashMap<String, Vec<MediaRow>> = HashMap::new();
    for row in
        md::media.filter(md::matter_id.eq_any(&ids)).order(md::id.asc()).select(MediaRow::as_select()).load(conn)?
    {
        media.entry(row.matter_id.clone().unwrap_or_default()).or_default().push(row);
    }
    let mut out = Vec::with_capacity(rows.len());
    for (row, moderator) in rows {
        let case = case_brief(conn, row.case_id.as_deref())?;
        out.push(MatterView {
            scope: scopes.get(&row.scope_id).cloned(),
            author_name: names.get(&row.author_id).cloned(),
            proxy_name: row.proxy_id.as_ref().and_then(|p| names.get(p).cloned()),
            supported_by_me: supported.contains(&row.id),
            show_moderation: moderator || row.author_id == principal.subject(),
            media: media.remove(&row.id).unwrap_or_default(),
            case,
            timeline: Vec::new(),
            row,
        });
    }
    Ok(out)
}

/// The matter `id` with its whole timeline, as the caller may see it.
pub fn view(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<MatterView, DeliberationError> {
    let seen = seen(conn, principal, id)?;
    view_of(conn, principal, seen)
}

/// The view of a matter already seen.
pub fn view_of(conn: &mut DbConn, principal: &Principal, seen: Seen) -> Result<MatterView, DeliberationError> {
    let events: Vec<EventRow> = ev::matter_events
        .filter(ev::matter_id.eq(&seen.row.id))
        .order(ev::id.asc())
        .select(EventRow::as_select())
        .load(conn)?;
    let actors: Vec<String> = events.iter().filter_map(|e| e.actor_id.clone()).collect();
    let names = users::names(conn, &actors)?;
    let mut view =
        views(conn, principal, vec![(seen.row, seen.moderator)])?.pop().ok_or(DeliberationError::NotFound)?;
    view.timeline = events
        .into_iter()
        .map(|row| TimelineEntry { actor_name: row.actor_id.as_ref().and_then(|a| names.get(a).cloned()), row })
        .collect();
    Ok(view)
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub village_id: Option<String>,
    pub status: Option<MatterStatus>,
    /// Only the caller's own (raised by them or for them).
    pub mine: bool,
    /// Moderators: only matters with this moderation (the queue is `held`).
    pub moderation: Option<Moderation>,
}

pub struct MatterPage {
    pub items: Vec<MatterView>,
    /// The last row of the page, when more follow.
    pub more_after: Option<String>,
}

/// Which matters of a village the caller reads.
enum Reach {
    /// Staff over the village: all of it (held ones too when a moderator).
    Whole { moderator: bool },
    /// A resident: the scopes on their homes' paths within the village, and their own.
    Scopes(Vec<String>),
}

fn reach(principal: &Principal, homes: &[Vec<String>], village_path: &[String]) -> Reach {
    let place = Place::in_org(village_path.to_vec());
    if principal.sees(&place) {
        return Reach::Whole { moderator: principal.may(&place, Permission::ModerateContent) };
    }
    let scopes = homes
        .iter()
        .filter(|h| h.starts_with(village_path))
        .flat_map(|h| h[village_path.len() - 1..].iter().cloned())
        .collect();
    Reach::Scopes(scopes)
}

/// The villages a list without `village_id` covers: those of the caller's homes and of their
/// grants on a village or below. A grant above villages must name one.
fn default_villages(principal: &Principal, homes: &[Vec<String>]) -> Result<Vec<String>, DeliberationError> {
    let mut villages: Vec<String> = homes.iter().filter_map(|h| h.get(2).cloned()).collect();
    for grant in &principal.grants {
        match grant.org_path.get(2) {
            Some(village) => villages.push(village.clone()),
            None => return Err(DeliberationError::invalid("village_id", "required above a village")),
        }
    }
    villages.sort();
    villages.dedup();
    Ok(villages)
}

/// A page of matters, newest first, after the keyset `before`: one village's (or those of the
/// caller's homes and grants), as the caller may see them.
pub fn list(
    conn: &mut DbConn,
    principal: &Principal,
    q: &ListQuery,
    before: Option<&str>,
    limit: PageLimit,
) -> Result<MatterPage, DeliberationError> {
    let homes = homes_of(conn, principal)?;
    let villages = match &q.village_id {
        Some(v) => vec![v.clone()],
        None => default_villages(principal, &homes)?,
    };
    let paths = org::unit_paths(conn, &villages)?;
    let me = principal.subject().to_owned();
    let mut rows: Vec<(MatterRow, bool)> = Vec::new();
    let mut more_after = None;
    // One index walk per village ((village_id, id) in order); a caller has one or a few.
    let mut pages: Vec<(MatterRow, bool)> = Vec::new();
    for village in &villages {
        let Some(path) = paths.get(village) else { continue };
        let reach = reach(principal, &homes, path);
        let mut query = m::matters.filter(m::village_id.eq(village)).select(MatterRow::as_select()).into_boxed();
        let moderator = match &reach {
            Reach::Whole { moderator: true } => true,
            Reach::Whole { moderator: false } => {
                query = query.filter(m::moderation.eq(Moderation::Clear.as_str()).or(m::author_id.eq(me.clone())));
                false
            }
            Reach::Scopes(scopes) => {
                query = query.filter(
                    m::scope_id
                        .eq_any(scopes.clone())
                        .and(m::moderation.eq(Moderation::Clear.as_str()))
                        .or(m::author_id.eq(me.clone())),
                );
                false
            }
        };
        if let Some(status) = q.status {
            query = query.filter(m::status.eq(status.as_str()));
        }
        if q.mine {
            query = query.filter(m::author_id.eq(me.clone()));
        }
        if let Some(moderation) = q.moderation {
            query = query.filter(m::moderation.eq(moderation.as_str()));
        }
        if let Some(before) = before {
            query = query.filter(m::id.lt(before.to_owned()));
        }
        let found: Vec<MatterRow> = query.order(m::id.desc()).limit(limit.probe()).load(conn)?;
        pages.extend(found.into_iter().map(|r| (r, moderator)));
    }
    pages.sort_by(|a, b| b.0.id.cmp(&a.0.id));
    let shown = limit.get() as usize;
    if pages.len() > shown {
        more_after = pages.get(shown - 1).map(|(r, _)| r.id.clone());
    }
    rows.extend(pages.into_iter().take(shown));
    Ok(MatterPage { items: views(conn, principal, rows)?, more_after })
}

/// A client id the author already raised a matter with (an offline raise synced again).
pub fn synced(
    conn: &mut DbConn,
    principal: &Principal,
    client_id: &str,
) -> Result<Option<MatterView>, DeliberationError> {
    let found: Option<MatterRow> = m::matters
        .filter(m::author_id.eq(principal.subject()))
        .filter(m::client_id.eq(client_id))
        .select(MatterRow::as_select())
        .first(conn)
        .optional()?;
    match found {
        Some(row) => Ok(Some(view(conn, principal, &row.id)?)),
        None => Ok(None),
    }
}

/// The catalog of deliberable matters: the four categories and the sub-items admins added.
pub fn categories(conn: &mut DbConn) -> Result<Vec<CategoryRow>, DeliberationError> {
    Ok(dc::deliberation_categories
        .order((dc::sort_order.asc(), dc::code.asc()))
        .select(CategoryRow::as_select())
        .load(conn)?)
}

pub fn category(conn: &mut DbConn, code: &str) -> Result<Option<CategoryRow>, DieselError> {
    dc::deliberation_categories.filter(dc::code.eq(code)).select(CategoryRow::as_select()).first(conn).optional()
}

/// The scheme in force at a unit: its own, else its nearest ancestor's; with the unit that chose
/// it.
pub fn scheme_at(conn: &mut DbConn, path: &[String]) -> Result<Option<(Scheme, String)>, DeliberationError> {
    let chosen: Vec<(String, String)> =
        ts::triage_schemes.filter(ts::org_unit_id.eq_any(path)).select((ts::org_unit_id, ts::scheme)).load(conn)?;
    for unit in path.iter().rev() {
        if let Some((_, scheme)) = chosen.iter().find(|(u, _)| u == unit) {
            let scheme = Scheme::parse(scheme).map_err(|_| DeliberationError::Corrupt(format!("scheme of {unit}")))?;
            return Ok(Some((scheme, unit.clone())));
        }
    }
    Ok(None)
}

/// The triage reference items offered along `path` (a township's catalog serves its villages).
pub fn triage_items_on(conn: &mut DbConn, path: &[String]) -> Result<Vec<TriageItemRow>, DeliberationError> {
    Ok(ti::triage_items
        .filter(ti::org_unit_id.eq_any(path))
        .order((ti::tier.asc(), ti::title.asc()))
        .select(TriageItemRow::as_select())
        .load(conn)?)
}

pub fn triage_item(conn: &mut DbConn, id: &str) -> Result<Option<TriageItemRow>, DieselError> {
    ti::triage_items.filter(ti::id.eq(id)).select(TriageItemRow::as_select()).first(conn).optional()
}

/// Untriaged matters whose triage deadline has passed and that nobody flagged yet.
pub fn untriaged_due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> Result<Vec<MatterRow>, DieselError> {
    m::matters
        .filter(m::status.eq(MatterStatus::Raised.as_str()))
        .filter(m::triage_due.le(now))
        .filter(m::triage_flagged_at.is_null())
        .order(m::triage_due.asc())
        .limit(limit)
        .select(MatterRow::as_select())
        .load(conn)
}

/// The scheme in force at the unit `unit_id`; not found for an unknown unit.
pub fn scheme_of_unit(conn: &mut DbConn, unit_id: &str) -> Result<Option<(Scheme, String)>, DeliberationError> {
    let path = org::unit_path(conn, unit_id)?.ok_or(DeliberationError::NotFound)?;
    scheme_at(conn, &path)
}

/// The triage catalog offered at the unit `unit_id`; not found for an unknown unit.
pub fn triage_items_of_unit(conn: &mut DbConn, unit_id: &str) -> Result<Vec<TriageItemRow>, DeliberationError> {
    let path = org::unit_path(conn, unit_id)?.ok_or(DeliberationError::NotFound)?;
    triage_items_on(conn, &path)
}

// ---------------------------------------------------------------------------------------------
// Read by the figures (`infra::stats`)

/// A matter raised over `[from, to)` in one of `units`: (scope, tier, route, author).
pub type RaisedFact = (String, Option<String>, Option<String>, String);

/// Matters raised over `[from, to)` in `units`, merged ones left out.
pub fn raised_between(
    conn: &mut DbConn,
    units: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<RaisedFact>, DieselError> {
    m::matters
        .filter(m::scope_id.eq_any(units.to_vec()))
        .filter(m::raised_at.ge(from))
        .filter(m::raised_at.lt(to))
        .filter(m::merged_into.is_null())
        .select((m::scope_id, m::tier, m::route, m::author_id))
        .load(conn)
}

/// A commitment due over `[from, to)`: (its matter's scope, status, due, done).
pub type DueFact = (String, String, NaiveDateTime, Option<NaiveDateTime>);

/// Commitments due over `[from, to)` on matters of `units`.
pub fn commitments_due(
    conn: &mut DbConn,
    units: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<DueFact>, DieselError> {
    use crate::schema::commitments::dsl as cm;
    cm::commitments
        .inner_join(m::matters.on(m::id.eq(cm::matter_id)))
        .filter(m::scope_id.eq_any(units.to_vec()))
        .filter(cm::due_at.ge(from))
        .filter(cm::due_at.lt(to))
        .select((m::scope_id, cm::status, cm::due_at, cm::done_at))
        .load(conn)
}

/// Residents' ratings given over `[from, to)` on matters of `units`: (scope, rating).
pub fn ratings_between(
    conn: &mut DbConn,
    units: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<(String, i32)>, DieselError> {
    use crate::schema::evaluations::dsl as e;
    e::evaluations
        .inner_join(m::matters.on(m::id.eq(e::matter_id)))
        .filter(m::scope_id.eq_any(units.to_vec()))
        .filter(e::created_at.ge(from))
        .filter(e::created_at.lt(to))
        .select((m::scope_id, e::rating))
        .load(conn)
}

/// Who gave an opinion over `[from, to)`, anywhere.
pub fn opinion_authors_between(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<String>, DieselError> {
    use crate::schema::opinions::dsl as op;
    op::opinions
        .filter(op::created_at.ge(from))
        .filter(op::created_at.lt(to))
        .select(op::author_id)
        .distinct()
        .load(conn)
}
