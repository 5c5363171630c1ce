//! One's own account.

use domain::identity::accounts::Email;
use infra::identity::queries::me::Me;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    pub id: String,
    #[schema(example = "village_cadre")]
    pub role: String,
    #[schema(example = "org_unit")]
    pub scope_kind: String,
    pub scope_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    /// The privacy policy version in force.
    pub policy_version: String,
    /// Whether this user accepted that version.
    pub accepted: bool,
}

/// One's own account, unmasked (it is one's own).
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub id: String,
    #[schema(example = "resident")]
    pub kind: String,
    pub display_name: String,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub roles: Vec<RoleView>,
    pub must_change_password: bool,
    pub consent: ConsentView,
    /// The resident this request acted for (proxy action), if any.
    pub acting_for: Option<String>,
}

impl MeView {
    /// One's account; `acting_for` names the resident this request acted for.
    pub fn new(me: Me, acting_for: Option<String>) -> Self {
        let Me { user, grants, policy_version, consented } = me;
        let roles = grants
            .into_iter()
            .map(|g| RoleView { id: g.id, role: g.role, scope_kind: g.scope_kind, scope_id: g.scope_id })
            .collect();
        Self {
            id: user.id,
            kind: user.kind,
            display_name: user.display_name,
            username: user.username,
            phone: user.phone,
            email: user.email,
            roles,
            must_change_password: user.must_change_password,
            consent: ConsentView { policy_version, accepted: consented },
            acting_for,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    #[schema(schema_with = crate::contract::new_password)]
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConsentRequest {
    #[schema(example = "2026-11")]
    pub policy_version: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentRecord {
    pub policy_version: String,
    pub accepted: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailChange {
    /// An address for notices by mail; null (or blank) removes it.
    #[schema(schema_with = email_schema)]
    pub email: Option<String>,
}

impl EmailChange {
    pub fn parse(&self) -> Result<Option<Email>, ApiError> {
        Ok(Email::parse(self.email.as_deref())?)
    }
}

/// What `set_email` accepts, trimmed: blank, or one `@` between a non-empty local part and a
/// domain with a dot, no whitespace, at most 254 characters.
fn email_schema() -> utoipa::openapi::Object {
    const PLAIN: &str = r"[^@\s\x00-\x1f\x7f-\x9f]";
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(
            [utoipa::openapi::Type::String, utoipa::openapi::Type::Null]
                .into_iter()
                .collect::<utoipa::openapi::schema::SchemaType>(),
        )
        .max_length(Some(254))
        .pattern(Some(format!(r"^[ \t\n]*({PLAIN}+@{PLAIN}*\.{PLAIN}*[ \t\n]*)?$")))
        .examples(["cadre@example.com"])
        .build()
}
