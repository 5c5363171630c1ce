//! Anonymous reports' request and response bodies. Nothing here carries the reporter: a
//! report's view has no reporter field, the follow-up view not even who answered.

use domain::reports::{MessageKind, ReportStatus, ReportSubject, CODE_LEN, MAX_NAME, MAX_TEXT, MIN_TEXT};
use infra::reports::queries::FollowUpView;
use infra::reports::rows::MessageRow;
use infra::reports::service::{Answer, Filed, NewReport};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;
use crate::http::support::rfc3339;

fn words(values: &[&'static str]) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.to_vec())).build()
}

fn subject_schema() -> Object {
    words(&ReportSubject::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

fn status_schema() -> Object {
    words(&ReportStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

fn answer_status_schema() -> Object {
    words(&["investigating", "answered", "closed"])
}

fn id(text: &str, field: &'static str) -> Result<String, ApiError> {
    if domain::ids::is_valid_id(text) {
        Ok(text.to_owned())
    } else {
        Err(ApiError::invalid_field(field, "an id"))
    }
}

/// A report as the reporter files it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ReportBody {
    /// The village it is about.
    pub org_unit_id: String,
    #[schema(schema_with = subject_schema)]
    pub subject: String,
    /// What happened, 5 to 2000 characters.
    #[schema(min_length = 5, max_length = 2000, example = "村里的道路硬化工程用料明显不足，账目未公开。")]
    pub text: String,
    /// The cadre it is about, by account (a cadre or staff member of the village). Naming
    /// someone sends the report to the township only.
    #[serde(default)]
    pub named_user_id: Option<String>,
    /// The cadre it is about, by name (at most 40 characters).
    #[serde(default)]
    #[schema(max_length = 40)]
    pub named_name: Option<String>,
    /// Photos or voice notes: up to 9 of the caller's own unattached uploads (`POST /media`).
    /// They are copied to the report without owner and the uploads deleted, so nothing ties
    /// them to the caller.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub attachments: Vec<String>,
}

impl ReportBody {
    pub fn parse(self) -> Result<NewReport, ApiError> {
        let subject = ReportSubject::parse(&self.subject)?;
        Ok(NewReport {
            org_unit_id: id(&self.org_unit_id, "org_unit_id")?,
            subject,
            text: domain::reports::text(&self.text)?,
            named_user_id: self.named_user_id.as_deref().map(|u| id(u, "named_user_id")).transpose()?,
            named_name: match self.named_name.as_deref() {
                Some(name) => domain::reports::named_name(name)?,
                None => None,
            },
            attachments: domain::reports::attachments(&self.attachments)?,
        })
    }
}

/// A filed report, with the follow-up code shown this once (it is stored only as a hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportFiled {
    pub id: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// Rounded down to the hour.
    pub created_at: String,
    /// Keep it: with it, read the answers and add information (`POST /reports/follow-up`).
    #[schema(min_length = 25, max_length = 25, example = "7G2K9QW3XH5MNB8RT4VCZ6PJA")]
    pub follow_up_code: String,
}

impl From<Filed> for ReportFiled {
    fn from(f: Filed) -> Self {
        Self {
            id: f.id,
            status: f.status.as_str().to_owned(),
            created_at: rfc3339(f.created_at),
            follow_up_code: f.follow_up_code,
        }
    }
}

/// Which reports a handler's list shows.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportListQuery {
    /// An org unit: the reports about its villages.
    pub org_unit_id: String,
    #[param(schema_with = status_schema)]
    pub status: Option<String>,
    /// 1 to 100; 20 when absent.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ReportListQuery {
    pub fn parse(&self) -> Result<(String, Option<ReportStatus>), ApiError> {
        let status = self
            .status
            .as_deref()
            .map(ReportStatus::parse)
            .transpose()
            .map_err(|_| ApiError::invalid_field("status", "a report status"))?;
        Ok((id(&self.org_unit_id, "org_unit_id")?, status))
    }
}

/// One message of a report's thread, as handlers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportMessageView {
    /// `addition` (the reporter's, no author) or `answer` (a handler's).
    pub kind: String,
    pub text: String,
    /// For an answer: the status it moved the report to.
    pub status: Option<String>,
    /// For an answer: the handler.
    pub author_id: Option<String>,
    pub created_at: String,
}

impl From<MessageRow> for ReportMessageView {
    fn from(m: MessageRow) -> Self {
        Self { kind: m.kind, text: m.body, status: m.status, author_id: m.author_id, created_at: rfc3339(m.created_at) }
    }
}

/// A report as its handlers see it. It has no reporter.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: String,
    pub org_unit_id: String,
    pub village_name: String,
    #[schema(schema_with = subject_schema)]
    pub subject: String,
    pub text: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
    pub named_user_id: Option<String>,
    /// The named account's display name, or the name as typed.
    pub named_name: Option<String>,
    /// It names someone: handled by the township, not the village.
    pub township_only: bool,
    /// Rounded down to the hour.
    pub created_at: String,
    pub updated_at: String,
    /// The thread, oldest first (empty in lists).
    pub messages: Vec<ReportMessageView>,
    /// Its photos and voice notes (empty in lists).
    pub attachments: Vec<ReportAttachmentView>,
}

/// A report's photo or voice note, for its handlers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportAttachmentView {
    pub id: String,
    /// `image` or `voice`.
    pub kind: String,
    pub mime: String,
    /// `/api/v1/reports/{id}/attachments/{attachment_id}`.
    pub url: String,
}

impl From<infra::reports::queries::ReportView> for ReportView {
    fn from(v: infra::reports::queries::ReportView) -> Self {
        let r = v.row;
        Self {
            id: r.id,
            org_unit_id: r.org_unit_id,
            village_name: v.village_name,
            subject: r.subject,
            text: r.body,
            status: r.status,
            named_user_id: r.named_user_id,
            named_name: v.named_display.or(r.named_name),
            township_only: r.township_only,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            messages: v.messages.into_iter().map(ReportMessageView::from).collect(),
            attachments: v
                .attachments
                .into_iter()
                .map(|a| ReportAttachmentView {
                    url: format!("/api/v1/reports/{}/attachments/{}", a.report_id, a.id),
                    id: a.id,
                    kind: a.kind,
                    mime: a.mime,
                })
                .collect(),
        }
    }
}

/// A page of reports, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPage {
    pub items: Vec<ReportView>,
    pub next_cursor: Option<String>,
}

/// A handler's answer: the status it moves the report to and the text the reporter reads.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ReportAnswerBody {
    #[schema(schema_with = answer_status_schema)]
    pub status: String,
    /// 5 to 2000 characters.
    #[schema(min_length = 5, max_length = 2000)]
    pub text: String,
}

impl ReportAnswerBody {
    pub fn parse(self) -> Result<Answer, ApiError> {
        let status = ReportStatus::parse(&self.status)?;
        if status == ReportStatus::Received {
            return Err(ApiError::invalid_field("status", "investigating, answered or closed"));
        }
        Ok(Answer { status, text: domain::reports::text(&self.text)? })
    }
}

/// A follow-up code, in the body so that it never lands in an access log. A missing code gets
/// the same answer as a wrong one.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ReportCodeBody {
    #[serde(default)]
    #[schema(example = "7G2K9QW3XH5MNB8RT4VCZ6PJA")]
    pub code: Option<String>,
}

/// Information the reporter adds with the follow-up code.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ReportAdditionBody {
    #[serde(default)]
    pub code: Option<String>,
    /// 5 to 2000 characters.
    #[schema(min_length = 5, max_length = 2000)]
    pub text: String,
}

impl ReportAdditionBody {
    pub fn parse(self) -> Result<(Option<String>, String), ApiError> {
        let text = domain::reports::text(&self.text)?;
        Ok((code(self.code.as_deref()), text))
    }
}

/// The code as typed, normalized; one that cannot be a code becomes none (answered as not found,
/// the same as a wrong one).
pub fn code(typed: Option<&str>) -> Option<String> {
    typed.and_then(domain::reports::normalize_code)
}

/// One message as the reporter sees it: no author.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportFollowUpMessage {
    pub kind: String,
    pub text: String,
    pub status: Option<String>,
    pub created_at: String,
}

/// What the follow-up code shows: the report, its status and its thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportFollowUpView {
    pub id: String,
    pub village_name: String,
    #[schema(schema_with = subject_schema)]
    pub subject: String,
    pub text: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
    pub created_at: String,
    pub messages: Vec<ReportFollowUpMessage>,
}

impl From<FollowUpView> for ReportFollowUpView {
    fn from(v: FollowUpView) -> Self {
        let messages = v
            .messages
            .into_iter()
            .map(|m| ReportFollowUpMessage {
                kind: MessageKind::parse(&m.kind).map(|k| k.as_str().to_owned()).unwrap_or(m.kind),
                text: m.body,
                status: m.status,
                created_at: rfc3339(m.created_at),
            })
            .collect();
        Self {
            id: v.row.id,
            village_name: v.village_name,
            subject: v.row.subject,
            text: v.row.body,
            status: v.row.status,
            created_at: rfc3339(v.row.created_at),
            messages,
        }
    }
}

const _: () = assert!(CODE_LEN == 25 && MIN_TEXT == 5 && MAX_TEXT == 2000 && MAX_NAME == 40);
