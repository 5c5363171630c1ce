//! stats: end-to-end tests.
