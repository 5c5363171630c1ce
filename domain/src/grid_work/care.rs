//! Households with people needing care, and how often they are due a visit.

use crate::text_enum;

text_enum!(
    /// Why a household needs care (set by cadres; personal data, read like a phone number).
    CareNeed "needs" "elderly_alone, disabled or left_behind_child" {
        /// An elderly person living alone (独居老人).
        ElderlyAlone => "elderly_alone",
        Disabled => "disabled",
        /// A child left behind by parents working away (留守儿童).
        LeftBehindChild => "left_behind_child",
    }
);
