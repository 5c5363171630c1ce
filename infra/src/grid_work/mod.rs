//! The grid worker's day in the database: visits to households (each offline client id made
//! once), patrols and the points they passed, households that need care, coverage and figures,
//! the grid's staff terms, published contacts and WeChat group. `rows` are the diesel rows;
//! `visits`, `patrols`, `coverage` and `grids` each own their reads and writes.

pub mod coverage;
pub mod error;
pub mod grids;
pub mod patrols;
pub mod rows;
pub mod visits;

pub use error::GridWorkError;
