//! The jobs of a poll's life: `open_due` freezes the electorate into the roll and opens the
//! polls whose time has come; `close_due` counts, decides, seals the board and publishes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::identity::roles::Role;
use domain::voting::{transition, Electorate, PollAction, PollStatus};
use serde_json::json;

use super::queries::{self, digest, sha256_hex, Seen};
use super::rows::PollRow;
use super::service::{POLL_OPENED, POLL_PUBLISHED};
use super::VotingError;
use crate::db::write_tx;
use crate::identity::queries::{grants, org, residency};
use crate::schema::household_members::dsl as hm;
use crate::schema::poll_roll::dsl as pr;
use crate::schema::polls::dsl as p;
use crate::schema::residencies::dsl as r;
use crate::DbConn;

/// Approved residents of the scope (its unit and every unit inside it) at this moment.
fn residents_of(conn: &mut DbConn, scope_id: &str) -> Result<Vec<String>, VotingError> {
    let path = org::find_unit(conn, scope_id)?.map(|u| u.path).ok_or(VotingError::NotFound)?;
    let units = residency::units_under(conn, &[path])?;
    let mut people: Vec<String> = r::residencies
        .filter(r::status.eq("approved"))
        .filter(r::org_unit_id.eq_any(units))
        .select(r::user_id)
        .distinct()
        .load(conn)?;
    people.sort();
    Ok(people)
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
            hm::household_members.filter(hm::user_id.eq_any(people)).select(hm::household_id).distinct().load(conn)?
        }
    };
    keys.sort();
    keys.dedup();
    Ok(keys)
}

/// The people of a poll's roll, to tell: the voters, or the members of the households.
pub(crate) fn electorate_people(conn: &mut DbConn, poll_id: &str) -> Result<Vec<String>, VotingError> {
    let keys: Vec<String> = pr::poll_roll.filter(pr::poll_id.eq(poll_id)).select(pr::voter_key).load(conn)?;
    let members: Vec<String> =
        hm::household_members.filter(hm::household_id.eq_any(keys.clone())).select(hm::user_id).load(conn)?;
    let poll: String = p::polls.filter(p::id.eq(poll_id)).select(p::electorate).first(conn)?;
    Ok(if poll == Electorate::Households.as_str() { members } else { keys })
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
    let row: PollRow = p::polls.filter(p::id.eq(id)).select(PollRow::as_select()).first(conn)?;
    if row.status != PollStatus::Open.as_str() {
        return Ok(0);
    }
    let options = queries::options_of(conn, id)?;
    let path = org::unit_path(conn, &row.scope_id)?.unwrap_or_default();
    let seen = Seen { row, options, scope_path: path };
    let ballots = queries::ballots_of(conn, id)?;
    let (counts, outcome) = queries::count(&seen, &ballots)?;
    let closed = transition(PollStatus::Open, PollAction::Close)?;
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
    let data = json!({ "poll": seen.row.title, "outcome": outcome.as_str(), "counts": summary.join("，") });
    let people = electorate_people(conn, id)?;
    crate::notify::enqueue_to(conn, POLL_PUBLISHED, &people, &data, now)?;
    if let Some(contest) = &seen.row.contest_id {
        super::contests::announce(conn, contest, &seen.options, &counts, now)?;
    }
    Ok(1)
}
