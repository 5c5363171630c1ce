use chrono::NaiveDate;

use super::*;
use crate::identity::roles::Role;

fn grant(role: Role, path: &[&str]) -> Grant {
    let org_path: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
    Grant {
        role,
        scope_kind: ScopeKind::OrgUnit,
        scope_id: org_path.last().cloned().unwrap_or_default(),
        org_path,
        grids_within: vec![],
    }
}

fn village() -> Place {
    Place::in_org(vec!["county".into(), "town".into(), "villageA".into()])
}

#[test]
fn statuses_move_forward_and_closed_stays_closed() {
    use ReportStatus as S;
    assert_eq!(transition(S::Received, S::Investigating), Ok(S::Investigating));
    assert_eq!(transition(S::Investigating, S::Answered), Ok(S::Answered));
    assert_eq!(transition(S::Answered, S::Investigating), Ok(S::Investigating));
    assert_eq!(transition(S::Received, S::Closed), Ok(S::Closed));
    assert_eq!(transition(S::Answered, S::Answered), Ok(S::Answered));
    for to in S::ALL {
        assert!(transition(S::Closed, *to).is_err());
        assert!(transition(*to, S::Received).is_err());
    }
}

#[test]
fn village_supervisors_and_township_officers_handle_an_unnamed_report() {
    let place = village();
    let report = ReportScope { place: &place, township_only: false, named_user_id: None };
    assert_eq!(may_handle("s", &[grant(Role::Supervisor, &["county", "town", "villageA"])], &report), Ok(()));
    assert_eq!(may_handle("t", &[grant(Role::TownshipOfficer, &["county", "town"])], &report), Ok(()));
    assert_eq!(may_handle("a", &[grant(Role::Admin, &["county"])], &report), Ok(()));
    let cadre = [grant(Role::VillageCadre, &["county", "town", "villageA"])];
    assert_eq!(may_handle("c", &cadre, &report), Err(Denial::Forbidden));
    let other = [grant(Role::TownshipOfficer, &["county", "town2"])];
    assert_eq!(may_handle("o", &other, &report), Err(Denial::NotFound));
    let other_village = [grant(Role::Supervisor, &["county", "town", "villageB"])];
    assert_eq!(may_handle("v", &other_village, &report), Err(Denial::NotFound));
    assert_eq!(may_handle("r", &[], &report), Err(Denial::NotFound));
}

#[test]
fn a_named_cadre_report_goes_to_the_township_only_and_never_to_the_named() {
    let place = village();
    let report = ReportScope { place: &place, township_only: township_only(true), named_user_id: Some("named") };
    let supervisor = [grant(Role::Supervisor, &["county", "town", "villageA"])];
    assert_eq!(may_handle("s", &supervisor, &report), Err(Denial::NotFound));
    let cadre = [grant(Role::VillageCadre, &["county", "town", "villageA"])];
    assert_eq!(may_handle("c", &cadre, &report), Err(Denial::NotFound));
    let officer = [grant(Role::TownshipOfficer, &["county", "town"])];
    assert_eq!(may_handle("t", &officer, &report), Ok(()));
    // The named person, whatever they hold.
    let both =
        [grant(Role::TownshipOfficer, &["county", "town"]), grant(Role::Supervisor, &["county", "town", "villageA"])];
    assert_eq!(may_handle("named", &both, &report), Err(Denial::NotFound));
    assert_eq!(may_handle("named", &[grant(Role::Admin, &["county"])], &report), Err(Denial::NotFound));
}

#[test]
fn texts_names_and_codes_are_checked() {
    assert!(text("短").is_err());
    assert_eq!(text("  村干部收取好处费  ").ok().as_deref(), Some("村干部收取好处费"));
    assert!(text(&"长".repeat(MAX_TEXT + 1)).is_err());
    assert_eq!(named_name("  ").ok(), Some(None));
    assert!(named_name(&"名".repeat(MAX_NAME + 1)).is_err());
    let code = code_from_bytes(&[7; 16]);
    assert_eq!(code.len(), CODE_LEN);
    assert_eq!(normalize_code(&code.to_lowercase()), Some(code.clone()));
    let dashed = format!("{}-{}", &code[..5], &code[5..]);
    assert_eq!(normalize_code(&dashed), Some(code.clone()));
    assert_eq!(normalize_code("short"), None);
    assert_eq!(normalize_code(&"U".repeat(CODE_LEN)), None);
    assert_ne!(code_from_bytes(&[1; 16]), code_from_bytes(&[2; 16]));
}

#[test]
fn times_are_rounded_to_the_hour() {
    let t = NaiveDate::from_ymd_opt(2026, 12, 2).and_then(|d| d.and_hms_nano_opt(13, 47, 12, 345)).unwrap();
    let r = coarse_time(t);
    assert_eq!(r.to_string(), "2026-12-02 13:00:00");
}
