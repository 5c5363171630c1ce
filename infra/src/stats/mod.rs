//! Figures drawn from every feature's queries, rankings, the contest and the monthly report.

pub mod contest;
pub mod figures;
pub mod rankings;
