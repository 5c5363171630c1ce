//! Grid cases in the database: the category catalog, cases and their timeline, followers, the
//! working-day calendar and Open311 keys. `rows` are the diesel rows, `queries` the reads and
//! the read models, `service` every write (one transaction each), and `flow` one step of a
//! case's life as every writer and the deadline sweeper take it.

pub mod calendar;
pub mod error;
pub mod flow;
pub mod keys;
pub mod queries;
pub mod reference;
pub mod rows;
pub mod service;

pub use error::CasesError;
/// Old path, kept while callers move (tests read a case row through it).
pub use queries::find;
