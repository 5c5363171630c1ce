//! The request and response bodies of golden-idea contests (金点子评比) and their ideas.

use domain::voting::contest::Windows;
use infra::deliberation::service::written;
use infra::voting::contests::{ContestSeen, IdeaDecision, NewContest, NewIdea};
use infra::voting::rows::IdeaRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::contract;
use crate::http::error::ApiError;
use crate::http::support::rfc3339;

use crate::http::support::parse_rfc3339 as parse_time;

fn contest_title_schema() -> utoipa::openapi::Object {
    contract::required_text(100).examples(["2027年村庄美化金点子"]).build()
}

fn idea_title_schema() -> utoipa::openapi::Object {
    contract::required_text(100).examples(["村口建一个共享农具站"]).build()
}

fn idea_body_schema() -> utoipa::openapi::Object {
    contract::required_text(2000).build()
}

fn reason_schema() -> utoipa::openapi::Object {
    contract::required_text(500).examples(["活动延期"]).build()
}

/// A contest as staff who manage the scope's votes create it. Windows: submit_opens_at <
/// submit_closes_at <= vote_opens_at < vote_closes_at.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ContestBody {
    /// A village, natural village or village group.
    pub scope_id: String,
    #[schema(schema_with = contest_title_schema)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// RFC 3339.
    pub submit_opens_at: String,
    /// RFC 3339.
    pub submit_closes_at: String,
    /// RFC 3339: the poll of the approved ideas opens.
    pub vote_opens_at: String,
    /// RFC 3339.
    pub vote_closes_at: String,
    /// How many ideas win, 1 to 20 (all ideas tied at the cut win).
    #[schema(minimum = 1, maximum = 20)]
    pub winners: u32,
    /// How many ideas a voter picks, 2 to 50; absent: one.
    #[schema(minimum = 2, maximum = 50)]
    pub max_choices: Option<u32>,
}

impl ContestBody {
    pub fn parse(self) -> Result<NewContest, ApiError> {
        let windows = Windows::parse(
            parse_time(&self.submit_opens_at, "submit_opens_at")?,
            parse_time(&self.submit_closes_at, "submit_closes_at")?,
            parse_time(&self.vote_opens_at, "vote_opens_at")?,
            parse_time(&self.vote_closes_at, "vote_closes_at")?,
        )?;
        let new = NewContest {
            scope_id: self.scope_id,
            title: written(Some(self.title), "title", 100, true)?.unwrap_or_default(),
            description: written(Some(self.description), "description", 5000, false)?.unwrap_or_default(),
            windows,
            winners: self.winners,
            max_choices: self.max_choices,
        };
        Ok(new.checked()?)
    }
}

/// A winning idea as the contest shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContestWinnerView {
    pub idea_id: String,
    pub title: String,
    /// 1 for the most votes; equal counts share a rank.
    pub rank: Option<i32>,
    pub votes: Option<i32>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContestView {
    pub id: String,
    pub scope_id: String,
    pub village_id: String,
    pub title: String,
    pub description: String,
    /// submitting, voting, announced or cancelled.
    pub status: String,
    pub submit_opens_at: String,
    pub submit_closes_at: String,
    pub vote_opens_at: String,
    pub vote_closes_at: String,
    /// How many ideas win.
    pub winner_count: i32,
    /// How many ideas a voter picks; null: one.
    pub max_choices: Option<i32>,
    /// The poll of the approved ideas, once voting started.
    pub poll_id: Option<String>,
    pub cancel_reason: Option<String>,
    pub announced_at: Option<String>,
    /// Once announced: the winning ideas by rank.
    pub winners: Vec<ContestWinnerView>,
}

impl From<ContestSeen> for ContestView {
    fn from(seen: ContestSeen) -> Self {
        let r = seen.row;
        Self {
            id: r.id,
            scope_id: r.scope_id,
            village_id: r.village_id,
            title: r.title,
            description: r.description,
            status: r.status,
            submit_opens_at: rfc3339(r.submit_opens_at),
            submit_closes_at: rfc3339(r.submit_closes_at),
            vote_opens_at: rfc3339(r.vote_opens_at),
            vote_closes_at: rfc3339(r.vote_closes_at),
            winner_count: r.winners,
            max_choices: r.max_choices,
            poll_id: r.poll_id,
            cancel_reason: r.cancel_reason,
            announced_at: r.announced_at.map(rfc3339),
            winners: seen
                .winners
                .into_iter()
                .map(|i| ContestWinnerView { idea_id: i.id, title: i.title, rank: i.rank, votes: i.votes })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContestList {
    pub items: Vec<ContestView>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ContestQuery {
    pub village_id: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CancelContestBody {
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

impl CancelContestBody {
    pub fn parse(self) -> Result<String, ApiError> {
        Ok(written(Some(self.reason), "reason", 500, true)?.unwrap_or_default())
    }
}

/// An idea as its author submits it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct IdeaBody {
    #[schema(schema_with = idea_title_schema)]
    pub title: String,
    #[schema(schema_with = idea_body_schema)]
    pub body: String,
}

impl IdeaBody {
    pub fn parse(self) -> Result<NewIdea, ApiError> {
        Ok(NewIdea {
            title: written(Some(self.title), "title", 100, true)?.unwrap_or_default(),
            body: written(Some(self.body), "body", 2000, true)?.unwrap_or_default(),
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IdeaView {
    pub id: String,
    pub contest_id: String,
    pub title: String,
    pub body: String,
    /// pending or held (waiting for staff), approved (on the ballot) or rejected.
    pub moderation: String,
    /// Why the content check held it, or the moderator's note (staff and the author only).
    pub moderation_note: String,
    /// submitted, then winner or placed once announced.
    pub status: String,
    pub votes: Option<i32>,
    pub rank: Option<i32>,
    pub created_at: String,
}

impl From<IdeaRow> for IdeaView {
    fn from(r: IdeaRow) -> Self {
        Self {
            id: r.id,
            contest_id: r.contest_id,
            title: r.title,
            body: r.body,
            moderation: r.moderation,
            moderation_note: r.moderation_note,
            status: r.status,
            votes: r.votes,
            rank: r.rank,
            created_at: rfc3339(r.created_at),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IdeaList {
    pub items: Vec<IdeaView>,
}

/// A moderator's decision on an idea.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct IdeaModerationBody {
    /// approve (on the ballot) or reject (the author is told the note).
    #[schema(example = "approve", pattern = "^(approve|reject)$")]
    pub decision: String,
    /// Required to reject; told to the author.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

impl IdeaModerationBody {
    pub fn parse(self) -> Result<IdeaDecision, ApiError> {
        let approve = match self.decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err(ApiError::invalid_field("decision", "approve or reject")),
        };
        let note = written(self.note, "note", 500, !approve)?.unwrap_or_default();
        Ok(IdeaDecision { approve, note })
    }
}
