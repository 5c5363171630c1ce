//! Cloud deliberation end to end, a module per part: matters (raise, support, triage, merge,
//! decline, the untriaged flag); `support` holds the fixtures every part shares.

mod commitments;
mod decisions;
mod matters;
mod support;
