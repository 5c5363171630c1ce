//! Every write of the reports feature: filing (with the daily quota, the follow-up code and the
//! notices to the handlers), a handler's answer, the reporter's addition by code. Each is one
//! write transaction with its audit entry and its outbox notices; none records who the reporter
//! is.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use domain::identity::principal::Principal;
use domain::identity::roles::Role;
use domain::reports::{
    coarse_time, code_from_bytes, township_only, transition, MessageKind, ReportStatus, ReportSubject, DAILY_LIMIT,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::queries::{self, FollowUpView, ReportView};
use super::rows::{AttachmentRow, MessageRow, QuotaRow, ReportRow};
use super::ReportsError;
use crate::db::{write_tx, DbConn};
use crate::identity::audit;
use crate::identity::queries::{grants, org};
use crate::media::MediaStore;
use crate::schema::report_attachments::dsl as ra;
use crate::schema::report_quota::dsl as q;
use crate::schema::reports::dsl as r;

/// A report as the reporter files it, validated.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub org_unit_id: String,
    pub subject: ReportSubject,
    pub text: String,
    pub named_user_id: Option<String>,
    pub named_name: Option<String>,
    /// The reporter's own free uploads: copied to the report without owner, then deleted.
    pub attachments: Vec<String>,
}

/// Who files, as far as the quota needs to know: a keyed hash of (person, day) the api computes
/// with the server's secret, and that day.
#[derive(Debug, Clone)]
pub struct Filer {
    pub hash: String,
    pub day: NaiveDate,
}

/// A filed report and its follow-up code, shown this once.
#[derive(Debug, Clone)]
pub struct Filed {
    pub id: String,
    pub status: ReportStatus,
    pub created_at: NaiveDateTime,
    pub follow_up_code: String,
}

/// A handler's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: ReportStatus,
    pub text: String,
}

/// SHA-256 (hex) of a follow-up code: what is stored and looked up.
pub fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// A UUIDv7 of the hour: time-ordered like every id, without saying the minute.
fn coarse_id(at: NaiveDateTime) -> String {
    let secs = u64::try_from(at.and_utc().timestamp()).unwrap_or(0);
    uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, 0)).to_string()
}

/// Takes the next slot of the filer's day; past [`DAILY_LIMIT`] the day is used up. The slot is
/// a primary key: two filings at once cannot both take the last one.
fn take_slot(conn: &mut DbConn, filer: &Filer) -> Result<(), ReportsError> {
    let used: i64 = q::report_quota.filter(q::filer_hash.eq(&filer.hash)).count().get_result(conn)?;
    if used >= DAILY_LIMIT {
        return Err(ReportsError::DailyLimit);
    }
    let row = QuotaRow { filer_hash: filer.hash.clone(), slot: used + 1, day: filer.day };
    match diesel::insert_into(q::report_quota).values(&row).execute(conn) {
        Ok(_) => Ok(()),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Err(ReportsError::DailyLimit),
        Err(other) => Err(other.into()),
    }
}

/// The village a report is filed about: a unit of kind village.
fn village(conn: &mut DbConn, id: &str) -> Result<(String, Vec<String>), ReportsError> {
    let unit = org::find_unit(conn, id)?.ok_or_else(|| ReportsError::invalid("org_unit_id", "no such village"))?;
    if unit.kind != "village" {
        return Err(ReportsError::invalid("org_unit_id", "a village"));
    }
    let path = org::unit_path(conn, id)?.ok_or_else(|| ReportsError::invalid("org_unit_id", "no such village"))?;
    Ok((unit.name, path))
}

/// Whether `user_id` holds a staff post in the village (or below it).
fn serves_in(conn: &mut DbConn, user_id: &str, village_path: &[String]) -> Result<bool, ReportsError> {
    let held = grants::of_user(conn, user_id)?;
    Ok(held.iter().any(|g| g.role.is_staff() && g.org_path.starts_with(village_path)))
}

/// Who is told of a report: the village's supervisory committee (unless it goes to the township
/// only) and the township's officers; never the person it names.
fn handlers(conn: &mut DbConn, row: &ReportRow, path: &[String]) -> Result<Vec<String>, ReportsError> {
    let mut people = Vec::new();
    if !row.township_only {
        people.extend(grants::holders(
            conn,
            "org_unit",
            std::slice::from_ref(&row.org_unit_id),
            &[Role::Supervisor.as_str().into()],
        )?);
    }
    let above: Vec<String> = path.iter().take(path.len().saturating_sub(1)).cloned().collect();
    people.extend(grants::holders(conn, "org_unit", &above, &[Role::TownshipOfficer.as_str().into()])?);
    people.sort();
    people.dedup();
    people.retain(|p| Some(p) != row.named_user_id.as_ref());
    Ok(people)
}

fn notify(conn: &mut DbConn, kind: &str, row: &ReportRow, now: NaiveDateTime) -> Result<(), ReportsError> {
    let (name, path) = village(conn, &row.org_unit_id)?;
    let people = handlers(conn, row, &path)?;
    crate::notify::enqueue_to(conn, kind, &people, &json!({ "village": name }), now)?;
    Ok(())
}

/// Moves the reporter's uploads to the report: each copied under a new id of the report's hour
/// into `report_attachments` (no owner), its own row deleted (only if still the caller's and
/// free, so a racing attach elsewhere makes this refuse). Each copy's id goes into `copies` as
/// soon as its file is written, so that the caller deletes every one if the transaction fails.
fn take_attachments(
    conn: &mut DbConn,
    files: &MediaStore,
    principal: &Principal,
    report: &ReportRow,
    ids: &[String],
    copies: &mut Vec<String>,
) -> Result<(), ReportsError> {
    let refused = || ReportsError::invalid("attachments", "your own uploads, attached to nothing else");
    let uploads = crate::media::queries::of_ids(conn, ids)?;
    let usable = uploads.iter().filter(|m| m.is_free() && crate::media::queries::is_own(principal, m)).count();
    if usable != ids.len() {
        return Err(refused());
    }
    // In the order the reporter listed them.
    for upload in ids.iter().filter_map(|id| uploads.iter().find(|u| &u.id == id)) {
        let bytes = files.get(&upload.id).map_err(|e| ReportsError::Files(e.to_string()))?.ok_or_else(refused)?;
        let copy = AttachmentRow {
            id: coarse_id(report.created_at),
            report_id: report.id.clone(),
            kind: upload.kind.clone(),
            mime: upload.mime.clone(),
            size_bytes: upload.size_bytes,
        };
        files.put(&copy.id, &bytes).map_err(|e| ReportsError::Files(e.to_string()))?;
        copies.push(copy.id.clone());
        diesel::insert_into(ra::report_attachments).values(&copy).execute(conn)?;
    }
    if crate::media::service::delete_free(conn, ids, &upload_owners(principal))? != ids.len() {
        return Err(refused());
    }
    Ok(())
}

fn upload_owners(principal: &Principal) -> [&str; 2] {
    [principal.user_id.as_str(), principal.subject()]
}

/// Files a report (in one write transaction): the filer's daily slot taken, the village checked,
/// a named account checked to be staff of the village, the reporter's uploads moved to the report
/// without owner, the report stored with its times rounded to the hour, and the handlers told "a
/// new report in <village>". Filing by proxy is refused: the proxy would know.
pub fn file(
    conn: &mut DbConn,
    files: &MediaStore,
    principal: &Principal,
    filer: &Filer,
    new: &NewReport,
    now: NaiveDateTime,
) -> Result<Filed, ReportsError> {
    if principal.acting_for.is_some() {
        return Err(ReportsError::Forbidden);
    }
    let at = coarse_time(now);
    let follow_up_code = code_from_bytes(&rand::random::<[u8; 16]>());
    let mut copied = Vec::new();
    let filed = write_tx(conn, |conn| {
        let (_, path) = village(conn, &new.org_unit_id)?;
        if let Some(named) = &new.named_user_id {
            if !serves_in(conn, named, &path)? {
                return Err(ReportsError::invalid("named_user_id", "a cadre or staff member of the village"));
            }
        }
        take_slot(conn, filer)?;
        let row = ReportRow {
            id: coarse_id(at),
            org_unit_id: new.org_unit_id.clone(),
            subject: new.subject.as_str().to_owned(),
            body: new.text.clone(),
            named_user_id: new.named_user_id.clone(),
            named_name: new.named_name.clone(),
            township_only: township_only(new.named_user_id.is_some() || new.named_name.is_some()),
            status: ReportStatus::Received.as_str().to_owned(),
            follow_up_hash: code_hash(&follow_up_code),
            created_at: at,
            updated_at: at,
        };
        // No audit entry: an entry's id is a UUIDv7 of the very millisecond, and sits in the
        // log beside the filer's own entries (a phone bound, a login): it would time and place
        // the filing. The report row itself, with its hour, is the record.
        diesel::insert_into(r::reports).values(&row).execute(conn)?;
        take_attachments(conn, files, principal, &row, &new.attachments, &mut copied)?;
        notify(conn, "report_received", &row, now)?;
        let filed = Filed {
            id: row.id,
            status: ReportStatus::Received,
            created_at: at,
            follow_up_code: follow_up_code.clone(),
        };
        Ok(filed)
    });
    // Files are not in the transaction: the uploads' go once it committed, the copies' if not.
    let gone = if filed.is_ok() { new.attachments.clone() } else { copied };
    for id in gone {
        if let Err(error) = files.delete(&id) {
            tracing::warn!(%error, "a report attachment's leftover file was not deleted");
        }
    }
    filed
}

/// A handler answers a report (`HandleReports` over it, never the person it names), moving its
/// status; the answer is what the follow-up shows.
pub fn answer(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &audit::Origin,
    id: &str,
    answer: &Answer,
    now: NaiveDateTime,
) -> Result<ReportView, ReportsError> {
    write_tx(conn, |conn| {
        let row = queries::handled(conn, principal, id)?;
        let status = ReportStatus::parse(&row.status).map_err(|_| ReportsError::Corrupt(format!("report {id}")))?;
        let next = transition(status, answer.status)?;
        let moved = diesel::update(r::reports.filter(r::id.eq(id)).filter(r::status.eq(&row.status)))
            .set((r::status.eq(next.as_str()), r::updated_at.eq(now)))
            .execute(conn)?;
        if moved == 0 {
            return Err(ReportsError::NotNow { to: next.as_str(), status: status.as_str() });
        }
        let message = MessageRow {
            id: domain::new_id(),
            report_id: row.id.clone(),
            kind: MessageKind::Answer.as_str().to_owned(),
            body: answer.text.clone(),
            status: Some(next.as_str().to_owned()),
            author_id: Some(principal.user_id.clone()),
            created_at: now,
        };
        diesel::insert_into(crate::schema::report_messages::table).values(&message).execute(conn)?;
        let details = json!({ "status": next.as_str() });
        audit::append(conn, &origin.entry(Some(principal), "report.answered", "report", id, details), now)?;
        let updated = queries::find(conn, id)?;
        queries::view(conn, updated)
    })
}

/// The reporter adds information with the follow-up code (no account needed): stored with its
/// time rounded to the hour and no author; the handlers are told. A closed report takes none.
pub fn add(
    conn: &mut DbConn,
    code: Option<&str>,
    text: &str,
    now: NaiveDateTime,
) -> Result<FollowUpView, ReportsError> {
    write_tx(conn, |conn| {
        let row = queries::by_code(conn, code)?;
        if row.status == ReportStatus::Closed.as_str() {
            return Err(ReportsError::NotNow { to: "addition", status: ReportStatus::Closed.as_str() });
        }
        let at = coarse_time(now);
        let message = MessageRow {
            id: coarse_id(at),
            report_id: row.id.clone(),
            kind: MessageKind::Addition.as_str().to_owned(),
            body: text.to_owned(),
            status: None,
            author_id: None,
            created_at: at,
        };
        // Not audited, as filing is not: the entry's precise id would time the reporter.
        diesel::insert_into(crate::schema::report_messages::table).values(&message).execute(conn)?;
        notify(conn, "report_added_to", &row, now)?;
        queries::follow_up_of(conn, row)
    })
}

/// Reads a report by its follow-up code: an audit entry (no actor, address or request: the reader
/// is the reporter) and the report's status and answers.
pub fn follow_up(conn: &mut DbConn, code: Option<&str>, now: NaiveDateTime) -> Result<FollowUpView, ReportsError> {
    write_tx(conn, |conn| {
        let row = queries::by_code(conn, code)?;
        let entry = audit::Entry {
            action: "report.follow_up_read",
            object_kind: "report",
            object_id: &row.id,
            details: json!({}),
            ..audit::Entry::default()
        };
        audit::append(conn, &entry, coarse_time(now))?;
        queries::follow_up_of(conn, row)
    })
}

/// Drops quota rows of days before `before` (their hashes can match nothing any more).
pub fn purge_quota(conn: &mut DbConn, before: NaiveDate) -> Result<usize, DieselError> {
    diesel::delete(q::report_quota.filter(q::day.lt(before))).execute(conn)
}
