//! The validated values of deliberation: texts with their limits, where a matter may be raised,
//! ratings.

use crate::identity::org::OrgKind;
use crate::DomainError;

pub use crate::cases::values::{text, Rating};

/// A matter's title: 1–80 characters.
pub const TITLE_MAX: usize = 80;
/// A matter's text, a resolution, minutes: at most 2,000 characters.
pub const BODY_MAX: usize = 2000;
/// An opinion or a reason: at most 500 characters.
pub const OPINION_MAX: usize = 500;

/// Tongxiang's three levels of deliberation: a matter is raised in a village (community), a
/// natural village (compound), or a village group (building).
pub fn check_scope(kind: OrgKind) -> Result<(), DomainError> {
    if matches!(kind, OrgKind::Village | OrgKind::Compound | OrgKind::Group | OrgKind::Building) {
        Ok(())
    } else {
        Err(DomainError::Invalid { field: "scope_id", reason: "a village, compound, group or building" })
    }
}

/// How many working days a matter may wait untriaged before the township is told, unless the
/// deployment says otherwise (`YISHI_MATTER_TRIAGE_DAYS`).
pub const DEFAULT_TRIAGE_DAYS: u32 = 3;
/// The least length of a major matter's solicitation, in days (`YISHI_MATTER_SOLICIT_MIN_DAYS`).
pub const DEFAULT_SOLICIT_MIN_DAYS: u32 = 7;
/// How long residents may rate an outcome, in days (`YISHI_MATTER_RATING_DAYS`).
pub const DEFAULT_RATING_DAYS: u32 = 7;
