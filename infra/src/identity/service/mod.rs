//! Identity writes: each public service is one transaction with its audit entry (and notices),
//! beside the single statements they are made of.

pub mod grants;
pub mod me;
pub mod org;
pub mod residency;
pub mod sessions;
pub mod users;
