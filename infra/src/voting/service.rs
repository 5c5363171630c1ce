//! Every write of the voting feature, each one transaction with its audit entry and its notices:
//! creating, editing, scheduling and cancelling a poll; the jobs that open due polls (freezing
//! the electorate into the roll) and close them (tally, outcome, board digest, publication);
//! casting a ballot (online, or recorded offline by staff).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::deliberation::values::check_scope;
use domain::identity::org::OrgKind;
use domain::identity::roles::{Permission, Place, Role};
use domain::voting::rules::MOTION_OPTIONS;
use domain::voting::{
    check_choices, check_options, transition, Decision, Electorate, PollAction, PollKind, PollStatus, Secrecy,
    Threshold, Visibility,
};
use serde_json::{json, Value};

use super::queries::{self, digest, sha256_hex, Seen};
use super::rows::{BallotRow, OptionRow, ParticipationRow, PollRow};
use super::VotingError;
use crate::db::{insert_unique, write_tx, Inserted};
use crate::deliberation::service::Caller;
use crate::identity::audit;
use crate::identity::queries::{grants, org, residency};
use crate::identity::rows::split_path;
use crate::schema::ballots::dsl as b;
use crate::schema::household_members::dsl as hm;
use crate::schema::poll_options::dsl as po;
use crate::schema::poll_participation::dsl as pp;
use crate::schema::poll_roll::dsl as pr;
use crate::schema::polls::dsl as p;
use crate::schema::residencies::dsl as r;
use crate::DbConn;

pub const POLL_OPENED: &str = "poll_opened";
pub const POLL_PUBLISHED: &str = "poll_published";
pub const POLL_CANCELLED: &str = "poll_cancelled";

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
        Ok(self)
    }
}

fn options_rows(poll_id: &str, options: &[String]) -> Vec<OptionRow> {
    options
        .iter()
        .enumerate()
        .map(|(i, text)| OptionRow {
            id: domain::new_id(),
            poll_id: poll_id.to_owned(),
            position: i as i32,
            text: text.trim().to_owned(),
            media_id: None,
            idea_id: None,
        })
        .collect()
}

fn insert_options(conn: &mut DbConn, poll_id: &str, options: &[String]) -> Result<(), VotingError> {
    for option in options_rows(poll_id, options) {
        diesel::insert_into(po::poll_options).values(&option).execute(conn)?;
    }
    Ok(())
}

/// Creates a draft poll in a village (or a unit inside it): staff with `ManagePolls` over it.
pub fn create(conn: &mut DbConn, caller: &Caller, draft: &Draft, now: NaiveDateTime) -> Result<Seen, VotingError> {
    write_tx(conn, |conn| {
        let unit =
            org::find_unit(conn, &draft.scope_id)?.ok_or_else(|| VotingError::invalid("scope_id", "unknown unit"))?;
        let kind = OrgKind::parse(&unit.kind).map_err(|_| VotingError::Corrupt(format!("kind of unit {}", unit.id)))?;
        let path = split_path(&unit.path);
        caller.principal.require(&Place::in_org(path.clone()), Permission::ManagePolls)?;
        check_scope(kind)?;
        let village = path.get(2).cloned().ok_or_else(|| VotingError::Corrupt(format!("path of {}", unit.id)))?;
        let row = PollRow {
            id: domain::new_id(),
            scope_id: unit.id.clone(),
            village_id: village,
            title: draft.title.clone(),
            description: draft.description.clone(),
            kind: draft.kind.as_str().to_owned(),
            max_choices: draft.max_choices.map(|k| k as i32),
            secrecy: draft.secrecy.as_str().to_owned(),
            electorate: draft.electorate.as_str().to_owned(),
            results: draft.results.as_str().to_owned(),
            shuffle: false,
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
            matter_id: None,
            contest_id: None,
            reminded_at: None,
            published_at: None,
            created_by: caller.principal.user_id.clone(),
            created_at: now,
            updated_at: now,
            version: 0,
        };
        diesel::insert_into(p::polls).values(&row).execute(conn)?;
        insert_options(conn, &row.id, &draft.options)?;
        record(caller, conn, "poll.create", &row.id, json!({ "scope_id": row.scope_id }), now)?;
        queries::seen(conn, &caller.principal, &row.id)
    })
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
        diesel::update(p::polls.filter(p::id.eq(id)))
            .set((
                p::title.eq(&draft.title),
                p::description.eq(&draft.description),
                p::kind.eq(draft.kind.as_str()),
                p::max_choices.eq(draft.max_choices.map(|k| k as i32)),
                p::secrecy.eq(draft.secrecy.as_str()),
                p::electorate.eq(draft.electorate.as_str()),
                p::results.eq(draft.results.as_str()),
                p::quorum_percent.eq(draft.decision.quorum_percent.map(i32::from)),
                p::threshold.eq(draft.decision.threshold.map(Threshold::as_str)),
                p::opens_at.eq(draft.opens_at),
                p::closes_at.eq(draft.closes_at),
                p::updated_at.eq(now),
                p::version.eq(seen.row.version + 1),
            ))
            .execute(conn)?;
        diesel::delete(po::poll_options.filter(po::poll_id.eq(id))).execute(conn)?;
        insert_options(conn, id, &draft.options)?;
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
        let (seen, next) = managed(conn, caller, id, PollAction::Cancel)?;
        diesel::update(p::polls.filter(p::id.eq(id)))
            .set((p::status.eq(next.as_str()), p::cancel_reason.eq(reason), p::updated_at.eq(now)))
            .execute(conn)?;
        if seen.status()? == PollStatus::Open {
            let people = electorate_people(conn, id)?;
            let data = json!({ "poll": seen.row.title, "reason": reason });
            crate::notify::enqueue_to(conn, POLL_CANCELLED, &people, &data, now)?;
        }
        record(caller, conn, "poll.cancel", id, json!({ "reason": reason }), now)?;
        queries::seen(conn, &caller.principal, id)
    })
}

fn set_status(conn: &mut DbConn, id: &str, status: PollStatus, now: NaiveDateTime) -> Result<(), VotingError> {
    diesel::update(p::polls.filter(p::id.eq(id)))
        .set((p::status.eq(status.as_str()), p::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The electorate

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
fn electorate_people(conn: &mut DbConn, poll_id: &str) -> Result<Vec<String>, VotingError> {
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
    Ok(1)
}

// ---------------------------------------------------------------------------------------------
// Casting

/// A ballot as received: online by the voter, or recorded offline by staff for `voter_id`.
#[derive(Debug, Clone)]
pub struct Cast {
    pub choices: Vec<usize>,
    /// Recorded offline (a paper ballot) for this voter by the caller.
    pub offline_for: Option<String>,
}

/// A random ballot id: never derived from the voter or the time.
fn random_id() -> String {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid().to_string()
}

/// Casts a ballot, inside the caller's transaction (the idempotency record's): the participation
/// row (its key is the one-vote rule) and the ballot together. A secret poll's ballot names no
/// voter and carries only the day; an open poll's names its voter and a recast replaces it.
pub fn cast(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    ballot: &Cast,
    now: NaiveDateTime,
) -> Result<BallotRow, VotingError> {
    let seen = queries::seen(conn, &caller.principal, id)?;
    let (voter, recorded_by) = match &ballot.offline_for {
        Some(voter) => {
            seen.require(&caller.principal, Permission::ManagePolls)?;
            (voter.clone(), Some(caller.principal.user_id.clone()))
        }
        None => (caller.principal.subject().to_owned(), None),
    };
    if !seen.status()?.takes_ballots() || now >= seen.row.closes_at {
        return Err(VotingError::NotOpen);
    }
    let choices =
        check_choices(seen.kind()?, seen.options.len(), seen.row.max_choices.map(|k| k as u32), &ballot.choices)?;
    let key = voter_key(conn, &seen, &voter)?;
    let participation = ParticipationRow {
        poll_id: id.to_owned(),
        voter_key: key.clone(),
        voter_id: voter.clone(),
        origin: if recorded_by.is_some() { "offline" } else { "online" }.to_owned(),
        recorded_by,
        voted_on: now.date(),
    };
    let inserted =
        insert_unique(conn, |conn| diesel::insert_into(pp::poll_participation).values(&participation).execute(conn))?;
    let choices_json = serde_json::to_string(&choices).map_err(|e| VotingError::Corrupt(e.to_string()))?;
    if inserted == Inserted::Duplicate {
        return recast(conn, &seen, &participation, &voter, &choices_json);
    }
    let ballot_id = random_id();
    let row = BallotRow {
        receipt: sha256_hex(&format!("{id}|{ballot_id}|{choices_json}")),
        id: ballot_id,
        poll_id: id.to_owned(),
        choices: choices_json,
        origin: participation.origin.clone(),
        voter_id: (!seen.secret()).then(|| voter.clone()),
        cast_on: now.date(),
    };
    diesel::insert_into(b::ballots).values(&row).execute(conn)?;
    Ok(row)
}

/// The voter's key on the roll: themself, or their household on a household poll. Refuses
/// someone not on the frozen roll.
fn voter_key(conn: &mut DbConn, seen: &Seen, voter: &str) -> Result<String, VotingError> {
    let key = if seen.row.electorate == Electorate::Households.as_str() {
        residency::household_of(conn, voter)?.ok_or(VotingError::NotOnRoll)?
    } else {
        voter.to_owned()
    };
    let on_roll: i64 =
        pr::poll_roll.filter(pr::poll_id.eq(&seen.row.id)).filter(pr::voter_key.eq(&key)).count().get_result(conn)?;
    if on_roll == 0 {
        return Err(VotingError::NotOnRoll);
    }
    Ok(key)
}

/// A second ballot under a key that voted: another household member is refused; on an open
/// poll the voter's own ballot takes the new choices; on a secret poll it is refused.
fn recast(
    conn: &mut DbConn,
    seen: &Seen,
    participation: &ParticipationRow,
    voter: &str,
    choices_json: &str,
) -> Result<BallotRow, VotingError> {
    let first: String = pp::poll_participation
        .filter(pp::poll_id.eq(&participation.poll_id))
        .filter(pp::voter_key.eq(&participation.voter_key))
        .select(pp::voter_id)
        .first(conn)?;
    if first != voter {
        return Err(VotingError::HouseholdVoted);
    }
    if seen.secret() {
        return Err(VotingError::AlreadyVoted);
    }
    let mut row: BallotRow = b::ballots
        .filter(b::poll_id.eq(&seen.row.id))
        .filter(b::voter_id.eq(voter))
        .select(BallotRow::as_select())
        .first(conn)?;
    row.choices = choices_json.to_owned();
    row.receipt = sha256_hex(&format!("{}|{}|{}", seen.row.id, row.id, choices_json));
    diesel::update(b::ballots.filter(b::id.eq(&row.id)))
        .set((b::choices.eq(&row.choices), b::receipt.eq(&row.receipt)))
        .execute(conn)?;
    Ok(row)
}
