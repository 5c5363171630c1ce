//! Cloud deliberation in the database: matters with their timeline, sheets and supports, the
//! category and triage catalogs, schemes, and (in later parts) opinions, meetings, commitments
//! and evaluations. `rows` are the diesel rows, `queries` the reads and the read models,
//! `service` every write (one transaction each).

pub mod commitments;
pub mod content;
pub mod decisions;
pub mod dossier;
pub mod error;
pub mod evaluation;
pub mod ledger;
pub mod meetings;
pub mod members;
pub mod opinions;
pub mod queries;
pub mod rows;
pub mod service;
pub mod votes;

pub use error::DeliberationError;
