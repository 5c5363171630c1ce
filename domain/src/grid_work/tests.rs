//! The grid-work rules' unit tests.

use super::visits::VisitKind;

#[test]
fn visit_kinds_read_back() {
    for kind in VisitKind::ALL {
        assert_eq!(VisitKind::parse(kind.as_str()), Ok(*kind));
    }
    assert!(VisitKind::parse("chat").is_err());
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
