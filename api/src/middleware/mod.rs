//! The middleware every route runs through, outermost first: request id and tracing, metrics,
//! compression, the error shape, ETags, and the request timeout.

pub mod error_shape;
mod etag;
mod ip_limit;
mod metrics;
mod request_id;
mod timeout;

pub use error_shape::error_shape;
pub use etag::etag;
pub use ip_limit::ip_limit;
pub use metrics::{track as track_metrics, Metrics};
pub use request_id::{request_id_header, REQUEST_ID_HEADER};
pub use timeout::timeout;
