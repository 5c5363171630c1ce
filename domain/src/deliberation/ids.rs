//! Ids of the deliberation feature's objects.

use crate::typed_id;

typed_id!(
    /// A matter (议题) raised for deliberation.
    MatterId
);
typed_id!(
    /// An opinion on a matter, or a reply to one.
    OpinionId
);
typed_id!(
    /// An online or courtyard meeting.
    MeetingId
);
typed_id!(
    /// A commitment made when a matter is resolved (or by a mediation agreement).
    CommitmentId
);
typed_id!(
    /// One of the three sheets: record, suggestion or supervision.
    SheetId
);
typed_id!(
    /// An item of a township's triage reference catalog.
    TriageItemId
);
typed_id!(
    /// An entry of a village's member pool (成员库) or service directory.
    MemberId
);
typed_id!(
    /// A mediation agreement.
    AgreementId
);
typed_id!(
    /// A versioned document of a village (the rules of procedure 《议事协商规则》).
    DocumentId
);
