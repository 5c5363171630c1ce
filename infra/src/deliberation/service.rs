//! Every write of the deliberation feature, each one transaction with its audit entry and its
//! notices (through the outbox, in the same transaction): raising a matter — with its record
//! sheet (民情记录单) —, supporting it, triaging it (三事分流), merging or declining it, the
//! catalogs and schemes, and the sweeper that flags matters nobody triaged in time.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::deliberation::access::lives_in;
use domain::deliberation::content::{listed_in, verdict};
use domain::deliberation::values::{self, text, BODY_MAX, OPINION_MAX, TITLE_MAX};
use domain::deliberation::{route, transition, Action, Facts, MatterStatus, Moderation, Scheme, Tier, WeChatVerdict};
use domain::identity::org::OrgKind;
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place, Role};
use serde_json::json;

use super::queries::{self, MatterView, Seen};
use super::rows::{self, CategoryRow, EventRow, MatterChanges, MatterRow, SheetRow, TriageItemRow};
use super::DeliberationError;
use crate::db::{write_tx, Inserted};
use crate::identity::queries::{grants, org, users};
use crate::identity::rows::split_path;
use crate::schema::deliberation_categories::dsl as dc;
use crate::schema::moderation_words::dsl as mw;
use crate::schema::triage_items::dsl as ti;
use crate::schema::triage_schemes::dsl as ts;
use crate::DbConn;

/// Notification kinds raised by deliberation.
pub const MATTER_RAISED: &str = "matter_raised";
pub const MATTER_RAISED_FOR_YOU: &str = "matter_raised_for_you";
pub const MATTER_STATUS_CHANGED: &str = "matter_status_changed";
pub const MATTER_HELD: &str = "matter_held";
pub const MATTER_UNTRIAGED: &str = "matter_untriaged";

pub use crate::identity::audit::Caller;

/// The deployment's rules for deliberation.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Working days a matter may wait untriaged before its township is told.
    pub triage_days: u32,
    /// The least length of a major matter's solicitation, in days.
    pub solicit_min_days: u32,
    /// How long residents may rate an outcome, in days.
    pub rating_days: u32,
    /// The working-day calendar, as the cases feature holds it.
    pub reference: crate::cases::reference::Reference,
}

impl Rules {
    pub fn new(reference: crate::cases::reference::Reference) -> Self {
        Self {
            triage_days: values::DEFAULT_TRIAGE_DAYS,
            solicit_min_days: values::DEFAULT_SOLICIT_MIN_DAYS,
            rating_days: values::DEFAULT_RATING_DAYS,
            reference,
        }
    }
}

/// The most photos and voice notes on one matter, opinion or report.
pub const MAX_ATTACHMENTS: usize = 9;

/// A text a person wrote: trimmed, required or not, at most `max` characters, no control
/// characters.
pub fn written(
    value: Option<String>,
    field: &'static str,
    max: usize,
    required: bool,
) -> Result<Option<String>, DeliberationError> {
    let value = text(value, field, max, required)?;
    if value.as_deref().is_some_and(|v| !domain::text::is_plain(v)) {
        return Err(DeliberationError::invalid(field, domain::text::CONTROL_CHARACTER_REASON));
    }
    Ok(value)
}

/// Checks attachments: at most nine distinct ids of uploads the caller (or the resident they
/// act for) made that belong to nothing yet.
pub(crate) fn check_attachments(
    conn: &mut DbConn,
    principal: &Principal,
    ids: &[String],
) -> Result<(), DeliberationError> {
    if ids.len() > MAX_ATTACHMENTS {
        return Err(DeliberationError::invalid("media", "at most 9 files"));
    }
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if unique.len() != ids.len() || ids.iter().any(|id| !domain::ids::is_valid_id(id)) {
        return Err(DeliberationError::invalid("media", "distinct upload ids"));
    }
    let rows = crate::media::queries::of_ids(conn, ids)?;
    let usable = rows.iter().filter(|m| m.is_free() && crate::media::queries::is_own(principal, m)).count();
    if usable != ids.len() {
        return Err(DeliberationError::invalid("media", "unknown or already attached upload"));
    }
    Ok(())
}

/// The words of the local list found in `text`.
pub(crate) fn listed_words(conn: &mut DbConn, text: &str) -> Result<Vec<String>, DeliberationError> {
    let words: Vec<String> = mw::moderation_words.select(mw::word).load(conn)?;
    Ok(listed_in(text, &words))
}

/// The people holding `roles` on the unit `unit_id` itself.
pub(crate) fn holders_on(conn: &mut DbConn, unit_id: &str, roles: &[Role]) -> Result<Vec<String>, DeliberationError> {
    let roles: Vec<String> = roles.iter().map(|r| r.as_str().to_owned()).collect();
    Ok(grants::holders(conn, "org_unit", &[unit_id.to_owned()], &roles)?)
}

// ---------------------------------------------------------------------------------------------
// Raising

/// A matter as its author wrote it.
#[derive(Debug, Clone)]
pub struct Draft {
    pub scope_id: String,
    pub category: String,
    pub title: String,
    pub body: String,
    pub media: Vec<String>,
    pub client_id: Option<String>,
}

/// Raises a matter in a scope the author lives in (a grid worker or cadre may raise it for a
/// resident, `X-Acting-For`), with its record sheet. The text passes the content check: WeChat's
/// verdict (`wechat`, asked before this transaction) and the local word list; doubtful text is
/// held for a moderator, seen by its author only. Runs inside the caller's transaction (the
/// idempotency record's).
pub fn raise(
    conn: &mut DbConn,
    caller: &Caller,
    draft: &Draft,
    wechat: Option<WeChatVerdict>,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<MatterView, DeliberationError> {
    let principal = &caller.principal;
    if let Some(client_id) = &draft.client_id {
        if let Some(view) = queries::synced(conn, principal, client_id)? {
            return Ok(view);
        }
    }
    let unit =
        org::find_unit(conn, &draft.scope_id)?.ok_or_else(|| DeliberationError::invalid("scope_id", "unknown unit"))?;
    let kind =
        OrgKind::parse(&unit.kind).map_err(|_| DeliberationError::Corrupt(format!("kind of unit {}", unit.id)))?;
    values::check_scope(kind)?;
    let path = split_path(&unit.path);
    let homes = queries::homes_of(conn, principal)?;
    if !lives_in(&homes, &path) {
        return Err(if principal.sees(&Place::in_org(path)) {
            DeliberationError::Forbidden
        } else {
            DeliberationError::invalid("scope_id", "not a unit the resident lives in")
        });
    }
    let category = queries::category(conn, &draft.category)?
        .filter(|c| c.active)
        .ok_or_else(|| DeliberationError::invalid("category", "unknown category"))?;
    check_attachments(conn, principal, &draft.media)?;
    let held = verdict(wechat, &listed_words(conn, &format!("{}\n{}", draft.title, draft.body))?);
    let village = path.get(2).cloned().ok_or_else(|| DeliberationError::Corrupt(format!("path of {}", unit.id)))?;
    let calendar = rules.reference.calendar(conn, now.date())?;
    let row = MatterRow {
        id: domain::new_id(),
        scope_id: unit.id.clone(),
        village_id: village.clone(),
        category: category.code.clone(),
        title: draft.title.clone(),
        body: draft.body.clone(),
        author_id: principal.subject().to_owned(),
        proxy_id: principal.proxy().map(str::to_owned),
        origin: if principal.proxy().is_some() { "proxy" } else { "app" }.to_owned(),
        status: MatterStatus::Raised.as_str().to_owned(),
        moderation: held.moderation.as_str().to_owned(),
        moderation_note: held.reasons.join(", "),
        scheme: None,
        tier: None,
        route: None,
        triage_item_id: None,
        triage_note: None,
        merged_into: None,
        case_id: None,
        supports: 0,
        opinions: 0,
        client_id: draft.client_id.clone(),
        raised_at: now,
        triage_due: Some(calendar.add_working_days(now.and_utc(), rules.triage_days).naive_utc()),
        triage_flagged_at: None,
        triaged_at: None,
        resolved_at: None,
        rating_closes_at: None,
        closed_at: None,
        updated_at: now,
        version: 0,
    };
    if rows::insert_matter(conn, &row)? == Inserted::Duplicate {
        // The same client id raced in from another request: that one's matter.
        let client_id = draft.client_id.as_deref().unwrap_or_default();
        return queries::synced(conn, principal, client_id)?.ok_or(DeliberationError::Stale);
    }
    let mut event = EventRow::new(&row.id, "raised", Some(principal.subject()), now);
    event.proxy_id = row.proxy_id.clone();
    event.status_after = Some(row.status.clone());
    event.details = json!({ "origin": row.origin, "moderation": row.moderation }).to_string();
    rows::insert_event(conn, &event)?;
    let names = users::names(conn, &[row.author_id.clone(), row.proxy_id.clone().unwrap_or_default()])?;
    let record = json!({
        "title": row.title,
        "body": row.body,
        "category": category.name,
        "scope": unit.name,
        "raised_by": names.get(&row.author_id),
        "raised_for_by": row.proxy_id.as_ref().and_then(|p| names.get(p)),
        "origin": row.origin,
        "raised_at": row.raised_at,
    });
    rows::insert_sheet(conn, &SheetRow::new(&row.id, "record", &record, Some(&principal.user_id), now))?;
    let owners = [principal.user_id.as_str(), principal.subject()];
    crate::media::service::attach(conn, &draft.media, &owners, crate::media::service::Target::Matter(&row.id))?;
    caller.audit(
        conn,
        "matter.raise",
        "matter",
        &row.id,
        json!({ "scope_id": row.scope_id, "moderation": row.moderation }),
        now,
    )?;
    let data = json!({ "matter": row.title, "scope": unit.name, "proxy": names.get(principal.user_id.as_str()) });
    if held.moderation == Moderation::Clear {
        announce_raised(conn, &row, &unit.name, now)?;
    } else {
        crate::notify::enqueue_to(conn, MATTER_HELD, std::slice::from_ref(&row.author_id), &data, now)?;
    }
    if row.proxy_id.is_some() {
        crate::notify::enqueue_to(conn, MATTER_RAISED_FOR_YOU, std::slice::from_ref(&row.author_id), &data, now)?;
    }
    queries::view(conn, principal, &row.id)
}

/// Tells the village's triagers (cadres and the supervisory committee) of a matter now visible.
pub(crate) fn announce_raised(
    conn: &mut DbConn,
    row: &MatterRow,
    scope_name: &str,
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    let people = holders_on(conn, &row.village_id, &[Role::VillageCadre, Role::Supervisor])?;
    let due = row.triage_due.map(beijing).unwrap_or_default();
    let data = json!({ "matter": row.title, "scope": scope_name, "due": due });
    crate::notify::enqueue_to(conn, MATTER_RAISED, &people, &data, now)?;
    Ok(())
}

/// A UTC instant as people read it: Beijing time to the minute.
pub fn beijing(at: NaiveDateTime) -> String {
    at.and_utc().with_timezone(&domain::calendar::beijing()).format("%Y-%m-%d %H:%M").to_string()
}

// ---------------------------------------------------------------------------------------------
// Supporting

/// Supports a matter: residents of its scope, once each, while it is raised or deliberated.
pub fn support(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    now: NaiveDateTime,
) -> Result<MatterView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        if !seen.takes_part {
            return Err(DeliberationError::Forbidden);
        }
        let status = seen.status()?;
        if !domain::deliberation::status::takes_support(status) {
            return Err(DeliberationError::NotNow { action: "support", status: status.as_str().to_owned() });
        }
        if rows::insert_support(conn, id, principal.subject(), now)? == Inserted::Duplicate {
            return Err(DeliberationError::Duplicate);
        }
        queries::view(conn, principal, id)
    })
}

// ---------------------------------------------------------------------------------------------
// Steps

/// Moves a seen matter to `to` with `changes`, if nobody changed it meanwhile; writes the
/// timeline entry and tells its author (and the people who supported it).
pub(crate) fn step(
    conn: &mut DbConn,
    caller: &Caller,
    seen: &Seen,
    to: MatterStatus,
    mut changes: MatterChanges,
    mut event: EventRow,
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    changes.status = Some(to.as_str().to_owned());
    if !rows::update_matter(conn, &seen.row.id, seen.row.version, &changes, now)? {
        return Err(DeliberationError::Stale);
    }
    event.status_after = Some(to.as_str().to_owned());
    event.proxy_id = caller.principal.proxy().map(str::to_owned);
    rows::insert_event(conn, &event)?;
    caller.audit(conn, &format!("matter.{}", event.kind), "matter", &seen.row.id, json!({ "to": to.as_str() }), now)?;
    let mut people = vec![seen.row.author_id.clone()];
    people.extend(supporters(conn, &seen.row.id)?);
    people.retain(|p| p != &caller.principal.user_id);
    people.sort();
    people.dedup();
    let data = json!({ "matter": seen.row.title, "status": to.label(), "note": event.note });
    crate::notify::enqueue_to(conn, MATTER_STATUS_CHANGED, &people, &data, now)?;
    Ok(())
}

fn supporters(conn: &mut DbConn, matter_id: &str) -> Result<Vec<String>, DeliberationError> {
    use crate::schema::matter_supports::dsl as ms;
    Ok(ms::matter_supports.filter(ms::matter_id.eq(matter_id)).select(ms::user_id).load(conn)?)
}

/// The facts the state machine needs about a seen matter (its route as stored).
pub(crate) fn facts_of(seen: &Seen) -> Result<Facts, DeliberationError> {
    let route = seen
        .row
        .route
        .as_deref()
        .map(domain::deliberation::Route::parse)
        .transpose()
        .map_err(|_| DeliberationError::Corrupt(format!("route of matter {}", seen.row.id)))?;
    Ok(Facts { route, ..Facts::default() })
}

/// How a matter is triaged.
#[derive(Debug, Clone, Default)]
pub struct Triage {
    pub tier: Option<Tier>,
    /// An item of the township's reference catalog: suggests the tier.
    pub item_id: Option<String>,
    /// Why: required when the tier overrides the item's.
    pub note: Option<String>,
    /// Pengshui big: the county department the matter is referred to.
    pub department_id: Option<String>,
    /// The cases rules a referral files its case under.
    pub cases: Option<crate::cases::service::Rules>,
}

/// Triages a matter under the scheme in force at its scope (三事分流): the tier chosen (or the
/// catalog item's), its route, and who handles it, recorded and explained on the timeline.
pub fn triage(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    t: &Triage,
    now: NaiveDateTime,
) -> Result<MatterView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        seen.require(principal, Permission::TriageMatters)?;
        let (scheme, _) = queries::scheme_at(conn, &seen.scope_path)?.ok_or(DeliberationError::NoScheme)?;
        let item = match &t.item_id {
            Some(item_id) => Some(usable_item(conn, item_id, scheme, &seen.scope_path)?),
            None => None,
        };
        let suggested = item.as_ref().map(|i| Tier::parse(&i.tier)).transpose()?;
        let tier = t
            .tier
            .or(suggested)
            .ok_or_else(|| DeliberationError::invalid("tier", "required without a catalog item"))?;
        let overrides = suggested.is_some_and(|s| s != tier);
        if overrides && t.note.is_none() {
            return Err(DeliberationError::invalid("note", "say why the tier differs from the catalog item's"));
        }
        let route = route(scheme, tier)?;
        let to = transition(seen.status()?, Action::Triage, Facts { route: Some(route), ..Facts::default() })?;
        let case_id = match route {
            domain::deliberation::Route::Department => {
                Some(super::decisions::refer(conn, caller, &seen, t.department_id.as_deref(), t.cases.as_ref(), now)?)
            }
            _ => None,
        };
        let changes = MatterChanges {
            case_id: case_id.clone().map(Some),
            scheme: Some(Some(scheme.as_str().to_owned())),
            tier: Some(Some(tier.as_str().to_owned())),
            route: Some(Some(route.as_str().to_owned())),
            triage_item_id: Some(item.as_ref().map(|i| i.id.clone())),
            triage_note: Some(t.note.clone()),
            triaged_at: Some(Some(now)),
            ..MatterChanges::default()
        };
        let mut event = EventRow::new(id, "triaged", Some(&principal.user_id), now);
        event.note = t.note.clone().unwrap_or_default();
        event.details = json!({
            "scheme": scheme.as_str(),
            "tier": tier.as_str(),
            "route": route.as_str(),
            "handled_by": route.handled_by(),
            "item": item.as_ref().map(|i| json!({ "id": i.id, "title": i.title, "tier": i.tier })),
            "overrides_item": overrides,
            "case_id": case_id,
        })
        .to_string();
        step(conn, caller, &seen, to, changes, event, now)?;
        queries::view(conn, principal, id)
    })
}

/// A catalog item that may triage a matter at `path`: active, of the scheme, on the path.
fn usable_item(
    conn: &mut DbConn,
    item_id: &str,
    scheme: Scheme,
    path: &[String],
) -> Result<TriageItemRow, DeliberationError> {
    let item = queries::triage_item(conn, item_id)?.filter(|i| i.active && path.contains(&i.org_unit_id)).ok_or_else(
        || DeliberationError::invalid("item_id", "no such item in the catalog of this matter's township"),
    )?;
    if item.scheme != scheme.as_str() {
        return Err(DeliberationError::invalid("item_id", "the item belongs to another scheme"));
    }
    Ok(item)
}

/// Folds a matter into another of the same village: its people follow that one.
pub fn merge(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    into: &str,
    note: Option<String>,
    now: NaiveDateTime,
) -> Result<MatterView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        seen.require(principal, Permission::TriageMatters)?;
        if into == id {
            return Err(DeliberationError::invalid("into", "a matter cannot be merged into itself"));
        }
        let target = match queries::seen(conn, principal, into) {
            Ok(target) => target,
            Err(DeliberationError::NotFound) => return Err(DeliberationError::invalid("into", "unknown matter")),
            Err(other) => return Err(other),
        };
        if target.row.village_id != seen.row.village_id || target.status()?.is_final() {
            return Err(DeliberationError::invalid("into", "an open matter of the same village"));
        }
        let to = transition(seen.status()?, Action::Merge, facts_of(&seen)?)?;
        let changes = MatterChanges {
            merged_into: Some(Some(into.to_owned())),
            closed_at: Some(Some(now)),
            ..MatterChanges::default()
        };
        let mut event = EventRow::new(id, "merged", Some(&principal.user_id), now);
        event.note = note.clone().unwrap_or_default();
        event.details = json!({ "into": into, "into_title": target.row.title }).to_string();
        step(conn, caller, &seen, to, changes, event, now)?;
        let mut absorbed = EventRow::new(into, "absorbed", Some(&principal.user_id), now);
        absorbed.details = json!({ "from": id, "from_title": seen.row.title }).to_string();
        rows::insert_event(conn, &absorbed)?;
        queries::view(conn, principal, id)
    })
}

/// Declines a raised matter, with the reason its author is told.
pub fn decline(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    reason: String,
    now: NaiveDateTime,
) -> Result<MatterView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, id)?;
        seen.require(principal, Permission::TriageMatters)?;
        let to = transition(seen.status()?, Action::Decline, facts_of(&seen)?)?;
        let changes = MatterChanges { closed_at: Some(Some(now)), ..MatterChanges::default() };
        let mut event = EventRow::new(id, "declined", Some(&principal.user_id), now);
        event.note = reason;
        step(conn, caller, &seen, to, changes, event, now)?;
        queries::view(conn, principal, id)
    })
}

// ---------------------------------------------------------------------------------------------
// The sweeper

/// Flags matters nobody triaged within the deadline to their township's officers, once each.
/// Returns how many it flagged.
pub fn flag_untriaged(conn: &mut DbConn, triage_days: u32, now: NaiveDateTime) -> Result<usize, DeliberationError> {
    use crate::schema::matters::dsl as m;
    let due = queries::untriaged_due(conn, now, 200)?;
    let mut flagged = 0;
    for row in due {
        let done = write_tx(conn, |conn| -> Result<bool, DeliberationError> {
            let taken = diesel::update(m::matters.filter(m::id.eq(&row.id)).filter(m::triage_flagged_at.is_null()))
                .set(m::triage_flagged_at.eq(now))
                .execute(conn)?;
            if taken == 0 {
                return Ok(false);
            }
            let mut event = EventRow::new(&row.id, "triage_overdue", None, now);
            event.details = json!({ "due": row.triage_due }).to_string();
            rows::insert_event(conn, &event)?;
            let path = org::unit_path(conn, &row.village_id)?.unwrap_or_default();
            let village = org::find_unit(conn, &row.village_id)?.map(|u| u.name).unwrap_or_default();
            let people = match path.get(1) {
                Some(township) => holders_on(conn, township, &[Role::TownshipOfficer])?,
                None => Vec::new(),
            };
            let data = json!({ "matter": row.title, "village": village, "days": triage_days });
            crate::notify::enqueue_to(conn, MATTER_UNTRIAGED, &people, &data, now)?;
            Ok(true)
        })?;
        flagged += usize::from(done);
    }
    Ok(flagged)
}

// ---------------------------------------------------------------------------------------------
// Set-up: schemes, the triage catalog, the category catalog

/// Chooses the triage scheme of a village (or of a township, for its villages without one).
pub fn set_scheme(
    conn: &mut DbConn,
    caller: &Caller,
    unit_id: &str,
    scheme: Scheme,
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let unit = org::find_unit(conn, unit_id)?.ok_or(DeliberationError::NotFound)?;
        let kind =
            OrgKind::parse(&unit.kind).map_err(|_| DeliberationError::Corrupt(format!("kind of unit {unit_id}")))?;
        principal.require(&Place::in_org(split_path(&unit.path)), Permission::ManageDeliberation)?;
        if !matches!(kind, OrgKind::County | OrgKind::Township | OrgKind::Village) {
            return Err(DeliberationError::invalid("org_unit_id", "a village, township or county chooses a scheme"));
        }
        choose_scheme(conn, unit_id, scheme, now)?;
        caller.audit(conn, "deliberation.scheme", "org_unit", unit_id, json!({ "scheme": scheme.as_str() }), now)?;
        Ok(())
    })
}

/// Records the scheme of a unit, in the caller's transaction (the set-up route, the demo).
pub fn choose_scheme(
    conn: &mut DbConn,
    unit_id: &str,
    scheme: Scheme,
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    let updated = diesel::update(ts::triage_schemes.filter(ts::org_unit_id.eq(unit_id)))
        .set((ts::scheme.eq(scheme.as_str()), ts::updated_at.eq(now)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(ts::triage_schemes)
            .values((ts::org_unit_id.eq(unit_id), ts::scheme.eq(scheme.as_str()), ts::updated_at.eq(now)))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes a catalog item, in the caller's transaction.
pub fn insert_triage_item(conn: &mut DbConn, row: &TriageItemRow) -> Result<(), DeliberationError> {
    diesel::insert_into(ti::triage_items).values(row).execute(conn)?;
    Ok(())
}

/// An item of a township's triage reference catalog as an admin writes it.
#[derive(Debug, Clone)]
pub struct ItemDraft {
    pub scheme: Scheme,
    pub tier: Tier,
    pub title: String,
    pub description: String,
    pub active: bool,
}

fn check_item(draft: &ItemDraft) -> Result<(), DeliberationError> {
    if !draft.scheme.tiers().contains(&draft.tier) {
        return Err(DeliberationError::invalid("tier", "not a tier of the scheme"));
    }
    Ok(())
}

/// Adds an item to the catalog of a township (or street).
pub fn add_triage_item(
    conn: &mut DbConn,
    caller: &Caller,
    township_id: &str,
    draft: &ItemDraft,
    now: NaiveDateTime,
) -> Result<TriageItemRow, DeliberationError> {
    check_item(draft)?;
    write_tx(conn, |conn| {
        let unit = org::find_unit(conn, township_id)?.ok_or(DeliberationError::NotFound)?;
        caller.principal.require(&Place::in_org(split_path(&unit.path)), Permission::ManageDeliberation)?;
        if unit.kind != OrgKind::Township.as_str() {
            return Err(DeliberationError::invalid("org_unit_id", "a township keeps the triage catalog"));
        }
        let row = TriageItemRow {
            id: domain::new_id(),
            org_unit_id: unit.id,
            scheme: draft.scheme.as_str().to_owned(),
            tier: draft.tier.as_str().to_owned(),
            title: draft.title.clone(),
            description: draft.description.clone(),
            active: draft.active,
            created_at: now,
        };
        diesel::insert_into(ti::triage_items).values(&row).execute(conn)?;
        caller.audit(
            conn,
            "deliberation.triage_item.add",
            "triage_item",
            &row.id,
            json!({ "title": row.title }),
            now,
        )?;
        Ok(row)
    })
}

/// Changes a catalog item (admins of its township).
pub fn update_triage_item(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    draft: &ItemDraft,
    now: NaiveDateTime,
) -> Result<TriageItemRow, DeliberationError> {
    check_item(draft)?;
    write_tx(conn, |conn| {
        let mut row = queries::triage_item(conn, id)?.ok_or(DeliberationError::NotFound)?;
        let path = org::unit_path(conn, &row.org_unit_id)?.unwrap_or_default();
        caller.principal.require(&Place::in_org(path), Permission::ManageDeliberation)?;
        diesel::update(ti::triage_items.filter(ti::id.eq(id)))
            .set((
                ti::scheme.eq(draft.scheme.as_str()),
                ti::tier.eq(draft.tier.as_str()),
                ti::title.eq(&draft.title),
                ti::description.eq(&draft.description),
                ti::active.eq(draft.active),
            ))
            .execute(conn)?;
        caller.audit(
            conn,
            "deliberation.triage_item.update",
            "triage_item",
            id,
            json!({ "title": draft.title }),
            now,
        )?;
        row.scheme = draft.scheme.as_str().to_owned();
        row.tier = draft.tier.as_str().to_owned();
        row.title = draft.title.clone();
        row.description = draft.description.clone();
        row.active = draft.active;
        Ok(row)
    })
}

/// Adds a sub-item under one of the four categories (admins): the seeds name "16 sub-items"
/// without listing them, so they are the deployment's to write.
pub fn add_category(
    conn: &mut DbConn,
    caller: &Caller,
    row: &CategoryRow,
    now: NaiveDateTime,
) -> Result<CategoryRow, DeliberationError> {
    if !caller.principal.is_admin() {
        return Err(DeliberationError::Forbidden);
    }
    write_tx(conn, |conn| {
        let parent = row
            .parent_code
            .as_deref()
            .ok_or_else(|| DeliberationError::invalid("parent_code", "required: a sub-item sits under a category"))?;
        match queries::category(conn, parent)? {
            Some(p) if p.parent_code.is_none() => {}
            _ => return Err(DeliberationError::invalid("parent_code", "one of the top categories")),
        }
        let inserted = crate::db::insert_unique(conn, |conn| {
            diesel::insert_into(dc::deliberation_categories).values(row).execute(conn)
        })?;
        if inserted == Inserted::Duplicate {
            return Err(DeliberationError::Duplicate);
        }
        caller.audit(
            conn,
            "deliberation.category.add",
            "deliberation_category",
            &row.code,
            json!({ "name": row.name }),
            now,
        )?;
        Ok(row.clone())
    })
}

/// Renames, reorders or retires a category or sub-item (admins).
pub fn update_category(
    conn: &mut DbConn,
    caller: &Caller,
    code: &str,
    name: &str,
    sort_order: i32,
    active: bool,
    now: NaiveDateTime,
) -> Result<CategoryRow, DeliberationError> {
    if !caller.principal.is_admin() {
        return Err(DeliberationError::Forbidden);
    }
    write_tx(conn, |conn| {
        let n = diesel::update(dc::deliberation_categories.filter(dc::code.eq(code)))
            .set((dc::name.eq(name), dc::sort_order.eq(sort_order), dc::active.eq(active)))
            .execute(conn)?;
        if n == 0 {
            return Err(DeliberationError::NotFound);
        }
        caller.audit(
            conn,
            "deliberation.category.update",
            "deliberation_category",
            code,
            json!({ "name": name, "active": active }),
            now,
        )?;
        queries::category(conn, code)?.ok_or(DeliberationError::NotFound)
    })
}

/// A title as [`raise`] takes it.
pub fn title(value: Option<String>) -> Result<String, DeliberationError> {
    Ok(written(value, "title", TITLE_MAX, true)?.unwrap_or_default())
}

/// A matter's text as [`raise`] takes it.
pub fn body(value: Option<String>) -> Result<String, DeliberationError> {
    Ok(written(value, "body", BODY_MAX, true)?.unwrap_or_default())
}

/// A reason or note: optional, at most 500 characters.
pub fn note(value: Option<String>, field: &'static str, required: bool) -> Result<Option<String>, DeliberationError> {
    written(value, field, OPINION_MAX, required)
}
