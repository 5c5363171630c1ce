//! The writes of a poll's organiser, each one transaction with its audit entry and its notices:
//! creating, editing, scheduling and cancelling a poll. `sweep` opens and closes polls on time,
//! `casting` takes ballots.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::identity::roles::Permission;
use domain::voting::rules::MOTION_OPTIONS;
use domain::voting::{
    check_options, transition, Decision, Electorate, PollAction, PollKind, PollStatus, Secrecy, Threshold, Visibility,
};
use serde_json::{json, Value};

use super::queries::{self, Seen};
use super::rows::{OptionRow, PollRow};
use super::sweep::{self, electorate_people};
use super::VotingError;
use crate::db::{insert_unique, write_tx, Inserted};
use crate::deliberation::votes;
use crate::identity::audit;
use crate::identity::audit::Caller;
use crate::schema::poll_options::dsl as po;
use crate::schema::polls::dsl as p;
use crate::DbConn;

pub const POLL_OPENED: &str = "poll_opened";
pub const POLL_PUBLISHED: &str = "poll_published";
pub const POLL_CANCELLED: &str = "poll_cancelled";
pub const POLL_REMINDER: &str = "poll_reminder";

fn record(
    caller: &Caller,
    conn: &mut DbConn,
    action: &str,
    id: &str,
    details: Value,
    now: NaiveDateTime,
) -> Result<(), VotingError> {
    let entry = caller.origin.entry(Some(&caller.principal), action, "poll", id, details);
    audit::append(conn, &entry, now)?;
    Ok(())
}

/// A poll as its organiser wrote it, parsed.
#[derive(Debug, Clone)]
pub struct Draft {
    pub scope_id: String,
    pub title: String,
    pub description: String,
    pub kind: PollKind,
    pub options: Vec<String>,
    pub max_choices: Option<u32>,
    pub secrecy: Secrecy,
    pub electorate: Electorate,
    pub results: Visibility,
    pub decision: Decision,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    /// Each voter sees the options in an order of their own.
    pub shuffle: bool,
    /// A picture per option (an upload of the organiser's), by position; may be shorter.
    pub option_media: Vec<Option<String>>,
    /// The matter of deliberation whose decision the poll puts to a vote.
    pub matter_id: Option<String>,
}

impl Draft {
    /// Checks what the domain rules say of a poll; a motion without options gets its three.
    pub fn checked(mut self) -> Result<Self, VotingError> {
        if self.kind == PollKind::Motion && self.options.is_empty() {
            self.options = MOTION_OPTIONS.iter().map(|o| (*o).to_owned()).collect();
        }
        check_options(self.kind, self.options.len(), self.max_choices)?;
        self.decision = self.decision.check()?;
        if self.closes_at <= self.opens_at {
            return Err(VotingError::invalid("closes_at", "after opens_at"));
        }
        if self.options.iter().any(|o| o.trim().is_empty() || o.chars().count() > 200) {
            return Err(VotingError::invalid("options", "1 to 200 characters each"));
        }
        if self.option_media.len() > self.options.len() {
            return Err(VotingError::invalid("options", "a picture belongs to an option"));
        }
        Ok(self)
    }
}

fn options_rows(poll_id: &str, draft: &Draft) -> Vec<OptionRow> {
    draft
        .options
        .iter()
        .enumerate()
        .map(|(i, text)| OptionRow {
            id: domain::new_id(),
            poll_id: poll_id.to_owned(),
            position: i as i32,
            text: text.trim().to_owned(),
            media_id: draft.option_media.get(i).cloned().flatten(),
            idea_id: None,
        })
        .collect()
}

/// Writes a poll's options; their pictures must be the organiser's own uploads, free or this
/// poll's already.
fn insert_options(conn: &mut DbConn, caller: &Caller, poll_id: &str, draft: &Draft) -> Result<(), VotingError> {
    let mut pictures: Vec<String> = draft.option_media.iter().flatten().cloned().collect();
    pictures.sort();
    pictures.dedup();
    let held = crate::media::service::attach(
        conn,
        &pictures,
        &[&caller.principal.user_id],
        crate::media::service::Target::Poll(poll_id),
    )?;
    if held != pictures.len() {
        return Err(VotingError::invalid("options", "a picture must be your own upload, used by no other record"));
    }
    for option in options_rows(poll_id, draft) {
        diesel::insert_into(po::poll_options).values(&option).execute(conn)?;
    }
    Ok(())
}

/// Creates a draft poll in a village (or a unit inside it): staff with `ManagePolls` over it.
/// A poll put to a matter (`matter_id`) is checked by deliberation (`min_days`: the minimum
/// solicitation of a major matter), is one live poll per matter, and enters its timeline.
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    draft: &Draft,
    min_days: u32,
    now: NaiveDateTime,
) -> Result<Seen, VotingError> {
    write_tx(conn, |conn| create_in_tx(conn, caller, draft, min_days, now))
}

/// As [`create`], inside the caller's write transaction (a feature that creates a poll with a
/// record of its own, e.g. a village's leadership grading).
pub fn create_in_tx(
    conn: &mut DbConn,
    caller: &Caller,
    draft: &Draft,
    min_days: u32,
    now: NaiveDateTime,
) -> Result<Seen, VotingError> {
    {
        let scope = queries::managed_scope(conn, &caller.principal, &draft.scope_id)?;
        if let Some(matter) = &draft.matter_id {
            votes::check_attach(conn, &caller.principal, matter, &scope.unit_id, min_days, now)?;
        }
        let row = PollRow {
            id: domain::new_id(),
            scope_id: scope.unit_id,
            village_id: scope.village,
            title: draft.title.clone(),
            description: draft.description.clone(),
            kind: draft.kind.as_str().to_owned(),
            max_choices: draft.max_choices.map(|k| k as i32),
            secrecy: draft.secrecy.as_str().to_owned(),
            electorate: draft.electorate.as_str().to_owned(),
            results: draft.results.as_str().to_owned(),
            shuffle: draft.shuffle,
            quorum_percent: draft.decision.quorum_percent.map(i32::from),
            threshold: draft.decision.threshold.map(|t| t.as_str().to_owned()),
            status: PollStatus::Draft.as_str().to_owned(),
            opens_at: draft.opens_at,
            closes_at: draft.closes_at,
            electorate_size: None,
            roll_hash: None,
            board_digest: None,
            outcome: None,
            cancel_reason: None,
            matter_id: draft.matter_id.clone(),
            contest_id: None,
            reminded_at: None,
            published_at: None,
            created_by: caller.principal.user_id.clone(),
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let insert = |conn: &mut DbConn| diesel::insert_into(p::polls).values(&row).execute(conn);
        if insert_unique(conn, insert)? == Inserted::Duplicate {
            return Err(VotingError::MatterHasPoll);
        }
        if let Some(matter) = &draft.matter_id {
            votes::put_to_vote(conn, caller, matter, &row.id, &row.title, now)?;
        }
        insert_options(conn, caller, &row.id, draft)?;
        record(caller, conn, "poll.create", &row.id, json!({ "scope_id": row.scope_id }), now)?;
        queries::seen(conn, &caller.principal, &row.id)
    }
}

/// A poll the caller manages, with the step it asks for allowed by the poll's life.
fn managed(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    action: PollAction,
) -> Result<(Seen, PollStatus), VotingError> {
    let seen = queries::seen(conn, &caller.principal, id)?;
    seen.require(&caller.principal, Permission::ManagePolls)?;
    let next = transition(seen.status()?, action)?;
    Ok((seen, next))
}

/// Changes a draft or scheduled poll: its text, options and rules (the scope stays).
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    draft: &Draft,
    now: NaiveDateTime,
) -> Result<Seen, VotingError> {
    write_tx(conn, |conn| {
        let (seen, _) = managed(conn, caller, id, PollAction::Edit)?;
        if draft.matter_id != seen.row.matter_id {
            return Err(VotingError::invalid("matter_id", "the poll's matter stays as created"));
        }
        diesel::update(p::polls.filter(p::id.eq(id)))
            .set((
                p::title.eq(&draft.title),
                p::description.eq(&draft.description),
                p::kind.eq(draft.kind.as_str()),
                p::max_choices.eq(draft.max_choices.map(|k| k as i32)),
                p::secrecy.eq(draft.secrecy.as_str()),
                p::electorate.eq(draft.electorate.as_str()),
                p::results.eq(draft.results.as_str()),
                p::shuffle.eq(draft.shuffle),
                p::quorum_percent.eq(draft.decision.quorum_percent.map(i32::from)),
                p::threshold.eq(draft.decision.threshold.map(Threshold::as_str)),
                p::opens_at.eq(draft.opens_at),
                p::closes_at.eq(draft.closes_at),
                p::updated_at.eq(now),
                p::version.eq(seen.row.version + 1),
            ))
            .execute(conn)?;
        diesel::delete(po::poll_options.filter(po::poll_id.eq(id))).execute(conn)?;
        insert_options(conn, caller, id, draft)?;
        record(caller, conn, "poll.update", id, json!({}), now)?;
        queries::seen(conn, &caller.principal, id)
    })
}

/// Schedules a draft poll: the job opens it at `opens_at`.
pub fn schedule(conn: &mut DbConn, caller: &Caller, id: &str, now: NaiveDateTime) -> Result<Seen, VotingError> {
    write_tx(conn, |conn| {
        let (_, next) = managed(conn, caller, id, PollAction::Schedule)?;
        set_status(conn, id, next, now)?;
        record(caller, conn, "poll.schedule", id, json!({}), now)?;
        queries::seen(conn, &caller.principal, id)
    })
}

/// Cancels a poll with a reason; once it was open, its electorate is told.
pub fn cancel(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Seen, VotingError> {
    write_tx(conn, |conn| {
        let contest: Option<String> =
            p::polls.filter(p::id.eq(id)).select(p::contest_id).first(conn).optional()?.flatten();
        if contest.is_some() {
            // A contest's vote ends with its contest, which tells the authors too.
            return Err(VotingError::invalid("id", "a golden-idea contest's poll: cancel the contest"));
        }
        cancel_within(conn, caller, id, reason, now)
    })
}

/// Cancels a poll inside the caller's transaction (a contest cancelled while voting).
pub(crate) fn cancel_within(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Seen, VotingError> {
    let (seen, next) = managed(conn, caller, id, PollAction::Cancel)?;
    diesel::update(p::polls.filter(p::id.eq(id)))
        .set((p::status.eq(next.as_str()), p::cancel_reason.eq(reason), p::updated_at.eq(now)))
        .execute(conn)?;
    if seen.status()? == PollStatus::Open {
        let people = electorate_people(conn, id)?;
        let data = json!({ "poll": seen.row.title, "reason": reason });
        crate::notify::enqueue_to(conn, POLL_CANCELLED, &people, &data, now)?;
    }
    if let Some(matter) = &seen.row.matter_id {
        votes::record_cancel(conn, caller, matter, id, reason, now)?;
    }
    // A points rule set waiting for this vote is not adopted.
    crate::points::rules::decide_by_vote(conn, id, false, now)?;
    // A board document waiting for this vote is not adopted either.
    crate::notices::documents::decide_by_vote(conn, id, false, now)?;
    record(caller, conn, "poll.cancel", id, json!({ "reason": reason }), now)?;
    queries::seen(conn, &caller.principal, id)
}

/// Stores a poll made by a job (a contest's vote) with its options, each linked to an idea;
/// `open_due` opens it at its time like any scheduled poll.
pub(crate) fn insert_scheduled(
    conn: &mut DbConn,
    row: &PollRow,
    options: &[(String, String)],
) -> Result<(), VotingError> {
    diesel::insert_into(p::polls).values(row).execute(conn)?;
    for (i, (text, idea_id)) in options.iter().enumerate() {
        let option = OptionRow {
            id: domain::new_id(),
            poll_id: row.id.clone(),
            position: i as i32,
            text: text.clone(),
            media_id: None,
            idea_id: Some(idea_id.clone()),
        };
        diesel::insert_into(po::poll_options).values(&option).execute(conn)?;
    }
    Ok(())
}

fn set_status(conn: &mut DbConn, id: &str, status: PollStatus, now: NaiveDateTime) -> Result<(), VotingError> {
    diesel::update(p::polls.filter(p::id.eq(id)))
        .set((p::status.eq(status.as_str()), p::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// How soon after one reminder the organiser may send another.
const REMIND_SPACING_MINUTES: i64 = 60;

/// Reminds, with one tap, the electors of an open poll who have not voted (staff who manage
/// it): at most once an hour, so nobody is pestered; the answer says when, never to whom.
pub fn remind(conn: &mut DbConn, caller: &Caller, id: &str, now: NaiveDateTime) -> Result<Seen, VotingError> {
    write_tx(conn, |conn| {
        let mut seen = queries::seen(conn, &caller.principal, id)?;
        seen.require(&caller.principal, Permission::ManagePolls)?;
        if !seen.status()?.takes_ballots() || now >= seen.row.closes_at {
            return Err(VotingError::NotOpen);
        }
        let since = now - chrono::Duration::minutes(REMIND_SPACING_MINUTES);
        let claimed =
            diesel::update(p::polls.filter(p::id.eq(id)).filter(p::reminded_at.is_null().or(p::reminded_at.le(since))))
                .set(p::reminded_at.eq(now))
                .execute(conn)?;
        if claimed == 0 {
            return Err(VotingError::RemindedRecently);
        }
        sweep::remind_non_voters(conn, &seen.row, now)?;
        record(caller, conn, "poll.remind", id, json!({}), now)?;
        seen.row.reminded_at = Some(now);
        Ok(seen)
    })
}
