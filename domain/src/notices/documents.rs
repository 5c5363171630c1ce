//! A village's versioned public documents: its rules (《村规民约》/《居民公约》), its three lists
//! (村级自治事项, 协助政府事项, 负面清单) and its small-powers list. A new version is a draft; staff
//! publish it at once, or tie it to an assembly poll that puts it in force when it passes and
//! rejects it when it fails or is cancelled. One version of a kind is in force per village;
//! earlier ones stay readable as history.

use crate::text_enum;
use crate::typed_id;
use crate::DomainError;

use super::powers::{self, Power};

typed_id!(
    /// A version of a village's public document.
    DocumentId
);

text_enum!(
    /// What a document is.
    DocumentKind "kind" "village_rules, self_governance_list, assist_government_list, negative_list or small_powers" {
        /// 《村规民约》/《居民公约》.
        VillageRules => "village_rules",
        /// 村级自治事项: what the village decides itself.
        SelfGovernanceList => "self_governance_list",
        /// 协助政府事项: what it does for the government.
        AssistGovernmentList => "assist_government_list",
        /// 负面清单: what it must never do.
        NegativeList => "negative_list",
        /// 小微权力清单: the powers, as items.
        SmallPowers => "small_powers",
    }
);

impl DocumentKind {
    /// The document's Chinese name, as the board shows it.
    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::VillageRules => "村规民约",
            DocumentKind::SelfGovernanceList => "村级自治事项清单",
            DocumentKind::AssistGovernmentList => "协助政府事项清单",
            DocumentKind::NegativeList => "负面清单",
            DocumentKind::SmallPowers => "小微权力清单",
        }
    }
}

text_enum!(
    DocumentStatus "status" "draft, pending_vote, in_force, superseded or rejected" {
        /// Being written; not public.
        Draft => "draft",
        /// Waiting for the assembly poll it is tied to.
        PendingVote => "pending_vote",
        /// The village's version of its kind.
        InForce => "in_force",
        /// Replaced by a later version; still readable.
        Superseded => "superseded",
        /// Its poll failed or was cancelled.
        Rejected => "rejected",
    }
);

impl DocumentStatus {
    /// Whether the public may read a version: the one in force and the ones it replaced.
    pub fn is_public(self) -> bool {
        matches!(self, DocumentStatus::InForce | DocumentStatus::Superseded)
    }
}

text_enum!(
    DocumentAction "action" "publish, submit_to_vote, vote_passed, vote_failed or supersede" {
        /// Staff put it in force at once.
        Publish => "publish",
        /// Tie it to an assembly poll.
        SubmitToVote => "submit_to_vote",
        VotePassed => "vote_passed",
        /// The poll failed or was cancelled.
        VoteFailed => "vote_failed",
        /// A later version came into force.
        Supersede => "supersede",
    }
);

/// A move a document's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentNotNow {
    pub action: DocumentAction,
    pub status: DocumentStatus,
}

/// The one place a document version moves.
pub fn transition(status: DocumentStatus, action: DocumentAction) -> Result<DocumentStatus, DocumentNotNow> {
    use DocumentAction as A;
    use DocumentStatus as S;
    match (action, status) {
        (A::Publish, S::Draft) | (A::VotePassed, S::PendingVote) => Ok(S::InForce),
        (A::SubmitToVote, S::Draft) => Ok(S::PendingVote),
        (A::VoteFailed, S::PendingVote) => Ok(S::Rejected),
        (A::Supersede, S::InForce) => Ok(S::Superseded),
        _ => Err(DocumentNotNow { action, status }),
    }
}

/// A new version as staff write it, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentDraft {
    pub kind: DocumentKind,
    pub title: String,
    pub body: String,
    /// The powers of a `small_powers` document; empty for every other kind.
    pub powers: Vec<Power>,
}

impl DocumentDraft {
    /// A title of 1 to 80 characters, a body of at most 20,000 (required but for the
    /// small-powers list, whose items are its content), powers only and always for small_powers.
    pub fn parse(kind: DocumentKind, title: &str, body: &str, powers: Vec<Power>) -> Result<Self, DomainError> {
        if !powers::fits(title, 1, 80) {
            return Err(DomainError::Invalid { field: "title", reason: "1 to 80 characters" });
        }
        let min_body = usize::from(kind != DocumentKind::SmallPowers);
        if !powers::fits(body, min_body, 20_000) {
            return Err(DomainError::Invalid { field: "body", reason: "1 to 20000 characters" });
        }
        if kind == DocumentKind::SmallPowers {
            powers::check_list(&powers)?;
        } else if !powers.is_empty() {
            return Err(DomainError::Invalid { field: "powers", reason: "only for small_powers" });
        }
        Ok(Self { kind, title: title.trim().to_owned(), body: body.trim().to_owned(), powers: powers::trimmed(powers) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_comes_into_force_by_publication_or_a_vote_that_passed() {
        use DocumentAction as A;
        use DocumentStatus as S;
        assert_eq!(transition(S::Draft, A::Publish), Ok(S::InForce));
        assert_eq!(transition(S::Draft, A::SubmitToVote), Ok(S::PendingVote));
        assert_eq!(transition(S::PendingVote, A::VotePassed), Ok(S::InForce));
        assert_eq!(transition(S::PendingVote, A::VoteFailed), Ok(S::Rejected));
        assert_eq!(transition(S::InForce, A::Supersede), Ok(S::Superseded));
        for status in DocumentStatus::ALL {
            for action in DocumentAction::ALL {
                let allowed = matches!(
                    (action, status),
                    (A::Publish, S::Draft)
                        | (A::SubmitToVote, S::Draft)
                        | (A::VotePassed | A::VoteFailed, S::PendingVote)
                        | (A::Supersede, S::InForce)
                );
                assert_eq!(transition(*status, *action).is_ok(), allowed, "{action:?} on {status:?}");
            }
        }
        assert!(S::InForce.is_public() && S::Superseded.is_public());
        assert!(!S::Draft.is_public() && !S::PendingVote.is_public() && !S::Rejected.is_public());
    }

    #[test]
    fn a_draft_is_checked_by_its_kind() {
        let rules = DocumentDraft::parse(DocumentKind::VillageRules, " 村规民约 ", "第一条", vec![]);
        assert_eq!(rules.map(|d| d.title), Ok("村规民约".to_owned()));
        assert!(DocumentDraft::parse(DocumentKind::VillageRules, "", "x", vec![]).is_err());
        assert!(DocumentDraft::parse(DocumentKind::NegativeList, "负面清单", "", vec![]).is_err());
        assert!(DocumentDraft::parse(DocumentKind::SmallPowers, "小微权力清单", "", vec![]).is_err());
        let power = Power {
            name: "低保申请".to_owned(),
            category: "便民服务".to_owned(),
            exercised_by: "村委会".to_owned(),
            steps: vec!["申请".to_owned()],
            basis: String::new(),
        };
        assert!(DocumentDraft::parse(DocumentKind::SmallPowers, "小微权力清单", "", vec![power.clone()]).is_ok());
        assert!(DocumentDraft::parse(DocumentKind::VillageRules, "村规民约", "x", vec![power]).is_err());
    }
}
