//! The grid-work rules' unit tests.

use super::visits::VisitKind;

#[test]
fn visit_kinds_read_back() {
    for kind in VisitKind::ALL {
        assert_eq!(VisitKind::parse(kind.as_str()), Ok(*kind));
    }
    assert!(VisitKind::parse("chat").is_err());
}

mod patrols {
    use chrono::{Duration, NaiveDate, NaiveDateTime};

    use crate::grid_work::patrols::*;

    fn t(minute: i64) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(8, 0, 0)).unwrap_or_default()
            + Duration::minutes(minute)
    }

    fn p(seq: i32, lat: f64, lng: f64, minute: i64) -> PatrolPoint {
        PatrolPoint { seq, lat, lng, at: t(minute) }
    }

    #[test]
    fn a_patrol_walks_then_ends_once() {
        use PatrolAction as A;
        use PatrolStatus as S;
        assert_eq!(transition(S::Walking, A::Walk), Ok(S::Walking));
        assert_eq!(transition(S::Walking, A::End), Ok(S::Ended));
        assert_eq!(transition(S::Walking, A::FileHazard), Ok(S::Walking));
        assert_eq!(transition(S::Ended, A::FileHazard), Ok(S::Ended));
        assert_eq!(transition(S::Ended, A::Walk), Err(NotNow { action: A::Walk, status: S::Ended }));
        assert_eq!(transition(S::Ended, A::End), Err(NotNow { action: A::End, status: S::Ended }));
        for status in PatrolStatus::ALL {
            assert_eq!(PatrolStatus::parse(status.as_str()), Ok(*status));
        }
    }

    #[test]
    fn hazards_are_taken_for_a_day_after_the_end() {
        let end = t(0);
        assert!(hazard_in_time(PatrolStatus::Walking, None, t(10_000)).is_ok());
        assert!(hazard_in_time(PatrolStatus::Ended, Some(end), end + Duration::hours(23)).is_ok());
        assert!(hazard_in_time(PatrolStatus::Ended, Some(end), end + Duration::days(1)).is_ok());
        assert!(hazard_in_time(PatrolStatus::Ended, Some(end), end + Duration::days(1) + Duration::seconds(1)).is_err());
    }

    #[test]
    fn start_and_end_times_are_checked() {
        assert!(check_start(t(10), t(0)).is_ok());
        assert!(check_start(t(11), t(0)).is_err());
        assert!(check_end(t(0), t(0), t(5)).is_ok());
        assert!(check_end(t(1), t(0), t(5)).is_err());
        assert!(check_end(t(0), t(16), t(5)).is_err());
    }

    #[test]
    fn a_batch_is_checked_whole() {
        let (start, now) = (t(0), t(30));
        let good = vec![p(0, 29.5, 119.3, -1), p(1, 29.5, 119.31, 40), p(7, 29.51, 119.31, 20)];
        assert_eq!(PointBatch::parse(good.clone(), start, now).map(|b| b.points().len()), Ok(3));
        let refused = |points: Vec<PatrolPoint>| PointBatch::parse(points, start, now).err();
        assert!(refused(Vec::new()).is_some());
        assert!(refused(vec![p(0, 29.5, 119.3, 1); MAX_BATCH + 1]).is_some());
        assert!(refused((0..MAX_BATCH as i32).map(|s| p(s, 29.5, 119.3, 1)).collect()).is_none());
        assert!(refused(vec![p(-1, 29.5, 119.3, 1)]).is_some());
        assert!(refused(vec![p(0, 91.0, 119.3, 1)]).is_some());
        assert!(refused(vec![p(0, 29.5, f64::NAN, 1)]).is_some());
        assert!(refused(vec![p(0, 29.5, 119.3, 41)]).is_some());
        assert!(refused(vec![p(0, 29.5, 119.3, -2)]).is_some());
        assert!(refused(vec![p(3, 29.5, 119.3, 1), p(3, 29.6, 119.3, 2)]).is_some());
    }

    #[test]
    fn a_path_is_measured_in_seq_order() {
        // One degree of latitude along a meridian: R·π/180.
        let degree = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        assert!((haversine_m((0.0, 0.0), (1.0, 0.0)) - degree).abs() < 1e-6);
        assert!((degree - 111_195.08).abs() < 0.01);
        // Beijing (Tiananmen) to Shanghai (People's Square): about 1,067 km.
        let far = haversine_m((39.9087, 116.3975), (31.2317, 121.4726));
        assert!((far - 1_067_000.0).abs() < 2_000.0, "{far}");
        // Out of order, the path is walked 0 → 1 → 2: there and back along the meridian.
        let path = [p(2, 0.0, 0.0, 3), p(0, 0.0, 0.0, 1), p(1, 0.01, 0.0, 2)];
        let expected = 2.0 * haversine_m((0.0, 0.0), (0.01, 0.0));
        assert!((path_length_m(&path) - expected).abs() < 1e-6);
        assert_eq!(stored_distance_m(&path), expected.round() as i32);
        assert_eq!(path_length_m(&path[..1]), 0.0);
        assert_eq!(stored_distance_m(&[]), 0);
    }
}

mod staff {
    use crate::grid_work::staff::{count_terms, shown_contact, Contact, Employment, GroupLink};

    #[test]
    fn contacts_parse_trimmed_and_bounded() {
        assert_eq!(Contact::parse(" 13812345678 ").map(|c| c.as_str().to_owned()), Ok("13812345678".to_owned()));
        assert!(Contact::parse("").is_err());
        assert!(Contact::parse("   ").is_err());
        assert!(Contact::parse("wx id").is_err());
        assert!(Contact::parse(&"a".repeat(33)).is_err());
        assert!(Contact::parse(&"微".repeat(32)).is_ok());
    }

    #[test]
    fn contacts_are_masked_unless_chosen_otherwise() {
        assert_eq!(shown_contact("13812345678", false), "138****5678");
        assert_eq!(shown_contact("13812345678", true), "13812345678");
        // A landline shows at most two digits at each end and hides at least four.
        assert_eq!(shown_contact("88881234", false), "88****34");
        assert_eq!(shown_contact("8888123", false), "8*****3");
        assert_eq!(shown_contact("0738-8881234", false), "073****1234");
        assert_eq!(shown_contact("1234", false), "****");
        assert_eq!(shown_contact("wangxiaoer88", false), "w****8");
        assert_eq!(shown_contact("abc", false), "a*c");
        assert_eq!(shown_contact("ab", false), "**");
        assert_eq!(shown_contact("wangxiaoer88", true), "wangxiaoer88");
    }

    #[test]
    fn group_links_are_https_and_short() {
        assert!(GroupLink::parse("https://weixin.qq.com/g/abc").is_ok());
        assert!(GroupLink::parse("http://weixin.qq.com/g/abc").is_err());
        assert!(GroupLink::parse("https://").is_err());
        assert!(GroupLink::parse("https:///path").is_err());
        assert!(GroupLink::parse("https://a.cn/x y").is_err());
        assert!(GroupLink::parse(&format!("https://a.cn/{}", "x".repeat(300))).is_err());
    }

    #[test]
    fn terms_count_full_and_part_time() {
        let terms = [Some(Employment::FullTime), None, Some(Employment::PartTime), Some(Employment::FullTime)];
        assert_eq!(count_terms(&terms), (2, 1));
        assert_eq!(Employment::parse("full_time"), Ok(Employment::FullTime));
        assert!(Employment::parse("casual").is_err());
    }
}

mod visits {
    use chrono::{Duration, NaiveDate, NaiveDateTime};

    use crate::grid_work::visits::{self, Draft, Visit, VisitKind};
    use crate::DomainError;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(10, 0, 0)).unwrap_or_default()
    }

    fn draft() -> Draft<'static> {
        Draft {
            kind: "routine",
            met: "  户主王大伯及老伴 ",
            note: "身体好",
            info_items: 2,
            visited_at: Some(now() - Duration::hours(3)),
            client_id: Some("phone-1_a"),
            lat: Some(27.71),
            lng: Some(112.0),
        }
    }

    fn field(result: Result<Visit, DomainError>) -> &'static str {
        match result {
            Err(DomainError::Invalid { field, .. }) => field,
            Ok(_) => "accepted",
        }
    }

    #[test]
    fn a_good_visit_is_trimmed_and_kept() {
        let visit = Visit::parse(&draft(), now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(visit.kind(), VisitKind::Routine);
        assert_eq!(visit.met(), "户主王大伯及老伴");
        assert_eq!(visit.note(), "身体好");
        assert_eq!(visit.info_items(), 2);
        assert_eq!(visit.client_id(), Some("phone-1_a"));
        assert_eq!(visit.point(), Some((27.71, 112.0)));
    }

    #[test]
    fn met_is_one_to_64_characters() {
        assert_eq!(field(Visit::parse(&Draft { met: "   ", ..draft() }, now())), "met");
        let long = "王".repeat(65);
        assert_eq!(field(Visit::parse(&Draft { met: &long, ..draft() }, now())), "met");
        let just = "王".repeat(64);
        assert_eq!(visits::met(&just).map(|m| m.chars().count()), Ok(64));
    }

    #[test]
    fn note_is_at_most_500_characters_and_may_be_empty() {
        let long = "记".repeat(501);
        assert_eq!(field(Visit::parse(&Draft { note: &long, ..draft() }, now())), "note");
        assert_eq!(visits::note("  "), Ok(String::new()));
        assert!(visits::note(&"记".repeat(500)).is_ok());
    }

    #[test]
    fn info_items_are_0_to_100() {
        assert_eq!(field(Visit::parse(&Draft { info_items: -1, ..draft() }, now())), "info_items");
        assert_eq!(field(Visit::parse(&Draft { info_items: 101, ..draft() }, now())), "info_items");
        assert_eq!(visits::info_items(0), Ok(0));
        assert_eq!(visits::info_items(100), Ok(100));
    }

    #[test]
    fn visited_at_is_at_most_10_minutes_ahead_and_60_days_back() {
        let at = |d: Duration| Draft { visited_at: Some(now() + d), ..draft() };
        assert_eq!(field(Visit::parse(&at(Duration::minutes(11)), now())), "visited_at");
        assert_eq!(field(Visit::parse(&at(Duration::minutes(10)), now())), "accepted");
        assert_eq!(field(Visit::parse(&at(-Duration::days(60)), now())), "accepted");
        assert_eq!(field(Visit::parse(&at(-Duration::days(60) - Duration::seconds(1)), now())), "visited_at");
        assert_eq!(field(Visit::parse(&Draft { visited_at: None, ..draft() }, now())), "visited_at");
        let fraction = now() - Duration::milliseconds(1500);
        let kept = Visit::parse(&Draft { visited_at: Some(fraction), ..draft() }, now()).map(|v| v.visited_at());
        assert_eq!(kept, Ok(now() - Duration::seconds(2)), "kept to the second, as shown");
    }

    #[test]
    fn client_ids_are_short_plain_words() {
        for bad in ["", "has space", "斜/杠", &"x".repeat(65)] {
            assert_eq!(field(Visit::parse(&Draft { client_id: Some(bad), ..draft() }, now())), "client_id", "{bad}");
        }
        assert!(visits::client_id(&"x".repeat(64)).is_ok());
        assert_eq!(
            Visit::parse(&Draft { client_id: None, ..draft() }, now()).map(|v| v.client_id().is_none()),
            Ok(true)
        );
    }

    #[test]
    fn a_point_needs_both_coordinates_in_range() {
        assert_eq!(field(Visit::parse(&Draft { lat: Some(91.0), ..draft() }, now())), "lat");
        assert_eq!(field(Visit::parse(&Draft { lng: None, ..draft() }, now())), "lng");
        assert_eq!(field(Visit::parse(&Draft { lat: None, ..draft() }, now())), "lat");
        assert_eq!(visits::point(None, None), Ok(None));
    }

    #[test]
    fn unknown_kinds_are_refused() {
        assert_eq!(field(Visit::parse(&Draft { kind: "chat", ..draft() }, now())), "kind");
    }
}

mod care {
    use chrono::{NaiveDate, NaiveDateTime};

    use crate::calendar::{beijing_day, DayKind, WorkingCalendar};
    use crate::grid_work::care::{care_status, CareInterval, CareNeed, CareNeeds, Coverage, Period, StaleDays};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A Beijing wall-clock time as stored (naive UTC).
    fn beijing(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        day(y, m, d).and_hms_opt(h, 0, 0).unwrap() - chrono::Duration::hours(8)
    }

    #[test]
    fn intervals_are_one_to_ninety_days() {
        assert!(CareInterval::parse(0, false).is_err());
        assert!(CareInterval::parse(91, true).is_err());
        assert!(CareInterval::parse(-3, true).is_err());
        assert_eq!(CareInterval::parse(90, true).unwrap().days(), 90);
        assert!(CareInterval::parse(1, false).is_ok());
    }

    #[test]
    fn needs_are_a_non_empty_set_read_back_as_stored() {
        assert!(CareNeeds::parse([]).is_err());
        assert!(CareNeeds::parse([CareNeed::ElderlyAlone, CareNeed::ElderlyAlone]).is_err(), "each need once");
        let needs = CareNeeds::parse([CareNeed::LeftBehindChild, CareNeed::ElderlyAlone]).unwrap();
        assert_eq!(needs.to_stored(), "elderly_alone,left_behind_child");
        assert_eq!(CareNeeds::from_stored(&needs.to_stored()).unwrap(), needs);
        assert!(CareNeeds::from_stored("elderly_alone,rich").is_err());
    }

    #[test]
    fn working_days_skip_a_weekend_and_calendar_days_do_not() {
        let calendar = WorkingCalendar::default();
        // Thursday 11 March 2027: 3 working days → Fri, Mon, Tue 16 March.
        let thursday = day(2027, 3, 11);
        assert_eq!(CareInterval::parse(3, true).unwrap().due_day(thursday, &calendar), day(2027, 3, 16));
        assert_eq!(CareInterval::parse(3, false).unwrap().due_day(thursday, &calendar), day(2027, 3, 14));
    }

    #[test]
    fn a_holiday_is_not_a_working_day_and_a_makeup_day_is() {
        // Thursday 30 September 2027; 1–7 October holidays, Saturday 9 October worked.
        let calendar = WorkingCalendar::new(
            (1..=7).map(|d| (day(2027, 10, d), DayKind::Holiday)).chain([(day(2027, 10, 9), DayKind::MakeupWorkday)]),
        );
        let interval = CareInterval::parse(2, true).unwrap();
        // Fri 8 October (1), Sat 9 October worked (2).
        assert_eq!(interval.due_day(day(2027, 9, 30), &calendar), day(2027, 10, 9));
    }

    #[test]
    fn overdue_once_the_due_day_has_passed_in_beijing_days() {
        let calendar = WorkingCalendar::default();
        let interval = CareInterval::parse(3, true).unwrap();
        let marked = beijing(2027, 3, 1, 9);
        // Visited Thursday 11 March at 23:30 Beijing (15:30 UTC, still the 11th in Beijing).
        let visit = day(2027, 3, 11).and_hms_opt(15, 30, 0).unwrap();
        assert_eq!(beijing_day(visit), day(2027, 3, 11));
        let on_due = care_status(interval, marked, Some(visit), day(2027, 3, 16), &calendar);
        assert_eq!((on_due.due, on_due.overdue), (day(2027, 3, 16), false));
        assert!(care_status(interval, marked, Some(visit), day(2027, 3, 17), &calendar).overdue);
        // Never visited: counted from the marking.
        let never = care_status(interval, marked, None, day(2027, 3, 4), &calendar);
        assert_eq!((never.due, never.overdue), (day(2027, 3, 4), false));
        // A visit before the marking still counts: the household was seen then.
        let old = care_status(interval, marked, Some(beijing(2027, 2, 25, 9)), day(2027, 3, 3), &calendar);
        assert_eq!((old.due, old.overdue), (day(2027, 3, 2), true));
    }

    #[test]
    fn a_period_defaults_to_the_beijing_month_and_is_bounded() {
        let p = Period::parse(None, None, day(2027, 12, 17)).unwrap();
        assert_eq!((p.from(), p.to()), (day(2027, 12, 1), day(2027, 12, 31)));
        let feb = Period::month_of(day(2028, 2, 10));
        assert_eq!(feb.to(), day(2028, 2, 29));
        assert_eq!(p.bounds(), (beijing(2027, 12, 1, 0), beijing(2028, 1, 1, 0)));
        assert!(Period::parse(Some(day(2027, 3, 2)), Some(day(2027, 3, 1)), day(2027, 3, 1)).is_err());
        assert!(Period::parse(Some(day(2027, 1, 1)), Some(day(2028, 1, 2)), day(2027, 3, 1)).is_err());
    }

    #[test]
    fn stale_after_the_given_days_or_never_visited() {
        let today = day(2027, 3, 31);
        assert_eq!(StaleDays::parse(None).unwrap().days(), 30);
        assert!(StaleDays::parse(Some(0)).is_err());
        assert!(StaleDays::parse(Some(366)).is_err());
        let stale = StaleDays::parse(Some(30)).unwrap();
        assert!(stale.is_stale(None, today));
        // Thirty days ago (1 March): stale; twenty-nine (2 March): not.
        assert!(stale.is_stale(Some(beijing(2027, 3, 1, 20)), today));
        assert!(!stale.is_stale(Some(beijing(2027, 3, 2, 0)), today));
    }

    #[test]
    fn coverage_is_exact_counts() {
        let c = Coverage::new(37, 40);
        assert_eq!(c.rate(), 0.925);
        assert_eq!(Coverage::new(0, 0).rate(), 0.0);
        assert_eq!(c + Coverage::new(1, 2), Coverage::new(38, 42));
        assert_eq!(Coverage::new(5, 3).visited, 3);
    }
}

mod periods {
    use chrono::NaiveDate;

    use crate::grid_work::care::Period;
    use crate::DomainError;

    #[test]
    fn a_period_stays_within_the_years_a_calendar_knows() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let far = NaiveDate::from_ymd_opt(262_142, 12, 31);
        let field = |r: Result<Period, DomainError>| match r {
            Err(DomainError::Invalid { field, .. }) => field,
            Ok(_) => "accepted",
        };
        assert_eq!(field(Period::parse(far, far, today)), "from");
        assert_eq!(field(Period::parse(NaiveDate::from_ymd_opt(-5000, 1, 1), None, today)), "from");
        assert_eq!(field(Period::parse(None, NaiveDate::from_ymd_opt(2101, 1, 1), today)), "to");
        assert_eq!(field(Period::parse(None, None, today)), "accepted");
    }
}
