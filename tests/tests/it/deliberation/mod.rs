//! Cloud deliberation end to end, a module per part: matters (raise, support, triage, merge,
//! decline, the untriaged flag); `support` holds the fixtures every part shares.

mod commitments;
mod content;
mod decisions;
mod dossier;
mod matters;
mod meetings;
mod opinions;
mod support;
mod voting_link;
