//! Accounts as staff see them.

use domain::identity::accounts::{mask_phone, NewPassword, RevealReason, Username};
use domain::identity::ids::OrgUnitId;
use infra::identity::rows::UserRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::known;
use crate::http::error::ApiError;

/// Another person's account: phone masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub kind: String,
    pub display_name: String,
    pub username: Option<String>,
    /// Masked (`138****1234`); staff in scope may reveal it through an audit-logged action.
    pub phone_masked: Option<String>,
}

impl From<UserRow> for UserView {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            display_name: row.display_name,
            username: row.username,
            phone_masked: row.phone.as_deref().map(mask_phone),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStaff {
    /// The login name asked for. Below the whole tree's administrators the server adds a short
    /// suffix (`zhangsan-k7m2`), so that creating an account never tells whether a name is
    /// taken elsewhere; the answer carries the name to log in with.
    /// 3 to 32 letters, digits, `_`, `-` or `.` (kept in lower case).
    #[schema(schema_with = crate::contract::username)]
    pub username: String,
    #[schema(schema_with = crate::contract::name)]
    pub display_name: String,
    /// A first password, to be changed at first login.
    #[schema(schema_with = crate::contract::new_password)]
    pub password: String,
    /// The unit the account serves in: in the caller's scope. Only staff over it may grant the
    /// account roles.
    pub org_unit_id: String,
}

/// A staff account as asked for, parsed.
#[derive(Debug)]
pub struct StaffRequest {
    pub username: Username,
    pub display_name: String,
    pub password: NewPassword,
    pub org_unit_id: OrgUnitId,
}

impl NewStaff {
    pub fn parse(self) -> Result<StaffRequest, ApiError> {
        let org_unit_id = known(OrgUnitId::parse(&self.org_unit_id))?;
        let username = Username::parse(&self.username)?;
        let display_name = domain::identity::org::parse_name(&self.display_name, "display_name")?;
        let password = NewPassword::parse(&self.password, username.as_str()).map_err(|_| {
            ApiError::invalid_field("password", "at least 10 characters, letters mixed with digits or symbols")
        })?;
        Ok(StaffRequest { username, display_name, password, org_unit_id })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevealRequest {
    /// Why the number is needed (kept in the audit log).
    #[schema(schema_with = reveal_reason)]
    pub reason: String,
}

impl RevealRequest {
    pub fn parse(&self) -> Result<RevealReason, ApiError> {
        Ok(RevealReason::parse(&self.reason)?)
    }
}

/// 2 to 200 characters once trimmed: two non-blank characters at the ends of a run inside at most
/// 200.
fn reveal_reason() -> utoipa::openapi::Object {
    crate::contract::trimmed_text(2, 200).examples(["回访核实情况"]).build()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevealedPhone {
    pub user_id: String,
    pub phone: Option<String>,
}
