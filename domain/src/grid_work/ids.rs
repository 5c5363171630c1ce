//! Ids of the grid-work feature's objects.

use crate::typed_id;

typed_id!(
    /// A visit to a household (走访).
    VisitId
);
typed_id!(
    /// A patrol of a grid (巡查).
    PatrolId
);
