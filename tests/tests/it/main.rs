//! The end-to-end suite as one test binary (linking one binary instead of one per feature):
//! a module per feature, each running the real application on the backend the environment
//! chose (see `yishi_tests::spawn_app`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod announcements;
mod audit;
mod auth;
mod auth_races;
mod bad_input;
mod cases;
mod deliberation;
mod demo;
mod dispatcher_crash;
mod faults;
mod grid_work;
mod http;
mod identity;
mod mail;
mod notices;
mod notifications;
mod open311;
mod points;
mod reports;
mod stats;
mod storage;
mod store;
mod subscribe_messages;
mod voting;
mod voting_contests;
mod wechat;
