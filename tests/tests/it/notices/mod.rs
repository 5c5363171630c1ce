//! notices: end-to-end tests.

mod board;
#[allow(clippy::module_inception, reason = "the notices tests beside the board's")]
mod notices;
