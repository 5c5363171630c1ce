//! A matter decided by a poll of its scope: the check that a poll may be put to it, the timeline
//! entries the voting feature writes through here (put to a vote, the published result, a
//! cancelled poll), the check of a resolution's `vote_ref`, and the votes of the dossier. The
//! result is recorded on the matter's own timeline when the poll is published, so the matter's
//! file never reads the voting feature's tables.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::deliberation::{may_put_to_vote, vote_decides, VoteRefusal};
use domain::identity::principal::Principal;
use domain::voting::Outcome;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::queries::{self, Seen};
use super::rows::{self, EventRow};
use super::service::Caller;
use super::DeliberationError;
use crate::schema::matter_events::dsl as ev;
use crate::DbConn;

pub const PUT_TO_VOTE: &str = "put_to_vote";
pub const VOTE_PUBLISHED: &str = "vote_published";
pub const VOTE_CANCELLED: &str = "vote_cancelled";

/// One option of a published vote and its count.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OptionCount {
    pub text: String,
    pub count: u64,
}

/// A published poll's result as the matter records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoteResult {
    pub poll_id: String,
    pub title: String,
    pub kind: String,
    pub electorate: String,
    pub electorate_size: u64,
    pub ballots: u64,
    /// Ballots per hundred of the electorate, one decimal.
    pub turnout_percent: f64,
    pub counts: Vec<OptionCount>,
    /// passed, failed, no_quorum or counted.
    pub outcome: String,
    pub board_digest: String,
    pub roll_hash: Option<String>,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub published_at: NaiveDateTime,
}

impl VoteResult {
    /// The turnout of `ballots` over `size`, percent with one decimal (0 for an empty roll).
    pub fn turnout(ballots: u64, size: u64) -> f64 {
        if size == 0 {
            return 0.0;
        }
        (ballots as f64 * 1000.0 / size as f64).round() / 10.0
    }
}

/// Checks that a poll of `scope_id` may be put to the matter `matter_id` by the caller: they see
/// the matter (404 otherwise), the poll is of the matter's scope, and a decision the assembly
/// may take by vote is pending (a Wuyi major matter after its solicitation; a Wuyi big matter at
/// the committees).
pub fn check_attach(
    conn: &mut DbConn,
    principal: &Principal,
    matter_id: &str,
    scope_id: &str,
    min_days: u32,
    now: NaiveDateTime,
) -> Result<Seen, DeliberationError> {
    let seen = queries::seen(conn, principal, matter_id)?;
    if seen.row.scope_id != scope_id {
        return Err(DeliberationError::invalid("scope_id", "the scope of the matter put to the vote"));
    }
    let facts = super::decisions::facts(conn, &seen, min_days, now)?;
    may_put_to_vote(seen.status()?, facts).map_err(|refusal| match refusal {
        VoteRefusal::NotByVote => DeliberationError::invalid("matter_id", "a matter the assembly may decide by vote"),
        VoteRefusal::NotPending => DeliberationError::invalid(
            "matter_id",
            "a matter awaiting its decision (a major matter after its solicitation)",
        ),
    })?;
    Ok(seen)
}

/// The matter's timeline says it was put to a vote (in the poll's transaction).
pub fn put_to_vote(
    conn: &mut DbConn,
    caller: &Caller,
    matter_id: &str,
    poll_id: &str,
    title: &str,
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    let mut event = EventRow::new(matter_id, PUT_TO_VOTE, Some(&caller.principal.user_id), now);
    event.note = title.to_owned();
    event.details = json!({ "poll_id": poll_id }).to_string();
    rows::insert_event(conn, &event)?;
    Ok(())
}

/// Records a published poll's result on its matter (in the publishing transaction).
pub fn record_vote(
    conn: &mut DbConn,
    matter_id: &str,
    result: &VoteResult,
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    let mut event = EventRow::new(matter_id, VOTE_PUBLISHED, None, now);
    event.note = result.title.clone();
    event.details =
        serde_json::to_string(result).map_err(|e| DeliberationError::Corrupt(format!("vote result: {e}")))?;
    rows::insert_event(conn, &event)?;
    Ok(())
}

/// The matter's timeline says its poll was cancelled, and why.
pub fn record_cancel(
    conn: &mut DbConn,
    caller: &Caller,
    matter_id: &str,
    poll_id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), DeliberationError> {
    let mut event = EventRow::new(matter_id, VOTE_CANCELLED, Some(&caller.principal.user_id), now);
    event.note = reason.to_owned();
    event.details = json!({ "poll_id": poll_id }).to_string();
    rows::insert_event(conn, &event)?;
    Ok(())
}

/// The published votes of a matter, oldest first.
pub fn votes_of(conn: &mut DbConn, matter_id: &str) -> Result<Vec<VoteResult>, DeliberationError> {
    let details: Vec<String> = ev::matter_events
        .filter(ev::matter_id.eq(matter_id))
        .filter(ev::kind.eq(VOTE_PUBLISHED))
        .order(ev::id.asc())
        .select(ev::details)
        .load(conn)?;
    details
        .iter()
        .map(|d| serde_json::from_str(d).map_err(|e| DeliberationError::Corrupt(format!("vote of {matter_id}: {e}"))))
        .collect()
}

/// Checks a resolution's `vote_ref` when it names a poll (an id): a published poll of this
/// matter whose outcome decides (no quorum decided nothing). Any other text is the reference
/// of a paper vote at an assembly meeting and stays as written.
pub fn check_vote_ref(conn: &mut DbConn, matter_id: &str, vote_ref: &str) -> Result<(), DeliberationError> {
    if !domain::ids::is_valid_id(vote_ref) {
        return Ok(());
    }
    let vote = votes_of(conn, matter_id)?
        .into_iter()
        .find(|v| v.poll_id == vote_ref)
        .ok_or_else(|| DeliberationError::invalid("vote_ref", "a published poll of this matter"))?;
    let outcome = Outcome::parse(&vote.outcome)
        .map_err(|_| DeliberationError::Corrupt(format!("outcome of poll {}", vote.poll_id)))?;
    if !vote_decides(outcome) {
        return Err(DeliberationError::invalid("vote_ref", "a vote that reached its quorum"));
    }
    Ok(())
}
