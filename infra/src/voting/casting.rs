//! Casting a ballot, online by the voter or recorded offline by staff: one transaction with the
//! participation row (the one-vote rule) and the ballot.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::identity::roles::Permission;
use domain::voting::{check_choices, Electorate};

use super::queries::{self, sha256_hex, Seen};
use super::rows::{BallotRow, ParticipationRow};
use super::VotingError;
use crate::db::{insert_unique, Inserted};
use crate::deliberation::service::Caller;
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
/// poll the voter's own online ballot takes the new choices; a secret poll's, a paper ballot, or
/// staff recording over an online vote is refused.
fn recast(
    conn: &mut DbConn,
    seen: &Seen,
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
    if seen.secret() || origin != "online" || participation.origin != "online" {
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
