//! Grid cases (网格事件): the lifecycle, the escalation ladder, deadlines, who sees and may act,
//! where a report goes, duplicate detection and the monthly figures. "The grid blows the
//! whistle, the departments report for duty."

pub mod access;
pub mod deadlines;
pub mod duplicates;
pub mod figures;
pub mod ids;
pub mod routing;
pub mod status;
pub mod values;

pub use access::sees_exact_location;
pub use deadlines::{DeadlinePolicy, Limits};
pub use duplicates::similarity;
pub use figures::{figures, spreadsheet_safe, CaseFacts, Figures, OutcomeCounts, Period};
pub use ids::{CaseId, MediaId, Open311KeyId};
pub use status::{transition, waiting_on, Action, CaseStatus, Lapse, Level, TransitionError};
pub use values::{text, CategoryCode, Duty, Outcome, Rating, SatisfiedFrom, Urgency, VisitMethod};

#[cfg(test)]
mod tests;
