//! The jobs of a poll's life: `open_due` freezes the electorate into the roll and opens the
//! polls whose time has come; `close_due` counts, decides, seals the board and publishes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::identity::roles::Role;
use domain::voting::{transition, Electorate, Outcome, PollAction, PollStatus};
use serde_json::json;

use super::queries::{self, digest, sha256_hex, Seen};
use super::rows::{BallotRow, PollRow};
use super::service::{POLL_OPENED, POLL_PUBLISHED, POLL_REMINDER};
use super::VotingError;
use crate::db::write_tx;
use crate::deliberation::votes::{OptionCount, VoteResult};
use crate::identity::queries::{grants, org, residency};
use crate::schema::poll_participation::dsl as pp;
use crate::schema::poll_roll::dsl as pr;
use crate::schema::polls::dsl as p;
use crate::DbConn;

/// Approved residents of the scope (its unit and every unit inside it) at this moment.
fn residents_of(conn: &mut DbConn, scope_id: &str) -> Result<Vec<String>, VotingError> {
    let path = org::find_unit(conn, scope_id)?.map(|u| u.path).ok_or(VotingError::NotFound)?;
    Ok(residency::approved_under(conn, &path)?)
}

/// The voter keys of the electorate, sorted: user ids, or household ids for a household poll.
/// There is no birth date in identity, so "adults" are the approved residents (documented in
/// the README): registering as a resident is for adults.
fn electorate_keys(conn: &mut DbConn, row: &PollRow) -> Result<Vec<String>, VotingError> {
    let electorate = Electorate::parse(&row.electorate)
        .map_err(|_| VotingError::Corrupt(format!("electorate of poll {}", row.id)))?;
    let mut keys = match electorate {
        Electorate::Residents | Electorate::Adults => residents_of(conn, &row.scope_id)?,
        Electorate::Representatives => {
            let roles = [Role::Representative.as_str().to_owned()];
            grants::holders(conn, "org_unit", std::slice::from_ref(&row.village_id), &roles)?
        }
        Electorate::Households => {
            let people = residents_of(conn, &row.scope_id)?;
            residency::households_of(conn, &people)?
        }
    };
    keys.sort();
    keys.dedup();
    Ok(keys)
}

/// The people of a poll's roll, to tell: the voters, or the members of the households.
pub(crate) fn electorate_people(conn: &mut DbConn, poll_id: &str) -> Result<Vec<String>, VotingError> {
    let keys: Vec<String> = pr::poll_roll.filter(pr::poll_id.eq(poll_id)).select(pr::voter_key).load(conn)?;
    people_of(conn, poll_id, keys)
}

/// The people behind voter keys: themselves, or the members of the households.
fn people_of(conn: &mut DbConn, poll_id: &str, keys: Vec<String>) -> Result<Vec<String>, VotingError> {
    let electorate: String = p::polls.filter(p::id.eq(poll_id)).select(p::electorate).first(conn)?;
    if electorate == Electorate::Households.as_str() {
        return Ok(residency::members_of_households(conn, &keys)?);
    }
    Ok(keys)
}

/// Reminds the electors on the roll who have not voted (for a household poll, the members of
/// the households that have not): one notice each. Nobody learns who voted from it — the
/// organiser gets no list, and a voter's notice says only that the poll is closing.
pub(crate) fn remind_non_voters(conn: &mut DbConn, row: &PollRow, now: NaiveDateTime) -> Result<usize, VotingError> {
    let voted = pp::poll_participation.filter(pp::poll_id.eq(&row.id)).filter(pp::voter_key.eq(pr::voter_key));
    let keys: Vec<String> = pr::poll_roll
        .filter(pr::poll_id.eq(&row.id))
        .filter(diesel::dsl::not(diesel::dsl::exists(voted)))
        .select(pr::voter_key)
        .load(conn)?;
    let people = people_of(conn, &row.id, keys)?;
    let data = json!({ "poll": row.title, "closes_at": beijing(row.closes_at) });
    Ok(crate::notify::enqueue_to(conn, POLL_REMINDER, &people, &data, now)?)
}

/// Sends the automatic reminder of the open polls closing within `lead`: once per poll, to the
/// electors who have not voted; a poll shorter than the lead gets none (its opening notice
/// said when it closes), and a manual reminder inside the lead stands in for it.
pub fn remind_due(conn: &mut DbConn, lead: chrono::Duration, now: NaiveDateTime) -> Result<usize, VotingError> {
    let due: Vec<PollRow> = p::polls
        .filter(p::status.eq(PollStatus::Open.as_str()))
        .filter(p::closes_at.gt(now))
        .filter(p::closes_at.le(now + lead))
        .order(p::closes_at.asc())
        .select(PollRow::as_select())
        .load(conn)?;
    let mut reminded = 0;
    for row in due {
        let point = row.closes_at - lead;
        if row.opens_at >= point || row.reminded_at.is_some_and(|at| at >= point) {
            continue;
        }
        reminded += write_tx(conn, |conn| {
            // One conditional update claims the reminder: two sweepers never both send it.
            let claimed = diesel::update(
                p::polls.filter(p::id.eq(&row.id)).filter(p::reminded_at.is_null().or(p::reminded_at.lt(point))),
            )
            .set(p::reminded_at.eq(now))
            .execute(conn)?;
            if claimed == 1 {
                remind_non_voters(conn, &row, now)?;
            }
            Ok::<_, VotingError>(claimed)
        })?;
    }
    Ok(reminded)
}

fn beijing(at: NaiveDateTime) -> String {
    at.and_utc().with_timezone(&domain::calendar::beijing()).format("%Y-%m-%d %H:%M").to_string()
}

/// Opens the scheduled polls whose time has come, each in its own transaction: freezes the
/// electorate into the roll, stores its size and hash, tells the electorate.
pub fn open_due(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, VotingError> {
    let due: Vec<String> = p::polls
        .filter(p::status.eq(PollStatus::Scheduled.as_str()))
        .filter(p::opens_at.le(now))
        .select(p::id)
        .limit(100)
        .load(conn)?;
    let mut opened = 0;
    for id in due {
        opened += write_tx(conn, |conn| open_one(conn, &id, now))?;
    }
    Ok(opened)
}

fn open_one(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<usize, VotingError> {
    let row: PollRow = p::polls.filter(p::id.eq(id)).select(PollRow::as_select()).first(conn)?;
    if row.status != PollStatus::Scheduled.as_str() {
        return Ok(0);
    }
    let keys = electorate_keys(conn, &row)?;
    // One statement per key: the multi-backend connection has no batch insert.
    for key in &keys {
        diesel::insert_into(pr::poll_roll).values((pr::poll_id.eq(id), pr::voter_key.eq(key))).execute(conn)?;
    }
    let hash = sha256_hex(&keys.join("\n"));
    diesel::update(p::polls.filter(p::id.eq(id)))
        .set((
            p::status.eq(PollStatus::Open.as_str()),
            p::electorate_size.eq(keys.len() as i32),
            p::roll_hash.eq(hash),
            p::updated_at.eq(now),
        ))
        .execute(conn)?;
    let people = electorate_people(conn, id)?;
    let data = json!({ "poll": row.title, "closes_at": beijing(row.closes_at) });
    crate::notify::enqueue_to(conn, POLL_OPENED, &people, &data, now)?;
    Ok(1)
}

/// Closes the open polls whose time is over, each in its own transaction: counts, decides,
/// seals the board with its digest, publishes, tells the electorate the result.
pub fn close_due(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, VotingError> {
    let due: Vec<String> = p::polls
        .filter(p::status.eq(PollStatus::Open.as_str()))
        .filter(p::closes_at.le(now))
        .select(p::id)
        .limit(100)
        .load(conn)?;
    let mut closed = 0;
    for id in due {
        closed += write_tx(conn, |conn| close_one(conn, &id, now))?;
    }
    Ok(closed)
}

fn close_one(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<usize, VotingError> {
    let closed = transition(PollStatus::Open, PollAction::Close)?;
    // Close first, then count: the UPDATE waits for the casts in flight (they hold the row FOR
    // SHARE on PostgreSQL) and turns away the later ones, so the count misses no stored ballot.
    let claimed = diesel::update(p::polls.filter(p::id.eq(id)).filter(p::status.eq(PollStatus::Open.as_str())))
        .set((p::status.eq(closed.as_str()), p::updated_at.eq(now)))
        .execute(conn)?;
    if claimed == 0 {
        return Ok(0);
    }
    let row: PollRow = p::polls.filter(p::id.eq(id)).select(PollRow::as_select()).first(conn)?;
    let options = queries::options_of(conn, id)?;
    let path = org::unit_path(conn, &row.scope_id)?.unwrap_or_default();
    let seen = Seen { row, options, scope_path: path };
    let ballots = queries::ballots_of(conn, id)?;
    let (counts, outcome) = queries::count(&seen, &ballots)?;
    let published = transition(closed, PollAction::Publish)?;
    diesel::update(p::polls.filter(p::id.eq(id)))
        .set((
            p::status.eq(published.as_str()),
            p::outcome.eq(outcome.as_str()),
            p::board_digest.eq(digest(id, &ballots)),
            p::published_at.eq(now),
            p::updated_at.eq(now),
        ))
        .execute(conn)?;
    let summary: Vec<String> = seen.options.iter().zip(&counts).map(|(o, c)| format!("{} {}", o.text, c)).collect();
    if let Some(matter) = &seen.row.matter_id {
        crate::deliberation::votes::record_vote(conn, matter, &result_of(&seen, &counts, outcome, &ballots, now), now)?;
    }
    crate::points::rules::decide_by_vote(conn, id, outcome == Outcome::Passed, now)?;
    crate::notices::documents::decide_by_vote(conn, id, outcome == Outcome::Passed, now)?;
    let data = json!({ "poll": seen.row.title, "outcome": outcome.as_str(), "counts": summary.join("，") });
    let people = electorate_people(conn, id)?;
    crate::notify::enqueue_to(conn, POLL_PUBLISHED, &people, &data, now)?;
    if let Some(contest) = &seen.row.contest_id {
        super::contests::announce(conn, contest, &seen.options, &counts, now)?;
    }
    Ok(1)
}

/// A published poll's result as its matter records it.
fn result_of(seen: &Seen, counts: &[u64], outcome: Outcome, ballots: &[BallotRow], now: NaiveDateTime) -> VoteResult {
    let size = seen.row.electorate_size.unwrap_or(0).max(0) as u64;
    VoteResult {
        poll_id: seen.row.id.clone(),
        title: seen.row.title.clone(),
        kind: seen.row.kind.clone(),
        electorate: seen.row.electorate.clone(),
        electorate_size: size,
        ballots: ballots.len() as u64,
        turnout_percent: VoteResult::turnout(ballots.len() as u64, size),
        counts: seen.options.iter().zip(counts).map(|(o, c)| OptionCount { text: o.text.clone(), count: *c }).collect(),
        outcome: outcome.as_str().to_owned(),
        board_digest: digest(&seen.row.id, ballots),
        roll_hash: seen.row.roll_hash.clone(),
        opens_at: seen.row.opens_at,
        closes_at: seen.row.closes_at,
        published_at: now,
    }
}
