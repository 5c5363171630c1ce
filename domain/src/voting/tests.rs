use super::rules::*;
use super::status::*;

/// Every action from every status: exactly the table's moves, everything else refused.
#[test]
fn every_action_from_every_status() {
    use PollAction as A;
    use PollStatus as S;
    for &status in S::ALL {
        for &action in A::ALL {
            let expected = match (action, status) {
                (A::Edit, S::Draft | S::Scheduled) => Ok(status),
                (A::Schedule, S::Draft) => Ok(S::Scheduled),
                (A::Open, S::Draft | S::Scheduled) => Ok(S::Open),
                (A::Close, S::Open) => Ok(S::Closed),
                (A::Publish, S::Closed) => Ok(S::Published),
                (A::Cancel, S::Draft | S::Scheduled | S::Open) => Ok(S::Cancelled),
                _ => Err(NotNow { action, status }),
            };
            assert_eq!(transition(status, action), expected, "{action:?} from {status:?}");
        }
    }
    assert!(S::Open.takes_ballots() && !S::Closed.takes_ballots());
    assert!(S::Published.is_final() && S::Cancelled.is_final() && !S::Closed.is_final());
}

#[test]
fn options_fit_the_kind() {
    assert!(check_options(PollKind::Motion, 3, None).is_ok());
    assert!(check_options(PollKind::Motion, 2, None).is_err());
    assert!(check_options(PollKind::Single, 1, None).is_err());
    assert!(check_options(PollKind::Single, 2, Some(2)).is_err(), "max_choices only for multiple");
    assert!(check_options(PollKind::Multiple, 4, Some(2)).is_ok());
    assert!(check_options(PollKind::Multiple, 4, Some(5)).is_err());
    assert!(check_options(PollKind::Multiple, 4, None).is_err());
    assert!(check_options(PollKind::Approval, 51, None).is_err());
}

#[test]
fn a_ballot_chooses_as_its_kind_allows() {
    assert_eq!(check_choices(PollKind::Single, 3, None, &[2]), Ok(vec![2]));
    assert!(check_choices(PollKind::Single, 3, None, &[0, 1]).is_err());
    assert!(check_choices(PollKind::Single, 3, None, &[]).is_err());
    assert!(check_choices(PollKind::Single, 3, None, &[3]).is_err(), "unknown option");
    assert_eq!(check_choices(PollKind::Multiple, 4, Some(2), &[3, 0]), Ok(vec![0, 3]));
    assert!(check_choices(PollKind::Multiple, 4, Some(2), &[0, 1, 2]).is_err(), "more than k");
    assert!(check_choices(PollKind::Multiple, 4, Some(2), &[1, 1]).is_err(), "twice");
    assert_eq!(check_choices(PollKind::Approval, 4, None, &[0, 1, 2, 3]).map(|c| c.len()), Ok(4));
    assert_eq!(check_choices(PollKind::Motion, 3, None, &[1]), Ok(vec![1]));
}

/// Three prepared electorates of 30: an assembly motion needing half of them to vote and two
/// thirds of the votes cast.
#[test]
fn a_motion_passes_fails_or_lacks_a_quorum() {
    let rules = Decision { quorum_percent: Some(50), threshold: Some(Threshold::TwoThirds) };
    assert_eq!(rules.outcome(30, 15, 10), Outcome::Passed, "10 of 15 is exactly two thirds");
    assert_eq!(rules.outcome(30, 15, 9), Outcome::Failed);
    assert_eq!(rules.outcome(30, 14, 14), Outcome::NoQuorum, "14 of 30 is under half");
    let majority = Decision { quorum_percent: None, threshold: Some(Threshold::Majority) };
    assert_eq!(majority.outcome(10, 4, 2), Outcome::Failed, "half is not more than half");
    assert_eq!(majority.outcome(10, 5, 3), Outcome::Passed);
    assert_eq!(majority.outcome(10, 0, 0), Outcome::Failed);
    assert_eq!(Decision::default().outcome(10, 3, 2), Outcome::Counted);
    assert!(Decision { quorum_percent: Some(0), threshold: None }.check().is_err());
}

#[test]
fn the_tally_counts_every_choice_once() {
    let ballots: Vec<Vec<usize>> = vec![vec![0], vec![1, 2], vec![2], vec![0, 2]];
    assert_eq!(tally(3, ballots.iter().map(Vec::as_slice)), vec![2, 1, 3]);
}
