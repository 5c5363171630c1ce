//! What every feature's handlers share over HTTP: the one error mapping and body, the JSON and
//! query-string extractors, pagination with signed cursors, and `Idempotency-Key`.

pub mod error;
pub mod fallback;
pub mod file;
pub mod idempotency;
pub mod json;
pub mod pagination;
pub mod query;
pub mod support;
