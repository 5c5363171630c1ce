//! Role grants.

use domain::identity::ids::UserId;
use domain::identity::roles::{Role, ScopeKind};
use infra::identity::rows::GrantRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::known;
use crate::http::error::ApiError;
use crate::http::support::rfc3339;

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    pub id: String,
    pub user_id: String,
    #[schema(example = "village_cadre")]
    pub role: String,
    #[schema(example = "org_unit")]
    pub scope_kind: String,
    pub scope_id: String,
    pub granted_by: Option<String>,
    pub created_at: String,
}

impl From<GrantRow> for GrantView {
    fn from(row: GrantRow) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            role: row.role,
            scope_kind: row.scope_kind,
            scope_id: row.scope_id,
            granted_by: row.granted_by,
            created_at: rfc3339(row.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantList {
    pub items: Vec<GrantView>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct GrantQuery {
    pub user_id: String,
}

impl GrantQuery {
    pub fn parse(&self) -> Result<UserId, ApiError> {
        known(UserId::parse(&self.user_id))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGrant {
    pub user_id: String,
    #[schema(schema_with = crate::contract::role)]
    pub role: String,
    #[schema(schema_with = crate::contract::scope_kind)]
    pub scope_kind: String,
    /// An org unit, grid or department id (`root` for the whole tree).
    pub scope_id: String,
}

/// A grant as asked for, parsed.
#[derive(Debug)]
pub struct GrantRequest {
    pub user_id: UserId,
    pub role: Role,
    pub scope_kind: ScopeKind,
    pub scope_id: String,
}

impl NewGrant {
    pub fn parse(self) -> Result<GrantRequest, ApiError> {
        let role = Role::parse(&self.role)?;
        let scope_kind = ScopeKind::parse(&self.scope_kind)?;
        let user_id = known(UserId::parse(&self.user_id))?;
        Ok(GrantRequest { user_id, role, scope_kind, scope_id: self.scope_id })
    }
}
