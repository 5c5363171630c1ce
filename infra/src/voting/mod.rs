//! E-voting in the database: polls and their options, the roll frozen at opening, who took part
//! (kept apart from what they chose on a secret poll), ballots with their receipts, the results
//! and the public board. `rows` are the diesel rows, `queries` the reads, `service` the
//! organiser's writes, `sweep` the opening and closing jobs, `casting` the ballots,
//! `contests` the golden-idea contests.

pub mod casting;
pub mod contests;
pub mod error;
pub mod queries;
pub mod rows;
pub mod service;
pub mod sweep;

pub use error::VotingError;
