//! Reads of the voting feature: a poll as the caller may see it, a village's polls, the results,
//! the public board and one receipt.

use diesel::prelude::*;
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use domain::voting::{tally, Decision, Outcome, PollKind, PollStatus, Secrecy, Threshold, Visibility};
use sha2::{Digest, Sha256};

use super::rows::{BallotRow, OptionRow, PollRow};
use super::VotingError;
use crate::identity::queries::{org, residency, users};
use crate::schema::ballots::dsl as b;
use crate::schema::poll_options::dsl as po;
use crate::schema::poll_roll::dsl as pr;
use crate::schema::polls::dsl as p;
use crate::DbConn;

/// A poll the caller may see, with its options and where it sits.
#[derive(Debug, Clone)]
pub struct Seen {
    pub row: PollRow,
    pub options: Vec<OptionRow>,
    pub scope_path: Vec<String>,
}

fn corrupt(row: &PollRow, what: &str) -> VotingError {
    VotingError::Corrupt(format!("{what} of poll {}", row.id))
}

impl Seen {
    pub fn place(&self) -> Place {
        Place::in_org(self.scope_path.clone())
    }
    pub fn status(&self) -> Result<PollStatus, VotingError> {
        PollStatus::parse(&self.row.status).map_err(|_| corrupt(&self.row, "status"))
    }
    pub fn kind(&self) -> Result<PollKind, VotingError> {
        PollKind::parse(&self.row.kind).map_err(|_| corrupt(&self.row, "kind"))
    }
    pub fn secret(&self) -> bool {
        self.row.secrecy == Secrecy::Secret.as_str()
    }
    pub fn decision(&self) -> Result<Decision, VotingError> {
        let threshold = self.row.threshold.as_deref().map(Threshold::parse).transpose();
        Ok(Decision {
            quorum_percent: self.row.quorum_percent.and_then(|q| u8::try_from(q).ok()),
            threshold: threshold.map_err(|_| corrupt(&self.row, "threshold"))?,
        })
    }
    /// Refuses a caller without `permission` over the poll's scope (403: they see it).
    pub fn require(&self, principal: &Principal, permission: Permission) -> Result<(), VotingError> {
        principal.require(&self.place(), permission).map_err(|_| VotingError::Forbidden)
    }
    /// Results and the board show live, or once the poll has closed.
    pub fn results_shown(&self) -> Result<bool, VotingError> {
        let closed = matches!(self.status()?, PollStatus::Closed | PollStatus::Published);
        Ok(closed || self.row.results == Visibility::Live.as_str() && self.status()? == PollStatus::Open)
    }
}

/// Whether a caller lives in the scope (a resident of it or of a unit inside it).
pub fn lives_in(conn: &mut DbConn, principal: &Principal, scope_path: &[String]) -> Result<bool, VotingError> {
    let homes = residency::member_places(conn, principal.subject())?;
    Ok(homes.iter().any(|home| home.org_path.starts_with(scope_path)))
}

/// A poll as the caller may see it: residents of its scope and staff over it; 404 otherwise.
pub fn seen(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<Seen, VotingError> {
    let row: PollRow = p::polls
        .filter(p::id.eq(id))
        .select(PollRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(VotingError::NotFound)?;
    let scope_path = org::unit_path(conn, &row.scope_id)?.ok_or_else(|| corrupt(&row, "scope"))?;
    if !principal.sees(&Place::in_org(scope_path.clone())) && !lives_in(conn, principal, &scope_path)? {
        return Err(VotingError::NotFound);
    }
    let options = options_of(conn, &row.id)?;
    Ok(Seen { row, options, scope_path })
}

/// The cast path's one read: the poll, how many options it has, and whether `voter_key` is on
/// its frozen roll (being on the roll says the voter may see the poll; a caller who is not on it
/// goes through [`seen`] to tell 404 from the rest). `None`: no such poll.
pub fn cast_target(
    conn: &mut DbConn,
    id: &str,
    voter_key: &str,
) -> Result<Option<(PollRow, usize, bool)>, VotingError> {
    let options = po::poll_options.filter(po::poll_id.eq(id)).count().single_value();
    let on_roll = diesel::dsl::exists(pr::poll_roll.filter(pr::poll_id.eq(id)).filter(pr::voter_key.eq(voter_key)));
    let found: Option<(PollRow, Option<i64>, bool)> =
        p::polls.filter(p::id.eq(id)).select((PollRow::as_select(), options, on_roll)).first(conn).optional()?;
    Ok(found.map(|(row, options, on_roll)| (row, usize::try_from(options.unwrap_or(0)).unwrap_or(0), on_roll)))
}

pub(crate) fn options_of(conn: &mut DbConn, poll_id: &str) -> Result<Vec<OptionRow>, VotingError> {
    Ok(po::poll_options
        .filter(po::poll_id.eq(poll_id))
        .order(po::position.asc())
        .select(OptionRow::as_select())
        .load(conn)?)
}

/// The polls of a village the caller may see, newest first (at most 200).
pub fn of_village(conn: &mut DbConn, principal: &Principal, village_id: &str) -> Result<Vec<Seen>, VotingError> {
    let ids: Vec<String> =
        p::polls.filter(p::village_id.eq(village_id)).order(p::id.desc()).limit(200).select(p::id).load(conn)?;
    let mut seen_polls = Vec::new();
    for id in ids {
        match seen(conn, principal, &id) {
            Ok(one) => seen_polls.push(one),
            Err(VotingError::NotFound) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(seen_polls)
}

pub(crate) fn ballots_of(conn: &mut DbConn, poll_id: &str) -> Result<Vec<BallotRow>, VotingError> {
    Ok(b::ballots.filter(b::poll_id.eq(poll_id)).order(b::id.asc()).select(BallotRow::as_select()).load(conn)?)
}

/// The counts of a poll's ballots and the outcome they give.
#[derive(Debug, Clone)]
pub struct Results {
    pub seen: Seen,
    pub counts: Vec<u64>,
    pub ballots: u64,
    pub online: u64,
    pub offline: u64,
    pub electorate_size: u64,
    pub outcome: Outcome,
    /// An open poll's roll call: the voter's name and their choices.
    pub roll_call: Vec<(String, Vec<usize>)>,
}

/// Counts the ballots and decides: the tally a recount of the board repeats.
pub(crate) fn count(seen: &Seen, ballots: &[BallotRow]) -> Result<(Vec<u64>, Outcome), VotingError> {
    let positions: Vec<Vec<usize>> = ballots.iter().map(BallotRow::positions).collect();
    let counts = tally(seen.options.len(), positions.iter().map(Vec::as_slice));
    let leading = if seen.kind()? == PollKind::Motion {
        counts.first().copied().unwrap_or(0)
    } else {
        counts.iter().copied().max().unwrap_or(0)
    };
    let size = seen.row.electorate_size.unwrap_or(0).max(0) as u64;
    Ok((counts, seen.decision()?.outcome(size, ballots.len() as u64, leading)))
}

/// The results, live or after close as the poll says.
pub fn results(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<Results, VotingError> {
    let seen = seen(conn, principal, id)?;
    if !seen.results_shown()? {
        return Err(VotingError::ResultsHidden);
    }
    let ballots = ballots_of(conn, id)?;
    let (counts, outcome) = count(&seen, &ballots)?;
    let offline = ballots.iter().filter(|b| b.origin == "offline").count() as u64;
    let mut roll_call = Vec::new();
    if !seen.secret() {
        let voters: Vec<String> = ballots.iter().filter_map(|b| b.voter_id.clone()).collect();
        let names = users::names(conn, &voters)?;
        for ballot in &ballots {
            let name = ballot.voter_id.as_ref().and_then(|v| names.get(v)).cloned().unwrap_or_default();
            roll_call.push((name, ballot.positions()));
        }
        roll_call.sort();
    }
    Ok(Results {
        counts,
        ballots: ballots.len() as u64,
        online: ballots.len() as u64 - offline,
        offline,
        electorate_size: seen.row.electorate_size.unwrap_or(0).max(0) as u64,
        outcome,
        roll_call,
        seen,
    })
}

/// The public board: every ballot's receipt and choices (never a voter on a secret poll), and
/// the digest once closed.
#[derive(Debug, Clone)]
pub struct Board {
    pub seen: Seen,
    pub ballots: Vec<BallotRow>,
}

pub fn board(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<Board, VotingError> {
    let seen = seen(conn, principal, id)?;
    if !seen.results_shown()? {
        return Err(VotingError::ResultsHidden);
    }
    let mut ballots = ballots_of(conn, id)?;
    if seen.secret() {
        ballots.iter_mut().for_each(|b| b.voter_id = None);
    }
    Ok(Board { seen, ballots })
}

/// The ballot for a receipt (its holder checks it was counted as cast).
pub fn receipt(conn: &mut DbConn, principal: &Principal, id: &str, receipt: &str) -> Result<BallotRow, VotingError> {
    let seen = seen(conn, principal, id)?;
    let mut ballot: BallotRow = b::ballots
        .filter(b::poll_id.eq(id))
        .filter(b::receipt.eq(receipt))
        .select(BallotRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(VotingError::NotFound)?;
    if seen.secret() {
        ballot.voter_id = None;
    }
    Ok(ballot)
}

/// sha256 hex of text.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The board's digest: a hash chain over the ballots in id order, from the poll's id.
pub fn digest(poll_id: &str, ballots: &[BallotRow]) -> String {
    ballots.iter().fold(sha256_hex(poll_id), |chain, b| sha256_hex(&format!("{chain}|{}|{}", b.receipt, b.choices)))
}
