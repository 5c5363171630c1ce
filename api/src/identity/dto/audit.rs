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
