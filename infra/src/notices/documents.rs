//! A village's versioned public documents in the database: drafts written by staff with
//! `PostNotices`, published at once or tied to an assembly poll that decides them (see
//! [`decide_by_vote`], called by voting when a poll is published or cancelled), the versions in
//! force and the public history.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::notices::documents::{transition, DocumentAction, DocumentDraft, DocumentId, DocumentKind, DocumentStatus};
use serde_json::json;

use super::board::{kept_village, record, village, BoardError};
use super::board_rows::DocumentRow;
use crate::identity::audit::Caller;
use crate::schema::board_documents::dsl as d;
use crate::DbConn;

fn find(conn: &mut DbConn, id: &str) -> Result<DocumentRow, BoardError> {
    d::board_documents
        .filter(d::id.eq(id))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(BoardError::NotFound)
}

fn status_of(row: &DocumentRow) -> Result<DocumentStatus, BoardError> {
    DocumentStatus::parse(&row.status).map_err(|_| BoardError::Corrupt(format!("board document {}: status", row.id)))
}

/// A version whose village the caller keeps (404 outside every scope, 403 without the right).
fn kept(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<DocumentRow, BoardError> {
    let row = find(conn, id)?;
    kept_village(conn, &caller.principal, &row.org_unit_id)?;
    Ok(row)
}

/// Writes the village's next version of a document of `draft.kind`, a draft, in the caller's
/// write transaction (`PostNotices`).
pub fn create_in_tx(
    conn: &mut DbConn,
    caller: &Caller,
    unit_id: &str,
    draft: &DocumentDraft,
    now: NaiveDateTime,
) -> Result<DocumentRow, BoardError> {
    kept_village(conn, &caller.principal, unit_id)?;
    let row = insert_draft(conn, unit_id, &caller.principal.user_id, draft, now)?;
    let details = json!({ "kind": row.kind, "version": row.version });
    record(caller, conn, "board.document.create", "board_document", &row.id, details, now)?;
    Ok(row)
}

/// Stores `draft` as the village's next version of its kind (no permission check: callers
/// check). Two versions written at once both get a number: the loser of the unique (village,
/// kind, version) key retries with the next.
pub fn insert_draft(
    conn: &mut DbConn,
    unit_id: &str,
    created_by: &str,
    draft: &DocumentDraft,
    now: NaiveDateTime,
) -> Result<DocumentRow, BoardError> {
    for _ in 0..5 {
        let last: Option<i32> = d::board_documents
            .filter(d::org_unit_id.eq(unit_id))
            .filter(d::kind.eq(draft.kind.as_str()))
            .select(diesel::dsl::max(d::version))
            .first(conn)?;
        let row = DocumentRow {
            id: DocumentId::generate().into_string(),
            org_unit_id: unit_id.to_owned(),
            kind: draft.kind.as_str().to_owned(),
            version: last.unwrap_or(0) + 1,
            status: DocumentStatus::Draft.as_str().to_owned(),
            title: draft.title.clone(),
            body: draft.body.clone(),
            powers: super::powers::to_text(&draft.powers),
            poll_id: None,
            created_by: created_by.to_owned(),
            created_at: now,
            in_force_at: None,
        };
        let inserted =
            crate::db::insert_unique(conn, |conn| diesel::insert_into(d::board_documents).values(&row).execute(conn))?;
        if inserted == crate::db::Inserted::Duplicate {
            continue;
        }
        return Ok(row);
    }
    Err(BoardError::Duplicate)
}

/// Stores `draft` and puts it in force at once (the demo's seed; no permission check).
pub fn seed_in_force(
    conn: &mut DbConn,
    unit_id: &str,
    created_by: &str,
    draft: &DocumentDraft,
    now: NaiveDateTime,
) -> Result<DocumentRow, BoardError> {
    let row = insert_draft(conn, unit_id, created_by, draft, now)?;
    put_in_force(conn, &row, DocumentAction::Publish, now)?;
    find(conn, &row.id)
}

/// Puts a version in force (a draft published, or a pending one whose vote passed): the
/// village's version of the kind in force before it is superseded in the same transaction.
fn put_in_force(
    conn: &mut DbConn,
    row: &DocumentRow,
    action: DocumentAction,
    now: NaiveDateTime,
) -> Result<(), BoardError> {
    let status = status_of(row)?;
    let next = transition(status, action)?;
    let superseded = transition(DocumentStatus::InForce, DocumentAction::Supersede)?;
    diesel::update(
        d::board_documents
            .filter(d::org_unit_id.eq(&row.org_unit_id))
            .filter(d::kind.eq(&row.kind))
            .filter(d::status.eq(DocumentStatus::InForce.as_str())),
    )
    .set(d::status.eq(superseded.as_str()))
    .execute(conn)?;
    let moved = diesel::update(d::board_documents.filter(d::id.eq(&row.id)).filter(d::status.eq(&row.status)))
        .set((d::status.eq(next.as_str()), d::in_force_at.eq(now)))
        .execute(conn)?;
    if moved == 0 {
        return Err(BoardError::NotNow { action: action.as_str(), status: status.as_str() });
    }
    Ok(())
}

/// Publishes a draft at once (`PostNotices`): in force, the earlier version superseded.
pub fn publish(conn: &mut DbConn, caller: &Caller, id: &str, now: NaiveDateTime) -> Result<DocumentRow, BoardError> {
    crate::db::write_tx(conn, |conn| {
        let row = kept(conn, caller, id)?;
        put_in_force(conn, &row, DocumentAction::Publish, now)?;
        record(caller, conn, "board.document.publish", "board_document", id, json!({ "kind": row.kind }), now)?;
        find(conn, id)
    })
}

/// Ties a draft to an assembly poll (`PostNotices`): a poll of the document's own village, not
/// yet closed, with a threshold that decides. One version of a kind per village waits (409).
pub fn submit_to_vote(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    poll_id: &str,
    now: NaiveDateTime,
) -> Result<DocumentRow, BoardError> {
    crate::db::write_tx(conn, |conn| {
        let row = kept(conn, caller, id)?;
        let next = transition(status_of(&row)?, DocumentAction::SubmitToVote)?;
        let poll = match crate::voting::queries::seen(conn, &caller.principal, poll_id) {
            Ok(seen) => seen,
            Err(crate::voting::VotingError::NotFound | crate::voting::VotingError::Forbidden) => {
                return Err(BoardError::invalid("poll_id", "no such poll"))
            }
            Err(crate::voting::VotingError::Db(e)) => return Err(BoardError::Db(e)),
            Err(other) => return Err(BoardError::Corrupt(format!("poll {poll_id}: {other}"))),
        };
        if poll.row.scope_id != row.org_unit_id {
            return Err(BoardError::invalid("poll_id", "a poll of the document's own village"));
        }
        if !matches!(poll.row.status.as_str(), "draft" | "scheduled" | "open") || poll.row.threshold.is_none() {
            return Err(BoardError::invalid("poll_id", "a poll not yet closed, with a threshold that decides"));
        }
        let moved = crate::db::insert_unique(conn, |conn| {
            diesel::update(d::board_documents.filter(d::id.eq(id)).filter(d::status.eq(&row.status)))
                .set((d::status.eq(next.as_str()), d::poll_id.eq(poll_id)))
                .execute(conn)
        })?;
        if moved == crate::db::Inserted::Duplicate {
            return Err(BoardError::Duplicate);
        }
        let details = json!({ "kind": row.kind, "poll_id": poll_id });
        record(caller, conn, "board.document.submit_to_vote", "board_document", id, details, now)?;
        find(conn, id)
    })
}

/// A poll was published or cancelled (called by voting inside its transaction): the versions
/// waiting for it come into force when it passed and are rejected otherwise. Returns how many
/// it decided.
pub fn decide_by_vote(conn: &mut DbConn, poll_id: &str, passed: bool, now: NaiveDateTime) -> Result<usize, BoardError> {
    let waiting: Vec<DocumentRow> = d::board_documents
        .filter(d::poll_id.eq(poll_id))
        .filter(d::status.eq(DocumentStatus::PendingVote.as_str()))
        .select(DocumentRow::as_select())
        .load(conn)?;
    for row in &waiting {
        if passed {
            put_in_force(conn, row, DocumentAction::VotePassed, now)?;
        } else {
            let rejected = transition(DocumentStatus::PendingVote, DocumentAction::VoteFailed)?;
            diesel::update(d::board_documents.filter(d::id.eq(&row.id)).filter(d::status.eq(&row.status)))
                .set(d::status.eq(rejected.as_str()))
                .execute(conn)?;
        }
    }
    Ok(waiting.len())
}

/// One version, for the staff who keep its village's board (drafts included).
pub fn get(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<DocumentRow, BoardError> {
    kept(conn, caller, id)
}

/// The village's versions in force, one per kind, in kind order.
pub fn in_force(conn: &mut DbConn, unit_id: &str) -> Result<Vec<DocumentRow>, BoardError> {
    let mut rows: Vec<DocumentRow> = d::board_documents
        .filter(d::org_unit_id.eq(unit_id))
        .filter(d::status.eq(DocumentStatus::InForce.as_str()))
        .select(DocumentRow::as_select())
        .load(conn)?;
    rows.sort_by_key(|r| DocumentKind::parse(&r.kind).ok());
    Ok(rows)
}

/// The public history of a village's documents (no login): versions in force or superseded,
/// newest first, optionally of one kind, before the id `before`. 404 for a unit not a village.
pub fn public_history(
    conn: &mut DbConn,
    unit_id: &str,
    kind: Option<DocumentKind>,
    before: Option<String>,
    limit: i64,
) -> Result<Vec<DocumentRow>, BoardError> {
    village(conn, unit_id)?;
    let public = [DocumentStatus::InForce.as_str(), DocumentStatus::Superseded.as_str()];
    let mut query = d::board_documents
        .filter(d::org_unit_id.eq(unit_id))
        .filter(d::status.eq_any(public))
        .order(d::id.desc())
        .limit(limit)
        .select(DocumentRow::as_select())
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(d::kind.eq(kind.as_str()));
    }
    if let Some(before) = before {
        query = query.filter(d::id.lt(before));
    }
    Ok(query.load(conn)?)
}
