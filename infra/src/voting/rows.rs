//! The voting feature's diesel rows.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::polls)]
pub struct PollRow {
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
    pub shuffle: bool,
    pub quorum_percent: Option<i32>,
    pub threshold: Option<String>,
    pub status: String,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub electorate_size: Option<i32>,
    pub roll_hash: Option<String>,
    pub board_digest: Option<String>,
    pub outcome: Option<String>,
    pub cancel_reason: Option<String>,
    pub matter_id: Option<String>,
    pub contest_id: Option<String>,
    pub reminded_at: Option<NaiveDateTime>,
    pub published_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::poll_options)]
pub struct OptionRow {
    pub id: String,
    pub poll_id: String,
    pub position: i32,
    pub text: String,
    pub media_id: Option<String>,
    pub idea_id: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::poll_participation)]
pub struct ParticipationRow {
    pub poll_id: String,
    pub voter_key: String,
    pub voter_id: String,
    pub origin: String,
    pub recorded_by: Option<String>,
    pub voted_on: NaiveDate,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::ballots)]
pub struct BallotRow {
    pub id: String,
    pub poll_id: String,
    /// Option positions, a JSON array.
    pub choices: String,
    pub receipt: String,
    pub origin: String,
    /// Only on an open (roll-call) poll.
    pub voter_id: Option<String>,
    pub cast_on: NaiveDate,
}

impl BallotRow {
    /// The choices as option positions.
    pub fn positions(&self) -> Vec<usize> {
        serde_json::from_str(&self.choices).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::contests)]
pub struct ContestRow {
    pub id: String,
    pub scope_id: String,
    pub village_id: String,
    pub title: String,
    pub description: String,
    pub submit_opens_at: NaiveDateTime,
    pub submit_closes_at: NaiveDateTime,
    pub vote_opens_at: NaiveDateTime,
    pub vote_closes_at: NaiveDateTime,
    pub status: String,
    pub poll_id: Option<String>,
    /// How many ideas win (all tied at the cut win).
    pub winners: i32,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// How many ideas a voter picks; none: one.
    pub max_choices: Option<i32>,
    pub cancel_reason: Option<String>,
    pub announced_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::ideas)]
pub struct IdeaRow {
    pub id: String,
    pub contest_id: String,
    pub author_id: String,
    pub title: String,
    pub body: String,
    /// pending, held, approved or rejected.
    pub moderation: String,
    /// Why the check held it, or the moderator's note.
    pub moderation_note: String,
    /// submitted, then winner or placed once announced.
    pub status: String,
    pub created_at: NaiveDateTime,
    pub votes: Option<i32>,
    pub rank: Option<i32>,
}
