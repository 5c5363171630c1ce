//! A grid as residents find it (its card), its staff's terms, a published contact, its WeChat
//! group.

use domain::cases::MediaId;
use domain::grid_work::staff::{Contact, Employment, GroupLink, MAX_CONTACT, MAX_LINK};
use infra::grid_work::grids::{GridCard, StaffList, StaffMember};
use infra::grid_work::rows::GridGroupRow;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use utoipa::ToSchema;

use crate::http::error::ApiError;

fn employment_values(nullable: bool) -> Object {
    let mut values: Vec<serde_json::Value> =
        Employment::ALL.iter().map(|e| serde_json::Value::from(e.as_str())).collect();
    let schema_type: SchemaType = if nullable {
        values.push(serde_json::Value::Null);
        [Type::String, Type::Null].into_iter().collect()
    } else {
        Type::String.into()
    };
    ObjectBuilder::new().schema_type(schema_type).enum_values(Some(values)).build()
}

fn employment() -> Object {
    employment_values(false)
}

fn employment_or_null() -> Object {
    employment_values(true)
}

/// A grid worker or leader as residents see them: no user id, no raw phone.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardPerson {
    pub display_name: String,
    /// `full_time` (专职) or `part_time` (兼职); null when not set.
    #[schema(schema_with = employment_or_null)]
    pub employment: Option<&'static str>,
    /// The contact they published: masked (`138****5678`, `w****8`) unless they chose otherwise;
    /// null when none.
    pub contact: Option<String>,
}

impl From<&StaffMember> for CardPerson {
    fn from(s: &StaffMember) -> Self {
        Self {
            display_name: s.display_name.clone(),
            employment: s.employment.map(Employment::as_str),
            contact: s.shown_contact(),
        }
    }
}

/// A grid's WeChat group entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    /// The group's https link, if any.
    pub link: Option<String>,
    /// Where to fetch the group's QR image (any signed-in user may), if any.
    #[schema(example = "/api/v1/media/0192f0c4-1a2b-7c3d-8e4f-5a6b7c8d9e0f")]
    pub qr_url: Option<String>,
}

impl From<GridGroupRow> for GroupView {
    fn from(row: GridGroupRow) -> Self {
        Self { link: row.link, qr_url: row.qr_media_id.map(|id| format!("/api/v1/media/{id}")) }
    }
}

/// A grid as residents find it: the grid (as `GridView`), its workers and leaders, its group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GridCardView {
    pub id: String,
    pub org_unit_id: String,
    #[schema(example = "small")]
    pub level: String,
    pub name: String,
    /// The unified code (统一编码), unique.
    #[schema(example = "JD-XAJ-TW-01")]
    pub code: String,
    /// GeoJSON (GCJ-02).
    pub boundary: serde_json::Value,
    pub workers: Vec<CardPerson>,
    pub leaders: Vec<CardPerson>,
    /// Null when the grid has no group entry.
    pub group: Option<GroupView>,
}

impl From<GridCard> for GridCardView {
    fn from(card: GridCard) -> Self {
        let grid = crate::identity::dto::org::GridView::from(card.grid);
        Self {
            id: grid.id,
            org_unit_id: grid.org_unit_id,
            level: grid.level,
            name: grid.name,
            code: grid.code,
            boundary: grid.boundary,
            workers: card.workers.iter().map(CardPerson::from).collect(),
            leaders: card.leaders.iter().map(CardPerson::from).collect(),
            group: card.group.map(GroupView::from),
        }
    }
}

/// A staff member's terms.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffTerms {
    #[schema(schema_with = employment)]
    pub employment: String,
}

impl StaffTerms {
    pub fn parse(&self) -> Result<Employment, ApiError> {
        Ok(Employment::parse(&self.employment)?)
    }
}

/// One of a grid's staff, as its officers and staff see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    pub user_id: String,
    pub display_name: String,
    #[schema(example = "grid_worker")]
    pub role: &'static str,
    #[schema(schema_with = employment_or_null)]
    pub employment: Option<&'static str>,
    /// The published contact as residents see it; null when none.
    pub contact: Option<String>,
}

impl From<&StaffMember> for StaffView {
    fn from(s: &StaffMember) -> Self {
        Self {
            user_id: s.user_id.clone(),
            display_name: s.display_name.clone(),
            role: s.role.as_str(),
            employment: s.employment.map(Employment::as_str),
            contact: s.shown_contact(),
        }
    }
}

/// A grid's staff, and how many are full-time (专职) and part-time (兼职).
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffListView {
    pub grid_id: String,
    pub items: Vec<StaffView>,
    pub full_time: usize,
    pub part_time: usize,
}

impl From<StaffList> for StaffListView {
    fn from(list: StaffList) -> Self {
        Self {
            items: list.staff.iter().map(StaffView::from).collect(),
            grid_id: list.grid.id,
            full_time: list.full_time,
            part_time: list.part_time,
        }
    }
}

fn contact_schema() -> Object {
    ObjectBuilder::new()
        .schema_type([Type::String, Type::Null].into_iter().collect::<SchemaType>())
        .min_length(Some(1))
        .max_length(Some(MAX_CONTACT))
        .pattern(Some(r"^\s*[^\s\x00-\x1f\x7f-\x9f]+\s*$"))
        .build()
}

/// The contact the caller publishes on a grid (or null to withdraw it).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ContactChange {
    /// A phone number or WeChat id, 1 to 32 characters without spaces; null withdraws it.
    #[schema(schema_with = contact_schema)]
    pub contact: Option<String>,
    /// Whether residents see it in full (else masked).
    #[serde(default)]
    pub unmasked: bool,
}

impl ContactChange {
    pub fn parse(&self) -> Result<(Option<Contact>, bool), ApiError> {
        Ok((self.contact.as_deref().map(Contact::parse).transpose()?, self.unmasked))
    }
}

/// The caller's contact as residents now see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    pub contact: Option<String>,
    pub unmasked: bool,
}

fn link_schema() -> Object {
    ObjectBuilder::new()
        .schema_type([Type::String, Type::Null].into_iter().collect::<SchemaType>())
        .max_length(Some(MAX_LINK))
        .pattern(Some(r"^\s*https://[^\s/?#]+[^\s]*\s*$"))
        .build()
}

/// A grid's WeChat group entry: a link, a QR image, both, or neither (withdrawn).
#[derive(Debug, Deserialize, ToSchema)]
pub struct GroupChange {
    /// An https URL of at most 300 characters.
    #[schema(schema_with = link_schema)]
    pub link: Option<String>,
    /// An image the caller uploaded (`POST /media`), attached to nothing else.
    pub qr_media_id: Option<String>,
}

impl GroupChange {
    pub fn parse(&self) -> Result<(Option<GroupLink>, Option<MediaId>), ApiError> {
        let link = self.link.as_deref().map(GroupLink::parse).transpose()?;
        let qr = self
            .qr_media_id
            .as_deref()
            .map(|id| MediaId::parse(id).ok_or_else(|| ApiError::invalid_field("qr_media_id", "an upload's id")))
            .transpose()?;
        Ok((link, qr))
    }
}
