//! The public board's request and response bodies: a cadre's post and the supervisory
//! committee's contact as staff write them, and the board's five sections (五亮) as the public
//! reads them. Also how the board's error becomes HTTP.

use domain::notices::board::{public_phone, CadrePostDraft, SupervisionDraft};
use domain::notices::documents::DocumentKind;
use domain::stats::figures::Ratio;
use infra::notices::board::{Board, BoardError};
use infra::notices::board_rows::{CadrePostRow, SupervisionRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use utoipa::ToSchema;

use super::powers_dto::BoardPowerView;
use crate::contract::required_text;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::support::rfc3339;

impl From<BoardError> for ApiError {
    fn from(error: BoardError) -> Self {
        match error {
            BoardError::NotFound => Self::new(ErrorCode::NotFound),
            BoardError::Forbidden => Self::new(ErrorCode::Forbidden),
            BoardError::Invalid { field, reason } => Self::invalid_field(field, &reason),
            BoardError::Duplicate => Self::new(ErrorCode::AlreadyDone),
            BoardError::NotNow { action, status } => {
                Self::new(ErrorCode::InvalidTransition).with_details(json!({ "action": action, "status": status }))
            }
            BoardError::Corrupt(what) => Self::internal(what),
            BoardError::Db(e) => Self::from(infra::InfraError::from(e)),
            BoardError::Infra(e) => Self::from(e),
        }
    }
}

/// Where the board sends a resident who wants to report misconduct anonymously.
pub const REPORT_URL: &str = "/api/v1/reports";

fn title_schema() -> Object {
    required_text(40).build()
}

fn committee_schema() -> Object {
    required_text(60).build()
}

fn phone_schema() -> Object {
    ObjectBuilder::new()
        .schema_type([Type::String, Type::Null].into_iter().collect::<SchemaType>())
        .pattern(Some("^[0-9+][0-9+-]{4,19}$"))
        .build()
}

/// A cadre's post on the board.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct BoardCadrePostBody {
    /// A person holding a role in the village (a staff account or a resident).
    pub person_id: String,
    /// The post, 1 to 40 characters.
    #[schema(schema_with = title_schema, example = "村党组织书记")]
    pub title: String,
    /// What the post answers for, at most 1,000 characters.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub duties: String,
    /// The post's contact phone, shown masked on the public board; the person's own when absent.
    #[serde(default)]
    #[schema(schema_with = phone_schema)]
    pub phone: Option<String>,
    /// Its place on the board, lower first.
    #[serde(default, deserialize_with = "crate::contract::integral")]
    #[schema(minimum = 0, maximum = 1000)]
    pub position: i64,
}

impl BoardCadrePostBody {
    pub fn parse(self) -> Result<CadrePostDraft, ApiError> {
        Ok(CadrePostDraft::parse(self.person_id, &self.title, &self.duties, self.phone, self.position)?)
    }
}

/// A post as stored (its phone masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardCadrePostView {
    pub id: String,
    pub org_unit_id: String,
    pub person_id: String,
    pub title: String,
    pub duties: String,
    pub phone_masked: Option<String>,
    pub position: i32,
    pub created_at: String,
}

impl From<CadrePostRow> for BoardCadrePostView {
    fn from(row: CadrePostRow) -> Self {
        Self {
            phone_masked: public_phone(row.phone.as_deref()),
            id: row.id,
            org_unit_id: row.org_unit_id,
            person_id: row.person_id,
            title: row.title,
            duties: row.duties,
            position: row.position,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// The supervisory committee's contact of a village.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct BoardSupervisionBody {
    /// Its name, 1 to 60 characters.
    #[schema(schema_with = committee_schema, example = "塘湾村村务监督委员会")]
    pub committee: String,
    /// Its public contact phone (shown in full: it is the committee's, for residents to call).
    #[serde(default)]
    #[schema(schema_with = phone_schema)]
    pub phone: Option<String>,
    /// Where to find it, at most 200 characters.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address: String,
}

impl BoardSupervisionBody {
    pub fn parse(self) -> Result<SupervisionDraft, ApiError> {
        Ok(SupervisionDraft::parse(&self.committee, self.phone, &self.address)?)
    }
}

/// The committee's contact as the board shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardCommitteeView {
    pub committee: String,
    pub phone: Option<String>,
    pub address: String,
}

impl From<SupervisionRow> for BoardCommitteeView {
    fn from(row: SupervisionRow) -> Self {
        Self { committee: row.committee, phone: row.phone, address: row.address }
    }
}

/// 干部亮职: one cadre's post.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardCadreView {
    pub name: String,
    pub title: String,
    pub duties: String,
    /// `138****1234`.
    pub phone_masked: Option<String>,
}

/// 清单亮权: the small-powers list in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardPowersView {
    pub document_id: String,
    pub version: i32,
    pub title: String,
    pub items: Vec<BoardPowerView>,
}

/// A document in force with its text (earlier versions are in the public history).
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardDocumentSummary {
    pub id: String,
    pub kind: String,
    pub kind_label: String,
    pub version: i32,
    pub title: String,
    pub body: String,
    pub in_force_at: Option<String>,
}

/// 公开亮项: a public notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardNoticeView {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub posted_at: String,
    pub posted_to: String,
    /// Its attachments, each with the link that opens it without logging in.
    pub attachments: Vec<BoardAttachmentView>,
}

/// A public notice's attachment.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardAttachmentView {
    pub id: String,
    /// The file's type, e.g. `image/jpeg`.
    pub mime: String,
    /// `/api/v1/public/notices/{id}/attachments/{media_id}`.
    pub url: String,
}

/// A supervisor of the village.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardSupervisorView {
    pub name: String,
    pub phone_masked: Option<String>,
}

/// 监督亮责: who supervises and how to report.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardSupervisionView {
    pub supervisors: Vec<BoardSupervisorView>,
    pub committee: Option<BoardCommitteeView>,
    /// Where anonymous reports go (`POST`).
    pub report_url: String,
}

/// A share with its rate.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardRatioView {
    pub part: u64,
    pub whole: u64,
    /// part / whole, absent when whole is zero.
    pub rate: Option<f64>,
}

impl From<Ratio> for BoardRatioView {
    fn from(r: Ratio) -> Self {
        Self { part: r.part, whole: r.whole, rate: r.rate() }
    }
}

/// 清廉亮效: the village's figures of one month.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardResultsView {
    /// `2026-11`.
    pub month: String,
    pub cases_received: u64,
    pub cases_resolved: BoardRatioView,
    pub cases_satisfied: BoardRatioView,
    pub matters_raised: u64,
    pub commitments_on_time: BoardRatioView,
    pub polls: u64,
    pub turnout: BoardRatioView,
    pub points_entries: u64,
    pub redemptions: u64,
    pub active_residents: BoardRatioView,
}

/// The board of a village (五亮), for anyone.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardView {
    pub org_unit_id: String,
    pub village_name: String,
    pub cadres: Vec<BoardCadreView>,
    pub small_powers: Option<BoardPowersView>,
    /// Every document in force, in kind order.
    pub documents: Vec<BoardDocumentSummary>,
    pub notices: Vec<BoardNoticeView>,
    pub supervision: BoardSupervisionView,
    pub results: BoardResultsView,
}

fn label(kind: &str) -> String {
    DocumentKind::parse(kind).map(|k| k.label()).unwrap_or_default().to_owned()
}

impl From<Board> for BoardView {
    fn from(b: Board) -> Self {
        let f = &b.figures;
        let results = BoardResultsView {
            month: format!("{:04}-{:02}", b.month.year(), b.month.month()),
            cases_received: f.cases.received,
            cases_resolved: f.cases.resolved.into(),
            cases_satisfied: f.cases.satisfied.into(),
            matters_raised: f.deliberation.raised,
            commitments_on_time: f.deliberation.commitments_on_time.into(),
            polls: f.voting.polls,
            turnout: f.voting.turnout.into(),
            points_entries: f.points.entries,
            redemptions: f.points.redemptions,
            active_residents: f.participation.active_residents.into(),
        };
        let small_powers = b.powers.map(|(doc, items)| BoardPowersView {
            document_id: doc.id,
            version: doc.version,
            title: doc.title,
            items: items.iter().map(BoardPowerView::from).collect(),
        });
        Self {
            org_unit_id: b.village.id,
            village_name: b.village.name,
            cadres: b
                .posts
                .into_iter()
                .map(|p| BoardCadreView {
                    name: p.name,
                    title: p.title,
                    duties: p.duties,
                    phone_masked: p.phone_masked,
                })
                .collect(),
            small_powers,
            documents: b
                .documents
                .into_iter()
                .map(|d| BoardDocumentSummary {
                    kind_label: label(&d.kind),
                    id: d.id,
                    kind: d.kind,
                    version: d.version,
                    title: d.title,
                    body: d.body,
                    in_force_at: d.in_force_at.map(rfc3339),
                })
                .collect(),
            notices: b
                .notices
                .into_iter()
                .map(|n| BoardNoticeView {
                    attachments: n
                        .attachments
                        .into_iter()
                        .map(|(id, mime)| BoardAttachmentView {
                            url: format!("/api/v1/public/notices/{}/attachments/{id}", n.id),
                            id,
                            mime,
                        })
                        .collect(),
                    id: n.id,
                    kind: n.kind,
                    title: n.title,
                    body: n.body,
                    posted_at: rfc3339(n.posted_at),
                    posted_to: rfc3339(n.posted_to),
                })
                .collect(),
            supervision: BoardSupervisionView {
                supervisors: b
                    .supervisors
                    .into_iter()
                    .map(|s| BoardSupervisorView { name: s.name, phone_masked: s.phone_masked })
                    .collect(),
                committee: b.committee.map(BoardCommitteeView::from),
                report_url: REPORT_URL.to_owned(),
            },
            results,
        }
    }
}
