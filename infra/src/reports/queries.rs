//! Reads of the reports feature: a handler's list and one report with its thread, and what a
//! follow-up code shows. Who may handle a report is `domain::reports::may_handle`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place, ScopeKind};
use domain::reports::{may_handle, ReportScope, ReportStatus};

use super::rows::{AttachmentRow, MessageRow, ReportRow};
use super::service::code_hash;
use super::ReportsError;
use crate::db::DbConn;
use crate::identity::queries::{org, users};
use crate::schema::report_attachments::dsl as ra;
use crate::schema::report_messages::dsl as m;
use crate::schema::reports::dsl as r;

/// A report as its handlers see it.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub row: ReportRow,
    pub village_name: String,
    /// The named account's display name.
    pub named_display: Option<String>,
    pub messages: Vec<MessageRow>,
    /// Its photos and voice notes (read with the thread).
    pub attachments: Vec<AttachmentRow>,
}

/// What the follow-up code shows the reporter: the report, its status and its thread (answers
/// without who wrote them).
#[derive(Debug, Clone)]
pub struct FollowUpView {
    pub row: ReportRow,
    pub village_name: String,
    pub messages: Vec<MessageRow>,
}

/// Which reports a handler's list shows: under a unit, in a status, after a cursor.
#[derive(Debug, Clone)]
pub struct Filter {
    pub unit_id: String,
    pub status: Option<ReportStatus>,
    pub before: Option<String>,
    pub limit: i64,
}

pub(crate) fn find(conn: &mut DbConn, id: &str) -> Result<ReportRow, ReportsError> {
    r::reports.filter(r::id.eq(id)).select(ReportRow::as_select()).first(conn).optional()?.ok_or(ReportsError::NotFound)
}

fn place_of(conn: &mut DbConn, unit_id: &str) -> Result<Place, ReportsError> {
    org::place_of(conn, unit_id)?.ok_or(ReportsError::NotFound)
}

/// A report the caller handles (see `may_handle`), or not found / forbidden.
pub(crate) fn handled(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<ReportRow, ReportsError> {
    let row = find(conn, id)?;
    let place = place_of(conn, &row.org_unit_id)?;
    let scope =
        ReportScope { place: &place, township_only: row.township_only, named_user_id: row.named_user_id.as_deref() };
    may_handle(&principal.user_id, &principal.grants, &scope)?;
    Ok(row)
}

fn messages(conn: &mut DbConn, report_id: &str) -> Result<Vec<MessageRow>, ReportsError> {
    Ok(m::report_messages
        .filter(m::report_id.eq(report_id))
        .order(m::created_at.asc())
        .then_order_by(m::id.asc())
        .select(MessageRow::as_select())
        .load(conn)?)
}

fn attachments(conn: &mut DbConn, report_id: &str) -> Result<Vec<AttachmentRow>, ReportsError> {
    Ok(ra::report_attachments
        .filter(ra::report_id.eq(report_id))
        .order(ra::id.asc())
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

fn village_name(conn: &mut DbConn, unit_id: &str) -> Result<String, ReportsError> {
    Ok(org::find_unit(conn, unit_id)?.map(|u| u.name).unwrap_or_default())
}

pub(crate) fn view(conn: &mut DbConn, row: ReportRow) -> Result<ReportView, ReportsError> {
    views(conn, vec![row], true)?.pop().ok_or(ReportsError::NotFound)
}

fn views(conn: &mut DbConn, rows: Vec<ReportRow>, with_messages: bool) -> Result<Vec<ReportView>, ReportsError> {
    let named: Vec<String> = rows.iter().filter_map(|r| r.named_user_id.clone()).collect();
    let names = users::names(conn, &named)?;
    let mut villages: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if !villages.contains_key(&row.org_unit_id) {
            let name = village_name(conn, &row.org_unit_id)?;
            villages.insert(row.org_unit_id.clone(), name);
        }
        let (messages, attachments) = if with_messages {
            (messages(conn, &row.id)?, attachments(conn, &row.id)?)
        } else {
            (Vec::new(), Vec::new())
        };
        out.push(ReportView {
            attachments,
            village_name: villages.get(&row.org_unit_id).cloned().unwrap_or_default(),
            named_display: row.named_user_id.as_ref().and_then(|id| names.get(id).cloned()),
            messages,
            row,
        });
    }
    Ok(out)
}

/// The report a follow-up code opens. A missing code, a malformed one and one that matches
/// nothing take the same path (a hash looked up in the database) and give the same not found.
pub(crate) fn by_code(conn: &mut DbConn, code: Option<&str>) -> Result<ReportRow, ReportsError> {
    let hash = code_hash(code.unwrap_or(""));
    r::reports
        .filter(r::follow_up_hash.eq(hash))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ReportsError::NotFound)
}

pub(crate) fn follow_up_of(conn: &mut DbConn, row: ReportRow) -> Result<FollowUpView, ReportsError> {
    let village_name = village_name(conn, &row.org_unit_id)?;
    let messages = messages(conn, &row.id)?;
    Ok(FollowUpView { row, village_name, messages })
}

/// One report with its thread, for a handler; reading it is audited (a personal-data action),
/// without anything of the reporter.
pub fn read(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &crate::identity::audit::Origin,
    id: &str,
    now: NaiveDateTime,
) -> Result<ReportView, ReportsError> {
    crate::db::write_tx(conn, |conn| {
        let row = handled(conn, principal, id)?;
        let entry = origin.entry(Some(principal), "report.read", "report", id, serde_json::json!({}));
        crate::identity::audit::append(conn, &entry, now)?;
        view(conn, row)
    })
}

/// A photo or voice note of a report the caller handles, for its bytes; audited as the report's
/// reading is.
pub fn attachment(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &crate::identity::audit::Origin,
    id: &str,
    attachment_id: &str,
    now: NaiveDateTime,
) -> Result<AttachmentRow, ReportsError> {
    crate::db::write_tx(conn, |conn| {
        handled(conn, principal, id)?;
        let row = ra::report_attachments
            .filter(ra::id.eq(attachment_id))
            .filter(ra::report_id.eq(id))
            .select(AttachmentRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(ReportsError::NotFound)?;
        let details = serde_json::json!({ "attachment_id": attachment_id });
        let entry = origin.entry(Some(principal), "report.attachment_read", "report", id, details);
        crate::identity::audit::append(conn, &entry, now)?;
        Ok(row)
    })
}

/// The reports under a unit the caller handles, newest first: `HandleReports` over the unit; a
/// report that went to the township only is listed only to those holding it above the village,
/// and none that names the caller.
pub fn list(conn: &mut DbConn, principal: &Principal, filter: &Filter) -> Result<Vec<ReportView>, ReportsError> {
    let place = place_of(conn, &filter.unit_id)?;
    principal.require(&place, Permission::HandleReports)?;
    let handling: Vec<_> = principal
        .grants
        .iter()
        .filter(|g| g.scope_kind == ScopeKind::OrgUnit && Permission::HandleReports.allows(g.role))
        .filter(|g| g.org_path.starts_with(&place.org_path) || place.org_path.starts_with(&g.org_path))
        .collect();
    // Units under the asked unit and under a handling grant; those above villages see every
    // report there, those at or below a village only what went to the village.
    let subtree = |conn: &mut DbConn, path: &[String]| -> Result<Vec<String>, ReportsError> {
        let text = crate::identity::rows::path_text(path);
        Ok(org::subtree(conn, &text)?.into_iter().map(|u| u.id).collect())
    };
    let asked = subtree(conn, &place.org_path)?;
    let (mut all, mut village_only) = (Vec::new(), Vec::new());
    for grant in handling {
        let units = subtree(conn, &grant.org_path)?;
        let target = if grant.org_path.len() < 3 { &mut all } else { &mut village_only };
        target.extend(units.into_iter().filter(|u| asked.contains(u)));
    }
    let mut query = r::reports
        .filter(r::org_unit_id.eq_any(all).or(r::org_unit_id.eq_any(village_only).and(r::township_only.eq(false))))
        .order(r::id.desc())
        .limit(filter.limit)
        .select(ReportRow::as_select())
        .into_boxed();
    query = query.filter(r::named_user_id.is_null().or(r::named_user_id.ne(principal.user_id.clone())));
    if let Some(status) = filter.status {
        query = query.filter(r::status.eq(status.as_str()));
    }
    if let Some(before) = &filter.before {
        query = query.filter(r::id.lt(before.clone()));
    }
    let rows = query.load(conn)?;
    views(conn, rows, false)
}

/// Whether the caller handles the report (for media and other features).
pub fn may_see(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<bool, ReportsError> {
    match handled(conn, principal, id) {
        Ok(_) => Ok(true),
        Err(ReportsError::NotFound | ReportsError::Forbidden) => Ok(false),
        Err(other) => Err(other),
    }
}
