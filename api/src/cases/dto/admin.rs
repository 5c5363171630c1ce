//! The category catalog and the working-day calendar as admins send and read them.

use infra::cases::queries::CategoryRow;
use infra::cases::service::{CategoryDraft, DayDraft};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::contract;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CategoryView {
    /// 2 to 32 of a-z, 0-9 and `_`.
    #[schema(schema_with = contract::category_code)]
    pub code: String,
    #[schema(schema_with = contract::name)]
    pub name: String,
    /// Which of the grid workers' five duties it falls under: information, public_opinion,
    /// hazard, dispute, policy.
    #[schema(schema_with = contract::duty)]
    pub duty: String,
    pub description: String,
    /// The county department a case of this category climbs to.
    pub department_id: Option<String>,
    pub public_by_default: bool,
    pub active: bool,
    #[serde(deserialize_with = "contract::integral")]
    pub sort_order: i32,
}

impl From<CategoryRow> for CategoryView {
    fn from(r: CategoryRow) -> Self {
        Self {
            code: r.code,
            name: r.name,
            duty: r.duty,
            description: r.description,
            department_id: r.department_id,
            public_by_default: r.public_by_default,
            active: r.active,
            sort_order: r.sort_order,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<CategoryView>,
}

/// A category's code in the path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CategoryPath {
    #[param(schema_with = contract::category_code)]
    pub code: String,
}

/// A calendar year in the path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct YearPath {
    #[param(schema_with = contract::calendar_year)]
    pub year: i32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarDay {
    #[schema(example = "2026-10-01", format = Date)]
    pub day: String,
    /// holiday or makeup_workday (调休).
    #[schema(schema_with = contract::day_kind)]
    pub kind: String,
    #[schema(schema_with = calendar_day_name)]
    pub name: String,
}

fn calendar_day_name() -> utoipa::openapi::Object {
    contract::required_text(40).examples(["National Day"]).build()
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarYear {
    /// The year in the path.
    #[schema(schema_with = contract::calendar_year)]
    pub year: i32,
    pub days: Vec<CalendarDay>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarYears {
    pub years: Vec<i32>,
}

impl From<CategoryView> for CategoryDraft {
    fn from(v: CategoryView) -> Self {
        Self {
            code: v.code,
            name: v.name,
            duty: v.duty,
            description: v.description,
            department_id: v.department_id,
            public_by_default: v.public_by_default,
            active: v.active,
            sort_order: v.sort_order,
        }
    }
}

impl CalendarYear {
    pub fn drafts(&self) -> Vec<DayDraft> {
        self.days.iter().map(|d| DayDraft { day: d.day.clone(), kind: d.kind.clone(), name: d.name.clone() }).collect()
    }
}

impl CalendarYear {
    pub fn new(year: i32, days: Vec<domain::calendar::SpecialDay>) -> Self {
        let days = days
            .into_iter()
            .map(|d| CalendarDay {
                day: d.day.format("%Y-%m-%d").to_string(),
                kind: d.kind.as_str().into(),
                name: d.name,
            })
            .collect();
        Self { year, days }
    }
}
