//! reports: end-to-end tests.

mod anonymity;
mod limits;
