//! Ids of the points feature's objects.

use crate::typed_id;

typed_id!(
    /// A version of a unit's points rules.
    RuleSetId
);
typed_id!(
    /// One activity type of a rule set.
    RuleId
);
typed_id!(
    /// A points entry on its way to the ledger.
    EntryId
);
typed_id!(
    /// A public posting (公示) of entries or of a dividend.
    PostingId
);
typed_id!(
    /// A resident's objection to a posted entry or dividend share.
    ObjectionId
);
typed_id!(
    /// One row of the ledger.
    LedgerId
);
typed_id!(
    /// A catalog item (goods, service or credit benefit).
    ItemId
);
typed_id!(
    /// A redemption order.
    OrderId
);
typed_id!(
    /// A volunteer team.
    TeamId
);
typed_id!(
    /// A volunteer service session.
    SessionId
);
typed_id!(
    /// A dividend (积分分红) of a village.
    DividendId
);
