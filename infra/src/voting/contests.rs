//! Golden-idea contests (金点子评比) in the database: staff create a contest, residents submit
//! ideas in the submission window (through the deliberation content check: clear text waits as
//! `pending`, flagged text as `held`, both for staff review, never dropped), staff approve or
//! reject them, the `contest_voting` job turns the approved ideas into a scheduled secret poll
//! at `vote_opens_at` (fewer than two: the contest is cancelled and the authors told), and
//! publishing that poll (`sweep::close_one`) announces the winners.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::deliberation::content::{verdict, Moderation, WeChatVerdict};
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use domain::voting::contest::{
    ballot_choices, check_rules, placings, submissions_open, transition, ContestAction, ContestStatus, IdeaModeration,
    Windows,
};
use domain::voting::{Electorate, PollKind, PollStatus, Secrecy, Visibility};
use serde_json::{json, Value};

use super::queries::lives_in;
use super::rows::{ContestRow, IdeaRow, OptionRow, PollRow};
use super::VotingError;
use crate::db::write_tx;
use crate::identity::audit;
use crate::identity::audit::Caller;
use crate::identity::queries::org;
use crate::schema::contests::dsl as c;
use crate::schema::ideas::dsl as i;
use crate::DbConn;

/// The authors, when a contest is cancelled.
pub const CONTEST_CANCELLED: &str = "contest_cancelled";
/// A winning idea's author.
pub const CONTEST_WON: &str = "contest_won";
/// The other authors, when the winners are announced.
pub const CONTEST_ANNOUNCED: &str = "contest_announced";
/// An idea's author, when staff approve or reject it.
pub const IDEA_MODERATED: &str = "idea_moderated";

/// An idea before the announcement; then `winner` or `placed`.
const SUBMITTED: &str = "submitted";
const WINNER: &str = "winner";
const PLACED: &str = "placed";

/// Why the job cancels a contest with too few approved ideas.
pub const TOO_FEW_IDEAS: &str = "通过审核的点子不足两个，评比取消";

fn record(
    caller: &Caller,
    conn: &mut DbConn,
    action: &str,
    kind: &str,
    id: &str,
    details: Value,
    now: NaiveDateTime,
) -> Result<(), VotingError> {
    let entry = caller.origin.entry(Some(&caller.principal), action, kind, id, details);
    audit::append(conn, &entry, now)?;
    Ok(())
}

fn corrupt(row: &ContestRow, what: &str) -> VotingError {
    VotingError::Corrupt(format!("{what} of contest {}", row.id))
}

/// A contest as its creator wrote it, checked.
#[derive(Debug, Clone)]
pub struct NewContest {
    pub scope_id: String,
    pub title: String,
    pub description: String,
    pub windows: Windows,
    pub winners: u32,
    /// How many ideas a voter picks; none: one.
    pub max_choices: Option<u32>,
}

impl NewContest {
    pub fn checked(self) -> Result<Self, VotingError> {
        check_rules(self.winners, self.max_choices)?;
        Ok(self)
    }
}

/// An idea as its author wrote it (title and body already trimmed and bounded).
#[derive(Debug, Clone)]
pub struct NewIdea {
    pub title: String,
    pub body: String,
}

/// A contest the caller may see, where it sits, and its winners once announced (by rank).
#[derive(Debug, Clone)]
pub struct ContestSeen {
    pub row: ContestRow,
    pub scope_path: Vec<String>,
    pub winners: Vec<IdeaRow>,
}

impl ContestSeen {
    pub fn place(&self) -> Place {
        Place::in_org(self.scope_path.clone())
    }
    pub fn status(&self) -> Result<ContestStatus, VotingError> {
        ContestStatus::parse(&self.row.status).map_err(|_| corrupt(&self.row, "status"))
    }
    /// Staff who run the scope's votes (403: they see it).
    pub fn require_manager(&self, principal: &Principal) -> Result<(), VotingError> {
        principal.require(&self.place(), Permission::ManagePolls).map_err(|_| VotingError::Forbidden)
    }
    fn manages(&self, principal: &Principal) -> bool {
        principal.require(&self.place(), Permission::ManagePolls).is_ok()
    }
}

fn contest_row(conn: &mut DbConn, id: &str) -> Result<ContestRow, VotingError> {
    c::contests
        .filter(c::id.eq(id))
        .select(ContestRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(VotingError::NotFound)
}

/// A contest as the caller may see it: residents of its scope and staff over it; 404 otherwise.
pub fn seen(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<ContestSeen, VotingError> {
    let row = contest_row(conn, id)?;
    let scope_path = org::unit_path(conn, &row.scope_id)?.ok_or_else(|| corrupt(&row, "scope"))?;
    if !principal.sees(&Place::in_org(scope_path.clone())) && !lives_in(conn, principal, &scope_path)? {
        return Err(VotingError::NotFound);
    }
    let winners = i::ideas
        .filter(i::contest_id.eq(id))
        .filter(i::status.eq(WINNER))
        .order((i::rank.asc(), i::id.asc()))
        .select(IdeaRow::as_select())
        .load(conn)?;
    Ok(ContestSeen { row, scope_path, winners })
}

/// The contests of a village the caller may see, newest first (at most 200), in four
/// statements whatever their number: the village's path, the contests (only of the scopes the
/// caller reaches, unless they see the whole village), their scopes' paths, their winners.
pub fn of_village(conn: &mut DbConn, principal: &Principal, village_id: &str) -> Result<Vec<ContestSeen>, VotingError> {
    let Some(village_path) = org::unit_path(conn, village_id)? else {
        return Ok(Vec::new());
    };
    let mut query = c::contests.filter(c::village_id.eq(village_id)).select(ContestRow::as_select()).into_boxed();
    if !principal.sees(&Place::in_org(village_path.clone())) {
        query = query.filter(c::scope_id.eq_any(super::queries::scopes_within(conn, principal, &village_path)?));
    }
    let rows: Vec<ContestRow> = query.order(c::id.desc()).limit(200).load(conn)?;
    let scopes: Vec<String> = rows.iter().map(|r| r.scope_id.clone()).collect();
    let paths = org::unit_paths(conn, &scopes)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut winners: HashMap<String, Vec<IdeaRow>> = HashMap::new();
    let all: Vec<IdeaRow> = i::ideas
        .filter(i::contest_id.eq_any(&ids))
        .filter(i::status.eq(WINNER))
        .order((i::rank.asc(), i::id.asc()))
        .select(IdeaRow::as_select())
        .load(conn)?;
    for idea in all {
        winners.entry(idea.contest_id.clone()).or_default().push(idea);
    }
    rows.into_iter()
        .map(|row| {
            let scope_path = paths.get(&row.scope_id).cloned().ok_or_else(|| corrupt(&row, "scope"))?;
            Ok(ContestSeen { winners: winners.remove(&row.id).unwrap_or_default(), row, scope_path })
        })
        .collect()
}

/// Creates a contest in a village (or a unit inside it): staff with `ManagePolls` over it.
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    new: &NewContest,
    now: NaiveDateTime,
) -> Result<ContestSeen, VotingError> {
    write_tx(conn, |conn| {
        let scope = super::queries::managed_scope(conn, &caller.principal, &new.scope_id)?;
        let row = ContestRow {
            id: domain::new_id(),
            scope_id: scope.unit_id,
            village_id: scope.village,
            title: new.title.clone(),
            description: new.description.clone(),
            submit_opens_at: new.windows.submit_opens_at(),
            submit_closes_at: new.windows.submit_closes_at(),
            vote_opens_at: new.windows.vote_opens_at(),
            vote_closes_at: new.windows.vote_closes_at(),
            status: ContestStatus::Submitting.as_str().to_owned(),
            poll_id: None,
            winners: new.winners as i32,
            created_by: caller.principal.user_id.clone(),
            created_at: now,
            max_choices: new.max_choices.map(|k| k as i32),
            cancel_reason: None,
            announced_at: None,
        };
        diesel::insert_into(c::contests).values(&row).execute(conn)?;
        record(caller, conn, "contest.create", "contest", &row.id, json!({ "scope_id": row.scope_id }), now)?;
        seen(conn, &caller.principal, &row.id)
    })
}

/// Submits an idea: a resident of the scope, while the contest takes ideas and inside its
/// submission window. The content check (`wechat`, asked before this transaction, and the word
/// list) decides between `pending` and `held`; either way staff review it. Runs inside the
/// caller's transaction (the idempotency record's).
pub fn submit(
    conn: &mut DbConn,
    caller: &Caller,
    contest_id: &str,
    idea: &NewIdea,
    wechat: Option<WeChatVerdict>,
    now: NaiveDateTime,
) -> Result<IdeaRow, VotingError> {
    let contest = seen(conn, &caller.principal, contest_id)?;
    if !lives_in(conn, &caller.principal, &contest.scope_path)? {
        return Err(VotingError::Forbidden);
    }
    transition(contest.status()?, ContestAction::Submit)?;
    if !submissions_open(contest.row.submit_opens_at, contest.row.submit_closes_at, now) {
        return Err(VotingError::SubmissionsClosed);
    }
    let listed = crate::deliberation::service::listed_words(conn, &format!("{}\n{}", idea.title, idea.body)).map_err(
        |e| match e {
            crate::deliberation::DeliberationError::Db(e) => VotingError::Db(e),
            other => VotingError::Corrupt(other.to_string()),
        },
    )?;
    let check = verdict(wechat, &listed);
    let moderation = if check.moderation == Moderation::Clear { IdeaModeration::Pending } else { IdeaModeration::Held };
    let row = IdeaRow {
        id: domain::new_id(),
        contest_id: contest_id.to_owned(),
        author_id: caller.principal.subject().to_owned(),
        title: idea.title.clone(),
        body: idea.body.clone(),
        moderation: moderation.as_str().to_owned(),
        moderation_note: check.reasons.join(", "),
        status: SUBMITTED.to_owned(),
        created_at: now,
        votes: None,
        rank: None,
    };
    diesel::insert_into(i::ideas).values(&row).execute(conn)?;
    Ok(row)
}

/// A contest's ideas as the caller may see them, oldest first: staff over the scope see all with
/// their moderation; residents the approved ones (without the moderator's note) and their own.
pub fn ideas(conn: &mut DbConn, principal: &Principal, contest_id: &str) -> Result<Vec<IdeaRow>, VotingError> {
    let contest = seen(conn, principal, contest_id)?;
    let all: Vec<IdeaRow> =
        i::ideas.filter(i::contest_id.eq(contest_id)).order(i::id.asc()).select(IdeaRow::as_select()).load(conn)?;
    if contest.manages(principal) {
        return Ok(all);
    }
    let me = principal.subject();
    Ok(all
        .into_iter()
        .filter(|idea| idea.author_id == me || idea.moderation == IdeaModeration::Approved.as_str())
        .map(|mut idea| {
            if idea.author_id != me {
                idea.moderation_note.clear();
            }
            idea
        })
        .collect())
}

/// A moderator's decision on an idea, with a note (required to reject).
#[derive(Debug, Clone)]
pub struct IdeaDecision {
    pub approve: bool,
    pub note: String,
}

/// Approves or rejects an idea (staff over the scope) until voting starts; a later decision
/// replaces an earlier one. The author is told.
pub fn moderate(
    conn: &mut DbConn,
    caller: &Caller,
    idea_id: &str,
    decision: &IdeaDecision,
    now: NaiveDateTime,
) -> Result<IdeaRow, VotingError> {
    write_tx(conn, |conn| {
        let idea: IdeaRow = i::ideas
            .filter(i::id.eq(idea_id))
            .select(IdeaRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(VotingError::NotFound)?;
        let contest = seen(conn, &caller.principal, &idea.contest_id)?;
        contest.require_manager(&caller.principal)?;
        transition(contest.status()?, ContestAction::Moderate)?;
        if decision.approve && idea.moderation != IdeaModeration::Approved.as_str() {
            let approved: i64 = i::ideas
                .filter(i::contest_id.eq(&idea.contest_id))
                .filter(i::moderation.eq(IdeaModeration::Approved.as_str()))
                .count()
                .get_result(conn)?;
            if approved >= domain::voting::rules::MAX_OPTIONS as i64 {
                return Err(VotingError::invalid("approve", "at most 50 ideas go to the vote"));
            }
        }
        let (moderation, told) = if decision.approve {
            (IdeaModeration::Approved, "已通过审核，将进入投票")
        } else {
            (IdeaModeration::Rejected, "未通过审核")
        };
        diesel::update(i::ideas.filter(i::id.eq(idea_id)))
            .set((i::moderation.eq(moderation.as_str()), i::moderation_note.eq(&decision.note)))
            .execute(conn)?;
        let data = json!({ "contest": contest.row.title, "idea": idea.title, "decision": told, "note": decision.note });
        crate::notify::enqueue_to(conn, IDEA_MODERATED, std::slice::from_ref(&idea.author_id), &data, now)?;
        let details = json!({ "decision": moderation.as_str(), "note": decision.note });
        record(caller, conn, "idea.moderate", "idea", idea_id, details, now)?;
        Ok(i::ideas.filter(i::id.eq(idea_id)).select(IdeaRow::as_select()).first(conn)?)
    })
}

fn authors(conn: &mut DbConn, contest_id: &str) -> Result<Vec<String>, VotingError> {
    let mut people: Vec<String> = i::ideas.filter(i::contest_id.eq(contest_id)).select(i::author_id).load(conn)?;
    people.sort();
    people.dedup();
    Ok(people)
}

fn set_cancelled(conn: &mut DbConn, row: &ContestRow, reason: &str, now: NaiveDateTime) -> Result<(), VotingError> {
    diesel::update(c::contests.filter(c::id.eq(&row.id)))
        .set((c::status.eq(ContestStatus::Cancelled.as_str()), c::cancel_reason.eq(reason)))
        .execute(conn)?;
    let people = authors(conn, &row.id)?;
    crate::notify::enqueue_to(
        conn,
        CONTEST_CANCELLED,
        &people,
        &json!({ "contest": row.title, "reason": reason }),
        now,
    )?;
    Ok(())
}

/// Cancels a contest with a reason (staff over the scope); while voting, its poll is cancelled
/// too (its electorate told once it opened). The authors are told.
pub fn cancel(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<ContestSeen, VotingError> {
    write_tx(conn, |conn| {
        let contest = seen(conn, &caller.principal, id)?;
        contest.require_manager(&caller.principal)?;
        transition(contest.status()?, ContestAction::Cancel)?;
        if let Some(poll_id) = &contest.row.poll_id {
            super::service::cancel_within(conn, caller, poll_id, reason, now)?;
        }
        set_cancelled(conn, &contest.row, reason, now)?;
        record(caller, conn, "contest.cancel", "contest", id, json!({ "reason": reason }), now)?;
        seen(conn, &caller.principal, id)
    })
}

/// The `contest_voting` job: each contest whose voting time has come, in its own transaction,
/// gets its poll of the approved ideas (scheduled to open at `vote_opens_at`, so `open_polls`
/// freezes the roll), or is cancelled with fewer than two approved ideas.
pub fn start_due(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, VotingError> {
    let due: Vec<String> = c::contests
        .filter(c::status.eq(ContestStatus::Submitting.as_str()))
        .filter(c::vote_opens_at.le(now))
        .select(c::id)
        .limit(100)
        .load(conn)?;
    let mut started = 0;
    for id in due {
        started += write_tx(conn, |conn| start_one(conn, &id, now))?;
    }
    Ok(started)
}

fn start_one(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<usize, VotingError> {
    let row = contest_row(conn, id)?;
    let Ok(next) =
        transition(ContestStatus::parse(&row.status).map_err(|_| corrupt(&row, "status"))?, ContestAction::StartVoting)
    else {
        return Ok(0);
    };
    let approved: Vec<(String, String)> = i::ideas
        .filter(i::contest_id.eq(id))
        .filter(i::moderation.eq(IdeaModeration::Approved.as_str()))
        .order(i::id.asc())
        .select((i::title, i::id))
        .load(conn)?;
    if approved.len() < 2 {
        set_cancelled(conn, &row, TOO_FEW_IDEAS, now)?;
        return Ok(1);
    }
    let max_choices = ballot_choices(row.max_choices.map(|k| k.max(0) as u32), approved.len());
    let poll = PollRow {
        id: domain::new_id(),
        scope_id: row.scope_id.clone(),
        village_id: row.village_id.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        kind: if max_choices.is_some() { PollKind::Multiple } else { PollKind::Single }.as_str().to_owned(),
        max_choices: max_choices.map(|k| k as i32),
        secrecy: Secrecy::Secret.as_str().to_owned(),
        electorate: Electorate::Residents.as_str().to_owned(),
        results: Visibility::AfterClose.as_str().to_owned(),
        shuffle: false,
        quorum_percent: None,
        threshold: None,
        status: PollStatus::Scheduled.as_str().to_owned(),
        opens_at: row.vote_opens_at,
        closes_at: row.vote_closes_at,
        electorate_size: None,
        roll_hash: None,
        board_digest: None,
        outcome: None,
        cancel_reason: None,
        matter_id: None,
        contest_id: Some(row.id.clone()),
        reminded_at: None,
        published_at: None,
        created_by: row.created_by.clone(),
        created_at: now,
        updated_at: now,
        version: 0,
    };
    super::service::insert_scheduled(conn, &poll, &approved)?;
    diesel::update(c::contests.filter(c::id.eq(id)))
        .set((c::status.eq(next.as_str()), c::poll_id.eq(&poll.id)))
        .execute(conn)?;
    Ok(1)
}

/// Announces a contest when its poll is published (inside `close_one`'s transaction): ranks
/// the ideas by their options' counts, records each one's votes and rank, names the winners,
/// and tells every author (winners that they won).
pub(crate) fn announce(
    conn: &mut DbConn,
    contest_id: &str,
    options: &[OptionRow],
    counts: &[u64],
    now: NaiveDateTime,
) -> Result<(), VotingError> {
    let row = contest_row(conn, contest_id)?;
    let status = ContestStatus::parse(&row.status).map_err(|_| corrupt(&row, "status"))?;
    let next = transition(status, ContestAction::Announce)?;
    let places = placings(counts, row.winners.max(1) as u32);
    let mut winners = Vec::new();
    for (option, place) in options.iter().zip(&places) {
        let Some(idea_id) = &option.idea_id else { continue };
        diesel::update(i::ideas.filter(i::id.eq(idea_id)))
            .set((
                i::votes.eq(place.votes as i32),
                i::rank.eq(place.rank as i32),
                i::status.eq(if place.winner { WINNER } else { PLACED }),
            ))
            .execute(conn)?;
        if place.winner {
            winners.push(i::ideas.filter(i::id.eq(idea_id)).select(IdeaRow::as_select()).first(conn)?);
        }
    }
    diesel::update(c::contests.filter(c::id.eq(contest_id)))
        .set((c::status.eq(next.as_str()), c::announced_at.eq(now)))
        .execute(conn)?;
    award_winner_points(conn, &row, &winners, now)?;
    let titles: Vec<&str> = winners.iter().map(|w: &IdeaRow| w.title.as_str()).collect();
    let named = if titles.is_empty() { "无".to_owned() } else { titles.join("、") };
    for winner in &winners {
        let data = json!({ "contest": row.title, "idea": winner.title, "rank": winner.rank.unwrap_or(0) });
        crate::notify::enqueue_to(conn, CONTEST_WON, std::slice::from_ref(&winner.author_id), &data, now)?;
    }
    let others: Vec<String> =
        authors(conn, contest_id)?.into_iter().filter(|a| !winners.iter().any(|w| &w.author_id == a)).collect();
    crate::notify::enqueue_to(
        conn,
        CONTEST_ANNOUNCED,
        &others,
        &json!({ "contest": row.title, "winners": named }),
        now,
    )?;
    Ok(())
}

/// Points for the winning ideas' authors, by the village's automatic rule, inside the
/// announcing transaction: once per idea (the points' unique key: the idea id).
fn award_winner_points(
    conn: &mut DbConn,
    contest: &ContestRow,
    winners: &[IdeaRow],
    now: NaiveDateTime,
) -> Result<(), VotingError> {
    use crate::points::award::{award_in_tx, Award};
    let (on, source) = (domain::calendar::beijing_day(now), domain::points::rules::AutoSource::IdeaWon);
    for idea in winners {
        let (source_ref, note) = (format!("idea:{}", idea.id), format!("金点子获奖：{}", idea.title));
        let (unit_id, user_id) = (contest.scope_id.as_str(), idea.author_id.as_str());
        let award = Award { unit_id, user_id, source, source_ref: &source_ref, minutes: None, on, note: &note };
        award_in_tx(conn, &award, now).map_err(crate::InfraError::from)?;
    }
    Ok(())
}
