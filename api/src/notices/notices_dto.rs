//! Notices' request and response bodies. The public sees a notice with how many objections it
//! had, how many are answered and the answers — never who objected; staff over the unit see
//! each objection's reason and a masked name.

use domain::notices::notices::{
    mask_name, reason, DraftInput, NoticeDraft, NoticeKind, ObjectionAnswer, MAX_ATTACHMENTS,
};
use infra::notices::notices::ObjectionSeen;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;
use crate::http::support::{parse_rfc3339, rfc3339};

fn kind_schema() -> Object {
    let values: Vec<serde_json::Value> = NoticeKind::ALL.iter().map(|k| k.as_str().into()).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

fn decision_schema() -> Object {
    let values: Vec<serde_json::Value> = ObjectionAnswer::ALL.iter().map(|a| a.as_str().into()).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

fn true_by_default() -> bool {
    true
}

/// A notice as staff post or edit it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct NoticeBody {
    /// finance (财务), project (项目), points_posting (积分公示), dividend (分红), resolution (决议)
    /// or other.
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    /// 1 to 100 characters.
    #[schema(example = "2026年11月村级财务收支公开")]
    pub title: String,
    /// Up to 10,000 characters.
    #[serde(default)]
    pub body: String,
    /// When the posting period (and the objection window) starts, RFC 3339.
    #[schema(format = DateTime)]
    pub posted_from: String,
    /// When it ends: after `posted_from`, within a year of it.
    #[schema(format = DateTime)]
    pub posted_to: String,
    /// Public to everyone (true, the default) or to the unit's residents only.
    #[serde(default = "true_by_default")]
    pub public: bool,
    /// Up to 9 of the caller's own uploads (`POST /media`), attached to nothing else.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub attachments: Vec<String>,
}

impl NoticeBody {
    pub fn parse(&self) -> Result<NoticeDraft, ApiError> {
        let from = parse_rfc3339(&self.posted_from, "posted_from")?;
        let to = parse_rfc3339(&self.posted_to, "posted_to")?;
        if self.attachments.len() > MAX_ATTACHMENTS || !self.attachments.iter().all(|a| domain::ids::is_valid_id(a)) {
            return Err(ApiError::invalid_field("attachments", "up to 9 upload ids"));
        }
        let input = DraftInput {
            kind: &self.kind,
            title: &self.title,
            body: &self.body,
            from,
            to,
            public: self.public,
            attachments: self.attachments.clone(),
        };
        Ok(NoticeDraft::parse(input)?)
    }
}

/// Why a notice is withdrawn (kept on it, shown to all who read it).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct NoticeWithdrawBody {
    /// 1 to 500 characters.
    pub reason: String,
}

impl NoticeWithdrawBody {
    pub fn parse(&self) -> Result<String, ApiError> {
        Ok(reason("reason", &self.reason)?)
    }
}

/// A resident's objection (异议) to a notice.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct NoticeObjectionBody {
    /// 1 to 500 characters.
    pub reason: String,
}

impl NoticeObjectionBody {
    pub fn parse(&self) -> Result<String, ApiError> {
        Ok(reason("reason", &self.reason)?)
    }
}

/// Staff's answer to an objection.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct NoticeAnswerBody {
    /// accepted or rejected.
    #[schema(schema_with = decision_schema)]
    pub decision: String,
    /// What the public reads: 1 to 500 characters.
    pub answer: String,
}

impl NoticeAnswerBody {
    pub fn parse(&self) -> Result<(ObjectionAnswer, String), ApiError> {
        Ok((ObjectionAnswer::parse(&self.decision)?, reason("answer", &self.answer)?))
    }
}

/// Paging of a list of notices.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticePageQuery {
    /// 1 to 100; 20 when absent.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An objection as a notice shows it: its status and answer to everyone; its reason and the
/// objector's masked name only to staff over the unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeObjectionView {
    pub id: String,
    pub notice_id: String,
    /// pending, accepted or rejected.
    pub status: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    pub created_at: String,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Staff only, masked (张**).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objector: Option<String>,
}

impl NoticeObjectionView {
    pub fn new(seen: ObjectionSeen, staff: bool) -> Self {
        let row = seen.row;
        Self {
            id: row.id,
            notice_id: row.notice_id,
            status: row.status,
            answer: row.answer,
            answered_at: row.answered_at.map(rfc3339),
            created_at: rfc3339(row.created_at),
            reason: staff.then_some(row.reason),
            objector: staff.then(|| mask_name(&seen.objector_name)),
        }
    }
}

/// A notice with its attachments and its objections.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: String,
    pub org_unit_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub public: bool,
    pub posted_from: String,
    pub posted_to: String,
    /// posted or withdrawn.
    pub status: String,
    pub withdraw_reason: Option<String>,
    pub withdrawn_at: Option<String>,
    pub created_at: String,
    /// Upload ids (`GET /media/{id}`).
    pub attachments: Vec<String>,
    pub objection_count: usize,
    pub answered_count: usize,
    pub objections: Vec<NoticeObjectionView>,
}

impl From<infra::notices::notices::NoticeView> for NoticeView {
    fn from(view: infra::notices::notices::NoticeView) -> Self {
        let row = view.row;
        let answered_count = view.objections.iter().filter(|o| o.row.answer.is_some()).count();
        Self {
            id: row.id,
            org_unit_id: row.org_unit_id,
            kind: row.kind,
            title: row.title,
            body: row.body,
            public: row.is_public,
            posted_from: rfc3339(row.posted_from),
            posted_to: rfc3339(row.posted_to),
            status: row.status,
            withdraw_reason: row.withdraw_reason,
            withdrawn_at: row.withdrawn_at.map(rfc3339),
            created_at: rfc3339(row.created_at),
            attachments: view.attachments,
            objection_count: view.objections.len(),
            answered_count,
            objections: view.objections.into_iter().map(|o| NoticeObjectionView::new(o, view.staff)).collect(),
        }
    }
}

/// A page of notices, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticePage {
    pub items: Vec<NoticeView>,
    pub next_cursor: Option<String>,
}
