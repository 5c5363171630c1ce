//! Cloud deliberation (云议事): "民提—民议—民识—民评". A matter is raised in a scope, triaged
//! by the village's scheme (三事分流), deliberated (opinions, meetings), resolved with commitments
//! kept under supervision (有诺必践), evaluated by the residents and archived as one dossier
//! (一事一档). The rules here are pure: the state machine, who sees and takes part, the content
//! check's verdict, the three confirms of a meeting, commitments and their sheets.

pub mod access;
pub mod commitments;
pub mod content;
pub mod ids;
pub mod meetings;
pub mod status;
pub mod values;

pub use content::{Moderation, WeChatVerdict};
pub use ids::{AgreementId, CommitmentId, DocumentId, MatterId, MeetingId, MemberId, OpinionId, SheetId, TriageItemId};
pub use status::{
    may_put_to_vote, route, transition, vote_decides, Action, DecidedBy, Facts, MatterStatus, Refusal, Route, Scheme,
    Tier, VoteRefusal,
};

#[cfg(test)]
mod tests;
