//! Uploaded photos and voice notes: what they are (judged by their bytes, never by a file name),
//! photos stripped of their metadata, a file store for the bytes, and the rows that say whose
//! they are and which case they belong to. Served only to their uploader and to whoever may see
//! the case they are attached to (a cases query decides).

pub mod error;
pub mod files;
#[cfg(any(test, feature = "testing"))]
pub mod fixtures;
pub mod processing;
pub mod queries;
pub mod rows;
pub mod service;

pub use error::MediaError;
pub use files::MediaStore;
pub use processing::{check, sanitize_image, sniff, MediaKind, Sniffed};
pub use rows::MediaRow;
