//! Village affairs in public (阳光村务): notices with their posting period and objections, and the
//! board a resident sees after scanning the code at the village gate (五亮: cadres' posts and
//! duties, the small-powers list, the notices, who supervises, the village's results), with the
//! village's own rules and lists as versioned public documents. `infra::notices` stores them and
//! `api::notices` serves them.

pub mod board;
pub mod documents;
#[allow(clippy::module_inception, reason = "the feature's notices beside its board and documents")]
pub mod notices;
pub mod powers;
