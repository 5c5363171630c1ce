//! notices: end-to-end tests.
