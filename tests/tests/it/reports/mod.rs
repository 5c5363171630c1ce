//! reports: end-to-end tests.
