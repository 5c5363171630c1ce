//! notices: end-to-end tests.

mod board;
mod notices;
