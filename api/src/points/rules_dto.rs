//! Rule sets' request and response bodies: a version as staff write it (rules, base points by
//! household size, star thresholds), parsed into the domain's rules; a version and the rules in
//! force as they are read back.

use domain::identity::roles::Role;
use domain::points::rules::{AutoSource, BaseStep, CapPeriod, Category, Rule, Subject};
use infra::points::rows::RuleSetRow;
use infra::points::rules::{InForce, SetDraft};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;
use crate::http::support::rfc3339;

/// A JSON integer (`5` or `5.0`), as [`crate::contract::integral`] reads one.
#[derive(Debug, Clone, Copy, Deserialize)]
struct Whole(#[serde(deserialize_with = "crate::contract::integral")] i64);

/// An integer or null.
pub fn integral_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<Whole>::deserialize(deserializer)?.map(|w| w.0))
}

/// A list of integers.
pub fn integrals<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<i64>, D::Error> {
    Ok(Vec::<Whole>::deserialize(deserializer)?.into_iter().map(|w| w.0).collect())
}

fn strings(values: impl IntoIterator<Item = &'static str>, nullable: bool) -> Object {
    let mut values: Vec<serde_json::Value> = values.into_iter().map(serde_json::Value::from).collect();
    let schema_type: SchemaType = if nullable {
        values.push(serde_json::Value::Null);
        [Type::String, Type::Null].into_iter().collect()
    } else {
        Type::String.into()
    };
    ObjectBuilder::new().schema_type(schema_type).enum_values(Some(values)).build()
}

fn category_schema() -> Object {
    strings(Category::ALL.iter().map(|v| v.as_str()), false)
}

fn automatic_schema() -> Object {
    strings(AutoSource::ALL.iter().map(|v| v.as_str()), true)
}

fn cap_period_schema() -> Object {
    strings(CapPeriod::ALL.iter().map(|v| v.as_str()), true)
}

fn subject_schema() -> Object {
    strings(Subject::ALL.iter().map(|v| v.as_str()), true)
}

fn recorder_schema() -> Object {
    strings(domain::points::rules::RECORDER_ROLES.iter().map(|r| r.as_str()), false)
}

fn recorders_schema() -> utoipa::openapi::schema::Array {
    crate::contract::array_of(recorder_schema(), 0, 5)
}

fn cap_schema() -> Object {
    ObjectBuilder::new()
        .schema_type([Type::Integer, Type::Null].into_iter().collect::<SchemaType>())
        .minimum(Some(1))
        .maximum(Some(1_000_000))
        .build()
}

/// One activity type as staff write it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PointsRuleBody {
    /// 1 to 40 lowercase letters, digits or `_`, unique in the set.
    #[schema(example = "garbage_sorting", pattern = "^[a-z0-9_]{1,40}$")]
    pub code: String,
    /// 1 to 40 characters.
    #[schema(example = "垃圾分类", min_length = 1, max_length = 40)]
    pub name: String,
    #[schema(schema_with = category_schema)]
    pub category: String,
    /// Per occurrence (per hour for service hours): above zero a reward; below zero for
    /// misconduct.
    #[serde(deserialize_with = "crate::contract::integral")]
    #[schema(minimum = -10000, maximum = 10000, example = 5)]
    pub points: i64,
    /// The most points one person gets from the rule per `cap_period`.
    #[serde(default, deserialize_with = "integral_or_null")]
    #[schema(schema_with = cap_schema)]
    pub cap: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = cap_period_schema)]
    pub cap_period: Option<String>,
    /// resident (the default) or cadre (for attendance and public_service).
    #[serde(default)]
    #[schema(schema_with = subject_schema)]
    pub subject: Option<String>,
    /// The product's own event that records it; then no recorders and not claimable.
    #[serde(default)]
    #[schema(schema_with = automatic_schema)]
    pub automatic: Option<String>,
    /// The staff roles that may record it by hand.
    #[serde(default)]
    #[schema(schema_with = recorders_schema)]
    pub recorders: Vec<String>,
    /// Whether a resident may claim it with evidence.
    #[serde(default)]
    pub claimable: bool,
}

fn field<T>(parsed: Result<T, domain::DomainError>, name: &'static str, expected: &str) -> Result<T, ApiError> {
    parsed.map_err(|_| ApiError::invalid_field(name, expected))
}

impl PointsRuleBody {
    fn parse(self) -> Result<Rule, ApiError> {
        let recorders = self
            .recorders
            .iter()
            .map(|r| field(Role::parse(r), "recorders", "roles"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Rule {
            code: self.code,
            name: self.name.trim().to_owned(),
            category: field(Category::parse(&self.category), "category", "a category")?,
            points: self.points,
            cap: self.cap,
            cap_period: self
                .cap_period
                .as_deref()
                .map(CapPeriod::parse)
                .transpose()
                .map_err(|_| ApiError::invalid_field("cap_period", "month or year"))?,
            subject: field(
                Subject::parse(self.subject.as_deref().unwrap_or("resident")),
                "subject",
                "resident or cadre",
            )?,
            automatic: self
                .automatic
                .as_deref()
                .map(AutoSource::parse)
                .transpose()
                .map_err(|_| ApiError::invalid_field("automatic", "an event"))?,
            recorders,
            claimable: self.claimable,
        })
    }
}

/// Households of at least `min_members` get `points`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PointsBaseStepBody {
    #[serde(deserialize_with = "crate::contract::integral")]
    #[schema(minimum = 1, maximum = 100)]
    pub min_members: u32,
    #[serde(deserialize_with = "crate::contract::integral")]
    #[schema(minimum = 0, maximum = 10000)]
    pub points: i64,
}

/// A new version of a unit's rules.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PointsRuleSetBody {
    /// What changed, at most 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
    #[schema(min_items = 1, max_items = 100)]
    pub rules: Vec<PointsRuleBody>,
    /// Base points by household size, steps rising.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub base_points: Vec<PointsBaseStepBody>,
    /// Up to five rising thresholds of the star-rated household.
    #[serde(default, deserialize_with = "integrals")]
    #[schema(max_items = 5)]
    pub star_thresholds: Vec<i64>,
}

impl PointsRuleSetBody {
    /// Every rule parsed and the whole set checked; the first fault is named.
    pub fn parse(self) -> Result<SetDraft, ApiError> {
        if self.note.chars().count() > 500 {
            return Err(ApiError::invalid_field("note", "at most 500 characters"));
        }
        let rules = self.rules.into_iter().map(PointsRuleBody::parse).collect::<Result<Vec<_>, _>>()?;
        let base: Vec<BaseStep> =
            self.base_points.iter().map(|s| BaseStep { min_members: s.min_members, points: s.points }).collect();
        domain::points::rules::check_set(&rules, &base, &self.star_thresholds)?;
        Ok(SetDraft { note: self.note.trim().to_owned(), rules, base, stars: self.star_thresholds })
    }
}

/// Ties a draft to an assembly vote.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PointsSubmitToVoteBody {
    /// A poll of the rule set's own unit, not yet closed, with a threshold.
    pub poll_id: String,
}

/// A rule as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsRuleView {
    pub code: String,
    pub name: String,
    pub category: String,
    pub points: i64,
    pub cap: Option<i64>,
    pub cap_period: Option<String>,
    pub subject: String,
    pub automatic: Option<String>,
    pub recorders: Vec<String>,
    pub claimable: bool,
}

impl From<&Rule> for PointsRuleView {
    fn from(rule: &Rule) -> Self {
        Self {
            code: rule.code.clone(),
            name: rule.name.clone(),
            category: rule.category.as_str().to_owned(),
            points: rule.points,
            cap: rule.cap,
            cap_period: rule.cap_period.map(|p| p.as_str().to_owned()),
            subject: rule.subject.as_str().to_owned(),
            automatic: rule.automatic.map(|a| a.as_str().to_owned()),
            recorders: rule.recorders.iter().map(|r| r.as_str().to_owned()).collect(),
            claimable: rule.claimable,
        }
    }
}

/// A base step as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsBaseStepView {
    pub min_members: u32,
    pub points: i64,
}

/// A version of a unit's rules, without its rules (in lists).
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsRuleSetSummary {
    pub id: String,
    pub org_unit_id: String,
    pub version: i32,
    /// draft, pending_vote, active, superseded or rejected.
    pub status: String,
    pub note: String,
    /// The assembly vote it waits for or passed by.
    pub poll_id: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub activated_at: Option<String>,
}

impl From<&RuleSetRow> for PointsRuleSetSummary {
    fn from(row: &RuleSetRow) -> Self {
        Self {
            id: row.id.clone(),
            org_unit_id: row.org_unit_id.clone(),
            version: row.version,
            status: row.status.clone(),
            note: row.note.clone(),
            poll_id: row.poll_id.clone(),
            created_by: row.created_by.clone(),
            created_at: rfc3339(row.created_at),
            activated_at: row.activated_at.map(rfc3339),
        }
    }
}

/// A version with its rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsRuleSetView {
    #[serde(flatten)]
    pub set: PointsRuleSetSummary,
    pub rules: Vec<PointsRuleView>,
    pub base_points: Vec<PointsBaseStepView>,
    pub star_thresholds: Vec<i64>,
}

impl From<InForce> for PointsRuleSetView {
    fn from(set: InForce) -> Self {
        Self {
            set: PointsRuleSetSummary::from(&set.set),
            rules: set.rules.iter().map(|(_, rule)| PointsRuleView::from(rule)).collect(),
            base_points: set
                .base
                .iter()
                .map(|s| PointsBaseStepView { min_members: s.min_members, points: s.points })
                .collect(),
            star_thresholds: set.stars,
        }
    }
}

/// The rules in force at a unit: its own active version or the nearest one up the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsRulesInForceView {
    /// The unit asked about.
    pub unit_id: String,
    /// The unit whose version is in force (the unit itself, or one above it).
    pub from_unit_id: String,
    /// Whether the version is inherited from a unit above.
    pub inherited: bool,
    pub rule_set: PointsRuleSetView,
}

impl PointsRulesInForceView {
    pub fn new(unit_id: String, set: InForce) -> Self {
        let from_unit_id = set.set.org_unit_id.clone();
        Self { inherited: from_unit_id != unit_id, unit_id, from_unit_id, rule_set: PointsRuleSetView::from(set) }
    }
}

/// A page of versions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsRuleSetPage {
    pub items: Vec<PointsRuleSetSummary>,
    pub next_cursor: Option<String>,
}

/// Paging of a unit's versions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointsRuleSetQuery {
    /// 1 to 100; 20 when absent.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
