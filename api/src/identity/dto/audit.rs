//! The audit log.

use infra::identity::rows::AuditRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::support::rfc3339;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: String,
    pub actor_id: Option<String>,
    /// The resident a proxy action was done for.
    pub acting_for: Option<String>,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub details: serde_json::Value,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub created_at: String,
    /// Its place in the hash chain; empty until the sealer (every few seconds) reaches it.
    pub seq: Option<i64>,
}

impl From<AuditRow> for AuditView {
    fn from(r: AuditRow) -> Self {
        Self {
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            id: r.id,
            actor_id: r.actor_id,
            acting_for: r.acting_for,
            action: r.action,
            object_kind: r.object_kind,
            object_id: r.object_id,
            ip: r.ip,
            request_id: r.request_id,
            created_at: rfc3339(r.created_at),
            seq: r.seq,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub object_id: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The audit chain recomputed from its start.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerifyView {
    /// Whether every sealed entry verifies and the chain ends at its recorded head.
    pub intact: bool,
    /// Sealed entries checked (up to the first break).
    pub sealed: i64,
    /// Entries appended but not yet sealed.
    pub unsealed: i64,
    /// The first break: `hash` (an entry edited), `sequence` (one deleted or inserted) or
    /// `head` (the last ones cut off).
    pub broken: Option<AuditBreakView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditBreakView {
    /// The entry that fails (empty for `head`).
    pub id: String,
    pub seq: i64,
    pub reason: String,
}

impl From<infra::identity::audit::Verification> for AuditVerifyView {
    fn from(v: infra::identity::audit::Verification) -> Self {
        Self {
            intact: v.broken.is_none(),
            sealed: v.sealed,
            unsealed: v.unsealed,
            broken: v.broken.map(|b| AuditBreakView { id: b.id, seq: b.seq, reason: b.reason.as_str().to_owned() }),
        }
    }
}
