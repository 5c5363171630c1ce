//! stats: end-to-end tests.

mod rankings;
