//! Casting a ballot, online by the voter or recorded offline by staff: one transaction with the
//! participation row (the one-vote rule) and the ballot.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::identity::roles::Permission;
use domain::voting::{check_choices, Electorate, PollKind, PollStatus, Secrecy};

use super::queries::{self, sha256_hex};
use super::rows::{BallotRow, ParticipationRow, PollRow};
use super::VotingError;
use crate::db::Inserted;
use crate::identity::audit::Caller;
use crate::identity::queries::residency;
use crate::schema::ballots::dsl as b;
use crate::schema::poll_participation::dsl as pp;
use crate::schema::poll_roll::dsl as pr;
use crate::DbConn;

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
///
/// A voter's own cast reads its poll, the option count and its roll entry in one statement
/// ([`queries::cast_target`]); only a caller who is not on the roll (or staff recording a paper
/// ballot) goes through the full visibility rule, so the refusals stay 404, 409, 422, 403 in
/// that order.
pub fn cast(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    ballot: &Cast,
    now: NaiveDateTime,
) -> Result<BallotRow, VotingError> {
    let (poll, voter, key, recorded_by) = match &ballot.offline_for {
        Some(voter) => {
            let seen = queries::seen(conn, &caller.principal, id)?;
            seen.require(&caller.principal, Permission::ManagePolls)?;
            // Re-read under the same lock as a voter's cast, so closing counts it or refuses it.
            let (row, options, _) = queries::cast_target(conn, id, voter)?.ok_or(VotingError::NotFound)?;
            let poll = Poll::checked(row, options, ballot, now)?;
            let key = voter_key(conn, &poll.row, voter)?;
            (poll, voter.clone(), key, Some(caller.principal.user_id.clone()))
        }
        None => {
            let voter = caller.principal.subject().to_owned();
            let (poll, key) = online(conn, caller, id, &voter, ballot, now)?;
            (poll, voter, key, None)
        }
    };
    let participation = ParticipationRow {
        poll_id: id.to_owned(),
        voter_key: key,
        voter_id: voter.clone(),
        origin: if recorded_by.is_some() { "offline" } else { "online" }.to_owned(),
        recorded_by,
        voted_on: now.date(),
    };
    let choices_json = serde_json::to_string(&poll.choices).map_err(|e| VotingError::Corrupt(e.to_string()))?;
    if participate(conn, &participation)? == Inserted::Duplicate {
        return recast(conn, &poll.row, &participation, &voter, &choices_json);
    }
    let ballot_id = random_id();
    let row = BallotRow {
        receipt: sha256_hex(&format!("{id}|{ballot_id}|{choices_json}")),
        id: ballot_id,
        poll_id: id.to_owned(),
        choices: choices_json,
        origin: participation.origin.clone(),
        voter_id: (poll.row.secrecy != Secrecy::Secret.as_str()).then(|| voter.clone()),
        cast_on: now.date(),
    };
    diesel::insert_into(b::ballots).values(&row).execute(conn)?;
    award_ballot(conn, &poll.row, &voter, now)?;
    Ok(row)
}

/// Points for voting, by the village's automatic rule: once per poll and person, keyed by who
/// voted (as the participation row is), never by the ballot.
fn award_ballot(conn: &mut DbConn, poll: &PollRow, voter: &str, now: NaiveDateTime) -> Result<(), VotingError> {
    use crate::points::award::{award_in_tx, Award};
    let (source_ref, note) = (format!("poll:{}:{voter}", poll.id), format!("参加投票：{}", poll.title));
    let on = domain::calendar::beijing_day(now);
    let source = domain::points::rules::AutoSource::Ballot;
    let award = Award {
        unit_id: &poll.scope_id,
        user_id: voter,
        source,
        source_ref: &source_ref,
        minutes: None,
        on,
        note: &note,
    };
    // Stamped with the day only, as participation is: the entry must not tell when a secret
    // ballot was cast.
    let day = on.and_time(chrono::NaiveTime::MIN);
    award_in_tx(conn, &award, day).map_err(crate::InfraError::from)?;
    Ok(())
}

/// A poll that takes this ballot: open, before its close, and the choices valid for it.
struct Poll {
    row: PollRow,
    choices: Vec<usize>,
}

impl Poll {
    fn checked(row: PollRow, options: usize, ballot: &Cast, now: NaiveDateTime) -> Result<Self, VotingError> {
        let status = PollStatus::parse(&row.status).map_err(|_| corrupt(&row, "status"))?;
        if !status.takes_ballots() || now >= row.closes_at {
            return Err(VotingError::NotOpen);
        }
        let kind = PollKind::parse(&row.kind).map_err(|_| corrupt(&row, "kind"))?;
        let choices = check_choices(kind, options, row.max_choices.map(|k| k as u32), &ballot.choices)?;
        Ok(Self { row, choices })
    }
}

fn corrupt(row: &PollRow, what: &str) -> VotingError {
    VotingError::Corrupt(format!("{what} of poll {}", row.id))
}

/// The voter's own cast: one read when they are on the roll (a household poll adds the
/// household's); otherwise the full visibility rule decides between 404 and the refusals a
/// visible poll gives (not open, bad choices, not on the roll).
fn online(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    voter: &str,
    ballot: &Cast,
    now: NaiveDateTime,
) -> Result<(Poll, String), VotingError> {
    let (row, options, voter_on_roll) = queries::cast_target(conn, id, voter)?.ok_or(VotingError::NotFound)?;
    let key = if row.electorate == Electorate::Households.as_str() {
        match voter_key(conn, &row, voter) {
            Ok(key) => Some(key),
            Err(VotingError::NotOnRoll) => None,
            Err(other) => return Err(other),
        }
    } else {
        voter_on_roll.then(|| voter.to_owned())
    };
    if let Some(key) = key {
        return Ok((Poll::checked(row, options, ballot, now)?, key));
    }
    let seen = queries::seen(conn, &caller.principal, id)?;
    Poll::checked(seen.row, seen.options.len(), ballot, now)?;
    Err(VotingError::NotOnRoll)
}

/// The participation row, or `Duplicate` when the key voted: `ON CONFLICT DO NOTHING` on the
/// table's one unique key (poll, voter key), so the one-vote rule is the constraint itself, in
/// one statement where `insert_unique` needs a savepoint around the insert.
fn participate(conn: &mut DbConn, row: &ParticipationRow) -> Result<Inserted, VotingError> {
    // Per-backend branch: `ON CONFLICT DO NOTHING` cannot be expressed through the multi-backend
    // connection (as in cases::rows::insert).
    let inserted = match conn {
        DbConn::Pg(pg) => {
            diesel::insert_into(pp::poll_participation).values(row).on_conflict_do_nothing().execute(pg)?
        }
        DbConn::Sqlite(sqlite) => {
            diesel::insert_into(pp::poll_participation).values(row).on_conflict_do_nothing().execute(sqlite)?
        }
    };
    Ok(if inserted == 1 { Inserted::New } else { Inserted::Duplicate })
}

/// The voter's key on the roll: themself, or their household on a household poll. Refuses
/// someone not on the frozen roll.
fn voter_key(conn: &mut DbConn, poll: &PollRow, voter: &str) -> Result<String, VotingError> {
    let key = if poll.electorate == Electorate::Households.as_str() {
        residency::household_of(conn, voter)?.ok_or(VotingError::NotOnRoll)?
    } else {
        voter.to_owned()
    };
    let on_roll: i64 =
        pr::poll_roll.filter(pr::poll_id.eq(&poll.id)).filter(pr::voter_key.eq(&key)).count().get_result(conn)?;
    if on_roll == 0 {
        return Err(VotingError::NotOnRoll);
    }
    Ok(key)
}

/// A second ballot under a key that voted: another household member is refused; on an open
/// poll the voter's own online ballot takes the new choices; a secret poll's, a paper ballot, or
/// staff recording over an online vote is refused.
fn recast(
    conn: &mut DbConn,
    poll: &PollRow,
    participation: &ParticipationRow,
    voter: &str,
    choices_json: &str,
) -> Result<BallotRow, VotingError> {
    let (first, origin): (String, String) = pp::poll_participation
        .filter(pp::poll_id.eq(&participation.poll_id))
        .filter(pp::voter_key.eq(&participation.voter_key))
        .select((pp::voter_id, pp::origin))
        .first(conn)?;
    if first != voter {
        return Err(VotingError::HouseholdVoted);
    }
    // Only the voter changes their own online vote: a paper ballot is final, and staff never
    // overwrite what a voter cast.
    if poll.secrecy == Secrecy::Secret.as_str() || origin != "online" || participation.origin != "online" {
        return Err(VotingError::AlreadyVoted);
    }
    let mut row: BallotRow = b::ballots
        .filter(b::poll_id.eq(&poll.id))
        .filter(b::voter_id.eq(voter))
        .select(BallotRow::as_select())
        .first(conn)?;
    row.choices = choices_json.to_owned();
    row.receipt = sha256_hex(&format!("{}|{}|{}", poll.id, row.id, choices_json));
    diesel::update(b::ballots.filter(b::id.eq(&row.id)))
        .set((b::choices.eq(&row.choices), b::receipt.eq(&row.receipt)))
        .execute(conn)?;
    Ok(row)
}
