//! Yishi's infrastructure: persistence through diesel on SQLite or PostgreSQL, the key-value
//! store (in-process or Redis), outbound HTTP and background jobs. Business rules live in
//! `domain`; HTTP lives in `api`.

pub mod cases;
pub mod db;
pub mod deliberation;
pub mod error;
pub mod grid_work;
pub mod http;
pub mod idempotency;
pub mod identity;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod notices;
pub mod notify;
pub mod points;
pub mod reports;
pub(crate) mod schema;
pub mod stats;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod voting;
pub mod wechat;

pub use db::{Backend, Database, DbConn, DbOptions};

pub use error::InfraError;
