//! Yishi's business rules: values that validate on construction, state machines and permission
//! policies. Nothing here performs I/O; the `infra` and `api` crates call into it.

pub mod calendar;
pub mod cases;
pub mod clock;
pub mod deliberation;
pub mod error;
pub mod geo_cn;
pub mod grid_work;
pub mod identity;
pub mod ids;
pub mod notices;
pub mod notify;
pub mod paging;
pub mod points;
pub mod reports;
pub mod stats;
pub mod text;
pub mod text_enum;
pub mod voting;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::DomainError;
pub use ids::new_id;
