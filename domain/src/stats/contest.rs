//! The township's yearly good-governance contest (善治大比拼): dimensions with weights, each
//! scored 0–100 by hand (the township's entry, with a reason; the latest entry counts) or
//! computed from the year's figures, a village's total the weighted mean, villages ranked.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::stats::figures::{MonthlyFigures, Ratio};

/// Where a dimension's score comes from when the township has entered none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Only entered by hand (no entry: no score).
    Hand,
    /// The mean of the year's case resolution and satisfaction rates, ×100.
    Governance,
    /// The year's resident participation rate, ×100.
    Participation,
}

impl Source {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "hand" => Ok(Source::Hand),
            "governance" => Ok(Source::Governance),
            "participation" => Ok(Source::Participation),
            _ => Err(DomainError::Invalid { field: "dimensions", reason: "source hand, governance or participation" }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Hand => "hand",
            Source::Governance => "governance",
            Source::Participation => "participation",
        }
    }
}

/// One dimension of the contest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    pub code: String,
    pub name: String,
    pub weight: u32,
    pub source: Source,
}

/// The four dimensions of Jiande's contest, equally weighted; governance from the figures.
pub fn default_dimensions() -> Vec<Dimension> {
    let dim =
        |code: &str, name: &str, source| Dimension { code: code.to_owned(), name: name.to_owned(), weight: 25, source };
    vec![
        dim("industry", "产业兴不兴", Source::Hand),
        dim("appearance", "村庄美不美", Source::Hand),
        dim("governance", "治理优不优", Source::Governance),
        dim("strength", "实力强不强", Source::Hand),
    ]
}

/// Checks dimensions as staff wrote them: 1–12, codes `[a-z0-9_]{1,40}` unique, names 1–40
/// characters, weights 0–100 with one above zero.
pub fn check_dimensions(dimensions: &[Dimension]) -> Result<(), DomainError> {
    let invalid = |reason| DomainError::Invalid { field: "dimensions", reason };
    if dimensions.is_empty() || dimensions.len() > 12 {
        return Err(invalid("1 to 12 dimensions"));
    }
    for (i, d) in dimensions.iter().enumerate() {
        let code_ok = !d.code.is_empty()
            && d.code.len() <= 40
            && d.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !code_ok || dimensions[..i].iter().any(|o| o.code == d.code) {
            return Err(invalid("codes of lowercase letters, digits or _, unique"));
        }
        let name = d.name.trim().chars().count();
        if name == 0 || name > 40 {
            return Err(invalid("names of 1 to 40 characters"));
        }
        if d.weight > 100 {
            return Err(invalid("weights from 0 to 100"));
        }
    }
    if dimensions.iter().all(|d| d.weight == 0) {
        return Err(invalid("at least one weight above zero"));
    }
    Ok(())
}

/// A hand score: 0–100, with a reason of 2–500 characters.
pub fn check_entry(score: f64, reason: &str) -> Result<(), DomainError> {
    if !score.is_finite() || !(0.0..=100.0).contains(&score) {
        return Err(DomainError::Invalid { field: "score", reason: "from 0 to 100" });
    }
    let len = reason.trim().chars().count();
    if !(2..=500).contains(&len) {
        return Err(DomainError::Invalid { field: "reason", reason: "2 to 500 characters" });
    }
    Ok(())
}

/// A year's figures summed over its months (rates stay exact as counts).
pub fn year_totals(org_unit_id: &str, months: &[MonthlyFigures]) -> MonthlyFigures {
    let mut total = MonthlyFigures { org_unit_id: org_unit_id.to_owned(), ..Default::default() };
    for m in months {
        total.cases.received += m.cases.received;
        total.cases.resolved = total.cases.resolved.plus(m.cases.resolved);
        total.cases.satisfied = total.cases.satisfied.plus(m.cases.satisfied);
        total.participation.active_residents =
            total.participation.active_residents.plus(m.participation.active_residents);
    }
    total
}

/// A dimension's score computed from the year's figures; none when there is nothing to count.
pub fn computed(source: Source, year: &MonthlyFigures) -> Option<f64> {
    let percent = |r: Ratio| r.rate().map(|v| v * 100.0);
    match source {
        Source::Hand => None,
        Source::Governance => {
            let rates: Vec<f64> = [year.cases.resolved, year.cases.satisfied].into_iter().filter_map(percent).collect();
            (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64)
        }
        Source::Participation => percent(year.participation.active_residents),
    }
}

/// A village's contest standing.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub org_unit_id: String,
    pub rank: u32,
    /// The weighted mean over all dimensions (a dimension without a score counts as 0), to
    /// three decimals.
    pub total: f64,
    /// Each dimension's score and whether it was entered by hand.
    pub scores: Vec<(String, Option<f64>, bool)>,
}

/// Ranks villages by their totals; ties by id. `scores(village, dimension)` gives the latest
/// hand entry, else the computed score is used.
pub fn standings(
    villages: &[String],
    dimensions: &[Dimension],
    hand: impl Fn(&str, &str) -> Option<f64>,
    figures: impl Fn(&str, Source) -> Option<f64>,
) -> Vec<Standing> {
    let weight: u32 = dimensions.iter().map(|d| d.weight).sum();
    let mut out: Vec<(i64, Standing)> = villages
        .iter()
        .map(|village| {
            let scores: Vec<(String, Option<f64>, bool)> = dimensions
                .iter()
                .map(|d| match hand(village, &d.code) {
                    Some(score) => (d.code.clone(), Some(score), true),
                    None => (d.code.clone(), figures(village, d.source), false),
                })
                .collect();
            let sum: f64 =
                dimensions.iter().zip(&scores).map(|(d, (_, s, _))| s.unwrap_or(0.0) * f64::from(d.weight)).sum();
            let milli = if weight == 0 { 0 } else { (sum / f64::from(weight) * 1000.0).round() as i64 };
            (milli, Standing { org_unit_id: village.clone(), rank: 0, total: milli as f64 / 1000.0, scores })
        })
        .collect();
    out.sort_by(|(a, sa), (b, sb)| b.cmp(a).then_with(|| sa.org_unit_id.cmp(&sb.org_unit_id)));
    out.into_iter()
        .enumerate()
        .map(|(i, (_, mut s))| {
            s.rank = i as u32 + 1;
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_scores_override_the_figures_and_rank_the_villages() {
        let dims = default_dimensions();
        let villages = vec!["a".to_owned(), "b".to_owned()];
        let hand = |v: &str, d: &str| match (v, d) {
            ("b", "industry") => Some(100.0),
            ("a", "governance") => Some(40.0),
            _ => None,
        };
        let figures = |_: &str, s: Source| (s == Source::Governance).then_some(80.0);
        let s = standings(&villages, &dims, hand, figures);
        assert_eq!(s[0].org_unit_id, "b");
        assert_eq!(s[0].total, 45.0); // (100 + 0 + 80 + 0) / 4
        assert_eq!(s[1].total, 10.0); // (0 + 0 + 40 + 0) / 4
        assert_eq!(s[1].scores[2], ("governance".to_owned(), Some(40.0), true));
        assert_eq!(s[0].scores[1], ("appearance".to_owned(), None, false));
    }

    #[test]
    fn governance_is_computed_from_the_years_rates() {
        let mut month = MonthlyFigures::default();
        month.cases.resolved = Ratio::new(9, 10);
        month.cases.satisfied = Ratio::new(7, 10);
        let year = year_totals("v", &[month.clone(), month]);
        assert_eq!(year.cases.resolved, Ratio::new(18, 20));
        assert_eq!(computed(Source::Governance, &year), Some(80.0));
        assert_eq!(computed(Source::Participation, &year), None);
        assert_eq!(computed(Source::Hand, &year), None);
    }

    #[test]
    fn dimensions_and_entries_are_checked() {
        assert!(check_dimensions(&default_dimensions()).is_ok());
        let mut twice = default_dimensions();
        twice[1].code = "industry".into();
        assert!(check_dimensions(&twice).is_err());
        let mut zero = default_dimensions();
        zero.iter_mut().for_each(|d| d.weight = 0);
        assert!(check_dimensions(&zero).is_err());
        assert!(check_dimensions(&[]).is_err());
        assert!(check_entry(90.0, "产业园投产").is_ok());
        assert!(check_entry(101.0, "理由充分").is_err());
        assert!(check_entry(f64::NAN, "理由充分").is_err());
        assert!(check_entry(50.0, " ").is_err());
    }
}
