//! Public documents' request and response bodies: a version as staff write it, a version as it
//! is read back, the public history.

use domain::notices::documents::{DocumentDraft, DocumentKind};
use infra::notices::board_rows::DocumentRow;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use super::powers_dto::{BoardPowerBody, BoardPowerView};
use crate::contract::required_text;
use crate::http::error::ApiError;
use crate::http::support::rfc3339;

fn kind_schema() -> Object {
    let values: Vec<serde_json::Value> =
        DocumentKind::ALL.iter().map(|k| serde_json::Value::from(k.as_str())).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

fn title_schema() -> Object {
    required_text(80).build()
}

/// A new version of a village's document.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct BoardDocumentBody {
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    /// 1 to 80 characters.
    #[schema(schema_with = title_schema, example = "塘湾村村规民约")]
    pub title: String,
    /// The text, at most 20,000 characters; required but for small_powers.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub body: String,
    /// The items of a small_powers list (1 to 100), and only of one.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub powers: Vec<BoardPowerBody>,
}

impl BoardDocumentBody {
    pub fn parse(self) -> Result<DocumentDraft, ApiError> {
        let kind = DocumentKind::parse(&self.kind)?;
        let powers = self.powers.into_iter().map(Into::into).collect();
        Ok(DocumentDraft::parse(kind, &self.title, &self.body, powers)?)
    }
}

/// Ties a draft to an assembly poll.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct BoardSubmitToVoteBody {
    /// A poll of the document's own village, not yet closed, with a threshold.
    pub poll_id: String,
}

/// A version of a village's document.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardDocumentView {
    pub id: String,
    pub org_unit_id: String,
    /// village_rules, self_governance_list, assist_government_list, negative_list or small_powers.
    pub kind: String,
    /// The kind's Chinese name.
    pub kind_label: String,
    pub version: i32,
    /// draft, pending_vote, in_force, superseded or rejected.
    pub status: String,
    pub title: String,
    pub body: String,
    pub powers: Vec<BoardPowerView>,
    /// The assembly poll it waits for or passed by.
    pub poll_id: Option<String>,
    pub created_at: String,
    pub in_force_at: Option<String>,
}

impl TryFrom<DocumentRow> for BoardDocumentView {
    type Error = ApiError;

    fn try_from(row: DocumentRow) -> Result<Self, ApiError> {
        let powers = infra::notices::powers::of_document(&row)?;
        let kind_label = DocumentKind::parse(&row.kind).map(|k| k.label()).unwrap_or_default().to_owned();
        Ok(Self {
            powers: powers.iter().map(BoardPowerView::from).collect(),
            kind_label,
            id: row.id,
            org_unit_id: row.org_unit_id,
            kind: row.kind,
            version: row.version,
            status: row.status,
            title: row.title,
            body: row.body,
            poll_id: row.poll_id,
            created_at: rfc3339(row.created_at),
            in_force_at: row.in_force_at.map(rfc3339),
        })
    }
}

/// A page of the public history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardDocumentPage {
    pub items: Vec<BoardDocumentView>,
    pub next_cursor: Option<String>,
}

/// Paging of a village's public history.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardDocumentQuery {
    /// Only versions of this kind.
    #[param(schema_with = kind_schema)]
    pub kind: Option<String>,
    /// 1 to 100; 20 when absent.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
