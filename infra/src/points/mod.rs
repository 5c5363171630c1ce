//! Points (积分制) in the database: rule sets in force down the tree, entries on their way
//! (recorded or claimed → reviewed → posted → effective), public postings and objections, the
//! append-only ledger with a hash chain per account and cached balances, redemption orders,
//! volunteer teams and service hours, rankings and stars, dividends. Other features award
//! automatic entries through [`award::award_in_tx`] inside their own transactions.

pub mod award;
pub mod dividends;
pub mod entries;
pub mod error;
pub mod ledger;
pub mod postings;
pub mod redemption;
pub mod rows;
pub mod rules;
pub mod standings;
pub mod volunteers;

pub use error::PointsError;
