//! A unit's points rules (积分规则): activity types with their points (a reward, or a penalty
//! below zero), an optional cap per person per period, who may record them or which of the
//! product's own events records them, base points by household size and the thresholds of the
//! star-rated civilised household (星级文明户). A rule set is versioned; a village without its own
//! takes the nearest one up the tree. A new version can wait for an assembly vote.

use serde::{Deserialize, Serialize};

use crate::identity::roles::Role;
use crate::{text_enum, DomainError};

text_enum!(
    /// What an activity is about (the 三治 domains, and cadres' own).
    Category "category" "deliberation, charity, neighbourly, garbage, service, building, safety, misconduct, attendance or public_service" {
        Deliberation => "deliberation",
        Charity => "charity",
        Neighbourly => "neighbourly",
        Garbage => "garbage",
        Service => "service",
        Building => "building",
        Safety => "safety",
        /// Serious misconduct: a penalty.
        Misconduct => "misconduct",
        /// A cadre's attendance.
        Attendance => "attendance",
        /// A cadre's public service.
        PublicService => "public_service",
    }
);

text_enum!(
    /// The product's own events that record an entry by themselves.
    AutoSource "automatic" "meeting_checkin, ballot, case_confirmed, idea_won or service_hours" {
        /// Checked in at a meeting (or recorded present).
        MeetingCheckin => "meeting_checkin",
        /// A ballot cast in a poll.
        Ballot => "ballot",
        /// A case report confirmed as valid.
        CaseConfirmed => "case_confirmed",
        /// A golden idea that won its contest.
        IdeaWon => "idea_won",
        /// Confirmed volunteer service: the rule's points are per hour.
        ServiceHours => "service_hours",
    }
);

text_enum!(
    /// Whose points a rule gives: residents', or cadres' (ranked apart).
    Subject "subject" "resident or cadre" {
        Resident => "resident",
        Cadre => "cadre",
    }
);

text_enum!(
    CapPeriod "cap_period" "month or year" {
        Month => "month",
        Year => "year",
    }
);

text_enum!(
    RuleSetStatus "status" "draft, pending_vote, active, superseded or rejected" {
        /// Being written; not in force.
        Draft => "draft",
        /// Waiting for the assembly vote it is tied to.
        PendingVote => "pending_vote",
        /// In force for its unit (and the units below without their own).
        Active => "active",
        /// Replaced by a later active version.
        Superseded => "superseded",
        /// The vote did not pass.
        Rejected => "rejected",
    }
);

text_enum!(
    RuleSetAction "action" "activate, submit_to_vote, vote_passed, vote_failed or supersede" {
        /// Put in force at once (no vote tied).
        Activate => "activate",
        /// Tie to an assembly vote.
        SubmitToVote => "submit_to_vote",
        VotePassed => "vote_passed",
        VoteFailed => "vote_failed",
        /// A later version came into force.
        Supersede => "supersede",
    }
);

/// A move a rule set's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSetNotNow {
    pub action: RuleSetAction,
    pub status: RuleSetStatus,
}

/// The one place a rule set moves.
pub fn transition(status: RuleSetStatus, action: RuleSetAction) -> Result<RuleSetStatus, RuleSetNotNow> {
    use RuleSetAction as A;
    use RuleSetStatus as S;
    match (action, status) {
        (A::Activate, S::Draft) | (A::VotePassed, S::PendingVote) => Ok(S::Active),
        (A::SubmitToVote, S::Draft) => Ok(S::PendingVote),
        (A::VoteFailed, S::PendingVote) => Ok(S::Rejected),
        (A::Supersede, S::Active) => Ok(S::Superseded),
        _ => Err(RuleSetNotNow { action, status }),
    }
}

/// The largest number of points one rule gives or takes.
pub const MAX_POINTS: i64 = 10_000;
/// The most rules in one set.
pub const MAX_RULES: usize = 100;

/// One activity type as written by staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// A short stable code (`garbage_sorting`), unique in its set; automatic entries are keyed by
    /// it.
    pub code: String,
    pub name: String,
    pub category: Category,
    /// Points per occurrence (per hour for service hours): above zero a reward, below a penalty.
    pub points: i64,
    /// The most points (in absolute value) one person gets from this rule per period.
    pub cap: Option<i64>,
    pub cap_period: Option<CapPeriod>,
    pub subject: Subject,
    /// Recorded by the product's own event instead of by staff.
    pub automatic: Option<AutoSource>,
    /// The roles that may record it (staff of the village or above); empty for automatic rules.
    pub recorders: Vec<Role>,
    /// Whether a resident may claim it with evidence (随手拍).
    pub claimable: bool,
}

/// Household base points: households of at least `min_members` get `points` (the largest step
/// that fits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseStep {
    pub min_members: u32,
    pub points: i64,
}

/// Roles that may be named as recorders: staff who work in a village.
pub const RECORDER_ROLES: &[Role] =
    &[Role::Volunteer, Role::GridWorker, Role::GridLeader, Role::VillageCadre, Role::TownshipOfficer];

fn invalid(field: &'static str, reason: &'static str) -> DomainError {
    DomainError::Invalid { field, reason }
}

/// Checks one rule: a code of lowercase letters, digits and `_`; a name; a sign that fits its
/// category (misconduct takes points, the rest give them); a cap with its period; automatic
/// rules recorded by no one and never claimed; manual ones by at least one staff role.
pub fn check_rule(rule: &Rule) -> Result<(), DomainError> {
    let code_ok = (1..=40).contains(&rule.code.len())
        && rule.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !code_ok {
        return Err(invalid("code", "1 to 40 lowercase letters, digits or _"));
    }
    let name_len = rule.name.trim().chars().count();
    if !(1..=40).contains(&name_len) {
        return Err(invalid("name", "1 to 40 characters"));
    }
    if rule.points == 0 || rule.points.abs() > MAX_POINTS {
        return Err(invalid("points", "not zero, at most 10000 either way"));
    }
    if (rule.category == Category::Misconduct) != (rule.points < 0) {
        return Err(invalid("points", "below zero for misconduct, above zero otherwise"));
    }
    match (rule.cap, rule.cap_period) {
        (None, None) => {}
        (Some(cap), Some(_)) if cap > 0 && cap <= MAX_POINTS * 100 => {}
        (Some(_), Some(_)) => return Err(invalid("cap", "above zero, at most 1000000")),
        _ => return Err(invalid("cap_period", "given with cap, and only with it")),
    }
    let cadre_category = matches!(rule.category, Category::Attendance | Category::PublicService);
    if cadre_category != (rule.subject == Subject::Cadre) {
        return Err(invalid("subject", "cadre for attendance and public_service, resident otherwise"));
    }
    match rule.automatic {
        Some(_) if !rule.recorders.is_empty() || rule.claimable => {
            Err(invalid("automatic", "an automatic rule has no recorders and is not claimable"))
        }
        None if rule.recorders.is_empty() => Err(invalid("recorders", "at least one role")),
        None if rule.recorders.iter().any(|r| !RECORDER_ROLES.contains(r)) => {
            Err(invalid("recorders", "volunteer, grid_worker, grid_leader, village_cadre or township_officer"))
        }
        _ => Ok(()),
    }
}

/// Checks a whole set: its rules (each, codes unique, one rule per automatic source), its base
/// steps (strictly rising from at least one member, points not below zero) and star thresholds
/// (at most five, strictly rising, above zero).
pub fn check_set(rules: &[Rule], base: &[BaseStep], stars: &[i64]) -> Result<(), DomainError> {
    if rules.is_empty() || rules.len() > MAX_RULES {
        return Err(invalid("rules", "1 to 100 rules"));
    }
    for rule in rules {
        check_rule(rule)?;
    }
    for (i, rule) in rules.iter().enumerate() {
        if rules[..i].iter().any(|r| r.code == rule.code) {
            return Err(invalid("code", "unique in the set"));
        }
        if rule.automatic.is_some() && rules[..i].iter().any(|r| r.automatic == rule.automatic) {
            return Err(invalid("automatic", "one rule per event"));
        }
    }
    let base_ok = base.len() <= 20
        && base.first().is_none_or(|s| s.min_members >= 1)
        && base.windows(2).all(|w| w[0].min_members < w[1].min_members)
        && base.iter().all(|s| (0..=MAX_POINTS).contains(&s.points));
    if !base_ok {
        return Err(invalid("base_points", "steps rising from one member, 0 to 10000 points each"));
    }
    let stars_ok = stars.len() <= 5 && stars.first().is_none_or(|s| *s > 0) && stars.windows(2).all(|w| w[0] < w[1]);
    if !stars_ok {
        return Err(invalid("star_thresholds", "at most five, rising, above zero"));
    }
    Ok(())
}

/// A household's base points for its size: the largest step it reaches, 0 below the first.
pub fn base_points(steps: &[BaseStep], members: u32) -> i64 {
    steps.iter().filter(|s| s.min_members <= members).map(|s| s.points).next_back().unwrap_or(0)
}

/// Stars (0 to 5) of a household with `points`: how many thresholds it reaches.
pub fn stars(thresholds: &[i64], points: i64) -> u8 {
    thresholds.iter().take_while(|t| points >= **t).count() as u8
}

/// What an occurrence worth `points` still gives under a cap when `already` (same sign) was given
/// in the period: all of it without a cap, at most what is left under one, never past it.
pub fn within_cap(points: i64, already: i64, cap: Option<i64>) -> i64 {
    let Some(cap) = cap else { return points };
    let left = (cap - already.abs()).max(0);
    points.signum() * points.abs().min(left)
}

/// May `role` record `rule`? Only a manual rule that names the role.
pub fn may_record(rule: &Rule, roles: &[Role]) -> bool {
    rule.automatic.is_none() && roles.iter().any(|r| rule.recorders.contains(r))
}
