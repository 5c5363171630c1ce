//! Identity persistence: accounts, sessions and refresh tokens, the org tree with grids and
//! departments, role grants, residency and households, consents, and the audit log.
//!
//! `rows` are the tables' rows, `queries` the reads and read models, `service` every write (one
//! transaction each, with its audit entry), `error` the feature's one error. `audit` appends
//! entries for every feature.

pub mod audit;
pub mod error;
pub mod queries;
pub mod rows;
pub mod service;

pub use error::IdentityError;
