//! What a poll asks and how it decides: its kind and the choices a ballot may make, secrecy,
//! who votes, when results show, and the rules of decision (quorum, threshold).

use crate::{text_enum, DomainError};

text_enum!(
    PollKind "kind" "single, multiple, approval or motion" {
        /// One option.
        Single => "single",
        /// Up to `max_choices` options.
        Multiple => "multiple",
        /// Any number of options, at least one (approve each one likes).
        Approval => "approval",
        /// For, against or abstain (an assembly motion).
        Motion => "motion",
    }
);

text_enum!(
    Secrecy "secrecy" "secret or open" {
        /// Who voted is kept apart from what they voted; nobody can link the two.
        Secret => "secret",
        /// Roll call: names and choices are published; a vote may change until close.
        Open => "open",
    }
);

text_enum!(
    /// Who may vote: frozen when the poll opens.
    Electorate "electorate" "residents, adults, representatives or households" {
        /// Every approved resident of the scope.
        Residents => "residents",
        /// Approved residents of the scope known to be 18 or older.
        Adults => "adults",
        /// Holders of the `representative` role in the village (assembly votes).
        Representatives => "representatives",
        /// One vote per household of the scope: the first member to vote uses it.
        Households => "households",
    }
);

text_enum!(
    Visibility "results" "live or after_close" {
        Live => "live",
        AfterClose => "after_close",
    }
);

text_enum!(
    /// The share of the ballots cast an option (a motion's "for") needs to pass.
    Threshold "threshold" "majority or two_thirds" {
        /// More than half of those voting.
        Majority => "majority",
        /// At least two thirds of those voting.
        TwoThirds => "two_thirds",
    }
);

/// A motion's three options, in their fixed order.
pub const MOTION_OPTIONS: [&str; 3] = ["赞成", "反对", "弃权"];
/// The most options a poll may have.
pub const MAX_OPTIONS: usize = 50;

/// Checks a poll's option count for its kind: a motion has exactly its three; others 2 to 50;
/// `max_choices` for multiple choice between 2 and the number of options.
pub fn check_options(kind: PollKind, options: usize, max_choices: Option<u32>) -> Result<(), DomainError> {
    let invalid = |field, reason| Err(DomainError::Invalid { field, reason });
    match kind {
        PollKind::Motion if options != MOTION_OPTIONS.len() => {
            invalid("options", "a motion has for, against and abstain")
        }
        PollKind::Motion => Ok(()),
        _ if !(2..=MAX_OPTIONS).contains(&options) => invalid("options", "2 to 50 options"),
        PollKind::Multiple => match max_choices {
            Some(k) if k >= 2 && (k as usize) <= options => Ok(()),
            _ => invalid("max_choices", "2 to the number of options"),
        },
        _ if max_choices.is_some() => invalid("max_choices", "only for multiple choice"),
        _ => Ok(()),
    }
}

/// Checks a ballot's choices (option positions) for the poll: distinct, known, as many as the
/// kind allows. Answers them sorted.
pub fn check_choices(
    kind: PollKind,
    options: usize,
    max_choices: Option<u32>,
    chosen: &[usize],
) -> Result<Vec<usize>, DomainError> {
    let mut sorted = chosen.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let invalid = |reason| Err(DomainError::Invalid { field: "choices", reason });
    if sorted.len() != chosen.len() {
        return invalid("each option once");
    }
    if sorted.iter().any(|&c| c >= options) {
        return invalid("unknown option");
    }
    let allowed = match kind {
        PollKind::Single | PollKind::Motion => 1..=1,
        PollKind::Multiple => 1..=max_choices.map_or(1, |k| k as usize),
        PollKind::Approval => 1..=options,
    };
    if !allowed.contains(&sorted.len()) {
        return invalid(match kind {
            PollKind::Single | PollKind::Motion => "exactly one option",
            PollKind::Multiple => "at least one option, at most max_choices",
            PollKind::Approval => "at least one option",
        });
    }
    Ok(sorted)
}

/// The rules of decision: an optional quorum (minimum turnout, percent of the electorate) and an
/// optional threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decision {
    pub quorum_percent: Option<u8>,
    pub threshold: Option<Threshold>,
}

text_enum!(
    Outcome "outcome" "passed, failed, no_quorum or counted" {
        Passed => "passed",
        Failed => "failed",
        /// Too few voted for the result to stand.
        NoQuorum => "no_quorum",
        /// No rule of decision: the counts are the result.
        Counted => "counted",
    }
);

impl Decision {
    /// Checks the quorum: 1 to 100 percent.
    pub fn check(self) -> Result<Self, DomainError> {
        match self.quorum_percent {
            Some(q) if !(1..=100).contains(&q) => {
                Err(DomainError::Invalid { field: "quorum_percent", reason: "1 to 100" })
            }
            _ => Ok(self),
        }
    }

    /// The outcome, given the electorate's size, the ballots cast and the leading count (a
    /// motion's "for"; otherwise the most-chosen option's). Integer arithmetic only: "more than
    /// half" and "two thirds" are exact.
    pub fn outcome(self, electorate: u64, ballots: u64, leading: u64) -> Outcome {
        if let Some(q) = self.quorum_percent {
            // ballots / electorate >= q / 100
            if ballots * 100 < u64::from(q) * electorate || ballots == 0 {
                return Outcome::NoQuorum;
            }
        }
        match self.threshold {
            None => Outcome::Counted,
            Some(_) if ballots == 0 => Outcome::Failed,
            Some(Threshold::Majority) if leading * 2 > ballots => Outcome::Passed,
            Some(Threshold::TwoThirds) if leading * 3 >= ballots * 2 => Outcome::Passed,
            Some(_) => Outcome::Failed,
        }
    }
}

/// Counts each option's votes over ballots given as option positions.
pub fn tally<'a>(options: usize, ballots: impl IntoIterator<Item = &'a [usize]>) -> Vec<u64> {
    let mut counts = vec![0u64; options];
    for ballot in ballots {
        for &choice in ballot {
            if let Some(count) = counts.get_mut(choice) {
                *count += 1;
            }
        }
    }
    counts
}
