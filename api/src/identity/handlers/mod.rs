//! Identity's handlers, one module per area; none imports another (what they share is in `dto`
//! and `sessions`).

pub mod audit;
pub mod auth;
pub mod grants;
pub mod me;
pub mod org;
pub mod residency;
pub mod users;
