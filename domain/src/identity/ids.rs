//! Ids of the identity feature's objects.

use crate::typed_id;

typed_id!(
    /// A person's account.
    UserId
);
typed_id!(
    /// A unit of the org tree (county, township, village, group…).
    OrgUnitId
);
typed_id!(
    /// A grid.
    GridId
);
typed_id!(
    /// A county department.
    DepartmentId
);
typed_id!(
    /// A role grant.
    GrantId
);
typed_id!(
    /// A residency application or record.
    ResidencyId
);
typed_id!(
    /// A household.
    HouseholdId
);
