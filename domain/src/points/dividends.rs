//! Dividends by points (积分分红): `total` fen shared among households in proportion to their
//! effective points with the largest-remainder method, so the shares add up to exactly the total
//! and the same input always gives the same output.
//!
//! Each household first gets `floor(total × points / all points)`; the fen left over (fewer than
//! the number of households sharing) go one each to the households with the largest remainders
//! of that division, ties broken by the household's id. A household with no points, or fewer
//! than none (penalties outweighing rewards), shares nothing.

use std::cmp::Reverse;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::text_enum;

text_enum!(
    DividendStatus "status" "posted, final or cancelled" {
        /// On public posting: households may object.
        Posted => "posted",
        /// Settled: the shares stand.
        Final => "final",
        /// Withdrawn (an objection upheld, a wrong total): a new dividend is computed instead.
        Cancelled => "cancelled",
    }
);

text_enum!(
    DividendAction "action" "finalize or cancel" {
        Finalize => "finalize",
        Cancel => "cancel",
    }
);

/// A move a dividend's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DividendNotNow {
    pub action: DividendAction,
    pub status: DividendStatus,
}

/// The one place a dividend moves: a posted one is finalized or cancelled, nothing else.
pub fn transition(status: DividendStatus, action: DividendAction) -> Result<DividendStatus, DividendNotNow> {
    match (action, status) {
        (DividendAction::Finalize, DividendStatus::Posted) => Ok(DividendStatus::Final),
        (DividendAction::Cancel, DividendStatus::Posted) => Ok(DividendStatus::Cancelled),
        _ => Err(DividendNotNow { action, status }),
    }
}

/// Whether a posted dividend may become final: its posting period is over, no objection waits
/// for an answer, and none was upheld (an upheld objection means the shares are wrong: the
/// dividend is cancelled and computed anew).
pub fn may_finalize(ends_at: NaiveDateTime, pending: u64, upheld: u64, now: NaiveDateTime) -> bool {
    super::entries::may_settle(ends_at, pending, now) && upheld == 0
}

/// The most one dividend may share: 100 million yuan.
pub const MAX_TOTAL_FEN: i64 = 10_000_000_000;

/// A total as a dividend may share (1 fen to [`MAX_TOTAL_FEN`]).
pub fn check_total(total_fen: i64) -> Result<u64, crate::DomainError> {
    match u64::try_from(total_fen) {
        Ok(t) if (1..=MAX_TOTAL_FEN).contains(&total_fen) => Ok(t),
        _ => Err(crate::DomainError::Invalid { field: "total_fen", reason: "1 to 10000000000 fen" }),
    }
}

/// A cut-off date may not lie after today in Beijing.
pub fn check_cut_off(cut_off: NaiveDate, now: NaiveDateTime) -> Result<NaiveDate, crate::DomainError> {
    let today = now.and_utc().with_timezone(&crate::calendar::beijing()).date_naive();
    if cut_off > today {
        return Err(crate::DomainError::Invalid { field: "cut_off", reason: "not after today" });
    }
    Ok(cut_off)
}

/// The instant (naive UTC) a cut-off day ends: the start of the next day in Beijing. Rows at or
/// after it do not count.
pub fn cut_off_end(cut_off: NaiveDate) -> NaiveDateTime {
    let next = cut_off.succ_opt().unwrap_or(cut_off).and_time(NaiveTime::MIN);
    next - chrono::Duration::hours(8)
}

/// Fen as yuan with two decimals, exactly (`1234` → `12.34`, `-5` → `-0.05`).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// One household's share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub household_id: String,
    pub points: i64,
    pub fen: u64,
}

/// Why nothing can be shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DividendError {
    /// No household has points above zero: there is nothing to share by.
    NoPoints,
    /// A household is named twice.
    DuplicateHousehold,
}

/// Shares `total` fen among `households` (id, effective points), in the order given.
pub fn share_by_points(total: u64, households: &[(String, i64)]) -> Result<Vec<Share>, DividendError> {
    let mut ids: Vec<&str> = households.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(DividendError::DuplicateHousehold);
    }
    let weight = |points: i64| u128::try_from(points.max(0)).unwrap_or(0);
    let all: u128 = households.iter().map(|(_, p)| weight(*p)).sum();
    if all == 0 {
        return Err(DividendError::NoPoints);
    }
    let total_wide = u128::from(total);
    let mut shares: Vec<Share> = Vec::with_capacity(households.len());
    let mut remainders: Vec<(u128, &str, usize)> = Vec::with_capacity(households.len());
    let mut given: u128 = 0;
    for (i, (id, points)) in households.iter().enumerate() {
        let product = total_wide * weight(*points);
        let floor = product / all;
        given += floor;
        remainders.push((product % all, id.as_str(), i));
        shares.push(Share { household_id: id.clone(), points: *points, fen: u64::try_from(floor).unwrap_or(u64::MAX) });
    }
    // Fewer fen are left than households with a remainder above zero.
    let left = usize::try_from(total_wide - given).unwrap_or(usize::MAX);
    remainders.sort_by_key(|&(remainder, id, _)| (Reverse(remainder), id));
    for &(_, _, i) in remainders.iter().filter(|(r, _, _)| *r > 0).take(left) {
        shares[i].fen += 1;
    }
    Ok(shares)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn households(points: &[i64]) -> Vec<(String, i64)> {
        points.iter().enumerate().map(|(i, p)| (format!("h{i:04}"), *p)).collect()
    }

    #[test]
    fn a_million_fen_over_awkward_points_adds_up_exactly() {
        // Three households of 1 point each: 333,333.33… fen each.
        let shares = share_by_points(1_000_000, &households(&[1, 1, 1])).unwrap();
        assert_eq!(shares.iter().map(|s| s.fen).collect::<Vec<_>>(), [333_334, 333_333, 333_333]);
        // Primes, a penalty and a zero: the sum is the total, and the same input the same output.
        let awkward = households(&[7, 13, 0, -5, 101, 997, 3, 3, 3, 59_999]);
        let once = share_by_points(1_000_000, &awkward).unwrap();
        assert_eq!(once.iter().map(|s| s.fen).sum::<u64>(), 1_000_000);
        assert_eq!(once, share_by_points(1_000_000, &awkward).unwrap());
        assert_eq!((once[2].fen, once[3].fen), (0, 0), "no points, no share");
        // Each share is within one fen of the exact proportion.
        let all: f64 = awkward.iter().map(|(_, p)| (*p).max(0) as f64).sum();
        for (share, (_, p)) in once.iter().zip(&awkward) {
            let exact = 1_000_000.0 * ((*p).max(0) as f64) / all;
            assert!((share.fen as f64 - exact).abs() < 1.0, "{share:?} against {exact}");
        }
    }

    #[test]
    fn many_households_and_large_totals_still_add_up() {
        let many: Vec<(String, i64)> = (0..5_000).map(|i| (format!("h{i:05}"), (i * 7919 % 1000) as i64)).collect();
        for total in [1, 999, 1_000_000, 123_456_789_012] {
            let shares = share_by_points(total, &many).unwrap();
            assert_eq!(shares.iter().map(|s| s.fen).sum::<u64>(), total, "total {total}");
        }
    }

    #[test]
    fn ties_go_by_household_id_and_nothing_to_share_by_is_refused() {
        let shares = share_by_points(2, &households(&[1, 1, 1])).unwrap();
        assert_eq!(shares.iter().map(|s| s.fen).collect::<Vec<_>>(), [1, 1, 0]);
        assert_eq!(share_by_points(100, &households(&[0, -3])), Err(DividendError::NoPoints));
        let twice = vec![("a".to_owned(), 1), ("a".to_owned(), 2)];
        assert_eq!(share_by_points(100, &twice), Err(DividendError::DuplicateHousehold));
    }
}
