//! A grid's staff: full- or part-time, and the contact they publish to residents.

use crate::text_enum;

text_enum!(
    /// 专职 or 兼职, as townships count grid staff.
    Employment "employment" "full_time or part_time" {
        FullTime => "full_time",
        PartTime => "part_time",
    }
);
