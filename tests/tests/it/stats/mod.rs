//! stats: end-to-end tests.

pub mod figures;
mod rankings;
mod report;
