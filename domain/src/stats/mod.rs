//! Figures and rankings: a unit's monthly figures drawn from every feature, the ranking of
//! villages within a township and of townships within a county with red and black lists, the
//! township's good-governance contest (善治大比拼) and the monthly report's charts and tables.
//! `infra::stats` reads each feature's own queries and `api::stats` serves them.

pub mod contest;
pub mod figures;
pub mod rankings;
