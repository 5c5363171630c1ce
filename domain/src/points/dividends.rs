//! Dividends by points (积分分红): `total` fen shared among households in proportion to their
//! effective points with the largest-remainder method, so the shares add up to exactly the total
//! and the same input always gives the same output.
//!
//! Each household first gets `floor(total × points / all points)`; the fen left over (fewer than
//! the number of households sharing) go one each to the households with the largest remainders
//! of that division, ties broken by the household's id. A household with no points, or fewer
//! than none (penalties outweighing rewards), shares nothing.

use std::cmp::Reverse;

use crate::text_enum;

text_enum!(
    DividendStatus "status" "posted or final" {
        /// On public posting: households may object.
        Posted => "posted",
        /// Settled: the shares stand.
        Final => "final",
    }
);

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
