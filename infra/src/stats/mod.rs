//! Figures drawn from every feature's queries, rankings, the contest and the monthly report.

pub mod error;
pub mod figures;
pub mod report;

pub mod contest;
pub mod rankings;

pub use error::StatsError;
