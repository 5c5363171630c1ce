//! Who people are and what they may do: accounts, the org tree and its grids, roles and the
//! permission table, and the principal of a request.

pub mod accounts;
pub mod audit_chain;
pub mod ids;
pub mod org;
pub mod principal;
pub mod residency;
pub mod roles;
