//! The cases feature's rules, end to end.

#[cfg(test)]
mod journey {
    use super::super::*;
    use crate::calendar::{beijing, WorkingCalendar};
    use crate::identity::roles::Permission;
    use chrono::TimeZone;
    use chrono::{Duration, Utc};

    #[test]
    fn the_whole_journey_and_every_refusal() {
        use Action::*;
        use CaseStatus::*;
        let (s, l) = transition(Reported, Level::Grid, Accept).unwrap_or((Merged, Level::Grid));
        assert_eq!((s, l), (Accepted, Level::Grid));
        assert_eq!(transition(Accepted, Level::Grid, Escalate), Ok((Escalated, Level::Village)));
        assert_eq!(transition(Escalated, Level::Village, Escalate), Ok((Escalated, Level::Township)));
        assert_eq!(transition(Escalated, Level::Township, Accept), Ok((Accepted, Level::Township)));
        assert_eq!(transition(Accepted, Level::Township, Start), Ok((InProgress, Level::Township)));
        assert_eq!(transition(InProgress, Level::Township, Resolve), Ok((Resolved, Level::Township)));
        assert_eq!(transition(Resolved, Level::Township, Reopen), Ok((InProgress, Level::Township)));
        assert_eq!(transition(Resolved, Level::Township, Confirm), Ok((Closed, Level::Township)));
        assert_eq!(transition(Resolved, Level::Grid, AutoClose), Ok((ClosedUnrated, Level::Grid)));
        assert_eq!(transition(InProgress, Level::Department, Escalate), Err(TransitionError::TopOfLadder));

        // Every pair: exactly the listed moves are allowed; closed cases accept nothing.
        let allowed = |a: Action, s: CaseStatus| match a {
            Accept => matches!(s, Reported | Escalated),
            Start => s == Accepted,
            Escalate | Resolve => matches!(s, Reported | Escalated | Accepted | InProgress),
            Confirm | Reopen | AutoClose => s == Resolved,
            Merge => s.is_open(),
        };
        for action in Action::ALL {
            for status in CaseStatus::ALL {
                let result = transition(status, Level::Grid, action);
                assert_eq!(result.is_ok(), allowed(action, status), "{action:?} on {status:?}");
                if !status.is_open() {
                    assert!(result.is_err());
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Ok(s));
        }
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Ok(l));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Ok(o));
        }
        assert!(Urgency::parse("whenever").is_err());
        assert!(Rating::parse(0).is_err() && Rating::parse(6).is_err() && Rating::parse(5).is_ok());
        assert_eq!(Level::Township.handling(), Permission::HandleTownshipCase);
    }

    #[test]
    fn only_staff_in_scope_the_reporter_and_villagers_see_the_exact_location() {
        let path = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let case = path(&["c", "t", "v1", "g1"]);
        let same_village = vec![path(&["c", "t", "v1", "g2", "b1"])];
        let other_village = vec![path(&["c", "t", "v2"])];
        assert!(sees_exact_location(true, false, &case, &[]));
        assert!(sees_exact_location(false, true, &case, &other_village));
        assert!(sees_exact_location(false, false, &case, &same_village));
        assert!(!sees_exact_location(false, false, &case, &other_village));
        assert!(!sees_exact_location(false, false, &case, &[]));
        assert!(!sees_exact_location(false, false, &path(&["c", "t"]), &[path(&["c", "t"])]), "no village, no exact");
    }

    #[test]
    fn similar_chinese_reports_score_high_and_unrelated_ones_low() {
        let first = "村口的路灯坏了，晚上很黑，老人走路不安全";
        let same = "村口路灯不亮了，晚上太黑，老人出门不安全";
        let other = "张家和李家因为宅基地边界吵架";
        assert!(similarity(first, same) > 0.5, "{}", similarity(first, same));
        assert!(similarity(first, other) < 0.15, "{}", similarity(first, other));
        assert!((similarity(first, first) - 1.0).abs() < 1e-9);
        assert_eq!(similarity("", first), 0.0);
        assert!(similarity("Road  BROKEN!", "road broken") > 0.99, "case and punctuation do not matter");
    }

    #[test]
    fn deadlines_follow_level_urgency_and_overrides() {
        let policy = DeadlinePolicy::default();
        let cal = WorkingCalendar::default();
        // Friday 2026-11-27 16:00 Beijing: a normal grid case must be accepted within 4 working
        // hours (Monday 12:00); an urgent one within 1 calendar hour.
        let friday = beijing().with_ymd_and_hms(2026, 11, 27, 16, 0, 0).unwrap().with_timezone(&Utc);
        let monday_noon = beijing().with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(policy.accept_due(&cal, Level::Grid, Urgency::Normal, friday), monday_noon);
        assert_eq!(policy.accept_due(&cal, Level::Grid, Urgency::Urgent, friday), friday + Duration::hours(1));
        let custom = DeadlinePolicy::with_overrides(
            r#"{"levels": {"grid": {"normal": {"accept_hours": 1, "resolve_hours": 2}}}, "confirm_hours": 24}"#,
        )
        .unwrap();
        assert_eq!(custom.limits(Level::Grid, Urgency::Normal), Limits { accept_hours: 1, resolve_hours: 2 });
        assert_eq!(custom.limits(Level::Village, Urgency::Normal), policy.limits(Level::Village, Urgency::Normal));
        assert_eq!(custom.confirm_hours, 24);
        assert!(DeadlinePolicy::with_overrides(r#"{"levels": {"moon": {}}}"#).is_err());
        assert!(DeadlinePolicy::with_overrides("not json").is_err());
    }

    fn november() -> Period {
        Period {
            from: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
        }
    }

    /// A case reported on 2 November, `h` hours in: accepted, answered and closed at the given
    /// hours (closed at hour 720 is 2 December, outside the month).
    fn fact(
        status: CaseStatus,
        times: (Option<i64>, Option<i64>, Option<i64>),
        outcome: Option<Outcome>,
        rating: Option<i32>,
    ) -> CaseFacts {
        let t = |h: i64| Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap() + Duration::hours(h);
        CaseFacts {
            status,
            reported_at: t(0),
            first_accepted_at: times.0.map(t),
            resolved_at: times.1.map(t),
            closed_at: times.2.map(t),
            outcome,
            overdue: false,
            escalations: 0,
            rating,
        }
    }

    #[test]
    fn rates_are_over_all_cases_closed_in_the_period_as_townships_count_them() {
        use CaseStatus::*;
        use Outcome::*;
        let closed = |outcome, rating| fact(Closed, (Some(1), Some(10), Some(20)), Some(outcome), rating);
        let mut cases = vec![
            closed(Fixed, Some(5)),
            closed(Fixed, Some(4)),
            closed(Fixed, Some(3)),
            closed(UnableToFix, Some(5)),
            closed(Referred, None),
            fact(ClosedUnrated, (Some(1), Some(10), Some(178)), Some(Fixed), None),
            fact(ClosedUnrated, (Some(1), Some(10), Some(178)), Some(Duplicate), None),
            fact(ClosedUnrated, (Some(1), Some(10), Some(178)), Some(Withdrawn), None),
            // Not closed in November: still open, answered but unconfirmed, closed in December,
            // merged into another case.
            fact(Reported, (None, None, None), None, None),
            fact(Resolved, (Some(1), Some(10), None), Some(Fixed), None),
            fact(Closed, (Some(1), Some(10), Some(720)), Some(Fixed), Some(5)),
            fact(Merged, (None, None, Some(5)), None, None),
        ];
        cases[0].overdue = true;
        cases[8].overdue = true;
        cases[8].escalations = 2;
        let f = figures(&cases, &november(), SatisfiedFrom::default());
        assert_eq!((f.closed, f.resolved, f.rated, f.satisfied), (8, 4, 4, 3));
        assert_eq!(f.resolution_rate, Some(4.0 / 8.0), "only `fixed` counts as resolved");
        assert_eq!(f.satisfaction_rate, Some(3.0 / 8.0), "4 and 5 of all closed, unrated ones included");
        assert_eq!(f.rated_share, Some(4.0 / 8.0));
        assert_eq!(f.outcomes, OutcomeCounts { fixed: 4, unable_to_fix: 1, referred: 1, duplicate: 1, withdrawn: 1 });
        assert_eq!(f.on_time_rate, Some(7.0 / 8.0));
        assert_eq!(f.avg_hours_to_resolve, Some(10.0));
        // Of the reported: every case but the merged one, reported in November.
        assert_eq!((f.received, f.overdue, f.escalated, f.escalations), (11, 2, 1, 2));
        assert_eq!(f.avg_hours_to_accept, Some(1.0));
        assert_eq!(figures(&[], &november(), SatisfiedFrom::default()), Figures::default());
    }

    #[test]
    fn jiande_reported_figures_come_out_as_they_count_them() {
        // "satisfied 10,418 of 10,768, 96.8 %; resolved 10,381, 96.4 %".
        let mut cases = Vec::new();
        for i in 0..10_768 {
            let outcome = if i < 10_381 { Outcome::Fixed } else { Outcome::UnableToFix };
            let rating = if i < 10_418 {
                Some(5)
            } else if i < 10_600 {
                Some(2)
            } else {
                None
            };
            cases.push(fact(CaseStatus::Closed, (Some(1), Some(2), Some(3)), Some(outcome), rating));
        }
        let f = figures(&cases, &november(), SatisfiedFrom::default());
        // Both over the 10,768 closed: 96.75 % (Jiande's notice rounds it up to 96.8 %) and 96.4 %.
        let basis_points = |r: Option<f64>| r.map(|r| (r * 10_000.0).round() as i64);
        assert_eq!((basis_points(f.satisfaction_rate), basis_points(f.resolution_rate)), (Some(9675), Some(9641)));
        assert_eq!(f.rated_share, Some(10_600.0 / 10_768.0));
    }

    #[test]
    fn the_satisfaction_threshold_is_a_rating_and_configurable() {
        assert_eq!(SatisfiedFrom::default().value(), 4);
        assert!(SatisfiedFrom::default().satisfied(4) && !SatisfiedFrom::default().satisfied(3));
        assert!(SatisfiedFrom::parse(0).is_err() && SatisfiedFrom::parse(6).is_err());
        let five = SatisfiedFrom::parse(5).unwrap();
        let cases =
            [4, 5].map(|r| fact(CaseStatus::Closed, (Some(1), Some(2), Some(3)), Some(Outcome::Fixed), Some(r)));
        let f = figures(&cases, &november(), five);
        assert_eq!((f.satisfied, f.satisfaction_rate), (1, Some(0.5)));
    }

    #[test]
    fn spreadsheet_cells_never_start_a_formula() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for bad in ["+1", "-2", "@SUM(A1)", "\tx"] {
            assert!(spreadsheet_safe(bad).starts_with('\''));
        }
        assert_eq!(spreadsheet_safe("路灯坏了"), "路灯坏了");
    }
}

#[cfg(test)]
mod contract_tests {
    use super::super::*;

    #[test]
    fn duties_visit_methods_and_codes_parse_what_they_list() {
        for duty in Duty::ALL {
            assert_eq!(Duty::parse(duty.as_str()), Ok(duty));
        }
        assert!(Duty::parse("").is_err());
        for method in VisitMethod::ALL {
            assert_eq!(VisitMethod::parse(method.as_str()), Ok(method));
        }
        assert!(VisitMethod::parse("mail").is_err());
        for good in ["road", "a1", "water_supply", "abcdefghijklmnopqrstuvwxyz012345"] {
            assert!(CategoryCode::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "a", "Road", "water-supply", "道路", "abcdefghijklmnopqrstuvwxyz0123456"] {
            assert!(CategoryCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Rating::parse(i64::from(Rating::MIN)).map(Rating::value), Ok(Rating::MIN));
        assert_eq!(Rating::parse(i64::from(Rating::MAX)).map(Rating::value), Ok(Rating::MAX));
        assert!(Rating::parse(i64::from(Rating::MAX) + 1).is_err());
    }
}
