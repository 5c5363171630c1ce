//! A golden-idea contest (金点子评比): residents submit ideas in a submission window, staff
//! moderate them, the approved ideas become the options of a secret poll in the voting window,
//! and the winners are announced.
//!
//! Life: submitting → voting → announced, or cancelled (by staff with a reason, or by the job
//! when fewer than two ideas were approved). Ideas are submitted only while submitting and
//! inside the submission window; moderation goes on until voting starts.
//!
//! Winners: ideas are ranked by votes, most first, in standard competition ranking — equal
//! counts share a rank and the next rank skips (1, 1, 3). Every idea whose rank is within the
//! contest's number of winners wins, so all ideas tied at the cut win (3 winners asked, counts
//! 9, 7, 5, 5 → four winners). An idea nobody voted for never wins.

use chrono::NaiveDateTime;

use crate::{text_enum, DomainError};

text_enum!(
    ContestStatus "status" "submitting, voting, announced or cancelled" {
        /// Taking ideas in the submission window; moderated until voting starts.
        Submitting => "submitting",
        /// The poll of the approved ideas exists (it opens at `vote_opens_at`).
        Voting => "voting",
        /// The poll is published and the winners recorded.
        Announced => "announced",
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// What may be done to a contest.
    ContestAction "action" "submit, moderate, start_voting, announce or cancel" {
        /// A resident submits an idea (also needs the submission window).
        Submit => "submit",
        /// Staff approve or reject an idea.
        Moderate => "moderate",
        /// The job turns the approved ideas into the poll.
        StartVoting => "start_voting",
        /// The poll was published: the winners are recorded.
        Announce => "announce",
        Cancel => "cancel",
    }
);

text_enum!(
    /// Where an idea stands with moderation.
    IdeaModeration "moderation" "pending, held, approved or rejected" {
        /// Passed the content check; waits for staff review.
        Pending => "pending",
        /// Flagged by the content check (or WeChat could not be asked); waits for staff review.
        Held => "held",
        /// On the ballot.
        Approved => "approved",
        Rejected => "rejected",
    }
);

/// Why a move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContestNotNow {
    pub action: ContestAction,
    pub status: ContestStatus,
}

/// The one place a contest moves. `Submit` and `Moderate` keep the status.
pub fn transition(status: ContestStatus, action: ContestAction) -> Result<ContestStatus, ContestNotNow> {
    use ContestAction as A;
    use ContestStatus as S;
    match (action, status) {
        (A::Submit | A::Moderate, S::Submitting) => Ok(status),
        (A::StartVoting, S::Submitting) => Ok(S::Voting),
        (A::Announce, S::Voting) => Ok(S::Announced),
        (A::Cancel, S::Submitting | S::Voting) => Ok(S::Cancelled),
        _ => Err(ContestNotNow { action, status }),
    }
}

/// The most winners a contest may name.
pub const MAX_WINNERS: u32 = 20;

/// A contest's two windows, checked: submit_opens < submit_closes <= vote_opens < vote_closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    submit_opens_at: NaiveDateTime,
    submit_closes_at: NaiveDateTime,
    vote_opens_at: NaiveDateTime,
    vote_closes_at: NaiveDateTime,
}

impl Windows {
    pub fn parse(
        submit_opens_at: NaiveDateTime,
        submit_closes_at: NaiveDateTime,
        vote_opens_at: NaiveDateTime,
        vote_closes_at: NaiveDateTime,
    ) -> Result<Self, DomainError> {
        let invalid = |field, reason| Err(DomainError::Invalid { field, reason });
        if submit_closes_at <= submit_opens_at {
            return invalid("submit_closes_at", "after submit_opens_at");
        }
        if vote_opens_at < submit_closes_at {
            return invalid("vote_opens_at", "not before submit_closes_at");
        }
        if vote_closes_at <= vote_opens_at {
            return invalid("vote_closes_at", "after vote_opens_at");
        }
        Ok(Self { submit_opens_at, submit_closes_at, vote_opens_at, vote_closes_at })
    }

    pub fn submit_opens_at(&self) -> NaiveDateTime {
        self.submit_opens_at
    }
    pub fn submit_closes_at(&self) -> NaiveDateTime {
        self.submit_closes_at
    }
    pub fn vote_opens_at(&self) -> NaiveDateTime {
        self.vote_opens_at
    }
    pub fn vote_closes_at(&self) -> NaiveDateTime {
        self.vote_closes_at
    }
}

/// Whether `now` is inside the submission window [opens, closes).
pub fn submissions_open(submit_opens_at: NaiveDateTime, submit_closes_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    submit_opens_at <= now && now < submit_closes_at
}

/// Checks the number of winners (1 to 20) and the choices a voter has: none for single choice,
/// or 2 to 50 ideas.
pub fn check_rules(winners: u32, max_choices: Option<u32>) -> Result<(), DomainError> {
    if !(1..=MAX_WINNERS).contains(&winners) {
        return Err(DomainError::Invalid { field: "winners", reason: "1 to 20" });
    }
    match max_choices {
        Some(k) if !(2..=super::rules::MAX_OPTIONS as u32).contains(&k) => {
            Err(DomainError::Invalid { field: "max_choices", reason: "2 to 50, or none for one choice" })
        }
        _ => Ok(()),
    }
}

/// The choices a voter has on a ballot of `ideas` approved ideas: the contest's `max_choices`,
/// capped at the number of ideas (a cap of 1 or none is single choice).
pub fn ballot_choices(max_choices: Option<u32>, ideas: usize) -> Option<u32> {
    max_choices.map(|k| k.min(ideas as u32)).filter(|&k| k >= 2)
}

/// One idea's place after the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placing {
    /// 1 for the most votes; equal counts share a rank (1, 1, 3).
    pub rank: u32,
    pub votes: u64,
    pub winner: bool,
}

/// Ranks the ideas by their counts (in the order given) and names the winners: rank within
/// `winners` and at least one vote.
pub fn placings(counts: &[u64], winners: u32) -> Vec<Placing> {
    counts
        .iter()
        .map(|&votes| {
            let rank = 1 + counts.iter().filter(|&&other| other > votes).count() as u32;
            Placing { rank, votes, winner: votes > 0 && rank <= winners }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action from every status: exactly the table's moves, everything else refused.
    #[test]
    fn every_action_from_every_status() {
        use ContestAction as A;
        use ContestStatus as S;
        for &status in S::ALL {
            for &action in A::ALL {
                let expected = match (action, status) {
                    (A::Submit, S::Submitting) | (A::Moderate, S::Submitting) => Ok(S::Submitting),
                    (A::StartVoting, S::Submitting) => Ok(S::Voting),
                    (A::Announce, S::Voting) => Ok(S::Announced),
                    (A::Cancel, S::Submitting) | (A::Cancel, S::Voting) => Ok(S::Cancelled),
                    _ => Err(ContestNotNow { action, status }),
                };
                assert_eq!(transition(status, action), expected, "{action:?} from {status:?}");
            }
        }
    }

    fn at(hour: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(hour, 0, 0)).unwrap()
    }

    #[test]
    fn windows_follow_each_other() {
        assert!(Windows::parse(at(1), at(2), at(2), at(3)).is_ok(), "voting may open as submissions close");
        assert!(Windows::parse(at(1), at(2), at(4), at(5)).is_ok());
        assert!(Windows::parse(at(2), at(2), at(3), at(4)).is_err(), "an empty submission window");
        assert!(Windows::parse(at(1), at(3), at(2), at(4)).is_err(), "voting before submissions close");
        assert!(Windows::parse(at(1), at(2), at(3), at(3)).is_err(), "an empty voting window");
        assert!(!submissions_open(at(1), at(2), at(0)));
        assert!(submissions_open(at(1), at(2), at(1)));
        assert!(!submissions_open(at(1), at(2), at(2)), "closed at its closing time");
    }

    #[test]
    fn rules_and_choices() {
        assert!(check_rules(1, None).is_ok() && check_rules(20, Some(50)).is_ok());
        assert!(check_rules(0, None).is_err() && check_rules(21, None).is_err());
        assert!(check_rules(1, Some(1)).is_err() && check_rules(1, Some(51)).is_err());
        assert_eq!(ballot_choices(None, 5), None);
        assert_eq!(ballot_choices(Some(3), 5), Some(3));
        assert_eq!(ballot_choices(Some(3), 2), Some(2), "capped at the ideas");
    }

    #[test]
    fn ties_share_a_rank_and_all_tied_at_the_cut_win() {
        let ranks = |counts: &[u64], n| placings(counts, n).iter().map(|p| (p.rank, p.winner)).collect::<Vec<_>>();
        assert_eq!(ranks(&[5, 9, 7, 5], 3), vec![(3, true), (1, true), (2, true), (3, true)]);
        assert_eq!(ranks(&[9, 7, 5, 5], 2), vec![(1, true), (2, true), (3, false), (3, false)]);
        assert_eq!(ranks(&[4, 4, 1], 1), vec![(1, true), (1, true), (3, false)]);
        assert_eq!(ranks(&[0, 0], 1), vec![(1, false), (1, false)], "no votes, no winner");
        assert_eq!(ranks(&[2, 0], 2), vec![(1, true), (2, false)]);
    }
}
