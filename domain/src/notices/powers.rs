//! The small-powers list (小微权力清单, 清单亮权): each power the village's cadres exercise, its
//! category, who exercises it, the steps of its procedure and its basis. The list is published
//! as a versioned public document of kind `small_powers` (see [`super::documents`]).

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// The most powers in one list.
pub const MAX_POWERS: usize = 100;
/// The most steps of one procedure.
pub const MAX_STEPS: usize = 20;

/// One power as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Power {
    /// What the power is (e.g. 村级工程项目招投标).
    pub name: String,
    /// Its kind (e.g. 重大事项决策, 财务管理, 便民服务).
    pub category: String,
    /// Who exercises it (e.g. 村两委, 村党组织书记).
    pub exercised_by: String,
    /// The procedure, step by step.
    pub steps: Vec<String>,
    /// What it rests on (a law, a county rule).
    pub basis: String,
}

fn invalid(field: &'static str, reason: &'static str) -> DomainError {
    DomainError::Invalid { field, reason }
}

/// Whether `text` has at most `max` characters, at least `min` once trimmed, and no control
/// characters but newline and tab.
pub fn fits(text: &str, min: usize, max: usize) -> bool {
    text.trim().chars().count() >= min && text.chars().count() <= max && crate::text::is_plain(text)
}

/// Checks one power: a name, a category and who exercises it (1 to 60 characters each), 1 to
/// 20 steps of 1 to 200 characters, a basis of at most 200.
pub fn check_power(power: &Power) -> Result<(), DomainError> {
    if !fits(&power.name, 1, 60) {
        return Err(invalid("powers.name", "1 to 60 characters"));
    }
    if !fits(&power.category, 1, 60) {
        return Err(invalid("powers.category", "1 to 60 characters"));
    }
    if !fits(&power.exercised_by, 1, 60) {
        return Err(invalid("powers.exercised_by", "1 to 60 characters"));
    }
    if power.steps.is_empty() || power.steps.len() > MAX_STEPS || !power.steps.iter().all(|s| fits(s, 1, 200)) {
        return Err(invalid("powers.steps", "1 to 20 steps of 1 to 200 characters"));
    }
    if !fits(&power.basis, 0, 200) {
        return Err(invalid("powers.basis", "at most 200 characters"));
    }
    Ok(())
}

/// Checks a list: 1 to 100 powers, each valid, names unique.
pub fn check_list(powers: &[Power]) -> Result<(), DomainError> {
    if powers.is_empty() || powers.len() > MAX_POWERS {
        return Err(invalid("powers", "1 to 100 powers"));
    }
    for (i, power) in powers.iter().enumerate() {
        check_power(power)?;
        if powers[..i].iter().any(|p| p.name.trim() == power.name.trim()) {
            return Err(invalid("powers.name", "unique in the list"));
        }
    }
    Ok(())
}

/// A list as stored: every text trimmed.
pub fn trimmed(powers: Vec<Power>) -> Vec<Power> {
    powers
        .into_iter()
        .map(|p| Power {
            name: p.name.trim().to_owned(),
            category: p.category.trim().to_owned(),
            exercised_by: p.exercised_by.trim().to_owned(),
            steps: p.steps.iter().map(|s| s.trim().to_owned()).collect(),
            basis: p.basis.trim().to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn power(name: &str) -> Power {
        Power {
            name: name.to_owned(),
            category: "财务管理".to_owned(),
            exercised_by: "村两委".to_owned(),
            steps: vec!["提出申请".to_owned(), "村两委审核".to_owned()],
            basis: "《村民委员会组织法》".to_owned(),
        }
    }

    #[test]
    fn a_list_needs_powers_with_names_unique_and_steps() {
        assert!(check_list(&[power("村级财务开支"), power("低保申请")]).is_ok());
        assert!(check_list(&[]).is_err());
        assert!(check_list(&[power("低保申请"), power(" 低保申请 ")]).is_err());
        let no_steps = Power { steps: vec![], ..power("a") };
        assert_eq!(check_power(&no_steps), Err(invalid("powers.steps", "1 to 20 steps of 1 to 200 characters")));
        let blank = Power { name: "  ".to_owned(), ..power("a") };
        assert!(check_power(&blank).is_err());
        let control = Power { basis: "a\u{0}".to_owned(), ..power("a") };
        assert!(check_power(&control).is_err());
    }
}
