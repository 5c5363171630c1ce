//! The grid-work rules' unit tests.

use super::visits::VisitKind;

#[test]
fn visit_kinds_read_back() {
    for kind in VisitKind::ALL {
        assert_eq!(VisitKind::parse(kind.as_str()), Ok(*kind));
    }
    assert!(VisitKind::parse("chat").is_err());
}

mod care {
    use chrono::{NaiveDate, NaiveDateTime};

    use crate::calendar::{DayKind, WorkingCalendar};
    use crate::grid_work::care::{
        beijing_day, care_status, CareInterval, CareNeed, CareNeeds, Coverage, Period, StaleDays,
    };

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
        let needs =
            CareNeeds::parse([CareNeed::LeftBehindChild, CareNeed::ElderlyAlone, CareNeed::ElderlyAlone]).unwrap();
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
