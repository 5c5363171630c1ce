//! Rankings in the database: a ranking unit's configuration (versioned; each change audited),
//! the monthly ranking of its villages (or townships) drawn from their figures, shown with the
//! township's contest and each village's latest leadership grading.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::cases::SatisfiedFrom;
use domain::identity::principal::Principal;
use domain::identity::roles::Place;
use domain::stats::contest::{default_dimensions, Dimension};
use domain::stats::figures::{Month, MonthlyFigures};
use domain::stats::rankings::{self, ListRules, Metric, Ranked, RankingConfig};
use serde_json::json;

use crate::db::{insert_unique, write_tx, Inserted};
use crate::identity::audit;
use crate::identity::audit::Caller;
use crate::identity::queries::org;
use crate::identity::rows::OrgUnitRow;
use crate::schema::ranking_configs::dsl as rc;
use crate::{DbConn, InfraError};

/// The rankings feature's one error. `api` maps it to HTTP.
#[derive(Debug, thiserror::Error)]
pub enum RankingsError {
    /// No such unit, score or grading, or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// Visible, but not the caller's to do.
    #[error("forbidden")]
    Forbidden,
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The same thing a second time (a village's grading for a term).
    #[error("duplicate")]
    Duplicate,
    /// A stored value that does not parse (a server error).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

crate::feature_error!(RankingsError);

impl From<crate::voting::VotingError> for RankingsError {
    fn from(error: crate::voting::VotingError) -> Self {
        use crate::voting::VotingError as E;
        match error {
            E::NotFound => Self::NotFound,
            E::Forbidden => Self::Forbidden,
            E::Invalid { field, reason } => Self::Invalid { field, reason },
            E::Db(e) => Self::Db(e),
            E::Infra(e) => Self::Infra(e),
            other => Self::Corrupt(format!("grading poll: {other}")),
        }
    }
}

/// A version of a ranking unit's configuration.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::ranking_configs)]
pub struct ConfigRow {
    pub id: String,
    pub org_unit_id: String,
    pub version: i32,
    /// JSON: `[["case_resolution",25],…]`.
    pub weights: String,
    /// JSON: the list rules.
    pub lists: String,
    /// JSON: the contest's dimensions.
    pub dimensions: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// A unit's configuration in force: its latest version, or the defaults (version 0).
#[derive(Debug, Clone)]
pub struct Config {
    pub org_unit_id: String,
    pub version: i32,
    pub ranking: RankingConfig,
    pub dimensions: Vec<Dimension>,
    pub created_by: Option<String>,
    pub created_at: Option<NaiveDateTime>,
}

/// A ranking unit (a township or a county) with the units it ranks (its villages or townships).
#[derive(Debug, Clone)]
pub struct RankingUnit {
    pub row: OrgUnitRow,
    pub members: Vec<OrgUnitRow>,
}

impl RankingUnit {
    pub fn place(&self) -> Place {
        Place::in_org(self.row.path_ids())
    }

    pub fn member_places(&self) -> Vec<Place> {
        self.members.iter().map(|m| Place::in_org(m.path_ids())).collect()
    }

    pub fn is_township(&self) -> bool {
        self.row.kind == "township"
    }
}

/// A unit and the units it ranks (its children of the next kind down; none below a township).
pub fn ranking_unit(conn: &mut DbConn, unit_id: &str) -> Result<RankingUnit, RankingsError> {
    let row = org::find_unit(conn, unit_id)?.ok_or(RankingsError::NotFound)?;
    let member_kind = match row.kind.as_str() {
        "county" => "township",
        "township" => "village",
        _ => "",
    };
    let members = org::children(conn, Some(&row.id))?.into_iter().filter(|c| c.kind == member_kind).collect();
    Ok(RankingUnit { row, members })
}

/// The unit, if the caller may read its ranking (404/403 otherwise) and it is one that ranks
/// (422 for a village or below).
pub fn readable(conn: &mut DbConn, principal: &Principal, unit_id: &str) -> Result<RankingUnit, RankingsError> {
    let unit = ranking_unit(conn, unit_id)?;
    rankings::may_read(principal, &unit.place(), &unit.member_places())?;
    if !matches!(unit.row.kind.as_str(), "township" | "county") {
        return Err(RankingsError::invalid("id", "a township or a county"));
    }
    Ok(unit)
}

/// As [`readable`], for one who may manage the unit's rankings (`ManageRankings`; a reader
/// without it gets 403).
pub fn managed(conn: &mut DbConn, principal: &Principal, unit_id: &str) -> Result<RankingUnit, RankingsError> {
    let unit = ranking_unit(conn, unit_id)?;
    rankings::may_manage(principal, &unit.place(), &unit.member_places())?;
    if !matches!(unit.row.kind.as_str(), "township" | "county") {
        return Err(RankingsError::invalid("id", "a township or a county"));
    }
    Ok(unit)
}

fn corrupt(row: &ConfigRow, what: &str) -> RankingsError {
    RankingsError::Corrupt(format!("ranking config {}: {what}", row.id))
}

fn parse_config(row: ConfigRow) -> Result<Config, RankingsError> {
    let weights: Vec<(Metric, u32)> = serde_json::from_str(&row.weights).map_err(|_| corrupt(&row, "weights"))?;
    let lists: ListRules = serde_json::from_str(&row.lists).map_err(|_| corrupt(&row, "lists"))?;
    let dimensions = serde_json::from_str(&row.dimensions).map_err(|_| corrupt(&row, "dimensions"))?;
    Ok(Config {
        org_unit_id: row.org_unit_id,
        version: row.version,
        ranking: RankingConfig { weights, lists },
        dimensions,
        created_by: Some(row.created_by),
        created_at: Some(row.created_at),
    })
}

/// The configuration in force at a unit: its latest version, or the defaults.
pub fn config_of(conn: &mut DbConn, unit_id: &str) -> Result<Config, RankingsError> {
    let row: Option<ConfigRow> = rc::ranking_configs
        .filter(rc::org_unit_id.eq(unit_id))
        .order(rc::version.desc())
        .select(ConfigRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        Some(row) => parse_config(row),
        None => Ok(Config {
            org_unit_id: unit_id.to_owned(),
            version: 0,
            ranking: RankingConfig::default(),
            dimensions: default_dimensions(),
            created_by: None,
            created_at: None,
        }),
    }
}

/// The configuration of a unit whose ranking the caller may read.
pub fn config(conn: &mut DbConn, principal: &Principal, unit_id: &str) -> Result<Config, RankingsError> {
    let unit = readable(conn, principal, unit_id)?;
    config_of(conn, &unit.row.id)
}

/// Writes a unit's next configuration version (`ManageRankings`), with its audit entry: the
/// old rules stay readable as earlier versions. Two writers at once both get a version.
pub fn set_config(
    conn: &mut DbConn,
    caller: &Caller,
    unit_id: &str,
    ranking: &RankingConfig,
    dimensions: &[Dimension],
    now: NaiveDateTime,
) -> Result<Config, RankingsError> {
    domain::stats::contest::check_dimensions(dimensions)?;
    let text = |v: serde_json::Result<String>| v.map_err(|e| RankingsError::Corrupt(e.to_string()));
    let (weights, lists, dims) = (
        text(serde_json::to_string(&ranking.weights))?,
        text(serde_json::to_string(&ranking.lists))?,
        text(serde_json::to_string(dimensions))?,
    );
    write_tx(conn, |conn| {
        let unit = managed(conn, &caller.principal, unit_id)?;
        for _ in 0..5 {
            let last: Option<i32> = rc::ranking_configs
                .filter(rc::org_unit_id.eq(&unit.row.id))
                .select(diesel::dsl::max(rc::version))
                .first(conn)?;
            let row = ConfigRow {
                id: domain::new_id(),
                org_unit_id: unit.row.id.clone(),
                version: last.unwrap_or(0) + 1,
                weights: weights.clone(),
                lists: lists.clone(),
                dimensions: dims.clone(),
                created_by: caller.principal.user_id.clone(),
                created_at: now,
            };
            let insert = |conn: &mut DbConn| diesel::insert_into(rc::ranking_configs).values(&row).execute(conn);
            if insert_unique(conn, insert)? == Inserted::Duplicate {
                continue;
            }
            let details = json!({
                "org_unit_id": row.org_unit_id, "version": row.version,
                "weights": ranking.weights, "lists": ranking.lists, "dimensions": dimensions,
            });
            let entry =
                caller.origin.entry(Some(&caller.principal), "ranking_config.set", "ranking_config", &row.id, details);
            audit::append(conn, &entry, now)?;
            return parse_config(row);
        }
        Err(RankingsError::Duplicate)
    })
}

/// One ranked unit with its name and figures.
#[derive(Debug, Clone)]
pub struct RankedUnit {
    pub unit: OrgUnitRow,
    pub ranked: Ranked,
    pub figures: MonthlyFigures,
}

/// A month's ranking at a unit, with the contest (for a township) and the gradings.
#[derive(Debug, Clone)]
pub struct Ranking {
    pub unit: OrgUnitRow,
    pub month: Month,
    pub config: Config,
    pub units: Vec<RankedUnit>,
    pub contest: Option<super::contest::Contest>,
    pub gradings: HashMap<String, super::contest::Grading>,
}

/// The ranking of the unit's villages (or townships) for `month` (`ReadFigures` over the unit,
/// or over one of the ranked units).
pub fn ranking(
    conn: &mut DbConn,
    principal: &Principal,
    unit_id: &str,
    month: Month,
    satisfied_from: SatisfiedFrom,
) -> Result<Ranking, RankingsError> {
    let unit = readable(conn, principal, unit_id)?;
    let config = config_of(conn, &unit.row.id)?;
    let ids: Vec<String> = unit.members.iter().map(|m| m.id.clone()).collect();
    let figures = super::figures::for_units(conn, &ids, month, satisfied_from)?;
    let ranked = rankings::rank(&figures, &config.ranking);
    let units = ranked
        .into_iter()
        .filter_map(|r| {
            let member = unit.members.iter().find(|m| m.id == r.org_unit_id)?.clone();
            let figures = figures.iter().find(|f| f.org_unit_id == r.org_unit_id).cloned().unwrap_or_default();
            Some(RankedUnit { unit: member, ranked: r, figures })
        })
        .collect();
    let contest = if unit.is_township() {
        Some(super::contest::contest_of(conn, &unit, &config.dimensions, month, satisfied_from)?)
    } else {
        None
    };
    let gradings =
        if unit.is_township() { super::contest::latest_gradings(conn, principal, &ids)? } else { HashMap::new() };
    Ok(Ranking { unit: unit.row, month, config, units, contest, gradings })
}
