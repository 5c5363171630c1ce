//! Reads of the voting feature: a poll as the caller may see it, a village's polls, the results,
//! the public board and one receipt.

use std::collections::HashMap;

use diesel::prelude::*;
use domain::deliberation::values::check_scope;
use domain::identity::org::OrgKind;
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place, ScopeKind};
use domain::paging::PageLimit;
use domain::voting::{tally, Decision, Outcome, PollKind, PollStatus, Secrecy, Threshold, Visibility};
use sha2::{Digest, Sha256};

use super::rows::{BallotRow, OptionRow, PollRow};
use super::VotingError;
use crate::identity::queries::{org, residency, users};
use crate::identity::rows::{path_text, split_path};
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
    Ok(residency::lives_in(conn, principal.subject(), scope_path)?)
}

/// Refuses a caller who may not manage polls and contests at `path`: 403 for one inside it (its
/// resident, or staff who see it), 404 for anyone else.
pub(crate) fn require_managing(conn: &mut DbConn, principal: &Principal, path: &[String]) -> Result<(), VotingError> {
    let place = Place::in_org(path.to_vec());
    if principal.require(&place, Permission::ManagePolls).is_ok() {
        return Ok(());
    }
    let inside = principal.sees(&place) || lives_in(conn, principal, path)?;
    Err(if inside { VotingError::Forbidden } else { VotingError::NotFound })
}

/// The scope a new poll or contest is for, checked: a known unit that takes votes (a village,
/// compound, group or building) and that the caller may manage. Answers the scope's unit id and
/// its village.
pub(crate) fn managed_scope(
    conn: &mut DbConn,
    principal: &Principal,
    scope_id: &str,
) -> Result<ManagedScope, VotingError> {
    let unit = org::find_unit(conn, scope_id)?.ok_or_else(|| VotingError::invalid("scope_id", "unknown unit"))?;
    let kind = OrgKind::parse(&unit.kind).map_err(|_| VotingError::Corrupt(format!("kind of unit {}", unit.id)))?;
    let path = split_path(&unit.path);
    require_managing(conn, principal, &path)?;
    check_scope(kind)?;
    let village = path.get(2).cloned().ok_or_else(|| VotingError::Corrupt(format!("path of {}", unit.id)))?;
    Ok(ManagedScope { unit_id: unit.id, village })
}

/// A poll's or contest's scope as [`managed_scope`] checked it.
pub(crate) struct ManagedScope {
    pub unit_id: String,
    pub village: String,
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

/// Whether the caller may see a poll (for its options' pictures).
pub fn may_see(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<bool, VotingError> {
    match seen(conn, principal, id) {
        Ok(_) => Ok(true),
        Err(VotingError::NotFound) => Ok(false),
        Err(other) => Err(other),
    }
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
    // `as_select` is per backend: the query is written once and built for each.
    macro_rules! query {
        () => {
            p::polls.filter(p::id.eq(id)).select((PollRow::as_select(), options, on_roll))
        };
    }
    // On PostgreSQL the cast holds the poll row FOR SHARE until it commits: closing (an UPDATE of
    // that row) waits for casts in flight, and a cast that comes after sees the poll closed, so
    // no ballot is stored that the count missed. SQLite's write transactions queue anyway.
    let found: Option<(PollRow, Option<i64>, bool)> = match conn {
        DbConn::Pg(pg) => query!().for_share().first(pg).optional()?,
        DbConn::Sqlite(sqlite) => query!().first(sqlite).optional()?,
    };
    Ok(found.map(|(row, options, on_roll)| (row, usize::try_from(options.unwrap_or(0)).unwrap_or(0), on_roll)))
}

pub(crate) fn options_of(conn: &mut DbConn, poll_id: &str) -> Result<Vec<OptionRow>, VotingError> {
    Ok(po::poll_options
        .filter(po::poll_id.eq(poll_id))
        .order(po::position.asc())
        .select(OptionRow::as_select())
        .load(conn)?)
}

/// A page of a village's polls, newest first.
#[derive(Debug, Clone)]
pub struct PollPage {
    pub items: Vec<Seen>,
    /// The last id shown when there are more.
    pub more_after: Option<String>,
}

/// The scopes of a village a caller who is not staff over the whole village sees polls of: the
/// units on their homes' paths inside it, and the units under their org-unit grants inside it
/// (a grid's or a department's grant sees no poll, as `seen` says).
pub(crate) fn scopes_within(
    conn: &mut DbConn,
    principal: &Principal,
    village_path: &[String],
) -> Result<Vec<String>, VotingError> {
    let homes = residency::member_places(conn, principal.subject())?;
    let mut scopes: Vec<String> = homes
        .iter()
        .filter(|h| h.org_path.starts_with(village_path))
        .flat_map(|h| h.org_path[village_path.len() - 1..].to_vec())
        .collect();
    let granted: Vec<String> = principal
        .grants
        .iter()
        .filter(|g| g.scope_kind == ScopeKind::OrgUnit)
        .filter(|g| g.org_path.len() > village_path.len() && g.org_path.starts_with(village_path))
        .map(|g| path_text(&g.org_path))
        .collect();
    if !granted.is_empty() {
        scopes.extend(residency::units_under(conn, &granted)?);
    }
    scopes.sort();
    scopes.dedup();
    Ok(scopes)
}

/// A page of the polls of a village the caller may see, newest first, after the keyset
/// `before`: staff over the village see all of them, others those of the scopes they live in
/// (one index walk on `polls_village`, the options of the page in one statement).
pub fn page_of_village(
    conn: &mut DbConn,
    principal: &Principal,
    village_id: &str,
    before: Option<&str>,
    limit: PageLimit,
) -> Result<PollPage, VotingError> {
    let Some(village_path) = org::unit_path(conn, village_id)? else {
        return Ok(PollPage { items: Vec::new(), more_after: None });
    };
    let mut query = p::polls.filter(p::village_id.eq(village_id)).select(PollRow::as_select()).into_boxed();
    if !principal.sees(&Place::in_org(village_path.clone())) {
        query = query.filter(p::scope_id.eq_any(scopes_within(conn, principal, &village_path)?));
    }
    if let Some(before) = before {
        query = query.filter(p::id.lt(before.to_owned()));
    }
    let mut rows: Vec<PollRow> = query.order(p::id.desc()).limit(limit.probe()).load(conn)?;
    let shown = limit.get() as usize;
    let more_after = (rows.len() > shown).then(|| rows[shown - 1].id.clone());
    rows.truncate(shown);
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut options: HashMap<String, Vec<OptionRow>> = HashMap::new();
    let all: Vec<OptionRow> = po::poll_options
        .filter(po::poll_id.eq_any(&ids))
        .order((po::poll_id.asc(), po::position.asc()))
        .select(OptionRow::as_select())
        .load(conn)?;
    for option in all {
        options.entry(option.poll_id.clone()).or_default().push(option);
    }
    let scopes: Vec<String> = rows.iter().map(|r| r.scope_id.clone()).collect();
    let paths = org::unit_paths(conn, &scopes)?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let scope_path = paths.get(&row.scope_id).cloned().ok_or_else(|| corrupt(&row, "scope"))?;
        items.push(Seen { options: options.remove(&row.id).unwrap_or_default(), row, scope_path });
    }
    Ok(PollPage { items, more_after })
}

/// The order a viewer sees a poll's options in (indexes into `options`): as written, or, when
/// the poll shuffles, an order of the viewer's own — the same on every read, different between
/// voters, so no option gains from being first. Ballots name options by position either way.
pub fn option_order(seen: &Seen, viewer: &str) -> Vec<usize> {
    let mut order: Vec<usize> = (0..seen.options.len()).collect();
    if seen.row.shuffle {
        order.sort_by_cached_key(|&i| sha256_hex(&format!("{}|{viewer}|{}", seen.row.id, seen.options[i].id)));
    }
    order
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

// ---------------------------------------------------------------------------------------------
// Read by the figures (`infra::stats`)

/// Polls of `units` closed over `[from, to)` (closed or published): (id, scope, frozen electorate).
pub fn closed_between(
    conn: &mut DbConn,
    units: &[String],
    from: chrono::NaiveDateTime,
    to: chrono::NaiveDateTime,
) -> Result<Vec<(String, String, Option<i32>)>, diesel::result::Error> {
    p::polls
        .filter(p::scope_id.eq_any(units.to_vec()))
        .filter(p::status.eq_any([PollStatus::Closed.as_str(), PollStatus::Published.as_str()]))
        .filter(p::closes_at.ge(from))
        .filter(p::closes_at.lt(to))
        .select((p::id, p::scope_id, p::electorate_size))
        .load(conn)
}

/// The poll of each ballot cast in `polls` (one row a ballot).
pub fn ballot_polls(conn: &mut DbConn, polls: &[String]) -> Result<Vec<String>, diesel::result::Error> {
    if polls.is_empty() {
        return Ok(Vec::new());
    }
    b::ballots.filter(b::poll_id.eq_any(polls.to_vec())).select(b::poll_id).load(conn)
}

/// Who voted on the Beijing days `[from, to)`, anywhere.
pub fn voters_between(
    conn: &mut DbConn,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Vec<String>, diesel::result::Error> {
    use crate::schema::poll_participation::dsl as pp;
    pp::poll_participation
        .filter(pp::voted_on.ge(from))
        .filter(pp::voted_on.lt(to))
        .select(pp::voter_id)
        .distinct()
        .load(conn)
}
