//! notices: end-to-end tests.

mod notices;
