//! The grid-work rules' unit tests.

use super::visits::VisitKind;

#[test]
fn visit_kinds_read_back() {
    for kind in VisitKind::ALL {
        assert_eq!(VisitKind::parse(kind.as_str()), Ok(*kind));
    }
    assert!(VisitKind::parse("chat").is_err());
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
