//! Yishi's HTTP API: the route table, errors, middleware, OpenAPI, and the application the
//! `yishi` binary runs.

pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod config;
pub mod contract;
pub mod demo;
pub mod error;
pub mod idempotency;
pub mod json;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod query;
pub mod routes;
pub mod telemetry;

pub use app::{AppOptions, AppState, Application};
pub use config::Config;
