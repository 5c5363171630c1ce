//! One matter, one file (一事一档): the whole record of a matter gathered in one read — raise,
//! triage, the opinions in summary, meetings with minutes and attendance, the resolution,
//! agreements, commitments with their progress, evaluations, follow-up visits, every sheet and
//! every step with who and when — for staff of its scope, and audited (it names residents).
//! Also the village's results showcase and its monthly implementation report.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use diesel::prelude::*;
use domain::deliberation::MatterStatus;
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use serde_json::json;

use super::queries::{self, MatterView};
use super::rows::{MatterRow, SheetRow};
use super::service::Caller;
use super::DeliberationError;
use crate::identity::queries::{org, users};
use crate::schema::agreement_parties::dsl as ap;
use crate::schema::agreements::dsl as ag;
use crate::schema::commitment_progress::dsl as cp;
use crate::schema::commitments::dsl as cm;
use crate::schema::courtyard_items::dsl as cy;
use crate::schema::evaluations::dsl as ev;
use crate::schema::matter_revisits::dsl as rv;
use crate::schema::matter_sheets::dsl as sh;
use crate::schema::matters::dsl as m;
use crate::schema::meeting_agenda::dsl as ma;
use crate::schema::meeting_attendance::dsl as att;
use crate::schema::meeting_invitees::dsl as inv;
use crate::schema::meetings::dsl as mt;
use crate::schema::opinions::dsl as op;
use crate::schema::resolutions::dsl as rs;
use crate::schema::solicitations::dsl as so;
use crate::schema::village_documents::dsl as vd;
use crate::DbConn;

/// The rules of procedure the matter was handled under: the village's version in force.
#[derive(Debug, Clone)]
pub struct RulesRef {
    pub id: String,
    pub version: i32,
    pub title: String,
}

#[derive(Debug, Clone, Default)]
pub struct OpinionSummary {
    pub total: i64,
    /// Held or rejected by moderation (their text is not in the file).
    pub withheld: i64,
    pub replies: i64,
    pub supports: i64,
    /// The most supported opinions: author, text, supports.
    pub top: Vec<(String, String, i32)>,
}

#[derive(Debug, Clone)]
pub struct MeetingRecord {
    pub id: String,
    pub title: String,
    pub mode: String,
    pub courtyard: bool,
    pub status: String,
    pub starts_at: Option<NaiveDateTime>,
    pub place: Option<String>,
    pub minutes: Option<String>,
    /// What the meeting concluded on this matter.
    pub outcome: Option<String>,
    pub invited: i64,
    pub attendees: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ResolutionRecord {
    pub decided_by: String,
    pub body: String,
    pub decided_at: NaiveDateTime,
    pub recorded_by: String,
    pub vote_ref: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PartyRecord {
    pub name: String,
    pub acknowledged_at: Option<NaiveDateTime>,
    /// app or paper.
    pub method: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AgreementRecord {
    pub id: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub parties: Vec<PartyRecord>,
}

#[derive(Debug, Clone)]
pub struct ProgressRecord {
    pub author: String,
    pub body: String,
    pub done: bool,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct CommitmentRecord {
    pub id: String,
    /// A person's name or a committee.
    pub owner: String,
    pub what: String,
    pub due_at: NaiveDateTime,
    pub status: String,
    pub extensions: i32,
    pub done_at: Option<NaiveDateTime>,
    pub progress: Vec<ProgressRecord>,
}

#[derive(Debug, Clone, Default)]
pub struct EvaluationSummary {
    pub count: i64,
    pub average: Option<f64>,
    /// How many gave 1, 2, 3, 4 and 5.
    pub distribution: [i64; 5],
    pub comments: Vec<(i32, String)>,
}

#[derive(Debug, Clone)]
pub struct RevisitRecord {
    pub visitor: String,
    pub note: String,
    pub at: NaiveDateTime,
}

/// The courtyard-meeting ledger entry, when the matter was raised on the spot.
#[derive(Debug, Clone)]
pub struct CourtyardRecord {
    pub meeting_title: String,
    pub anonymous: bool,
    pub answer_due: NaiveDateTime,
    pub answer: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub revisited_at: Option<NaiveDateTime>,
}

/// The whole file.
#[derive(Debug, Clone)]
pub struct Dossier {
    pub matter: MatterView,
    pub village_name: String,
    pub rules: Option<RulesRef>,
    pub sheets: Vec<SheetRow>,
    pub solicitation: Option<(NaiveDateTime, NaiveDateTime)>,
    pub opinions: OpinionSummary,
    pub meetings: Vec<MeetingRecord>,
    pub resolution: Option<ResolutionRecord>,
    /// The polls the matter was put to, as published.
    pub votes: Vec<super::votes::VoteResult>,
    pub agreements: Vec<AgreementRecord>,
    pub commitments: Vec<CommitmentRecord>,
    pub evaluation: EvaluationSummary,
    pub revisits: Vec<RevisitRecord>,
    pub courtyard: Option<CourtyardRecord>,
    pub generated_at: NaiveDateTime,
}

/// The file of the matter `id`, for staff of its scope who triage or deliberate; audited.
pub fn dossier(conn: &mut DbConn, caller: &Caller, id: &str, now: NaiveDateTime) -> Result<Dossier, DeliberationError> {
    let principal = &caller.principal;
    let seen = queries::seen(conn, principal, id)?;
    let place = seen.place();
    if !(principal.may(&place, Permission::TriageMatters) || principal.may(&place, Permission::CouncilWork)) {
        return Err(DeliberationError::Forbidden);
    }
    let village_name = org::find_unit(conn, &seen.row.village_id)?.map(|u| u.name).unwrap_or_default();
    let rules = rules_in_force(conn, &seen.row.village_id, seen.row.raised_at)?;
    let matter = queries::view_of(conn, principal, seen)?;
    let mid = matter.row.id.clone();
    let sheets: Vec<SheetRow> = sh::matter_sheets
        .filter(sh::matter_id.eq(&mid))
        .order(sh::id.asc())
        .select(SheetRow::as_select())
        .load(conn)?;
    let solicitation: Option<(NaiveDateTime, NaiveDateTime)> = so::solicitations
        .filter(so::matter_id.eq(&mid))
        .select((so::opens_at, so::closes_at))
        .first(conn)
        .optional()?;
    let dossier = Dossier {
        opinions: opinions(conn, &mid)?,
        meetings: meetings(conn, &mid)?,
        resolution: resolution(conn, &mid)?,
        votes: super::votes::votes_of(conn, &mid)?,
        agreements: agreements(conn, &mid)?,
        commitments: commitments(conn, &mid)?,
        evaluation: evaluation(conn, &mid)?,
        revisits: revisits(conn, &mid)?,
        courtyard: courtyard(conn, &mid)?,
        matter,
        village_name,
        rules,
        sheets,
        solicitation,
        generated_at: now,
    };
    crate::db::write_tx(conn, |conn| caller.audit(conn, "matter.dossier.read", "matter", &mid, json!({}), now))?;
    Ok(dossier)
}

fn names_of(conn: &mut DbConn, ids: Vec<String>) -> Result<HashMap<String, String>, DeliberationError> {
    Ok(users::names(conn, &ids)?)
}

fn rules_in_force(conn: &mut DbConn, village: &str, at: NaiveDateTime) -> Result<Option<RulesRef>, DeliberationError> {
    // The newest version written before the matter was raised, else the first there is.
    let versions: Vec<(String, i32, String, NaiveDateTime)> = vd::village_documents
        .filter(vd::village_id.eq(village))
        .filter(vd::kind.eq("rules_of_procedure"))
        .order(vd::version.asc())
        .select((vd::id, vd::version, vd::title, vd::created_at))
        .load(conn)?;
    let chosen = versions.iter().rev().find(|v| v.3 <= at).or(versions.first());
    Ok(chosen.map(|(id, version, title, _)| RulesRef { id: id.clone(), version: *version, title: title.clone() }))
}

fn opinions(conn: &mut DbConn, matter: &str) -> Result<OpinionSummary, DeliberationError> {
    let rows: Vec<(String, Option<String>, String, String, i32)> = op::opinions
        .filter(op::matter_id.eq(matter))
        .select((op::author_id, op::parent_id, op::body, op::moderation, op::supports))
        .load(conn)?;
    let names = names_of(conn, rows.iter().map(|r| r.0.clone()).collect())?;
    let mut summary = OpinionSummary { total: rows.len() as i64, ..OpinionSummary::default() };
    let mut shown: Vec<(String, String, i32)> = Vec::new();
    for (author, parent, body, moderation, supports) in rows {
        summary.supports += i64::from(supports);
        summary.replies += i64::from(parent.is_some());
        if moderation == "clear" {
            shown.push((names.get(&author).cloned().unwrap_or_default(), body, supports));
        } else {
            summary.withheld += 1;
        }
    }
    shown.sort_by_key(|o| std::cmp::Reverse(o.2));
    summary.top = shown.into_iter().take(5).collect();
    Ok(summary)
}

fn meetings(conn: &mut DbConn, matter: &str) -> Result<Vec<MeetingRecord>, DeliberationError> {
    type Row =
        (String, String, String, bool, String, Option<NaiveDateTime>, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = ma::meeting_agenda
        .inner_join(mt::meetings.on(mt::id.eq(ma::meeting_id)))
        .filter(ma::matter_id.eq(matter))
        .order(mt::starts_at.asc())
        .select((
            mt::id,
            mt::title,
            mt::mode,
            mt::courtyard,
            mt::status,
            mt::starts_at,
            mt::place,
            mt::minutes,
            ma::outcome,
        ))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, title, mode, courtyard, status, starts_at, place, minutes, outcome) in rows {
        let invited: i64 = inv::meeting_invitees.filter(inv::meeting_id.eq(&id)).count().get_result(conn)?;
        let present: Vec<String> = att::meeting_attendance
            .filter(att::meeting_id.eq(&id))
            .order(att::checked_in_at.asc())
            .select(att::user_id)
            .load(conn)?;
        let names = names_of(conn, present.clone())?;
        let attendees = present.iter().map(|p| names.get(p).cloned().unwrap_or_default()).collect();
        out.push(MeetingRecord {
            id,
            title,
            mode,
            courtyard,
            status,
            starts_at,
            place,
            minutes,
            outcome,
            invited,
            attendees,
        });
    }
    Ok(out)
}

fn resolution(conn: &mut DbConn, matter: &str) -> Result<Option<ResolutionRecord>, DeliberationError> {
    let row: Option<(String, String, NaiveDateTime, String, Option<String>)> = rs::resolutions
        .filter(rs::matter_id.eq(matter))
        .select((rs::decided_by, rs::body, rs::decided_at, rs::recorded_by, rs::vote_ref))
        .first(conn)
        .optional()?;
    let Some((decided_by, body, decided_at, recorder, vote_ref)) = row else { return Ok(None) };
    let names = names_of(conn, vec![recorder.clone()])?;
    Ok(Some(ResolutionRecord {
        decided_by,
        body,
        decided_at,
        recorded_by: names.get(&recorder).cloned().unwrap_or_default(),
        vote_ref,
    }))
}

fn agreements(conn: &mut DbConn, matter: &str) -> Result<Vec<AgreementRecord>, DeliberationError> {
    let rows: Vec<(String, String, NaiveDateTime)> = ag::agreements
        .filter(ag::matter_id.eq(matter))
        .order(ag::id.asc())
        .select((ag::id, ag::body, ag::created_at))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, body, created_at) in rows {
        let parties: Vec<(String, Option<NaiveDateTime>, Option<String>)> = ap::agreement_parties
            .filter(ap::agreement_id.eq(&id))
            .order(ap::id.asc())
            .select((ap::name, ap::acknowledged_at, ap::method))
            .load(conn)?;
        let parties = parties
            .into_iter()
            .map(|(name, acknowledged_at, method)| PartyRecord { name, acknowledged_at, method })
            .collect();
        out.push(AgreementRecord { id, body, created_at, parties });
    }
    Ok(out)
}

fn commitments(conn: &mut DbConn, matter: &str) -> Result<Vec<CommitmentRecord>, DeliberationError> {
    type Row = (String, Option<String>, Option<String>, String, NaiveDateTime, String, i32, Option<NaiveDateTime>);
    let rows: Vec<Row> = cm::commitments
        .filter(cm::matter_id.eq(matter))
        .order(cm::id.asc())
        .select((
            cm::id,
            cm::owner_id,
            cm::owner_committee,
            cm::what,
            cm::due_at,
            cm::status,
            cm::extensions,
            cm::done_at,
        ))
        .load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let progress: Vec<(String, String, String, bool, NaiveDateTime)> = cp::commitment_progress
        .filter(cp::commitment_id.eq_any(&ids))
        .order(cp::id.asc())
        .select((cp::commitment_id, cp::author_id, cp::body, cp::done, cp::created_at))
        .load(conn)?;
    let mut people: Vec<String> = rows.iter().filter_map(|r| r.1.clone()).collect();
    people.extend(progress.iter().map(|p| p.1.clone()));
    let names = names_of(conn, people)?;
    Ok(rows
        .into_iter()
        .map(|(id, owner_id, committee, what, due_at, status, extensions, done_at)| CommitmentRecord {
            owner: owner_id.and_then(|o| names.get(&o).cloned()).or(committee).unwrap_or_default(),
            progress: progress
                .iter()
                .filter(|p| p.0 == id)
                .map(|p| ProgressRecord {
                    author: names.get(&p.1).cloned().unwrap_or_default(),
                    body: p.2.clone(),
                    done: p.3,
                    at: p.4,
                })
                .collect(),
            id,
            what,
            due_at,
            status,
            extensions,
            done_at,
        })
        .collect())
}

fn evaluation(conn: &mut DbConn, matter: &str) -> Result<EvaluationSummary, DeliberationError> {
    let rows: Vec<(i32, Option<String>)> = ev::evaluations
        .filter(ev::matter_id.eq(matter))
        .order(ev::created_at.asc())
        .select((ev::rating, ev::comment))
        .load(conn)?;
    let mut summary = EvaluationSummary { count: rows.len() as i64, ..EvaluationSummary::default() };
    let mut sum = 0i64;
    for (rating, comment) in rows {
        sum += i64::from(rating);
        if let Some(slot) = usize::try_from(rating - 1).ok().and_then(|i| summary.distribution.get_mut(i)) {
            *slot += 1;
        }
        if let Some(comment) = comment.filter(|c| !c.is_empty()) {
            summary.comments.push((rating, comment));
        }
    }
    if summary.count > 0 {
        summary.average = Some((sum as f64 / summary.count as f64 * 100.0).round() / 100.0);
    }
    Ok(summary)
}

fn revisits(conn: &mut DbConn, matter: &str) -> Result<Vec<RevisitRecord>, DeliberationError> {
    let rows: Vec<(String, String, NaiveDateTime)> = rv::matter_revisits
        .filter(rv::matter_id.eq(matter))
        .order(rv::id.asc())
        .select((rv::visitor_id, rv::note, rv::created_at))
        .load(conn)?;
    let names = names_of(conn, rows.iter().map(|r| r.0.clone()).collect())?;
    Ok(rows
        .into_iter()
        .map(|(visitor, note, at)| RevisitRecord {
            visitor: names.get(&visitor).cloned().unwrap_or_default(),
            note,
            at,
        })
        .collect())
}

fn courtyard(conn: &mut DbConn, matter: &str) -> Result<Option<CourtyardRecord>, DeliberationError> {
    type Row = (String, bool, NaiveDateTime, Option<String>, Option<NaiveDateTime>, Option<NaiveDateTime>);
    let row: Option<Row> = cy::courtyard_items
        .inner_join(mt::meetings.on(mt::id.eq(cy::meeting_id)))
        .filter(cy::matter_id.eq(matter))
        .select((mt::title, cy::anonymous, cy::answer_due, cy::answer, cy::answered_at, cy::revisited_at))
        .first(conn)
        .optional()?;
    Ok(row.map(|(meeting_title, anonymous, answer_due, answer, answered_at, revisited_at)| CourtyardRecord {
        meeting_title,
        anonymous,
        answer_due,
        answer,
        answered_at,
        revisited_at,
    }))
}

// ---------------------------------------------------------------------------------------------
// The showcase and the monthly report

/// A resolved matter as the village shows it (成果展示).
#[derive(Debug, Clone)]
pub struct ShowcaseItem {
    pub row: MatterRow,
    pub resolution: Option<(String, String, NaiveDateTime)>,
    pub commitments_done: i64,
    pub commitments: i64,
    pub average_rating: Option<f64>,
}

fn village_place(conn: &mut DbConn, village: &str) -> Result<Vec<String>, DeliberationError> {
    let unit = org::find_unit(conn, village)?.ok_or(DeliberationError::NotFound)?;
    if unit.kind != "village" {
        return Err(DeliberationError::invalid("id", "a village or community"));
    }
    Ok(crate::identity::rows::split_path(&unit.path))
}

/// The village's resolved matters of the whole village (not those of a group or building),
/// newest resolution first: public village affairs (村务公开), readable without logging in, and
/// naming nobody.
pub fn showcase(conn: &mut DbConn, village: &str, limit: i64) -> Result<Vec<ShowcaseItem>, DeliberationError> {
    village_place(conn, village)?;
    let done = [MatterStatus::Implementing, MatterStatus::Evaluating, MatterStatus::Archived].map(MatterStatus::as_str);
    let rows: Vec<MatterRow> = m::matters
        .filter(m::village_id.eq(village))
        .filter(m::scope_id.eq(village))
        .filter(m::moderation.eq("clear"))
        .filter(m::status.eq_any(done))
        .order(m::resolved_at.desc())
        .limit(limit)
        .select(MatterRow::as_select())
        .load(conn)?;
    // One read each for the page's resolutions, commitments and ratings, not three per matter.
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let resolutions: Vec<(String, String, String, NaiveDateTime)> = rs::resolutions
        .filter(rs::matter_id.eq_any(&ids))
        .select((rs::matter_id, rs::decided_by, rs::body, rs::decided_at))
        .load(conn)?;
    let commitments: Vec<(String, String)> =
        cm::commitments.filter(cm::matter_id.eq_any(&ids)).select((cm::matter_id, cm::status)).load(conn)?;
    let ratings: Vec<(String, i32)> =
        ev::evaluations.filter(ev::matter_id.eq_any(&ids)).select((ev::matter_id, ev::rating)).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mine: Vec<i32> = ratings.iter().filter(|(m, _)| *m == row.id).map(|(_, r)| *r).collect();
            let statuses: Vec<&String> = commitments.iter().filter(|(m, _)| *m == row.id).map(|(_, s)| s).collect();
            ShowcaseItem {
                resolution: resolutions
                    .iter()
                    .find(|r| r.0 == row.id)
                    .map(|(_, by, body, at)| (by.clone(), body.clone(), *at)),
                commitments_done: statuses.iter().filter(|s| s.as_str() == "done").count() as i64,
                commitments: statuses.len() as i64,
                average_rating: (!mine.is_empty())
                    .then(|| (f64::from(mine.iter().sum::<i32>()) / mine.len() as f64 * 100.0).round() / 100.0),
                row,
            }
        })
        .collect())
}

/// A month of a village's deliberation, as townships read it.
#[derive(Debug, Clone, Default)]
pub struct MonthlyReport {
    pub raised: i64,
    /// Triaged in the month, by tier.
    pub triaged_by_tier: Vec<(String, i64)>,
    /// Triaged in the month by their deadline (有问必理).
    pub triaged_on_time: i64,
    pub resolved: i64,
    /// Commitments due in the month; kept by their deadline; kept late or still open past it.
    pub commitments_due: i64,
    pub commitments_on_time: i64,
    pub commitments_overdue: i64,
    pub ratings: i64,
    pub average_satisfaction: Option<f64>,
    /// Courtyard-meeting ledger items raised in the month: answered, revisited.
    pub courtyard_items: i64,
    pub courtyard_answered: i64,
    pub courtyard_revisited: i64,
}

/// The month `year`-`month` (Beijing time) as UTC bounds.
pub fn month_bounds(year: i32, month: u32) -> Result<(NaiveDateTime, NaiveDateTime), DeliberationError> {
    let first =
        NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| DeliberationError::invalid("month", "YYYY-MM"))?;
    let next =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) }
            .ok_or_else(|| DeliberationError::invalid("month", "YYYY-MM"))?;
    let tz = domain::calendar::beijing();
    let utc =
        |d: NaiveDate| tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN)).single().map(|t| t.naive_utc());
    Ok((utc(first).unwrap_or_default(), utc(next).unwrap_or_default()))
}

/// The monthly implementation report of a village (staff who triage there).
pub fn monthly(
    conn: &mut DbConn,
    principal: &Principal,
    village: &str,
    (year, month): (i32, u32),
    now: NaiveDateTime,
) -> Result<MonthlyReport, DeliberationError> {
    let path = village_place(conn, village)?;
    principal.require(&Place::in_org(path), Permission::TriageMatters)?;
    let (from, to) = month_bounds(year, month)?;
    let mut r = MonthlyReport {
        raised: m::matters
            .filter(m::village_id.eq(village))
            .filter(m::raised_at.ge(from))
            .filter(m::raised_at.lt(to))
            .count()
            .get_result(conn)?,
        resolved: m::matters
            .filter(m::village_id.eq(village))
            .filter(m::resolved_at.ge(from))
            .filter(m::resolved_at.lt(to))
            .count()
            .get_result(conn)?,
        ..MonthlyReport::default()
    };
    let triaged: Vec<(Option<String>, Option<NaiveDateTime>, Option<NaiveDateTime>)> = m::matters
        .filter(m::village_id.eq(village))
        .filter(m::triaged_at.ge(from))
        .filter(m::triaged_at.lt(to))
        .select((m::tier, m::triaged_at, m::triage_due))
        .load(conn)?;
    let mut tiers: HashMap<String, i64> = HashMap::new();
    for (tier, at, due) in &triaged {
        *tiers.entry(tier.clone().unwrap_or_default()).or_default() += 1;
        r.triaged_on_time += i64::from(matches!((at, due), (Some(a), Some(d)) if a <= d));
    }
    let mut tiers: Vec<(String, i64)> = tiers.into_iter().collect();
    tiers.sort();
    r.triaged_by_tier = tiers;
    let due: Vec<(NaiveDateTime, String, Option<NaiveDateTime>)> = cm::commitments
        .inner_join(m::matters.on(m::id.eq(cm::matter_id)))
        .filter(m::village_id.eq(village))
        .filter(cm::due_at.ge(from))
        .filter(cm::due_at.lt(to))
        .select((cm::due_at, cm::status, cm::done_at))
        .load(conn)?;
    r.commitments_due = due.len() as i64;
    r.commitments_on_time = due.iter().filter(|(d, _, done)| done.is_some_and(|t| t <= *d)).count() as i64;
    // Overdue: kept after the deadline, or still open past it (as of now).
    let late = |(d, s, done): &&(NaiveDateTime, String, Option<NaiveDateTime>)| {
        done.is_some_and(|t| t > *d) || (s != "done" && *d < now)
    };
    r.commitments_overdue = due.iter().filter(late).count() as i64;
    let ratings: Vec<i32> = ev::evaluations
        .inner_join(m::matters.on(m::id.eq(ev::matter_id)))
        .filter(m::village_id.eq(village))
        .filter(ev::created_at.ge(from))
        .filter(ev::created_at.lt(to))
        .select(ev::rating)
        .load(conn)?;
    r.ratings = ratings.len() as i64;
    if !ratings.is_empty() {
        r.average_satisfaction =
            Some((f64::from(ratings.iter().sum::<i32>()) / ratings.len() as f64 * 100.0).round() / 100.0);
    }
    let items: Vec<(Option<NaiveDateTime>, Option<NaiveDateTime>)> = cy::courtyard_items
        .inner_join(m::matters.on(m::id.eq(cy::matter_id)))
        .filter(m::village_id.eq(village))
        .filter(m::raised_at.ge(from))
        .filter(m::raised_at.lt(to))
        .select((cy::answered_at, cy::revisited_at))
        .load(conn)?;
    r.courtyard_items = items.len() as i64;
    r.courtyard_answered = items.iter().filter(|i| i.0.is_some()).count() as i64;
    r.courtyard_revisited = items.iter().filter(|i| i.1.is_some()).count() as i64;
    Ok(r)
}
