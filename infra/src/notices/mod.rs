//! Notices, their objections and the public board in the database.

pub mod board_code;
pub mod notice_error;
pub mod notice_rows;
#[allow(clippy::module_inception, reason = "the feature's notices beside its board and documents")]
pub mod notices;

pub use notice_error::NoticeError;
pub mod board;
pub mod board_rows;
pub mod documents;
pub mod powers;
