//! Yishi's business rules: values that validate on construction, state machines and permission
//! policies. Nothing here performs I/O; the `infra` and `api` crates call into it.

pub mod accounts;
pub mod calendar;
pub mod cases;
pub mod clock;
pub mod error;
pub mod geo_cn;
pub mod ids;
pub mod notify;
pub mod org;
pub mod paging;
pub mod principal;
pub mod roles;
pub mod text;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::DomainError;
pub use ids::new_id;
