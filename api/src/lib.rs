//! Yishi's HTTP API: the route table, errors, middleware, OpenAPI, and the application the
//! `yishi` binary runs.

pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod cases;
pub mod config;
pub mod contract;
pub mod deliberation;
pub mod demo;
pub mod grid_work;
pub mod http;
pub mod identity;
pub mod media;
pub mod middleware;
pub mod notices;
pub mod notify;
pub mod openapi;
pub mod ops;
pub mod points;
pub mod reports;
pub mod routes;
pub mod state;
pub mod stats;
pub mod telemetry;
pub mod voting;

pub use app::{AppOptions, Application};
pub use config::Config;
pub use state::AppState;
