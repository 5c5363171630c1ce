//! A visit to a household: what kind it was, who was met, what was noted.

use crate::text_enum;

text_enum!(
    /// What a visit was for.
    VisitKind "kind" "routine, policy, elderly_care, information or hazard_patrol" {
        /// A routine call (走访).
        Routine => "routine",
        /// Explaining a policy (政策宣讲).
        Policy => "policy",
        /// Care for the elderly living alone (关爱独居老人).
        ElderlyCare => "elderly_care",
        /// Collecting information (信息采集).
        Information => "information",
        /// Checking the household for hazards (隐患排查).
        HazardPatrol => "hazard_patrol",
    }
);
