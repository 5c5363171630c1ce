use chrono::NaiveDate;

use super::commitments::{self, CommitmentStatus};
use super::content::{listed_in, verdict, Moderation, WeChatVerdict};
use super::meetings::{check_in, missing_confirms, CheckInRefusal, Confirms, MeetingStatus};
use super::status::*;

use MatterStatus as S;

fn facts(route: Route) -> Facts {
    Facts { route: Some(route), ..Facts::default() }
}

/// Every action from every status, on every route, with the guarding facts false and true:
/// the answer is exactly the table's, and every other pair is refused as "not now".
#[test]
fn every_action_from_every_status_on_every_route() {
    for &route in Route::ALL {
        for &status in S::ALL {
            for &action in Action::ALL {
                for guards in [false, true] {
                    let f = Facts {
                        route: Some(route),
                        solicited: guards,
                        case_done: guards,
                        open_commitments: if guards { 0 } else { 2 },
                        rating_over: guards,
                    };
                    let expected: Result<S, Refusal> = match (action, status) {
                        (Action::Triage, S::Raised) => Ok(route.entry()),
                        (Action::Merge, S::Raised | S::Deliberating | S::Guiding) => Ok(S::Merged),
                        (Action::Decline, S::Raised) => Ok(S::Declined),
                        (Action::Suggest, S::Deliberating) if route == Route::CouncilSuggests => Ok(S::Deciding),
                        (Action::Suggest, S::Deliberating) => Err(Refusal::WrongRoute { action }),
                        (Action::Resolve, S::Deliberating) => match route {
                            Route::CouncilSettles | Route::Committees => Ok(S::Implementing),
                            Route::Solicit if guards => Ok(S::Implementing),
                            Route::Solicit => Err(Refusal::NotSolicited),
                            _ => Err(Refusal::WrongRoute { action }),
                        },
                        (Action::Resolve, S::Deciding) => Ok(S::Implementing),
                        (Action::Resolve, S::Referred) if guards => Ok(S::Implementing),
                        (Action::Resolve, S::Referred) => Err(Refusal::CaseOpen),
                        (Action::Guide, S::Guiding) => Ok(S::Closed),
                        (Action::Evaluate, S::Implementing) if guards => Ok(S::Evaluating),
                        (Action::Evaluate, S::Implementing) => Err(Refusal::CommitmentsOpen),
                        (Action::Archive, S::Evaluating) if guards => Ok(S::Archived),
                        (Action::Archive, S::Evaluating) => Err(Refusal::RatingOpen),
                        _ => Err(Refusal::NotNow { action, status }),
                    };
                    assert_eq!(transition(status, action, f), expected, "{action:?} from {status:?} on {route:?}");
                }
            }
        }
    }
    // Triage needs a route; nothing moves a final matter.
    let none = Facts::default();
    assert_eq!(transition(S::Raised, Action::Triage, none), Err(Refusal::WrongRoute { action: Action::Triage }));
    for &status in S::ALL.iter().filter(|s| s.is_final()) {
        for &action in Action::ALL {
            assert!(transition(status, action, facts(Route::Committees)).is_err());
        }
    }
}

#[test]
fn each_scheme_has_its_three_tiers_and_a_route_for_each() {
    assert_eq!(route(Scheme::Wuyi, Tier::Small), Ok(Route::CouncilSettles));
    assert_eq!(route(Scheme::Wuyi, Tier::Big), Ok(Route::CouncilSuggests));
    assert_eq!(route(Scheme::Wuyi, Tier::Major), Ok(Route::Solicit));
    assert_eq!(route(Scheme::Pengshui, Tier::Private), Ok(Route::Guidance));
    assert_eq!(route(Scheme::Pengshui, Tier::Small), Ok(Route::Committees));
    assert_eq!(route(Scheme::Pengshui, Tier::Big), Ok(Route::Department));
    for &scheme in Scheme::ALL {
        for &tier in Tier::ALL {
            assert_eq!(route(scheme, tier).is_ok(), scheme.tiers().contains(&tier), "{scheme:?} {tier:?}");
        }
    }
    assert!(Route::CouncilSettles.may_decide(DecidedBy::Council));
    assert!(!Route::CouncilSettles.may_decide(DecidedBy::Committees));
    assert!(Route::Solicit.may_decide(DecidedBy::AssemblyVote));
    assert!(!Route::Guidance.may_decide(DecidedBy::Committees));
    for &word in ["raised", "deliberating", "merged"].iter() {
        assert_eq!(S::parse(word).map(S::as_str), Ok(word));
    }
    assert!(S::parse("open").is_err());
}

#[test]
fn a_major_matter_needs_a_closed_solicitation_of_the_minimum_length() {
    let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).and_then(|d| d.and_hms_opt(9, 0, 0)).unwrap_or_default();
    assert!(solicitation_done(day(1), day(8), day(8), 7));
    assert!(!solicitation_done(day(1), day(8), day(7), 7), "still open");
    assert!(!solicitation_done(day(1), day(5), day(9), 7), "too short");
}

#[test]
fn the_content_verdict_holds_anything_doubtful() {
    assert_eq!(verdict(None, &[]).moderation, Moderation::Clear);
    assert_eq!(verdict(Some(WeChatVerdict::Pass), &[]).moderation, Moderation::Clear);
    for doubtful in [WeChatVerdict::Review, WeChatVerdict::Risky, WeChatVerdict::Unavailable] {
        assert_eq!(verdict(Some(doubtful), &[]).moderation, Moderation::Held, "{doubtful:?}");
    }
    let held = verdict(Some(WeChatVerdict::Pass), &["赌博".to_owned()]);
    assert_eq!((held.moderation, held.reasons), (Moderation::Held, vec!["word:赌博".to_owned()]));
    let words = vec!["赌博".to_owned(), "Spam".to_owned()];
    assert_eq!(listed_in("有人在村口 赌 博", &words), vec!["赌博".to_owned()]);
    assert_eq!(listed_in("SPAM here", &words), vec!["Spam".to_owned()]);
    assert!(listed_in("修路的事", &words).is_empty());
}

#[test]
fn a_meeting_is_announced_only_with_time_people_and_items() {
    let all = Confirms { has_time: true, invitees: 3, agenda_items: 1 };
    assert!(missing_confirms(all).is_empty());
    assert_eq!(
        missing_confirms(Confirms { has_time: false, invitees: 0, agenda_items: 0 }),
        ["time", "participants", "agenda"]
    );
    assert_eq!(missing_confirms(Confirms { agenda_items: 0, ..all }), ["agenda"]);
    let t = |h| NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(h, 0, 0)).unwrap_or_default();
    let open = MeetingStatus::Announced;
    assert_eq!(check_in(open, true, Some(t(20)), false, t(19)), Ok(()));
    assert_eq!(check_in(open, false, Some(t(20)), false, t(19)), Err(CheckInRefusal::Wrong));
    assert_eq!(check_in(open, true, Some(t(20)), false, t(20)), Err(CheckInRefusal::Expired));
    assert_eq!(check_in(open, true, Some(t(20)), true, t(19)), Err(CheckInRefusal::AlreadyIn));
    assert_eq!(check_in(MeetingStatus::Held, true, Some(t(20)), false, t(19)), Err(CheckInRefusal::NotOpen));
}

#[test]
fn a_commitment_slips_at_its_deadline_and_is_extended_once() {
    let t = |d| NaiveDate::from_ymd_opt(2026, 12, d).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
    assert!(commitments::is_overdue(CommitmentStatus::Open, t(2), t(2)));
    assert!(!commitments::is_overdue(CommitmentStatus::Open, t(3), t(2)));
    assert!(!commitments::is_overdue(CommitmentStatus::Done, t(1), t(2)));
    assert!(commitments::may_extend(0, t(9), t(2)));
    assert!(!commitments::may_extend(1, t(9), t(2)), "once only");
    assert!(!commitments::may_extend(0, t(1), t(2)), "to a later day");
}

/// A matter goes to a vote only where the assembly may decide it and a decision is pending: a
/// Wuyi major matter after its solicitation, a big one at the committees, never a small one.
#[test]
fn a_matter_is_put_to_a_vote_only_when_the_assembly_may_decide_it() {
    let solicited = Facts { solicited: true, ..facts(Route::Solicit) };
    assert_eq!(may_put_to_vote(S::Deliberating, solicited), Ok(()));
    assert_eq!(may_put_to_vote(S::Deliberating, facts(Route::Solicit)), Err(VoteRefusal::NotPending));
    assert_eq!(may_put_to_vote(S::Implementing, solicited), Err(VoteRefusal::NotPending));
    assert_eq!(may_put_to_vote(S::Deciding, facts(Route::CouncilSuggests)), Ok(()));
    assert_eq!(may_put_to_vote(S::Deliberating, facts(Route::CouncilSuggests)), Err(VoteRefusal::NotPending));
    assert_eq!(may_put_to_vote(S::Deliberating, facts(Route::CouncilSettles)), Err(VoteRefusal::NotByVote));
    assert_eq!(may_put_to_vote(S::Referred, facts(Route::Department)), Err(VoteRefusal::NotByVote));
    assert_eq!(may_put_to_vote(S::Guiding, facts(Route::Guidance)), Err(VoteRefusal::NotByVote));
    assert_eq!(may_put_to_vote(S::Raised, Facts::default()), Err(VoteRefusal::NotByVote));
    use crate::voting::Outcome;
    assert!(vote_decides(Outcome::Passed));
    assert!(vote_decides(Outcome::Failed));
    assert!(vote_decides(Outcome::Counted));
    assert!(!vote_decides(Outcome::NoQuorum));
}
