//! The township's good-governance contest (善治大比拼) in the database: hand scores entered with a
//! reason (every entry kept and audited; the latest per village, year and dimension counts), the
//! year's standings; and residents' three-yearly grading of their village leadership (大家评),
//! a poll of the voting feature linked to the village and term.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::cases::SatisfiedFrom;
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place};
use domain::stats::contest::{self, Dimension, Source, Standing};
use domain::stats::figures::Month;
use domain::voting::{Decision, Electorate, PollKind, Secrecy, Visibility};
use serde_json::json;

use super::rankings::{config_of, managed, readable, RankingUnit, RankingsError};
use crate::db::{insert_unique, Inserted};
use crate::identity::audit;
use crate::identity::audit::Caller;
use crate::identity::queries::org;
use crate::schema::contest_scores::dsl as cs;
use crate::schema::leadership_gradings::dsl as lg;
use crate::DbConn;

/// The options of a leadership grading, in order.
pub const GRADES: [&str; 4] = ["优秀", "称职", "基本称职", "不称职"];

/// One hand score as entered.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::contest_scores)]
pub struct ScoreRow {
    pub id: String,
    pub township_id: String,
    pub village_id: String,
    pub year: i32,
    pub dimension: String,
    pub score: f64,
    pub reason: String,
    pub entered_by: String,
    pub entered_at: NaiveDateTime,
}

/// A village's grading poll for a term.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::leadership_gradings)]
pub struct GradingRow {
    pub id: String,
    pub org_unit_id: String,
    pub term: i32,
    pub poll_id: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// A township's contest for a year: its dimensions and the villages' standings.
#[derive(Debug, Clone)]
pub struct Contest {
    pub year: i32,
    pub dimensions: Vec<Dimension>,
    pub standings: Vec<Standing>,
}

/// A village's latest grading: the poll, and its tally when the caller may read it (after the
/// poll closes, to those the poll shows its results to).
#[derive(Debug, Clone)]
pub struct Grading {
    pub row: GradingRow,
    pub status: String,
    /// Ballots per grade, in [`GRADES`] order.
    pub counts: Option<Vec<u64>>,
    pub ballots: Option<u64>,
    pub electorate: Option<u64>,
}

/// The latest hand score of each (village, dimension) for the township's year.
fn latest_scores(
    conn: &mut DbConn,
    township_id: &str,
    year: i32,
) -> Result<HashMap<(String, String), f64>, RankingsError> {
    let rows: Vec<ScoreRow> = cs::contest_scores
        .filter(cs::township_id.eq(township_id))
        .filter(cs::year.eq(year))
        .order(cs::id.asc())
        .select(ScoreRow::as_select())
        .load(conn)?;
    // Ascending ids (UUIDv7, time-ordered): a later entry overwrites an earlier one.
    Ok(rows.into_iter().map(|r| ((r.village_id, r.dimension), r.score)).collect())
}

/// The contest of the township's year of `month`: hand scores, else the dimensions' figures
/// over the year's months up to `month`.
pub fn contest_of(
    conn: &mut DbConn,
    township: &RankingUnit,
    dimensions: &[Dimension],
    month: Month,
    satisfied_from: SatisfiedFrom,
) -> Result<Contest, RankingsError> {
    let year = month.year();
    let hand = latest_scores(conn, &township.row.id, year)?;
    let ids: Vec<String> = township.members.iter().map(|m| m.id.clone()).collect();
    let mut months: HashMap<String, Vec<domain::stats::figures::MonthlyFigures>> = HashMap::new();
    if dimensions.iter().any(|d| d.source != Source::Hand) {
        for m in month.trailing(month.month() as usize) {
            for figures in super::figures::for_units(conn, &ids, m, satisfied_from)? {
                months.entry(figures.org_unit_id.clone()).or_default().push(figures);
            }
        }
    }
    let totals: HashMap<String, _> = ids
        .iter()
        .map(|id| (id.clone(), contest::year_totals(id, months.get(id).map_or(&[][..], Vec::as_slice))))
        .collect();
    let standings = contest::standings(
        &ids,
        dimensions,
        |v, d| hand.get(&(v.to_owned(), d.to_owned())).copied(),
        |v, source| totals.get(v).and_then(|t| contest::computed(source, t)),
    );
    Ok(Contest { year, dimensions: dimensions.to_vec(), standings })
}

/// A hand score as staff entered it.
#[derive(Debug, Clone)]
pub struct ScoreDraft {
    pub village_id: String,
    pub year: i32,
    pub dimension: String,
    pub score: f64,
    pub reason: String,
}

/// Enters a hand score for a village of the township (`ManageRankings` over the township), in
/// the caller's write transaction, with its audit entry. Earlier entries stay as history.
pub fn enter_score_in_tx(
    conn: &mut DbConn,
    caller: &Caller,
    township_id: &str,
    draft: &ScoreDraft,
    now: NaiveDateTime,
) -> Result<ScoreRow, RankingsError> {
    let unit = managed(conn, &caller.principal, township_id)?;
    if !unit.is_township() {
        return Err(RankingsError::invalid("id", "a township (the contest is a township's)"));
    }
    if !unit.members.iter().any(|m| m.id == draft.village_id) {
        return Err(RankingsError::invalid("village_id", "a village of the township"));
    }
    let config = config_of(conn, &unit.row.id)?;
    if !config.dimensions.iter().any(|d| d.code == draft.dimension) {
        return Err(RankingsError::invalid("dimension", "a dimension of the township's contest"));
    }
    if !(2000..=2100).contains(&draft.year) {
        return Err(RankingsError::invalid("year", "2000 to 2100"));
    }
    contest::check_entry(draft.score, &draft.reason)?;
    let row = ScoreRow {
        id: domain::new_id(),
        township_id: unit.row.id.clone(),
        village_id: draft.village_id.clone(),
        year: draft.year,
        dimension: draft.dimension.clone(),
        score: draft.score,
        reason: draft.reason.trim().to_owned(),
        entered_by: caller.principal.user_id.clone(),
        entered_at: now,
    };
    diesel::insert_into(cs::contest_scores).values(&row).execute(conn)?;
    let details = json!({
        "township_id": row.township_id, "village_id": row.village_id, "year": row.year,
        "dimension": row.dimension, "score": row.score, "reason": row.reason,
    });
    let entry = caller.origin.entry(Some(&caller.principal), "contest_score.enter", "contest_score", &row.id, details);
    audit::append(conn, &entry, now)?;
    Ok(row)
}

/// The township's hand scores of a year, newest first, before the id `before` (every entry,
/// superseded ones included; readers of the ranking).
pub fn score_history(
    conn: &mut DbConn,
    principal: &Principal,
    township_id: &str,
    year: i32,
    village_id: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<ScoreRow>, RankingsError> {
    let unit = readable(conn, principal, township_id)?;
    let mut query = cs::contest_scores
        .filter(cs::township_id.eq(&unit.row.id))
        .filter(cs::year.eq(year))
        .order(cs::id.desc())
        .limit(limit)
        .select(ScoreRow::as_select())
        .into_boxed();
    if let Some(village) = village_id {
        query = query.filter(cs::village_id.eq(village.to_owned()));
    }
    if let Some(before) = before {
        query = query.filter(cs::id.lt(before.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// A grading as staff asked for it.
#[derive(Debug, Clone)]
pub struct GradingDraft {
    pub term: i32,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
}

/// Creates a village's grading for a term (`ManageRankings` over the village: the township's
/// officers): a secret single-choice poll of its residents through the voting feature, results
/// after close, linked to the village and term (once per term: 409) in one transaction.
pub fn create_grading_in_tx(
    conn: &mut DbConn,
    caller: &Caller,
    village_id: &str,
    draft: &GradingDraft,
    now: NaiveDateTime,
) -> Result<(GradingRow, crate::voting::queries::Seen), RankingsError> {
    let unit = org::find_unit(conn, village_id)?.ok_or(RankingsError::NotFound)?;
    caller.principal.require(&Place::in_org(unit.path_ids()), Permission::ManageRankings)?;
    if unit.kind != "village" {
        return Err(RankingsError::invalid("id", "a village"));
    }
    if !(2000..=2100).contains(&draft.term) {
        return Err(RankingsError::invalid("term", "the term's first year, 2000 to 2100"));
    }
    let poll = crate::voting::service::Draft {
        scope_id: unit.id.clone(),
        title: format!("{}村班子三年工作大家评（{}届）", unit.name, draft.term),
        description: "社村班子三年工作大家评：请为本村班子评定等次。".to_owned(),
        kind: PollKind::Single,
        options: GRADES.iter().map(|g| (*g).to_owned()).collect(),
        max_choices: None,
        secrecy: Secrecy::Secret,
        electorate: Electorate::Residents,
        results: Visibility::AfterClose,
        decision: Decision { quorum_percent: None, threshold: None },
        opens_at: draft.opens_at,
        closes_at: draft.closes_at,
        shuffle: false,
        option_media: Vec::new(),
        matter_id: None,
    }
    .checked()?;
    let seen = crate::voting::service::create_in_tx(conn, caller, &poll, 0, now)?;
    let row = GradingRow {
        id: domain::new_id(),
        org_unit_id: unit.id.clone(),
        term: draft.term,
        poll_id: seen.row.id.clone(),
        created_by: caller.principal.user_id.clone(),
        created_at: now,
    };
    let insert = |conn: &mut DbConn| diesel::insert_into(lg::leadership_gradings).values(&row).execute(conn);
    if insert_unique(conn, insert)? == Inserted::Duplicate {
        return Err(RankingsError::Duplicate);
    }
    let details = json!({ "org_unit_id": row.org_unit_id, "term": row.term, "poll_id": row.poll_id });
    let entry = caller.origin.entry(
        Some(&caller.principal),
        "leadership_grading.create",
        "leadership_grading",
        &row.id,
        details,
    );
    audit::append(conn, &entry, now)?;
    Ok((row, seen))
}

/// Each village's latest grading (highest term), with its tally read through voting's results
/// when the poll shows them to the caller.
pub fn latest_gradings(
    conn: &mut DbConn,
    principal: &Principal,
    village_ids: &[String],
) -> Result<HashMap<String, Grading>, RankingsError> {
    let rows: Vec<GradingRow> = lg::leadership_gradings
        .filter(lg::org_unit_id.eq_any(village_ids))
        .order(lg::term.asc())
        .select(GradingRow::as_select())
        .load(conn)?;
    let latest: HashMap<String, GradingRow> = rows.into_iter().map(|r| (r.org_unit_id.clone(), r)).collect();
    let mut out = HashMap::new();
    for (village, row) in latest {
        let grading = match crate::voting::queries::results(conn, principal, &row.poll_id) {
            Ok(results) => Grading {
                status: results.seen.row.status.clone(),
                counts: Some(results.counts),
                ballots: Some(results.ballots),
                electorate: Some(results.electorate_size),
                row,
            },
            Err(crate::voting::VotingError::Db(e)) => return Err(RankingsError::Db(e)),
            Err(_) => {
                let status = match crate::voting::queries::seen(conn, principal, &row.poll_id) {
                    Ok(seen) => seen.row.status,
                    Err(_) => "hidden".to_owned(),
                };
                Grading { row, status, counts: None, ballots: None, electorate: None }
            }
        };
        out.insert(village, grading);
    }
    Ok(out)
}
