//! Cloud deliberation in the database: matters with their timeline, sheets and supports, the
//! category and triage catalogs, schemes, and (in later parts) opinions, meetings, commitments
//! and evaluations. `rows` are the diesel rows, `queries` the reads and the read models,
//! `service` every write (one transaction each).

pub mod error;
pub mod queries;
pub mod rows;
pub mod service;

pub use error::DeliberationError;
pub mod commitments;
pub mod decisions;
pub mod evaluation;
