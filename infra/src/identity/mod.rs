//! Identity persistence: accounts, sessions and refresh tokens, the org tree with grids and
//! departments, role grants, residency and households, consents, and the audit log.

pub mod audit;
pub mod grants;
pub mod org;
pub mod residency;
pub mod sessions;
pub mod users;
