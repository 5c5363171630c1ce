//! Anonymous reports and their follow-up in the database. Nothing stored names the reporter:
//! the report has no reporter column, its times are rounded to the hour (its id is a UUIDv7 of
//! that hour), the follow-up code is kept as its SHA-256, and the daily quota is a keyed hash of
//! (person, day) in a table that points to no report.

pub mod error;
pub mod queries;
pub mod rows;
pub mod service;

pub use error::ReportsError;
