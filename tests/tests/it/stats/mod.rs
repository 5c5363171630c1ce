//! stats: end-to-end tests.

mod figures;
mod report;
