//! A patrol (巡查): started, walked (its points arriving in batches), ended. Hazards found on the
//! way are filed while walking and for a day after (a phone that was offline syncs late).

use chrono::{Duration, NaiveDateTime};

use crate::identity::org::check_point;
use crate::{text_enum, DomainError};

text_enum!(
    PatrolStatus "status" "walking or ended" {
        Walking => "walking",
        Ended => "ended",
    }
);

text_enum!(
    /// What may be done to a patrol.
    PatrolAction "action" "walk, end or file_hazard" {
        /// Add points passed.
        Walk => "walk",
        End => "end",
        /// File a hazard found on the way.
        FileHazard => "file_hazard",
    }
);

/// Why a move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotNow {
    pub action: PatrolAction,
    pub status: PatrolStatus,
}

/// The most points one batch carries.
pub const MAX_BATCH: usize = 500;
/// How far ahead of the server's clock a phone's time may run.
pub const CLOCK_SKEW: Duration = Duration::minutes(10);
/// How long before the patrol's start a point may be stamped (the phone's clock wandering).
pub const EARLY_POINT: Duration = Duration::minutes(1);
/// How long after its end a patrol still takes hazards (an offline phone syncing late).
pub const HAZARD_GRACE: Duration = Duration::days(1);

/// The one place a patrol moves. `Walk` and `FileHazard` keep the status; filing a hazard after
/// the end is further bounded by [`hazard_in_time`].
pub fn transition(status: PatrolStatus, action: PatrolAction) -> Result<PatrolStatus, NotNow> {
    use PatrolAction as A;
    use PatrolStatus as S;
    match (action, status) {
        (A::Walk, S::Walking) => Ok(S::Walking),
        (A::End, S::Walking) => Ok(S::Ended),
        (A::FileHazard, S::Walking | S::Ended) => Ok(status),
        _ => Err(NotNow { action, status }),
    }
}

/// Whether a hazard may still be filed on a patrol: while walking, or within [`HAZARD_GRACE`]
/// of its end.
pub fn hazard_in_time(status: PatrolStatus, ended_at: Option<NaiveDateTime>, now: NaiveDateTime) -> Result<(), NotNow> {
    transition(status, PatrolAction::FileHazard)?;
    match (status, ended_at) {
        (PatrolStatus::Ended, Some(end)) if now > end + HAZARD_GRACE => {
            Err(NotNow { action: PatrolAction::FileHazard, status })
        }
        _ => Ok(()),
    }
}

/// The time a patrol starts: not ahead of the server's clock by more than [`CLOCK_SKEW`].
pub fn check_start(started_at: NaiveDateTime, now: NaiveDateTime) -> Result<NaiveDateTime, DomainError> {
    if started_at > now + CLOCK_SKEW {
        return Err(DomainError::Invalid { field: "started_at", reason: "not in the future" });
    }
    Ok(started_at)
}

/// The time a patrol ends: not before it started, not in the future.
pub fn check_end(
    started_at: NaiveDateTime,
    ended_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<NaiveDateTime, DomainError> {
    if ended_at > now + CLOCK_SKEW {
        return Err(DomainError::Invalid { field: "ended_at", reason: "not in the future" });
    }
    if ended_at < started_at {
        return Err(DomainError::Invalid { field: "ended_at", reason: "not before the patrol started" });
    }
    Ok(ended_at)
}

/// One point passed, as the phone numbered and stamped it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PatrolPoint {
    pub seq: i32,
    pub lat: f64,
    pub lng: f64,
    pub at: NaiveDateTime,
}

/// A batch of points, checked: 1 to [`MAX_BATCH`] points, distinct seqs ≥ 0, each a real point,
/// each stamped no earlier than the start (less [`EARLY_POINT`]) and no later than now (plus
/// [`CLOCK_SKEW`]). Built only by [`PointBatch::parse`].
#[derive(Debug, Clone, PartialEq)]
pub struct PointBatch(Vec<PatrolPoint>);

impl PointBatch {
    /// Checks points as sent; `started_at` is the patrol's start.
    pub fn parse(points: Vec<PatrolPoint>, started_at: NaiveDateTime, now: NaiveDateTime) -> Result<Self, DomainError> {
        if points.is_empty() || points.len() > MAX_BATCH {
            return Err(DomainError::Invalid { field: "points", reason: "1 to 500 points" });
        }
        for point in &points {
            if point.seq < 0 {
                return Err(DomainError::Invalid { field: "seq", reason: "0 or more" });
            }
            check_point(point.lat, point.lng)?;
            if point.at > now + CLOCK_SKEW {
                return Err(DomainError::Invalid { field: "at", reason: "not in the future" });
            }
            if point.at < started_at - EARLY_POINT {
                return Err(DomainError::Invalid { field: "at", reason: "not before the patrol started" });
            }
        }
        let mut seqs: Vec<i32> = points.iter().map(|p| p.seq).collect();
        seqs.sort_unstable();
        if seqs.windows(2).any(|w| w[0] == w[1]) {
            return Err(DomainError::Invalid { field: "seq", reason: "distinct within a batch" });
        }
        Ok(Self(points))
    }

    pub fn points(&self) -> &[PatrolPoint] {
        &self.0
    }

    pub fn into_points(self) -> Vec<PatrolPoint> {
        self.0
    }
}

/// The mean earth radius (IUGG), in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The great-circle distance between two points (haversine), in metres.
pub fn haversine_m(from: (f64, f64), to: (f64, f64)) -> f64 {
    let (lat1, lng1) = (from.0.to_radians(), from.1.to_radians());
    let (lat2, lng2) = (to.0.to_radians(), to.1.to_radians());
    let a = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lng2 - lng1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// The length of a walked path in metres: the legs between consecutive points in seq order
/// (the points may come in any order).
pub fn path_length_m(points: &[PatrolPoint]) -> f64 {
    let mut ordered: Vec<&PatrolPoint> = points.iter().collect();
    ordered.sort_by_key(|p| p.seq);
    ordered.windows(2).map(|w| haversine_m((w[0].lat, w[0].lng), (w[1].lat, w[1].lng))).sum()
}

/// [`path_length_m`] as stored: whole metres, rounded, saturating.
pub fn stored_distance_m(points: &[PatrolPoint]) -> i32 {
    let metres = path_length_m(points).round();
    if metres >= f64::from(i32::MAX) {
        i32::MAX
    } else {
        metres as i32
    }
}
