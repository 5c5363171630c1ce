//! Ids of the cases feature's objects.

use crate::typed_id;

typed_id!(
    /// A grid case.
    CaseId
);
typed_id!(
    /// An uploaded photo or voice note.
    MediaId
);
typed_id!(
    /// An Open311 API key.
    Open311KeyId
);
