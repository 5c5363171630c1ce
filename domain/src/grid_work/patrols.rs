//! A patrol (巡查): started, walked (its points arriving in batches), ended.

use crate::text_enum;

text_enum!(
    PatrolStatus "status" "walking or ended" {
        Walking => "walking",
        Ended => "ended",
    }
);
