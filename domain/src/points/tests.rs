use chrono::NaiveDate;

use super::entries::{self, EntryAction, EntryStatus};
use super::ledger::{chain_hash, verify, BreakReason, LedgerKind, Link, GENESIS};
use super::redemption::{self, cost, OrderAction, OrderStatus};
use super::rules::{self, base_points, check_rule, check_set, stars, within_cap, AutoSource, BaseStep, Category, Rule};
use super::rules::{RuleSetAction, RuleSetStatus, Subject};
use super::volunteers::points_for;
use crate::identity::roles::Role;

fn rule(code: &str, points: i64) -> Rule {
    Rule {
        code: code.into(),
        name: "垃圾分类".into(),
        category: if points < 0 { Category::Misconduct } else { Category::Garbage },
        points,
        cap: None,
        cap_period: None,
        subject: Subject::Resident,
        automatic: None,
        recorders: vec![Role::GridWorker],
        claimable: true,
    }
}

#[test]
fn an_entry_moves_only_along_its_path() {
    use EntryAction as A;
    use EntryStatus as S;
    assert_eq!(entries::transition(S::Claimed, A::Approve), Ok(S::Approved));
    assert_eq!(entries::transition(S::Recorded, A::Reject), Ok(S::Rejected));
    assert_eq!(entries::transition(S::Approved, A::Post), Ok(S::Posted));
    assert_eq!(entries::transition(S::Posted, A::Strike), Ok(S::Struck));
    assert_eq!(entries::transition(S::Posted, A::TakeEffect), Ok(S::Effective));
    for status in [S::Effective, S::Struck, S::Rejected] {
        for action in EntryAction::ALL {
            assert!(entries::transition(status, *action).is_err(), "{status:?} {action:?}");
        }
    }
    assert!(entries::transition(S::Recorded, A::TakeEffect).is_err());
    assert!(entries::transition(S::Approved, A::Strike).is_err());
}

#[test]
fn a_rule_set_comes_into_force_at_once_or_by_its_vote() {
    use RuleSetAction as A;
    use RuleSetStatus as S;
    assert_eq!(rules::transition(S::Draft, A::Activate), Ok(S::Active));
    assert_eq!(rules::transition(S::Draft, A::SubmitToVote), Ok(S::PendingVote));
    assert_eq!(rules::transition(S::PendingVote, A::VotePassed), Ok(S::Active));
    assert_eq!(rules::transition(S::PendingVote, A::VoteFailed), Ok(S::Rejected));
    assert!(rules::transition(S::PendingVote, A::Activate).is_err());
    assert_eq!(rules::transition(S::Active, A::Supersede), Ok(S::Superseded));
}

#[test]
fn rules_are_checked_for_sign_cap_recorders_and_uniqueness() {
    assert!(check_rule(&rule("garbage_sorting", 5)).is_ok());
    assert!(check_rule(&rule("Bad Code", 5)).is_err());
    assert!(check_rule(&rule("zero", 0)).is_err());
    assert!(check_rule(&rule("fight", -20)).is_ok());
    let mut wrong_sign = rule("x", -5);
    wrong_sign.category = Category::Charity;
    assert!(check_rule(&wrong_sign).is_err());
    let mut capped = rule("x", 5);
    capped.cap = Some(20);
    assert!(check_rule(&capped).is_err(), "a cap without a period");
    capped.cap_period = Some(rules::CapPeriod::Month);
    assert!(check_rule(&capped).is_ok());
    let mut auto = rule("meeting", 2);
    auto.automatic = Some(AutoSource::MeetingCheckin);
    assert!(check_rule(&auto).is_err(), "automatic with recorders");
    auto.recorders.clear();
    auto.claimable = false;
    assert!(check_rule(&auto).is_ok());
    let mut no_one = rule("x", 5);
    no_one.recorders.clear();
    assert!(check_rule(&no_one).is_err());
    let mut resident_recorder = rule("x", 5);
    resident_recorder.recorders = vec![Role::Representative];
    assert!(check_rule(&resident_recorder).is_err());
    let mut cadre = rule("attend", 1);
    cadre.category = Category::Attendance;
    assert!(check_rule(&cadre).is_err(), "attendance is a cadre's");
    cadre.subject = Subject::Cadre;
    assert!(check_rule(&cadre).is_ok());

    assert!(check_set(&[rule("a", 1), rule("a", 2)], &[], &[]).is_err());
    let mut auto2 = auto.clone();
    auto2.code = "meeting2".into();
    assert!(check_set(&[auto.clone(), auto2], &[], &[]).is_err());
    let base = [BaseStep { min_members: 1, points: 50 }, BaseStep { min_members: 3, points: 80 }];
    assert!(check_set(&[rule("a", 1)], &base, &[100, 200]).is_ok());
    assert!(check_set(&[rule("a", 1)], &[base[1], base[0]], &[]).is_err());
    assert!(check_set(&[rule("a", 1)], &base, &[200, 100]).is_err());
    assert!(check_set(&[], &base, &[]).is_err());
}

#[test]
fn base_points_stars_and_caps() {
    let base = [BaseStep { min_members: 1, points: 50 }, BaseStep { min_members: 3, points: 80 }];
    assert_eq!(base_points(&base, 0), 0);
    assert_eq!(base_points(&base, 2), 50);
    assert_eq!(base_points(&base, 3), 80);
    assert_eq!(base_points(&base, 9), 80);
    assert_eq!(stars(&[100, 200, 300], 99), 0);
    assert_eq!(stars(&[100, 200, 300], 200), 2);
    assert_eq!(stars(&[100, 200, 300], 1000), 3);
    assert_eq!(within_cap(5, 0, None), 5);
    assert_eq!(within_cap(5, 17, Some(20)), 3);
    assert_eq!(within_cap(5, 20, Some(20)), 0);
    assert_eq!(within_cap(-10, -15, Some(20)), -5);
}

#[test]
fn orders_cost_and_move() {
    assert_eq!(cost(30, 2), Some(60));
    assert_eq!(cost(30, 0), None);
    assert_eq!(cost(30, 11), None);
    assert_eq!(cost(0, 1), None);
    assert_eq!(redemption::transition(OrderStatus::Ordered, OrderAction::Cancel), Ok(OrderStatus::Cancelled));
    assert!(redemption::transition(OrderStatus::HandedOver, OrderAction::Cancel).is_err());
    assert_eq!(points_for(10, 90), 15);
    assert_eq!(points_for(10, 59), 9);
}

#[test]
fn the_chain_names_the_first_row_that_was_edited_or_removed() {
    let at = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(8, 0, 0).unwrap();
    let ids = ["r1", "r2", "r3"];
    let links: Vec<Link<'_>> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| Link {
            id,
            account_id: "acc",
            seq: i as i64 + 1,
            kind: LedgerKind::Earn,
            points: 10,
            reference: "entry",
            memo: "",
            at,
        })
        .collect();
    let mut hashes = Vec::new();
    let mut prev = GENESIS.to_owned();
    for link in &links {
        prev = chain_hash(&prev, link);
        hashes.push(prev.clone());
    }
    let rows = || links.iter().cloned().zip(hashes.iter().map(String::as_str));
    assert_eq!(verify(rows()).map(|(total, _)| total), Ok(30));

    let mut edited: Vec<_> = rows().collect();
    edited[1].0.points = 1000;
    let broken = verify(edited).unwrap_err();
    assert_eq!((broken.id.as_str(), broken.reason), ("r2", BreakReason::Hash));

    let mut removed: Vec<_> = rows().collect();
    removed.remove(1);
    let broken = verify(removed).unwrap_err();
    assert_eq!((broken.id.as_str(), broken.reason), ("r3", BreakReason::Sequence));
}

// Part D: volunteer teams and sessions.

#[test]
fn a_team_has_distinct_members_with_its_leader_among_them() {
    use super::volunteers::check_team;
    let people = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(check_team("一队", "a", &people(&["a", "b"])).is_ok());
    let field = |r: Result<(), crate::DomainError>| match r {
        Err(crate::DomainError::Invalid { field, .. }) => field,
        Ok(()) => "ok",
    };
    assert_eq!(field(check_team(" ", "a", &people(&["a"]))), "name");
    assert_eq!(field(check_team("一队", "a", &people(&["b"]))), "member_ids");
    assert_eq!(field(check_team("一队", "a", &people(&["a", "a"]))), "member_ids");
    assert_eq!(field(check_team("一队", "a", &[])), "member_ids");
    let many: Vec<String> = (0..31).map(|i| i.to_string()).collect();
    assert_eq!(field(check_team("一队", "0", &many)), "member_ids");
}

#[test]
fn a_session_is_not_in_the_future_and_counts_each_member_once() {
    use super::volunteers::{check_session, transition, SessionAction, SessionStatus, MAX_MINUTES};
    let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    let hours = |h: &[(&str, u32)]| h.iter().map(|(u, m)| (u.to_string(), *m)).collect::<Vec<_>>();
    assert!(check_session("扫雪", today, today, &hours(&[("a", 90), ("b", MAX_MINUTES)])).is_ok());
    assert!(check_session("扫雪", today.succ_opt().unwrap(), today, &hours(&[("a", 90)])).is_err());
    assert!(check_session("扫雪", today, today, &hours(&[("a", 0)])).is_err());
    assert!(check_session("扫雪", today, today, &hours(&[("a", MAX_MINUTES + 1)])).is_err());
    assert!(check_session("扫雪", today, today, &hours(&[("a", 30), ("a", 30)])).is_err());
    assert!(check_session("", today, today, &hours(&[("a", 30)])).is_err());
    assert!(check_session("扫雪", today, today, &[]).is_err());
    assert_eq!(points_for(10, 90), 15);
    assert_eq!(points_for(10, 59), 9);
    use SessionAction as A;
    use SessionStatus as S;
    assert_eq!(transition(S::Recorded, A::Confirm), Ok(S::Confirmed));
    assert_eq!(transition(S::Recorded, A::Reject), Ok(S::Rejected));
    assert!(transition(S::Confirmed, A::Confirm).is_err());
    assert!(transition(S::Rejected, A::Confirm).is_err());
}

#[test]
fn a_dividend_is_finalized_or_cancelled_from_posted_only_and_never_with_an_upheld_objection() {
    use super::dividends::{self as d, DividendAction as A, DividendStatus as S};
    assert_eq!(d::transition(S::Posted, A::Finalize), Ok(S::Final));
    assert_eq!(d::transition(S::Posted, A::Cancel), Ok(S::Cancelled));
    for status in [S::Final, S::Cancelled] {
        for action in A::ALL {
            assert!(d::transition(status, *action).is_err(), "{status:?} {action:?}");
        }
    }
    let ends = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap().and_hms_opt(2, 0, 0).unwrap();
    let after = ends + chrono::Duration::minutes(1);
    assert!(d::may_finalize(ends, 0, 0, after));
    assert!(!d::may_finalize(ends, 0, 0, ends - chrono::Duration::minutes(1)), "the period runs");
    assert!(!d::may_finalize(ends, 1, 0, after), "an objection waits");
    assert!(!d::may_finalize(ends, 0, 1, after), "an objection was upheld");
}

#[test]
fn yuan_are_exact_and_a_cut_off_ends_at_beijing_midnight() {
    use super::dividends::{check_cut_off, check_total, cut_off_end, yuan};
    assert_eq!(
        (yuan(1234), yuan(5), yuan(0), yuan(100), yuan(-5)),
        ("12.34".into(), "0.05".into(), "0.00".into(), "1.00".into(), "-0.05".into())
    );
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    // 2026-12-01 00:00 in Beijing is 2026-11-30 16:00 UTC.
    assert_eq!(cut_off_end(day), day.and_hms_opt(16, 0, 0).unwrap());
    // At 2026-11-30 17:00 UTC it is already 1 December in Beijing.
    let now = day.and_hms_opt(17, 0, 0).unwrap();
    assert!(check_cut_off(day.succ_opt().unwrap(), now).is_ok());
    assert!(check_cut_off(day.succ_opt().unwrap().succ_opt().unwrap(), now).is_err());
    assert!(check_total(0).is_err() && check_total(-1).is_err() && check_total(1).is_ok());
}

#[test]
fn an_items_stock_and_price_stay_in_bounds() {
    use super::redemption::{check_price, check_stock, check_stock_delta, stock_after, MAX_STOCK};
    assert!(check_price(0).is_err() && check_price(1).is_ok() && check_price(1_000_001).is_err());
    assert!(check_stock(-1).is_err() && check_stock(0).is_ok() && check_stock(MAX_STOCK + 1).is_err());
    assert!(check_stock_delta(0).is_err() && check_stock_delta(-3).is_ok());
    assert_eq!((stock_after(3, -3), stock_after(3, -4), stock_after(MAX_STOCK, 1)), (Some(0), None, None));
}
