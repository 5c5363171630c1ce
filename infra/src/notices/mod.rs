//! Notices, their objections and the public board in the database.

pub mod board;
pub mod board_rows;
pub mod documents;
pub mod powers;
