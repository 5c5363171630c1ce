//! Opinions (民议): residents of a matter's scope give opinions while it is deliberated —
//! threaded one level (an opinion and its replies) — and support them once each; a major matter
//! (Wuyi) solicits opinions from its whole scope in a window of at least the deployment's
//! minimum, and its residents are told. Opinions pass the content check like matters: held text
//! is seen by its author and moderators only.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::deliberation::content::verdict;
use domain::deliberation::status::{solicitation_done, takes_opinions};
use domain::deliberation::values::OPINION_MAX;
use domain::deliberation::{Moderation, Route, WeChatVerdict};
use domain::identity::principal::Principal;
use domain::identity::roles::Permission;
use domain::paging::PageLimit;
use serde_json::json;

use super::queries::{self, Seen};
use super::rows::{self, EventRow};
use super::service::{self, Caller, MATTER_HELD};
use super::DeliberationError;
use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::queries::{org, residency, users};
use crate::schema::matters::dsl as m;
use crate::schema::opinion_supports::dsl as os;
use crate::schema::opinions::dsl as op;
use crate::schema::solicitations::dsl as so;
use crate::DbConn;

/// Residents of a major matter's scope are told its opinions are solicited.
pub const SOLICITATION_OPENED: &str = "solicitation_opened";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::opinions)]
pub struct OpinionRow {
    pub id: String,
    pub matter_id: String,
    /// The opinion this one answers; replies are not answered in turn.
    pub parent_id: Option<String>,
    pub author_id: String,
    pub proxy_id: Option<String>,
    pub body: String,
    pub moderation: String,
    pub moderation_note: String,
    pub supports: i32,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<OpinionRow>, DieselError> {
    op::opinions.filter(op::id.eq(id)).select(OpinionRow::as_select()).first(conn).optional()
}

/// How an opinion is named to its author ("your opinion on …").
pub(crate) fn label(matter_title: &str) -> String {
    format!("对“{matter_title}”的意见")
}

/// One more opinion others see on the matter.
pub(crate) fn count_one(conn: &mut DbConn, matter_id: &str) -> Result<(), DieselError> {
    diesel::update(m::matters.filter(m::id.eq(matter_id))).set(m::opinions.eq(m::opinions + 1)).execute(conn)?;
    Ok(())
}

/// An opinion as its reader gets it.
#[derive(Debug, Clone)]
pub struct OpinionView {
    pub row: OpinionRow,
    pub author_name: Option<String>,
    pub supported_by_me: bool,
    /// The moderation note, for the author and moderators only.
    pub show_moderation: bool,
}

fn views(
    conn: &mut DbConn,
    principal: &Principal,
    moderator: bool,
    rows: Vec<OpinionRow>,
) -> Result<Vec<OpinionView>, DeliberationError> {
    let authors: Vec<String> = rows.iter().map(|r| r.author_id.clone()).collect();
    let names = users::names(conn, &authors)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let supported: Vec<String> = os::opinion_supports
        .filter(os::opinion_id.eq_any(&ids))
        .filter(os::user_id.eq(principal.subject()))
        .select(os::opinion_id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| OpinionView {
            author_name: names.get(&row.author_id).cloned(),
            supported_by_me: supported.contains(&row.id),
            show_moderation: moderator || row.author_id == principal.subject(),
            row,
        })
        .collect())
}

fn view_one(
    conn: &mut DbConn,
    principal: &Principal,
    seen: &Seen,
    row: OpinionRow,
) -> Result<OpinionView, DeliberationError> {
    views(conn, principal, seen.moderator, vec![row])?.pop().ok_or(DeliberationError::NotFound)
}

/// Whether the reader may see the opinion: clear ones whoever sees the matter; others their
/// author and the matter's moderators.
fn visible(principal: &Principal, seen: &Seen, row: &OpinionRow) -> bool {
    row.moderation == Moderation::Clear.as_str() || seen.moderator || row.author_id == principal.subject()
}

/// An opinion's text as [`post`] takes it: 1 to 500 characters.
pub fn body(value: Option<String>) -> Result<String, DeliberationError> {
    Ok(service::written(value, "body", OPINION_MAX, true)?.unwrap_or_default())
}

/// An opinion as its author wrote it.
#[derive(Debug, Clone)]
pub struct NewOpinion {
    pub body: String,
    pub parent_id: Option<String>,
}

/// Refuses an opinion or a support outside a set solicitation window.
fn check_window(conn: &mut DbConn, matter_id: &str, now: NaiveDateTime) -> Result<(), DeliberationError> {
    if let Some(window) = solicitation(conn, matter_id)? {
        if now < window.opens_at {
            return Err(DeliberationError::NotNow { action: "opinion", status: "solicitation_not_open".to_owned() });
        }
        if now >= window.closes_at {
            return Err(DeliberationError::NotNow { action: "opinion", status: "solicitation_closed".to_owned() });
        }
    }
    Ok(())
}

/// Whether the caller may give an opinion on the seen matter now.
fn check_takes_opinions(seen: &Seen) -> Result<(), DeliberationError> {
    if !seen.takes_part {
        return Err(DeliberationError::Forbidden);
    }
    let status = seen.status()?;
    if !takes_opinions(status) {
        return Err(DeliberationError::NotNow { action: "opinion", status: status.as_str().to_owned() });
    }
    Ok(())
}

/// Gives an opinion on a matter, or replies to one (one level deep): residents of its scope,
/// while it takes opinions and inside its solicitation window when one is set. The text passes
/// the content check (`wechat`, asked before this transaction, and the word list). Runs inside
/// the caller's transaction (the idempotency record's).
pub fn post(
    conn: &mut DbConn,
    caller: &Caller,
    matter_id: &str,
    new: &NewOpinion,
    wechat: Option<WeChatVerdict>,
    now: NaiveDateTime,
) -> Result<OpinionView, DeliberationError> {
    let principal = &caller.principal;
    let seen = queries::seen(conn, principal, matter_id)?;
    check_takes_opinions(&seen)?;
    check_window(conn, matter_id, now)?;
    if let Some(parent_id) = &new.parent_id {
        let parent = find(conn, parent_id)?
            .filter(|p| p.matter_id == matter_id && visible(principal, &seen, p))
            .ok_or_else(|| DeliberationError::invalid("parent_id", "no such opinion on this matter"))?;
        if parent.parent_id.is_some() {
            return Err(DeliberationError::invalid(
                "parent_id",
                "replies go one level deep: answer the opinion itself",
            ));
        }
    }
    let held = verdict(wechat, &service::listed_words(conn, &new.body)?);
    let row = OpinionRow {
        id: domain::new_id(),
        matter_id: matter_id.to_owned(),
        parent_id: new.parent_id.clone(),
        author_id: principal.subject().to_owned(),
        proxy_id: principal.proxy().map(str::to_owned),
        body: new.body.clone(),
        moderation: held.moderation.as_str().to_owned(),
        moderation_note: held.reasons.join(", "),
        supports: 0,
        created_at: now,
    };
    diesel::insert_into(op::opinions).values(&row).execute(conn)?;
    if held.moderation == Moderation::Clear {
        count_one(conn, matter_id)?;
    } else {
        let data = json!({ "matter": label(&seen.row.title) });
        crate::notify::enqueue_to(conn, MATTER_HELD, std::slice::from_ref(&row.author_id), &data, now)?;
    }
    caller.audit(
        conn,
        "opinion.post",
        "opinion",
        &row.id,
        json!({ "matter_id": matter_id, "moderation": row.moderation }),
        now,
    )?;
    view_one(conn, principal, &seen, row)
}

/// A page of a matter's opinions, newest first, after the keyset `before`; held and rejected
/// ones only for their author and the matter's moderators.
pub fn list(
    conn: &mut DbConn,
    principal: &Principal,
    matter_id: &str,
    before: Option<&str>,
    limit: PageLimit,
) -> Result<(Vec<OpinionView>, Option<String>), DeliberationError> {
    let seen = queries::seen(conn, principal, matter_id)?;
    let mut query = op::opinions.filter(op::matter_id.eq(matter_id)).select(OpinionRow::as_select()).into_boxed();
    if !seen.moderator {
        query = query
            .filter(op::moderation.eq(Moderation::Clear.as_str()).or(op::author_id.eq(principal.subject().to_owned())));
    }
    if let Some(before) = before {
        query = query.filter(op::id.lt(before.to_owned()));
    }
    let mut rows: Vec<OpinionRow> = query.order(op::id.desc()).limit(limit.probe()).load(conn)?;
    let shown = limit.get() as usize;
    let more_after = if rows.len() > shown { rows.get(shown - 1).map(|r| r.id.clone()) } else { None };
    rows.truncate(shown);
    Ok((views(conn, principal, seen.moderator, rows)?, more_after))
}

/// Supports an opinion others see: residents of the matter's scope, once each, while the matter
/// takes opinions.
pub fn support(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    now: NaiveDateTime,
) -> Result<OpinionView, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let row = find(conn, id)?.ok_or(DeliberationError::NotFound)?;
        let seen = queries::seen(conn, principal, &row.matter_id)?;
        if !visible(principal, &seen, &row) {
            return Err(DeliberationError::NotFound);
        }
        check_takes_opinions(&seen)?;
        if row.moderation != Moderation::Clear.as_str() {
            return Err(DeliberationError::NotNow { action: "support", status: row.moderation.clone() });
        }
        let inserted = insert_unique(conn, |conn| {
            diesel::insert_into(os::opinion_supports)
                .values((os::opinion_id.eq(id), os::user_id.eq(principal.subject()), os::created_at.eq(now)))
                .execute(conn)
        })?;
        if inserted == Inserted::Duplicate {
            return Err(DeliberationError::Duplicate);
        }
        diesel::update(op::opinions.filter(op::id.eq(id))).set(op::supports.eq(op::supports + 1)).execute(conn)?;
        let row = find(conn, id)?.ok_or(DeliberationError::NotFound)?;
        view_one(conn, principal, &seen, row)
    })
}

// ---------------------------------------------------------------------------------------------
// Solicitation (Wuyi major)

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::solicitations)]
pub struct SolicitationRow {
    pub matter_id: String,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// The solicitation window of a matter, if one is set.
pub fn solicitation(conn: &mut DbConn, matter_id: &str) -> Result<Option<SolicitationRow>, DieselError> {
    so::solicitations.filter(so::matter_id.eq(matter_id)).select(SolicitationRow::as_select()).first(conn).optional()
}

/// Whether the matter's opinions were solicited as a major matter needs at `now`: a window was
/// set, has closed and ran at least `min_days` days (`Facts.solicited`).
pub fn solicited(conn: &mut DbConn, matter_id: &str, now: NaiveDateTime, min_days: u32) -> Result<bool, DieselError> {
    Ok(solicitation(conn, matter_id)?.is_some_and(|w| solicitation_done(w.opens_at, w.closes_at, now, min_days)))
}

/// How many residents' notices are gathered per read.
const RESIDENT_BATCH: i64 = 500;

/// Every approved resident of the scope (the unit and the units below it).
fn residents_of_scope(conn: &mut DbConn, scope_id: &str) -> Result<Vec<String>, DeliberationError> {
    let unit = org::find_unit(conn, scope_id)?.ok_or(DeliberationError::NotFound)?;
    let units = residency::units_under(conn, std::slice::from_ref(&unit.path))?;
    let mut people = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let batch = residency::reachable_residents(conn, &units, after.as_deref(), RESIDENT_BATCH)?;
        let full = batch.len() as i64 == RESIDENT_BATCH;
        after = batch.last().map(|(id, _, _)| id.clone());
        people.extend(batch.into_iter().map(|(id, _, _)| id));
        if !full {
            return Ok(people);
        }
    }
}

/// Opens a major matter's solicitation (征求意见) from `opens_at` to `closes_at`, at least
/// `min_days` long (holders of TriageMatters or CouncilWork over its scope); the residents of its
/// scope are told. Once per matter.
pub fn solicit(
    conn: &mut DbConn,
    caller: &Caller,
    matter_id: &str,
    opens_at: NaiveDateTime,
    closes_at: NaiveDateTime,
    min_days: u32,
    now: NaiveDateTime,
) -> Result<SolicitationRow, DeliberationError> {
    let principal = &caller.principal;
    write_tx(conn, |conn| {
        let seen = queries::seen(conn, principal, matter_id)?;
        let place = seen.place();
        if !(principal.may(&place, Permission::TriageMatters) || principal.may(&place, Permission::CouncilWork)) {
            return Err(DeliberationError::Forbidden);
        }
        if seen.row.route.as_deref() != Some(Route::Solicit.as_str()) {
            let route = seen.row.route.clone().unwrap_or_else(|| "untriaged".to_owned());
            return Err(DeliberationError::NotNow { action: "solicit", status: route });
        }
        let status = seen.status()?;
        if !takes_opinions(status) {
            return Err(DeliberationError::NotNow { action: "solicit", status: status.as_str().to_owned() });
        }
        if closes_at <= now {
            return Err(DeliberationError::invalid("closes_at", "in the future"));
        }
        if closes_at - opens_at < chrono::Duration::days(i64::from(min_days)) {
            return Err(DeliberationError::invalid("closes_at", format!("at least {min_days} days after opens_at")));
        }
        let row = SolicitationRow {
            matter_id: matter_id.to_owned(),
            opens_at,
            closes_at,
            created_by: principal.user_id.clone(),
            created_at: now,
        };
        if insert_unique(conn, |conn| diesel::insert_into(so::solicitations).values(&row).execute(conn))?
            == Inserted::Duplicate
        {
            return Err(DeliberationError::Duplicate);
        }
        let mut event = EventRow::new(matter_id, "solicitation_opened", Some(&principal.user_id), now);
        event.proxy_id = principal.proxy().map(str::to_owned);
        event.details = json!({ "opens_at": opens_at, "closes_at": closes_at }).to_string();
        rows::insert_event(conn, &event)?;
        caller.audit(
            conn,
            "matter.solicit",
            "matter",
            matter_id,
            json!({ "opens_at": opens_at, "closes_at": closes_at }),
            now,
        )?;
        let people = residents_of_scope(conn, &seen.row.scope_id)?;
        let data = json!({
            "matter": seen.row.title,
            "opens": service::beijing(opens_at),
            "closes": service::beijing(closes_at),
        });
        crate::notify::enqueue_to(conn, SOLICITATION_OPENED, &people, &data, now)?;
        Ok(row)
    })
}
