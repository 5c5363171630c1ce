//! The voting feature's request and response bodies, the parsing of what clients send into
//! domain values, and the views made from infra's read models.

use domain::voting::{Decision, Electorate, PollKind, Secrecy, Threshold, Visibility};
use infra::deliberation::service::written;
use infra::voting::casting::Cast;
use infra::voting::queries::{self, Board, Results, Seen};
use infra::voting::rows::BallotRow;
use infra::voting::service::Draft;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::contract;
use crate::http::error::ApiError;
use crate::http::support::rfc3339;

use crate::http::support::parse_rfc3339 as parse_time;

fn title_schema() -> utoipa::openapi::Object {
    contract::required_text(100).examples(["村道硬化方案"]).build()
}

/// A poll as its organiser writes it (staff with poll management over the scope).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PollBody {
    /// A village, natural village or village group.
    pub scope_id: String,
    #[schema(schema_with = title_schema)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// single, multiple, approval or motion.
    #[schema(schema_with = contract::poll_kind)]
    pub kind: String,
    /// The options, 2 to 50 (a motion: none, or its three): each a text, or a text with a
    /// picture (an image the organiser uploaded through `/media`).
    #[serde(default)]
    pub options: Vec<PollOptionBody>,
    /// Multiple choice: how many options a ballot may choose.
    pub max_choices: Option<u32>,
    /// secret or open (roll call).
    #[schema(schema_with = contract::secrecy)]
    pub secrecy: String,
    /// residents, adults, representatives or households.
    #[schema(schema_with = contract::electorate)]
    pub electorate: String,
    /// live or after_close.
    #[schema(schema_with = contract::results_visibility)]
    pub results: String,
    /// Least turnout, percent of the electorate.
    pub quorum_percent: Option<u8>,
    /// majority or two_thirds.
    #[schema(schema_with = contract::threshold_or_null)]
    pub threshold: Option<String>,
    /// RFC 3339.
    pub opens_at: String,
    /// RFC 3339.
    pub closes_at: String,
    /// A matter of deliberation whose decision this poll puts to the vote: its scope, awaiting
    /// a decision the assembly may take by vote (a major matter after its solicitation); one
    /// live poll per matter. Stays as created.
    pub matter_id: Option<String>,
    /// Show each voter the options in an order of their own (ballots still name positions).
    #[serde(default)]
    pub shuffle: bool,
}

/// A poll option as written: its text, or its text and a picture.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PollOptionBody {
    Text(String),
    Illustrated {
        text: String,
        /// An image uploaded through `POST /media` by the organiser.
        media_id: Option<String>,
    },
}

impl PollOptionBody {
    fn split(self) -> (String, Option<String>) {
        match self {
            Self::Text(text) => (text, None),
            Self::Illustrated { text, media_id } => (text, media_id),
        }
    }
}

impl PollBody {
    pub fn parse(self) -> Result<Draft, ApiError> {
        let (options, option_media): (Vec<String>, Vec<Option<String>>) =
            self.options.into_iter().map(PollOptionBody::split).unzip();
        let title = written(Some(self.title), "title", 100, true)?.unwrap_or_default();
        let description = written(Some(self.description), "description", 5000, false)?.unwrap_or_default();
        let draft = Draft {
            scope_id: self.scope_id,
            title,
            description,
            kind: PollKind::parse(&self.kind)?,
            options,
            max_choices: self.max_choices,
            secrecy: Secrecy::parse(&self.secrecy)?,
            electorate: Electorate::parse(&self.electorate)?,
            results: Visibility::parse(&self.results)?,
            decision: Decision {
                quorum_percent: self.quorum_percent,
                threshold: self.threshold.as_deref().map(Threshold::parse).transpose()?,
            },
            opens_at: parse_time(&self.opens_at, "opens_at")?,
            closes_at: parse_time(&self.closes_at, "closes_at")?,
            shuffle: self.shuffle,
            option_media,
            matter_id: match self.matter_id {
                Some(id) if !domain::ids::is_valid_id(&id) => {
                    return Err(ApiError::invalid_field("matter_id", "a matter id"))
                }
                other => other,
            },
        };
        Ok(draft.checked()?)
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PollOptionView {
    pub position: i32,
    pub text: String,
    /// The option's picture, when it has one.
    pub media_url: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PollView {
    pub id: String,
    pub scope_id: String,
    pub village_id: String,
    pub title: String,
    pub description: String,
    pub kind: String,
    pub max_choices: Option<i32>,
    pub secrecy: String,
    pub electorate: String,
    pub results: String,
    pub quorum_percent: Option<i32>,
    pub threshold: Option<String>,
    pub status: String,
    pub opens_at: String,
    pub closes_at: String,
    /// In the order this viewer sees them (their own order when the poll shuffles); a ballot
    /// names options by `position`.
    pub options: Vec<PollOptionView>,
    pub shuffle: bool,
    /// Frozen at opening.
    pub electorate_size: Option<i32>,
    /// sha256 over the sorted voter keys of the frozen roll.
    pub roll_hash: Option<String>,
    /// The hash chain over the board's ballots, once closed.
    pub board_digest: Option<String>,
    pub outcome: Option<String>,
    pub cancel_reason: Option<String>,
    /// When the electors who had not voted were last reminded.
    pub reminded_at: Option<String>,
    /// The matter whose decision it puts to the vote.
    pub matter_id: Option<String>,
}

impl PollView {
    /// The poll as `viewer` sees it: the options in their own order when the poll shuffles.
    pub fn seen_by(mut seen: Seen, viewer: &str) -> Self {
        let order = queries::option_order(&seen, viewer);
        let mut options: Vec<Option<_>> = seen.options.drain(..).map(Some).collect();
        seen.options = order.into_iter().filter_map(|i| options.get_mut(i).and_then(Option::take)).collect();
        Self::from(seen)
    }
}

impl From<Seen> for PollView {
    fn from(seen: Seen) -> Self {
        let r = seen.row;
        Self {
            id: r.id,
            scope_id: r.scope_id,
            village_id: r.village_id,
            title: r.title,
            description: r.description,
            kind: r.kind,
            max_choices: r.max_choices,
            secrecy: r.secrecy,
            electorate: r.electorate,
            results: r.results,
            quorum_percent: r.quorum_percent,
            threshold: r.threshold,
            status: r.status,
            opens_at: rfc3339(r.opens_at),
            closes_at: rfc3339(r.closes_at),
            options: seen
                .options
                .into_iter()
                .map(|o| PollOptionView {
                    position: o.position,
                    text: o.text,
                    media_url: o.media_id.map(|m| format!("/api/v1/media/{m}")),
                })
                .collect(),
            shuffle: r.shuffle,
            electorate_size: r.electorate_size,
            roll_hash: r.roll_hash,
            board_digest: r.board_digest,
            outcome: r.outcome,
            cancel_reason: r.cancel_reason,
            reminded_at: r.reminded_at.map(rfc3339),
            matter_id: r.matter_id,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PollList {
    pub items: Vec<PollView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PollQuery {
    pub village_id: String,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CancelPollBody {
    #[schema(example = "方案需重新讨论")]
    pub reason: String,
}

impl CancelPollBody {
    pub fn parse(self) -> Result<String, ApiError> {
        Ok(written(Some(self.reason), "reason", 500, true)?.unwrap_or_default())
    }
}

/// A ballot: the positions of the chosen options.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct BallotBody {
    pub choices: Vec<usize>,
}

impl BallotBody {
    pub fn parse(self) -> Cast {
        Cast { choices: self.choices, offline_for: None }
    }
}

/// A paper ballot recorded by staff for a voter on the roll.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct OfflineBallotBody {
    pub voter_id: String,
    pub choices: Vec<usize>,
}

impl OfflineBallotBody {
    pub fn parse(self) -> Result<Cast, ApiError> {
        if !domain::ids::is_valid_id(&self.voter_id) {
            return Err(ApiError::invalid_field("voter_id", "a user id"));
        }
        Ok(Cast { choices: self.choices, offline_for: Some(self.voter_id) })
    }
}

/// A ballot as the board shows it: never its voter on a secret poll.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BallotView {
    pub receipt: String,
    pub choices: Vec<usize>,
    /// online or offline.
    pub origin: String,
    /// The day it was cast (Beijing-agnostic date, UTC).
    pub cast_on: String,
}

impl From<BallotRow> for BallotView {
    fn from(row: BallotRow) -> Self {
        Self { choices: row.positions(), receipt: row.receipt, origin: row.origin, cast_on: row.cast_on.to_string() }
    }
}

/// One name and choice of an open poll's roll call.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RollCallEntry {
    pub name: String,
    pub choices: Vec<usize>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PollResultsView {
    pub poll_id: String,
    pub status: String,
    /// Votes per option, in option order.
    pub counts: Vec<u64>,
    pub ballots: u64,
    pub online: u64,
    pub offline: u64,
    pub electorate_size: u64,
    /// ballots / electorate_size, 0 when nobody is on the roll.
    pub turnout: f64,
    /// passed, failed, no_quorum or counted.
    pub outcome: String,
    /// Open polls only.
    pub roll_call: Vec<RollCallEntry>,
}

impl From<Results> for PollResultsView {
    fn from(r: Results) -> Self {
        let turnout = if r.electorate_size == 0 { 0.0 } else { r.ballots as f64 / r.electorate_size as f64 };
        Self {
            poll_id: r.seen.row.id,
            status: r.seen.row.status,
            counts: r.counts,
            ballots: r.ballots,
            online: r.online,
            offline: r.offline,
            electorate_size: r.electorate_size,
            turnout,
            outcome: r.outcome.as_str().to_owned(),
            roll_call: r.roll_call.into_iter().map(|(name, choices)| RollCallEntry { name, choices }).collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PollBoardView {
    pub poll_id: String,
    pub ballots: Vec<BallotView>,
    /// Once closed: sha256 chain over the ballots in this order (receipt|choices), from the
    /// poll's id.
    pub digest: Option<String>,
    pub roll_hash: Option<String>,
}

impl From<Board> for PollBoardView {
    fn from(b: Board) -> Self {
        Self {
            poll_id: b.seen.row.id,
            ballots: b.ballots.into_iter().map(BallotView::from).collect(),
            digest: b.seen.row.board_digest,
            roll_hash: b.seen.row.roll_hash,
        }
    }
}
