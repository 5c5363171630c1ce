//! Identity reads: accounts, sessions, grants, the org tree, residency, consent and the audit
//! log, and the read models built from them.

pub mod audit;
pub mod grants;
pub mod me;
pub mod org;
pub mod residency;
pub mod sessions;
pub mod users;
