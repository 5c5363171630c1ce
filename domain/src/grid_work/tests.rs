//! The grid-work rules' unit tests.

use super::visits::VisitKind;

#[test]
fn visit_kinds_read_back() {
    for kind in VisitKind::ALL {
        assert_eq!(VisitKind::parse(kind.as_str()), Ok(*kind));
    }
    assert!(VisitKind::parse("chat").is_err());
}
