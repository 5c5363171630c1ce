//! Volunteer teams' and service sessions' request and response bodies.

use chrono::NaiveDate;
use domain::identity::ids::UserId;
use domain::points::volunteers::{MAX_MINUTES, MAX_NAME, MAX_REASON, MAX_TEAM};
use infra::points::rows::TeamRow;
use infra::points::volunteers::{NewSession, NewTeam, SessionView, TeamView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::http::support::rfc3339;

fn user_id(id: &str, field: &'static str) -> Result<String, ApiError> {
    Ok(UserId::parse(id).ok_or_else(|| ApiError::invalid_field(field, "a user id"))?.into_string())
}

/// A new volunteer team of a village.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsTeamBody {
    /// 1 to 40 characters once trimmed, unique in the village.
    #[schema(min_length = 1, max_length = 40, example = "杨家村第一志愿服务队")]
    pub name: String,
    /// One of the members.
    pub leader_id: String,
    /// 1 to 30 distinct approved residents of the village, the leader among them.
    #[schema(min_items = 1, max_items = 30)]
    pub member_ids: Vec<String>,
}

impl PointsTeamBody {
    pub fn parse(self) -> Result<NewTeam, ApiError> {
        if self.name.trim().is_empty() || self.name.chars().count() > MAX_NAME {
            return Err(ApiError::invalid_field("name", "1 to 40 characters"));
        }
        if self.member_ids.is_empty() || self.member_ids.len() > MAX_TEAM {
            return Err(ApiError::invalid_field("member_ids", "1 to 30 members"));
        }
        let member_ids = self.member_ids.iter().map(|m| user_id(m, "member_ids")).collect::<Result<_, _>>()?;
        Ok(NewTeam { name: self.name, leader_id: user_id(&self.leader_id, "leader_id")?, member_ids })
    }
}

/// A member of a team.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsTeamMember {
    pub user_id: String,
    pub display_name: String,
    pub joined_at: String,
}

/// A team with its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsTeamView {
    pub id: String,
    /// The village.
    pub org_unit_id: String,
    pub name: String,
    pub leader_id: String,
    pub members: Vec<PointsTeamMember>,
    pub created_at: String,
}

impl From<TeamView> for PointsTeamView {
    fn from(v: TeamView) -> Self {
        let members = v
            .members
            .into_iter()
            .map(|(p, at)| PointsTeamMember {
                user_id: p.user_id,
                display_name: p.display_name,
                joined_at: rfc3339(at),
            })
            .collect();
        Self {
            id: v.row.id,
            org_unit_id: v.row.org_unit_id,
            name: v.row.name,
            leader_id: v.row.leader_id,
            members,
            created_at: rfc3339(v.row.created_at),
        }
    }
}

/// A team in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsTeamSummary {
    pub id: String,
    pub org_unit_id: String,
    pub name: String,
    pub leader_id: String,
    pub created_at: String,
}

impl From<TeamRow> for PointsTeamSummary {
    fn from(row: TeamRow) -> Self {
        Self {
            id: row.id,
            org_unit_id: row.org_unit_id,
            name: row.name,
            leader_id: row.leader_id,
            created_at: rfc3339(row.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointsTeamPage {
    pub items: Vec<PointsTeamSummary>,
    pub next_cursor: Option<String>,
}

/// One member's time in a session.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsHoursBody {
    /// A member of the team.
    pub user_id: String,
    /// 1 to 1440.
    #[serde(deserialize_with = "crate::contract::integral")]
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: i64,
}

/// A service session as the team's leader records it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsSessionBody {
    /// 1 to 40 characters once trimmed.
    #[schema(min_length = 1, max_length = 40, example = "清扫村道积雪")]
    pub title: String,
    /// The day served (Beijing), YYYY-MM-DD, not in the future.
    #[schema(format = Date, example = "2026-12-01")]
    pub served_on: String,
    /// Each member once, 1 to 30 of them.
    #[schema(min_items = 1, max_items = 30)]
    pub hours: Vec<PointsHoursBody>,
}

impl PointsSessionBody {
    pub fn parse(self) -> Result<NewSession, ApiError> {
        if self.title.trim().is_empty() || self.title.chars().count() > MAX_NAME {
            return Err(ApiError::invalid_field("title", "1 to 40 characters"));
        }
        let served_on = NaiveDate::parse_from_str(&self.served_on, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid_field("served_on", "a date, YYYY-MM-DD"))?;
        if self.hours.is_empty() || self.hours.len() > MAX_TEAM {
            return Err(ApiError::invalid_field("hours", "1 to 30 members"));
        }
        let hours = self
            .hours
            .iter()
            .map(|h| {
                let minutes = u32::try_from(h.minutes)
                    .ok()
                    .filter(|m| (1..=MAX_MINUTES).contains(m))
                    .ok_or_else(|| ApiError::invalid_field("hours", "minutes 1 to 1440 each"))?;
                Ok((user_id(&h.user_id, "hours")?, minutes))
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(NewSession { title: self.title, served_on, hours })
    }
}

/// Why a session is rejected.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsRejectSessionBody {
    /// 1 to 200 characters once trimmed.
    #[schema(min_length = 1, max_length = 200, example = "当天未开展服务")]
    pub reason: String,
}

impl PointsRejectSessionBody {
    pub fn parse(self) -> Result<String, ApiError> {
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON {
            return Err(ApiError::invalid_field("reason", "1 to 200 characters"));
        }
        Ok(reason.to_owned())
    }
}

/// A member's minutes in a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsServiceHours {
    pub user_id: String,
    pub display_name: String,
    pub minutes: i32,
}

/// A service session.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsSessionView {
    pub id: String,
    pub team_id: String,
    pub team_name: String,
    pub org_unit_id: String,
    pub title: String,
    pub served_on: String,
    /// recorded, confirmed or rejected.
    #[schema(example = "recorded")]
    pub status: String,
    pub recorded_by: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reject_reason: Option<String>,
    pub hours: Vec<PointsServiceHours>,
    pub created_at: String,
}

impl From<SessionView> for PointsSessionView {
    fn from(v: SessionView) -> Self {
        let hours = v
            .hours
            .into_iter()
            .map(|(p, minutes)| PointsServiceHours { user_id: p.user_id, display_name: p.display_name, minutes })
            .collect();
        let row = v.row;
        Self {
            id: row.id,
            team_id: row.team_id,
            team_name: v.team_name,
            org_unit_id: row.org_unit_id,
            title: row.title,
            served_on: row.served_on.format("%Y-%m-%d").to_string(),
            status: row.status,
            recorded_by: row.recorded_by,
            decided_by: row.decided_by,
            decided_at: row.decided_at.map(rfc3339),
            reject_reason: row.reject_reason,
            hours,
            created_at: rfc3339(row.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointsSessionPage {
    pub items: Vec<PointsSessionView>,
    pub next_cursor: Option<String>,
}
