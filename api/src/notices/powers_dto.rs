//! The small-powers list's items (清单亮权) as staff write them and as the board shows them.

use domain::notices::powers::Power;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::Object;
use utoipa::ToSchema;

use crate::contract::{array_of, required_text};

fn name_schema() -> Object {
    required_text(60).build()
}

fn step_schema() -> Object {
    required_text(200).build()
}

fn steps_schema() -> utoipa::openapi::schema::Array {
    array_of(step_schema(), 1, 20)
}

/// One power of the list.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct BoardPowerBody {
    /// What the power is, 1 to 60 characters, unique in the list.
    #[schema(schema_with = name_schema, example = "村级工程项目招投标")]
    pub name: String,
    /// Its kind, 1 to 60 characters.
    #[schema(schema_with = name_schema, example = "重大事项决策")]
    pub category: String,
    /// Who exercises it, 1 to 60 characters.
    #[schema(schema_with = name_schema, example = "村两委")]
    pub exercised_by: String,
    /// The procedure, 1 to 20 steps.
    #[schema(schema_with = steps_schema)]
    pub steps: Vec<String>,
    /// What it rests on, at most 200 characters.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub basis: String,
}

impl From<BoardPowerBody> for Power {
    fn from(body: BoardPowerBody) -> Self {
        Power {
            name: body.name,
            category: body.category,
            exercised_by: body.exercised_by,
            steps: body.steps,
            basis: body.basis,
        }
    }
}

/// One power as the list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardPowerView {
    pub name: String,
    pub category: String,
    pub exercised_by: String,
    pub steps: Vec<String>,
    pub basis: String,
}

impl From<&Power> for BoardPowerView {
    fn from(p: &Power) -> Self {
        Self {
            name: p.name.clone(),
            category: p.category.clone(),
            exercised_by: p.exercised_by.clone(),
            steps: p.steps.clone(),
            basis: p.basis.clone(),
        }
    }
}
