//! stats: end-to-end tests.

mod figures;
mod rankings;
mod report;
