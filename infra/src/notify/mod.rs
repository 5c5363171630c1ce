//! Notices: the outbox every feature queues to, the dispatcher that delivers it to the in-app
//! inbox, WeChat and mail, users' preferences and WeChat grants, and announcements with their
//! fan-out.
//!
//! Producers call [`service::enqueue`] inside the transaction of the change they tell of; the
//! jobs are [`dispatch::dispatch`], [`dispatch::send_digests`] and [`fanout::fan_out`].

pub mod dispatch;
pub mod error;
pub mod fanout;
pub mod queries;
pub mod rows;
pub mod service;

pub use dispatch::{dispatch, send_digests, Channels, WeChatTemplate};
pub use error::NotifyError;
pub use rows::Recipient;
pub use service::{enqueue, enqueue_many, enqueue_to, purge};
