//! The monthly ranking of the villages within a township (or the townships within a county):
//! each figure normalised to 0–1, a composite score from the ranking unit's weights, ties broken
//! by the unit's id, and the red and black lists (红黑榜) drawn by the unit's rules.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::identity::principal::Principal;
use crate::identity::roles::{Denial, Permission, Place};
use crate::stats::figures::MonthlyFigures;

/// The figures a ranking weighs. Rates count as they are; counts against the best in the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Cases resolved of cases closed.
    CaseResolution,
    /// Cases closed never overdue, of cases closed.
    CaseOnTime,
    /// Cases rated satisfied, of cases rated.
    CaseSatisfaction,
    /// Commitments kept by their deadline, of commitments due.
    CommitmentsOnTime,
    /// Overdue commitments, fewer is better: 1 − overdue / the most overdue in the group.
    CommitmentsOverdue,
    /// Matters rated satisfied, of matters evaluated.
    DeliberationSatisfaction,
    /// Ballots of the electorates of polls closed.
    Turnout,
    /// Residents active in the month, of residents on the roll.
    Participation,
    /// Points entries, against the most in the group.
    PointsEntries,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::CaseResolution,
        Metric::CaseOnTime,
        Metric::CaseSatisfaction,
        Metric::CommitmentsOnTime,
        Metric::CommitmentsOverdue,
        Metric::DeliberationSatisfaction,
        Metric::Turnout,
        Metric::Participation,
        Metric::PointsEntries,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::CaseResolution => "case_resolution",
            Metric::CaseOnTime => "case_on_time",
            Metric::CaseSatisfaction => "case_satisfaction",
            Metric::CommitmentsOnTime => "commitments_on_time",
            Metric::CommitmentsOverdue => "commitments_overdue",
            Metric::DeliberationSatisfaction => "deliberation_satisfaction",
            Metric::Turnout => "turnout",
            Metric::Participation => "participation",
            Metric::PointsEntries => "points_entries",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == text)
            .ok_or(DomainError::Invalid { field: "weights", reason: "a known figure" })
    }

    /// The default weight (percent points, summing to 100).
    pub fn default_weight(self) -> u32 {
        match self {
            Metric::CaseResolution => 25,
            Metric::CaseOnTime => 15,
            Metric::CaseSatisfaction => 15,
            Metric::CommitmentsOnTime => 10,
            Metric::CommitmentsOverdue => 5,
            Metric::DeliberationSatisfaction => 10,
            Metric::Turnout => 5,
            Metric::Participation => 10,
            Metric::PointsEntries => 5,
        }
    }
}

/// Which list a unit is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Listing {
    Red,
    Black,
}

impl Listing {
    pub fn as_str(self) -> &'static str {
        match self {
            Listing::Red => "red",
            Listing::Black => "black",
        }
    }
}

/// The red and black list rules of a ranking unit. A unit that meets a black rule is on the
/// black list even when it also meets a red one: a failing outweighs a rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRules {
    /// The first N by score are red.
    pub red_top: Option<u32>,
    /// A score (0–100) at or above this is red.
    pub red_min_score: Option<f64>,
    /// The last N by score are black.
    pub black_bottom: Option<u32>,
    /// A case resolution rate (percent) below this is black.
    pub black_resolution_below: Option<f64>,
    /// Any commitment overdue at the month's end is black.
    pub black_on_overdue: bool,
}

impl Default for ListRules {
    fn default() -> Self {
        Self {
            red_top: Some(1),
            red_min_score: None,
            black_bottom: None,
            black_resolution_below: Some(80.0),
            black_on_overdue: true,
        }
    }
}

/// A ranking unit's configuration: weights per figure and the list rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingConfig {
    pub weights: Vec<(Metric, u32)>,
    pub lists: ListRules,
}

impl Default for RankingConfig {
    fn default() -> Self {
        Self { weights: Metric::ALL.iter().map(|m| (*m, m.default_weight())).collect(), lists: ListRules::default() }
    }
}

impl RankingConfig {
    /// Checks a configuration as staff wrote it: known figures once each, weights 0–100 with at
    /// least one above zero, thresholds within 0–100, counts 1–100.
    pub fn parse(weights: Vec<(String, u32)>, lists: ListRules) -> Result<Self, DomainError> {
        let invalid = |field, reason| DomainError::Invalid { field, reason };
        let mut parsed: Vec<(Metric, u32)> = Vec::with_capacity(weights.len());
        for (name, weight) in weights {
            let metric = Metric::parse(&name)?;
            if parsed.iter().any(|(m, _)| *m == metric) {
                return Err(invalid("weights", "each figure once"));
            }
            if weight > 100 {
                return Err(invalid("weights", "a weight from 0 to 100"));
            }
            parsed.push((metric, weight));
        }
        if parsed.iter().all(|(_, w)| *w == 0) {
            return Err(invalid("weights", "at least one weight above zero"));
        }
        let percent = |v: Option<f64>| v.is_none_or(|v| v.is_finite() && (0.0..=100.0).contains(&v));
        if !percent(lists.red_min_score) {
            return Err(invalid("red_min_score", "from 0 to 100"));
        }
        if !percent(lists.black_resolution_below) {
            return Err(invalid("black_resolution_below", "from 0 to 100"));
        }
        let count = |v: Option<u32>| v.is_none_or(|v| (1..=100).contains(&v));
        if !count(lists.red_top) {
            return Err(invalid("red_top", "from 1 to 100"));
        }
        if !count(lists.black_bottom) {
            return Err(invalid("black_bottom", "from 1 to 100"));
        }
        parsed.sort();
        Ok(Self { weights: parsed, lists })
    }
}

/// One unit's place in a ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub org_unit_id: String,
    pub rank: u32,
    /// 0–100, to three decimals.
    pub score: f64,
    /// Each weighed figure normalised to 0–1; none when the unit had nothing to count.
    pub parts: Vec<(Metric, Option<f64>)>,
    pub listing: Option<Listing>,
    /// Why it is on its list (the rules met).
    pub reasons: Vec<&'static str>,
}

fn rate(figures: &MonthlyFigures, metric: Metric) -> Option<f64> {
    match metric {
        Metric::CaseResolution => figures.cases.resolved.rate(),
        Metric::CaseOnTime => figures.cases.on_time.rate(),
        Metric::CaseSatisfaction => figures.cases.satisfied.rate(),
        Metric::CommitmentsOnTime => figures.deliberation.commitments_on_time.rate(),
        Metric::DeliberationSatisfaction => figures.deliberation.satisfied.rate(),
        Metric::Turnout => figures.voting.turnout.rate(),
        Metric::Participation => figures.participation.active_residents.rate(),
        Metric::CommitmentsOverdue | Metric::PointsEntries => None,
    }
}

/// Each figure of each unit normalised to 0–1 against the group.
fn normalise(group: &[MonthlyFigures], metric: Metric) -> Vec<Option<f64>> {
    match metric {
        Metric::PointsEntries => {
            let best = group.iter().map(|f| f.points.entries).max().unwrap_or(0);
            group.iter().map(|f| (best > 0).then(|| f.points.entries as f64 / best as f64)).collect()
        }
        Metric::CommitmentsOverdue => {
            let worst = group.iter().map(|f| f.deliberation.commitments_overdue).max().unwrap_or(0);
            group
                .iter()
                .map(|f| {
                    Some(if worst == 0 { 1.0 } else { 1.0 - f.deliberation.commitments_overdue as f64 / worst as f64 })
                })
                .collect()
        }
        rated => group.iter().map(|f| rate(f, rated)).collect(),
    }
}

/// Ranks a group of units: the composite is the weighted mean of the figures a unit has (a
/// figure with nothing to count leaves its weight out rather than counting as zero), scaled to
/// 0–100 and kept in thousandths so that equal scores are equal; ties go by the unit's id.
pub fn rank(group: &[MonthlyFigures], config: &RankingConfig) -> Vec<Ranked> {
    let columns: Vec<(Metric, u32, Vec<Option<f64>>)> =
        config.weights.iter().map(|(m, w)| (*m, *w, normalise(group, *m))).collect();
    let mut ranked: Vec<(i64, Ranked)> = group
        .iter()
        .enumerate()
        .map(|(i, figures)| {
            let parts: Vec<(Metric, Option<f64>)> = columns.iter().map(|(m, _, v)| (*m, v[i])).collect();
            let (sum, weight) = columns.iter().fold((0.0, 0u32), |(sum, weight), (_, w, v)| match v[i] {
                Some(value) if *w > 0 => (sum + value * f64::from(*w), weight + w),
                _ => (sum, weight),
            });
            let milli = if weight == 0 { 0 } else { (sum / f64::from(weight) * 100_000.0).round() as i64 };
            let unit = Ranked {
                org_unit_id: figures.org_unit_id.clone(),
                rank: 0,
                score: milli as f64 / 1000.0,
                parts,
                listing: None,
                reasons: Vec::new(),
            };
            (milli, unit)
        })
        .collect();
    ranked.sort_by(|(a, ua), (b, ub)| b.cmp(a).then_with(|| ua.org_unit_id.cmp(&ub.org_unit_id)));
    let count = ranked.len() as u32;
    let mut out: Vec<Ranked> = ranked.into_iter().map(|(_, r)| r).collect();
    for (i, unit) in out.iter_mut().enumerate() {
        unit.rank = i as u32 + 1;
    }
    for unit in out.iter_mut() {
        let figures = group.iter().find(|f| f.org_unit_id == unit.org_unit_id);
        let (black, red) = list_reasons(unit, figures, &config.lists, count);
        (unit.listing, unit.reasons) = match (black.is_empty(), red.is_empty()) {
            (false, _) => (Some(Listing::Black), black),
            (true, false) => (Some(Listing::Red), red),
            (true, true) => (None, Vec::new()),
        };
    }
    out
}

fn list_reasons(
    unit: &Ranked,
    figures: Option<&MonthlyFigures>,
    rules: &ListRules,
    count: u32,
) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut black = Vec::new();
    let mut red = Vec::new();
    if rules.black_bottom.is_some_and(|n| unit.rank + n > count) {
        black.push("black_bottom");
    }
    let resolution = figures.and_then(|f| f.cases.resolved.rate());
    if let (Some(below), Some(rate)) = (rules.black_resolution_below, resolution) {
        if rate * 100.0 < below {
            black.push("black_resolution_below");
        }
    }
    if rules.black_on_overdue && figures.is_some_and(|f| f.deliberation.commitments_overdue > 0) {
        black.push("black_on_overdue");
    }
    if rules.red_top.is_some_and(|n| unit.rank <= n) {
        red.push("red_top");
    }
    if rules.red_min_score.is_some_and(|min| unit.score >= min) {
        red.push("red_min_score");
    }
    (black, red)
}

/// Who reads a ranking at a unit: the holders of `ReadFigures` over it, and those who hold it
/// over one of the ranked units (a village's cadres and supervisors read their own township's
/// ranking, as the township's 晾晒台 is shown to its villages). Others outside get 404.
pub fn may_read(principal: &Principal, unit: &Place, members: &[Place]) -> Result<(), Denial> {
    match principal.require(unit, Permission::ReadFigures) {
        Err(Denial::NotFound) if members.iter().any(|m| principal.may(m, Permission::ReadFigures)) => Ok(()),
        other => other,
    }
}

/// Who changes a unit's rules or enters contest scores: `ManageRankings` over it; a reader of
/// the ranking without it is refused with 403, anyone else with 404.
pub fn may_manage(principal: &Principal, unit: &Place, members: &[Place]) -> Result<(), Denial> {
    may_read(principal, unit, members)?;
    match principal.require(unit, Permission::ManageRankings) {
        Err(Denial::NotFound) => Err(Denial::Forbidden),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::figures::Ratio;

    fn unit(id: &str, resolved: (u64, u64), overdue: u64, entries: u64) -> MonthlyFigures {
        let mut f = MonthlyFigures { org_unit_id: id.to_owned(), ..Default::default() };
        f.cases.resolved = Ratio::new(resolved.0, resolved.1);
        f.deliberation.commitments_overdue = overdue;
        f.points.entries = entries;
        f
    }

    fn only(weights: &[(Metric, u32)], lists: ListRules) -> RankingConfig {
        RankingConfig { weights: weights.to_vec(), lists }
    }

    fn no_lists() -> ListRules {
        ListRules {
            red_top: None,
            red_min_score: None,
            black_bottom: None,
            black_resolution_below: None,
            black_on_overdue: false,
        }
    }

    #[test]
    fn rates_count_as_they_are_and_counts_against_the_best() {
        let group = [unit("a", (9, 10), 0, 5), unit("b", (1, 2), 0, 10), unit("c", (0, 0), 0, 0)];
        let ranked = rank(&group, &only(&[(Metric::CaseResolution, 1), (Metric::PointsEntries, 1)], no_lists()));
        let ids: Vec<_> = ranked.iter().map(|r| (r.org_unit_id.as_str(), r.score)).collect();
        // a: (0.9 + 0.5) / 2 = 70; b: (0.5 + 1) / 2 = 75; c: nothing counted but entries 0 of 10.
        assert_eq!(ids, [("b", 75.0), ("a", 70.0), ("c", 0.0)]);
        assert_eq!(ranked[2].parts[0], (Metric::CaseResolution, None));
    }

    #[test]
    fn a_figure_with_nothing_to_count_leaves_its_weight_out() {
        let group = [unit("a", (8, 10), 0, 0), unit("b", (0, 0), 0, 0)];
        let ranked = rank(&group, &only(&[(Metric::CaseResolution, 3), (Metric::CaseOnTime, 1)], no_lists()));
        assert_eq!(ranked[0].score, 80.0);
        assert_eq!(ranked[1].score, 0.0);
    }

    #[test]
    fn ties_go_by_the_units_id_whatever_the_input_order() {
        let group = [unit("z", (1, 2), 0, 0), unit("m", (2, 4), 0, 0), unit("a", (3, 6), 0, 0)];
        let config = only(&[(Metric::CaseResolution, 1)], no_lists());
        let ranks: Vec<_> = rank(&group, &config).into_iter().map(|r| (r.org_unit_id, r.rank)).collect();
        assert_eq!(ranks, [("a".to_owned(), 1), ("m".to_owned(), 2), ("z".to_owned(), 3)]);
    }

    #[test]
    fn the_lists_follow_the_rules_and_black_outweighs_red() {
        let group =
            [unit("a", (10, 10), 0, 0), unit("b", (9, 10), 1, 0), unit("c", (7, 10), 0, 0), unit("d", (85, 100), 0, 0)];
        let lists = ListRules { red_top: Some(2), ..ListRules::default() };
        let ranked = rank(&group, &only(&[(Metric::CaseResolution, 1)], lists));
        let listed: Vec<_> = ranked.iter().map(|r| (r.org_unit_id.as_str(), r.listing)).collect();
        assert_eq!(
            listed,
            [("a", Some(Listing::Red)), ("b", Some(Listing::Black)), ("d", None), ("c", Some(Listing::Black))]
        );
        assert_eq!(ranked[1].reasons, ["black_on_overdue"]);
        assert_eq!(ranked[3].reasons, ["black_resolution_below"]);
        let bottom = ListRules { red_top: None, red_min_score: Some(90.0), black_bottom: Some(1), ..no_lists() };
        let ranked = rank(&group, &only(&[(Metric::CaseResolution, 1)], bottom));
        let listed: Vec<_> = ranked.iter().map(|r| r.listing).collect();
        assert_eq!(listed, [Some(Listing::Red), Some(Listing::Red), None, Some(Listing::Black)]);
    }

    #[test]
    fn a_configuration_is_checked() {
        let ok =
            RankingConfig::parse(vec![("turnout".into(), 10), ("case_resolution".into(), 90)], ListRules::default());
        assert_eq!(ok.unwrap().weights, [(Metric::CaseResolution, 90), (Metric::Turnout, 10)]);
        for weights in [vec![("nope".to_owned(), 1)], vec![("turnout".into(), 0)], vec![("turnout".into(), 101)]] {
            assert!(RankingConfig::parse(weights, ListRules::default()).is_err());
        }
        let twice = vec![("turnout".to_owned(), 1), ("turnout".to_owned(), 2)];
        assert!(RankingConfig::parse(twice, ListRules::default()).is_err());
        let bad = ListRules { black_resolution_below: Some(120.0), ..ListRules::default() };
        assert!(RankingConfig::parse(vec![("turnout".into(), 1)], bad).is_err());
        let bad = ListRules { red_top: Some(0), ..ListRules::default() };
        assert!(RankingConfig::parse(vec![("turnout".into(), 1)], bad).is_err());
        assert_eq!(RankingConfig::default().weights.iter().map(|(_, w)| w).sum::<u32>(), 100);
    }
}
