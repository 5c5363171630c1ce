//! The deliberation feature's request and response bodies with their OpenAPI schemas, the
//! parsing of what clients send into domain values, and the views made from infra's read models.

use domain::deliberation::{MatterStatus, Moderation, Scheme, Tier};
use infra::deliberation::queries::{self, ListQuery};
use infra::deliberation::rows::{CategoryRow, TriageItemRow};
use infra::deliberation::service::{self, Draft, ItemDraft, Triage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::contract;
use crate::http::error::ApiError;
use crate::http::support::rfc3339;
use crate::media::dto::MediaView;

// ---------------------------------------------------------------------------------------------
// Catalogs and schemes

/// One of the four categories of deliberable matters (制度建设, 公共事务和公益事业, 村务管理,
/// 其他) or a sub-item an admin added under one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliberationCategoryView {
    #[schema(example = "public_welfare", pattern = "^[a-z][a-z0-9_]{1,39}$")]
    pub code: String,
    /// The category a sub-item sits under; none for the four categories.
    pub parent_code: Option<String>,
    #[schema(schema_with = contract::name)]
    pub name: String,
    #[serde(default, deserialize_with = "contract::integral")]
    pub sort_order: i32,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl From<CategoryRow> for DeliberationCategoryView {
    fn from(row: CategoryRow) -> Self {
        Self {
            code: row.code,
            parent_code: row.parent_code,
            name: row.name,
            sort_order: row.sort_order,
            active: row.active,
        }
    }
}

impl DeliberationCategoryView {
    pub fn into_row(self) -> Result<CategoryRow, ApiError> {
        let code_ok = (2..=40).contains(&self.code.len())
            && self.code.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && self.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return Err(ApiError::invalid_field("code", "2 to 40 lowercase letters, digits and _"));
        }
        let name = domain::identity::org::parse_name(&self.name, "name")?;
        Ok(CategoryRow {
            code: self.code,
            parent_code: self.parent_code,
            name,
            sort_order: self.sort_order,
            active: self.active,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliberationCategoryList {
    pub items: Vec<DeliberationCategoryView>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SchemeBody {
    /// wuyi (small / big / major) or pengshui (private / small / big).
    #[schema(schema_with = contract::scheme)]
    pub scheme: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeView {
    pub org_unit_id: String,
    /// The scheme in force: the unit's own or its nearest ancestor's; none when nobody chose.
    pub scheme: Option<String>,
    /// The unit that chose it.
    pub chosen_by_unit_id: Option<String>,
    /// The tiers of the scheme, each with who handles it.
    pub tiers: Vec<TierView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierView {
    pub tier: String,
    pub route: String,
    pub handled_by: String,
}

impl SchemeView {
    pub fn new(org_unit_id: String, found: Option<(Scheme, String)>) -> Self {
        let tiers = found.as_ref().map_or_else(Vec::new, |(scheme, _)| {
            scheme
                .tiers()
                .iter()
                .filter_map(|&tier| domain::deliberation::route(*scheme, tier).ok().map(|r| (tier, r)))
                .map(|(tier, route)| TierView {
                    tier: tier.as_str().to_owned(),
                    route: route.as_str().to_owned(),
                    handled_by: route.handled_by().to_owned(),
                })
                .collect()
        });
        Self {
            org_unit_id,
            scheme: found.as_ref().map(|(s, _)| s.as_str().to_owned()),
            chosen_by_unit_id: found.map(|(_, unit)| unit),
            tiers,
        }
    }
}

impl SchemeBody {
    pub fn parse(&self) -> Result<Scheme, ApiError> {
        Ok(Scheme::parse(&self.scheme)?)
    }
}

/// An item of a township's triage reference catalog (e.g. Pengshui's "big 17, small 28, private
/// 39 items"): choosing it suggests its tier.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct TriageItemBody {
    #[schema(schema_with = contract::scheme)]
    pub scheme: String,
    #[schema(schema_with = contract::tier)]
    pub tier: String,
    #[schema(schema_with = contract::name)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "yes")]
    pub active: bool,
}

impl TriageItemBody {
    pub fn parse(self) -> Result<ItemDraft, ApiError> {
        let title = domain::identity::org::parse_name(&self.title, "title")?;
        let description = service::note(Some(self.description), "description", false)?.unwrap_or_default();
        Ok(ItemDraft {
            scheme: Scheme::parse(&self.scheme)?,
            tier: Tier::parse(&self.tier)?,
            title,
            description,
            active: self.active,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TriageItemView {
    pub id: String,
    pub org_unit_id: String,
    pub scheme: String,
    pub tier: String,
    pub title: String,
    pub description: String,
    pub active: bool,
}

impl From<TriageItemRow> for TriageItemView {
    fn from(row: TriageItemRow) -> Self {
        Self {
            id: row.id,
            org_unit_id: row.org_unit_id,
            scheme: row.scheme,
            tier: row.tier,
            title: row.title,
            description: row.description,
            active: row.active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TriageItemList {
    pub items: Vec<TriageItemView>,
}

// ---------------------------------------------------------------------------------------------
// Matters

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NewMatter {
    /// The unit it concerns: a village (community), a natural village (compound), or a village
    /// group (building) — one the author lives in.
    pub scope_id: String,
    /// A code of `GET /deliberation-categories`.
    #[schema(example = "public_welfare")]
    pub category: String,
    #[schema(schema_with = title_schema)]
    pub title: String,
    #[schema(schema_with = body_schema)]
    pub body: String,
    /// Photos and voice notes: ids from `POST /media`.
    #[serde(default)]
    pub media: Vec<String>,
    /// The phone's own id for this matter: a second sync returns the first.
    pub client_id: Option<String>,
}

fn title_schema() -> utoipa::openapi::Object {
    contract::required_text(domain::deliberation::values::TITLE_MAX).examples(["村口小广场想装几盏路灯"]).build()
}

fn body_schema() -> utoipa::openapi::Object {
    contract::required_text(domain::deliberation::values::BODY_MAX).build()
}

impl NewMatter {
    pub fn parse(self) -> Result<Draft, ApiError> {
        let client_id = service::written(self.client_id, "client_id", 64, false)?;
        Ok(Draft {
            scope_id: self.scope_id,
            category: self.category,
            title: service::title(Some(self.title))?,
            body: service::body(Some(self.body))?,
            media: self.media,
            client_id,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MatterQuery {
    /// One village's matters (staff above villages must name one).
    pub village_id: Option<String>,
    #[param(schema_with = contract::matter_status)]
    pub status: Option<String>,
    /// Only the caller's own.
    pub mine: Option<bool>,
    /// Moderators: `held` is the queue of text waiting for them.
    #[param(schema_with = contract::moderation)]
    pub moderation: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl MatterQuery {
    pub fn to_list_query(&self) -> Result<ListQuery, ApiError> {
        Ok(ListQuery {
            village_id: self.village_id.clone(),
            status: self.status.as_deref().map(MatterStatus::parse).transpose()?,
            mine: self.mine.unwrap_or(false),
            moderation: self.moderation.as_deref().map(Moderation::parse).transpose()?,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: String,
    pub display_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRef {
    pub id: String,
    pub name: String,
    pub kind: String,
}

/// The department case a Pengshui "big" matter became, with how it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedCaseView {
    pub id: String,
    pub status: String,
    pub outcome: Option<String>,
    pub resolved_at: Option<String>,
}

/// One step of a matter: what, who, when.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatterEventView {
    pub id: String,
    /// raised, triaged, merged, absorbed, declined, triage_overdue, moderated, …
    pub kind: String,
    pub actor: Option<PersonRef>,
    /// The staff member who acted for the resident (代办).
    pub proxy_id: Option<String>,
    pub status_after: Option<String>,
    pub note: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatterView {
    pub id: String,
    pub scope: UnitRef,
    pub village_id: String,
    pub category: String,
    pub title: String,
    pub body: String,
    pub author: PersonRef,
    /// Raised by a grid worker or cadre for the author (代办).
    pub proxy: Option<PersonRef>,
    /// app, proxy or courtyard.
    pub origin: String,
    #[schema(schema_with = contract::matter_status)]
    pub status: String,
    /// How residents read the status.
    pub status_label: String,
    /// clear, held (waiting for a moderator: seen by its author and moderators only) or rejected.
    #[schema(schema_with = contract::moderation)]
    pub moderation: String,
    /// Why it was held or rejected: for the author and moderators.
    pub moderation_note: Option<String>,
    pub scheme: Option<String>,
    #[schema(schema_with = contract::tier_or_null)]
    pub tier: Option<String>,
    pub route: Option<String>,
    /// Who handles it on its route.
    pub handled_by: Option<String>,
    pub triage_item_id: Option<String>,
    /// Why this tier (required when overriding the catalog item's).
    pub triage_note: Option<String>,
    pub merged_into: Option<String>,
    pub case: Option<LinkedCaseView>,
    pub supports: i32,
    pub opinions: i32,
    pub supported_by_me: bool,
    pub media: Vec<MediaView>,
    pub raised_at: String,
    /// Triage is due by then (working days); past it the township is told.
    pub triage_due: Option<String>,
    pub triaged_at: Option<String>,
    pub resolved_at: Option<String>,
    pub rating_closes_at: Option<String>,
    pub closed_at: Option<String>,
    pub version: i32,
    /// Every step, oldest first: in the detail only (empty in lists).
    pub timeline: Vec<MatterEventView>,
}

fn person(id: String, name: Option<String>) -> PersonRef {
    PersonRef { display_name: name.unwrap_or_default(), id }
}

impl From<queries::MatterView> for MatterView {
    fn from(v: queries::MatterView) -> Self {
        let row = v.row;
        let status = MatterStatus::parse(&row.status).ok();
        let route = row.route.as_deref().and_then(|r| domain::deliberation::Route::parse(r).ok());
        let scope = v.scope.map_or_else(
            || UnitRef { id: row.scope_id.clone(), name: String::new(), kind: String::new() },
            |u| UnitRef { id: u.id, name: u.name, kind: u.kind },
        );
        Self {
            id: row.id,
            scope,
            village_id: row.village_id,
            category: row.category,
            title: row.title,
            body: row.body,
            author: person(row.author_id, v.author_name),
            proxy: row.proxy_id.map(|p| person(p, v.proxy_name)),
            origin: row.origin,
            status_label: status.map(MatterStatus::label).unwrap_or_default().to_owned(),
            status: row.status,
            moderation: row.moderation,
            moderation_note: if v.show_moderation && !row.moderation_note.is_empty() {
                Some(row.moderation_note)
            } else {
                None
            },
            scheme: row.scheme,
            tier: row.tier,
            route: row.route,
            handled_by: route.map(|r| r.handled_by().to_owned()),
            triage_item_id: row.triage_item_id,
            triage_note: row.triage_note,
            merged_into: row.merged_into,
            case: v.case.map(|c| LinkedCaseView {
                id: c.id,
                status: c.status,
                outcome: c.outcome,
                resolved_at: c.resolved_at.map(rfc3339),
            }),
            supports: row.supports,
            opinions: row.opinions,
            supported_by_me: v.supported_by_me,
            media: v.media.iter().map(MediaView::from).collect(),
            raised_at: rfc3339(row.raised_at),
            triage_due: row.triage_due.map(rfc3339),
            triaged_at: row.triaged_at.map(rfc3339),
            resolved_at: row.resolved_at.map(rfc3339),
            rating_closes_at: row.rating_closes_at.map(rfc3339),
            closed_at: row.closed_at.map(rfc3339),
            version: row.version,
            timeline: v
                .timeline
                .into_iter()
                .map(|e| MatterEventView {
                    id: e.row.id,
                    kind: e.row.kind,
                    actor: e.row.actor_id.map(|a| person(a, e.actor_name)),
                    proxy_id: e.row.proxy_id,
                    status_after: e.row.status_after,
                    note: Some(e.row.note).filter(|n| !n.is_empty()),
                    details: serde_json::from_str(&e.row.details).unwrap_or(serde_json::Value::Null),
                    at: rfc3339(e.row.created_at),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatterPage {
    pub items: Vec<MatterView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct TriageBody {
    /// The tier; may be left out when `item_id` names a catalog item (its tier is taken).
    #[schema(schema_with = contract::tier_or_null)]
    pub tier: Option<String>,
    /// An item of the township's triage reference catalog.
    pub item_id: Option<String>,
    /// Why: required when the tier differs from the item's.
    pub note: Option<String>,
    /// Pengshui big: the county department the matter is referred to (required there).
    pub department_id: Option<String>,
}

impl TriageBody {
    pub fn parse(self) -> Result<Triage, ApiError> {
        Ok(Triage {
            tier: self.tier.as_deref().map(Tier::parse).transpose()?,
            item_id: self.item_id,
            note: service::note(self.note, "note", false)?,
            department_id: self.department_id,
            cases: None,
        })
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct MatterMergeBody {
    /// The matter it is folded into (same village, still open).
    pub into: String,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct DeclineBody {
    /// Told to the author.
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

fn reason_schema() -> utoipa::openapi::Object {
    contract::required_text(domain::deliberation::values::OPINION_MAX).build()
}

/// A required note, reason or short text: at most 500 characters, one visible at least.
pub fn note_schema() -> utoipa::openapi::Object {
    contract::required_text(domain::deliberation::values::OPINION_MAX).build()
}

/// A required long text (a resolution, an agreement, minutes): at most 2,000 characters.
pub fn text_schema() -> utoipa::openapi::Object {
    contract::required_text(domain::deliberation::values::BODY_MAX).build()
}

/// A required name of at most 40 characters.
pub fn short_schema() -> utoipa::openapi::Object {
    contract::required_text(40).build()
}
