//! Ids of the notify feature's objects.

use crate::typed_id;

typed_id!(
    /// A notice in someone's inbox.
    NotificationId
);
typed_id!(
    /// An announcement (通知公告).
    AnnouncementId
);
typed_id!(
    /// One queued delivery of a notice on one channel: a row of the outbox.
    DeliveryId
);
