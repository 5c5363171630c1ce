//! Residency applications and households.

use domain::identity::accounts::mask_phone;
use domain::identity::ids::OrgUnitId;
use domain::identity::residency::{Decision as Ruling, HouseholdChoice, ResidencyStatus};
use infra::identity::queries::residency::Household;
use infra::identity::rows::{HouseholdRow, ResidencyRow};
use infra::identity::service::residency::Application;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::known;
use crate::http::error::ApiError;
use crate::http::support::rfc3339;

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidencyView {
    pub id: String,
    pub user_id: String,
    pub org_unit_id: String,
    pub household_id: Option<String>,
    pub new_household_name: Option<String>,
    #[schema(example = "head")]
    pub relation: String,
    /// The staff member who applied for the resident (代办), if any.
    pub proxied_by: Option<String>,
    /// `pending`, `approved`, `rejected` or `withdrawn`.
    #[schema(example = "pending")]
    pub status: String,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
}

impl From<ResidencyRow> for ResidencyView {
    fn from(r: ResidencyRow) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            org_unit_id: r.org_unit_id,
            household_id: r.household_id,
            new_household_name: r.new_household_name,
            relation: r.relation,
            proxied_by: r.proxied_by,
            status: r.status,
            reason: r.reason,
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(rfc3339),
            created_at: rfc3339(r.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidencyPage {
    pub items: Vec<ResidencyView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ResidencyApplication {
    /// A village, compound, group or building.
    pub org_unit_id: String,
    /// Join this household (of the same unit)…
    pub household_id: Option<String>,
    /// …or found a new one with this name, as its head.
    pub new_household_name: Option<String>,
    /// One's place in the household: head, spouse, child, parent, grandchild, sibling, other.
    pub relation: Option<String>,
}

impl ResidencyApplication {
    pub fn parse(&self) -> Result<Application, ApiError> {
        let org_unit_id = known(OrgUnitId::parse(&self.org_unit_id))?;
        let household = HouseholdChoice::parse(
            self.household_id.as_deref(),
            self.new_household_name.as_deref(),
            self.relation.as_deref(),
        )?;
        Ok(Application { org_unit_id, household })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ResidencyQuery {
    /// `pending`, `approved`, `rejected` or `withdrawn`.
    #[param(schema_with = residency_status)]
    pub status: Option<String>,
    /// Only this unit's subtree (it must be in the caller's scope).
    pub org_unit_id: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl ResidencyQuery {
    pub fn status(&self) -> Result<Option<ResidencyStatus>, ApiError> {
        Ok(self.status.as_deref().map(ResidencyStatus::parse).transpose()?)
    }

    pub fn org_unit_id(&self) -> Result<Option<OrgUnitId>, ApiError> {
        self.org_unit_id.as_deref().map(|id| known(OrgUnitId::parse(id))).transpose()
    }
}

fn rejection_reason() -> utoipa::openapi::Object {
    crate::contract::required_text(500).examples(["户籍信息与申请不符"]).build()
}

fn residency_status() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(ResidencyStatus::ALL.map(ResidencyStatus::as_str)))
        .build()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Decision {
    /// Why the application is rejected (told to the applicant): up to 500 characters.
    #[schema(schema_with = rejection_reason, required = true)]
    #[serde(default)]
    pub reason: String,
}

impl Decision {
    pub fn parse(&self) -> Result<Ruling, ApiError> {
        Ok(Ruling::reject(&self.reason)?)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: String,
    pub relation: String,
    pub display_name: String,
    pub phone_masked: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: String,
    pub org_unit_id: String,
    pub name: String,
    pub head_user_id: Option<String>,
    /// The grid whose workers visit it, once staff put it on one.
    pub grid_id: Option<String>,
    pub members: Vec<MemberView>,
}

impl From<Household> for HouseholdView {
    fn from(Household { row, members }: Household) -> Self {
        let members = members
            .into_iter()
            .map(|m| MemberView {
                user_id: m.user_id,
                relation: m.relation,
                display_name: m.display_name,
                phone_masked: m.phone.as_deref().map(mask_phone),
            })
            .collect();
        let HouseholdRow { id, org_unit_id, name, head_user_id, grid_id, .. } = row;
        Self { id, org_unit_id, name, head_user_id, grid_id, members }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdPage {
    pub items: Vec<HouseholdView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HouseholdQuery {
    pub org_unit_id: String,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl HouseholdQuery {
    pub fn parse(&self) -> Result<OrgUnitId, ApiError> {
        known(OrgUnitId::parse(&self.org_unit_id))
    }
}
