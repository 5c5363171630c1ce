//! Points (积分制): the pure rules. So far the dividend (积分分红): a village's distributable
//! income shared by households in proportion to their effective points, exactly to the fen.

pub mod dividends;

pub use dividends::{share_by_points, DividendError, Share};
