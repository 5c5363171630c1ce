//! The state machine of a matter: raised → triaged into a route → deliberated → resolved →
//! promises kept → evaluated → archived, with the two seeds' triage schemes and the tiers each
//! names. Every move goes through [`transition`]; the exhaustive action × status test is in
//! `tests.rs`.

use crate::{text_enum, DomainError};

text_enum!(
    /// Where a matter stands.
    MatterStatus "status" "unknown matter status" {
        /// Raised; nobody has triaged it yet.
        Raised => "raised",
        /// Triaged to the council or the committees: opinions, meetings.
        Deliberating => "deliberating",
        /// The council handed its suggestion sheet to the committees, who decide (Wuyi big).
        Deciding => "deciding",
        /// Filed as a department case (Pengshui big); waits for that case.
        Referred => "referred",
        /// A private matter (Pengshui): to be closed with guidance and a referral.
        Guiding => "guiding",
        /// Resolved; the commitments are being kept.
        Implementing => "implementing",
        /// Every commitment kept: residents of the scope rate the outcome.
        Evaluating => "evaluating",
        /// Done and filed (一事一档).
        Archived => "archived",
        /// A private matter closed with guidance.
        Closed => "closed",
        /// Declined with a reason.
        Declined => "declined",
        /// Folded into another matter.
        Merged => "merged",
    }
);

impl MatterStatus {
    /// Whether the matter is finished: nothing more happens to it but follow-up visits.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Archived | Self::Closed | Self::Declined | Self::Merged)
    }

    /// How residents read it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Raised => "待分流",
            Self::Deliberating => "议事中",
            Self::Deciding => "待两委决策",
            Self::Referred => "已转部门办理",
            Self::Guiding => "待引导办理",
            Self::Implementing => "落实中",
            Self::Evaluating => "评议中",
            Self::Archived => "已归档",
            Self::Closed => "已引导办结",
            Self::Declined => "不予受理",
            Self::Merged => "已合并",
        }
    }
}

text_enum!(
    /// How a village (or its township) triages matters: the two seeds' schemes.
    Scheme "scheme" "wuyi or pengshui" {
        /// 武义: small / big / major.
        Wuyi => "wuyi",
        /// 彭水: private / small / big.
        Pengshui => "pengshui",
    }
);

impl Scheme {
    /// The tiers this scheme triages into.
    pub fn tiers(self) -> &'static [Tier] {
        match self {
            Self::Wuyi => &[Tier::Small, Tier::Big, Tier::Major],
            Self::Pengshui => &[Tier::Private, Tier::Small, Tier::Big],
        }
    }
}

text_enum!(
    /// The kind of a matter (三事分流); what each means depends on the scheme.
    Tier "tier" "private, small, big or major" {
        Private => "private",
        Small => "small",
        Big => "big",
        Major => "major",
    }
);

text_enum!(
    /// The way a triaged matter goes: one per (scheme, tier).
    Route "route" "unknown route" {
        /// Wuyi small: the deliberation council settles it.
        CouncilSettles => "council_settles",
        /// Wuyi big: the council deliberates and hands a suggestion sheet to the committees.
        CouncilSuggests => "council_suggests",
        /// Wuyi major: opinions solicited from the whole scope for a minimum period first.
        Solicit => "solicit",
        /// Pengshui big: a department-level case through the cases service.
        Department => "department",
        /// Pengshui small: the village committees lead, with community organisations.
        Committees => "committees",
        /// Pengshui private: closed with guidance and a referral.
        Guidance => "guidance",
    }
);

text_enum!(
    /// Who took a decision.
    DecidedBy "decided_by" "council, committees, assembly_vote or department" {
        /// The deliberation council (议事会).
        Council => "council",
        /// The village committees (两委).
        Committees => "committees",
        /// The villagers' (representative) assembly, by vote.
        AssemblyVote => "assembly_vote",
        /// The county department the matter was referred to.
        Department => "department",
    }
);

/// The route of a tier under a scheme; a tier the scheme does not have is refused.
pub fn route(scheme: Scheme, tier: Tier) -> Result<Route, DomainError> {
    match (scheme, tier) {
        (Scheme::Wuyi, Tier::Small) => Ok(Route::CouncilSettles),
        (Scheme::Wuyi, Tier::Big) => Ok(Route::CouncilSuggests),
        (Scheme::Wuyi, Tier::Major) => Ok(Route::Solicit),
        (Scheme::Pengshui, Tier::Big) => Ok(Route::Department),
        (Scheme::Pengshui, Tier::Small) => Ok(Route::Committees),
        (Scheme::Pengshui, Tier::Private) => Ok(Route::Guidance),
        (Scheme::Wuyi, Tier::Private) | (Scheme::Pengshui, Tier::Major) => {
            Err(DomainError::Invalid { field: "tier", reason: "not a tier of the village's scheme" })
        }
    }
}

impl Route {
    /// Where triage puts the matter.
    pub fn entry(self) -> MatterStatus {
        match self {
            Self::CouncilSettles | Self::CouncilSuggests | Self::Solicit | Self::Committees => {
                MatterStatus::Deliberating
            }
            Self::Department => MatterStatus::Referred,
            Self::Guidance => MatterStatus::Guiding,
        }
    }

    /// Who handles a matter on this route, as the triage explains it.
    pub fn handled_by(self) -> &'static str {
        match self {
            Self::CouncilSettles => "村民议事会协商解决",
            Self::CouncilSuggests => "议事会协商后提交民情建议单，由村两委决策",
            Self::Solicit => "在全体村（居）民中广泛征求意见后决策，可交付表决",
            Self::Department => "转县级职能部门作为部门事件办理",
            Self::Committees => "由村两委牵头，社区组织、社会组织协同办理",
            Self::Guidance => "引导群众自行解决或购买服务，并推荐服务机构",
        }
    }

    /// Who may take the decision that resolves a matter on this route.
    pub fn may_decide(self, by: DecidedBy) -> bool {
        match self {
            Self::CouncilSettles => by == DecidedBy::Council,
            Self::CouncilSuggests | Self::Solicit | Self::Committees => {
                matches!(by, DecidedBy::Committees | DecidedBy::AssemblyVote)
            }
            Self::Department => by == DecidedBy::Department,
            Self::Guidance => false,
        }
    }
}

text_enum!(
    /// What may be done to a matter.
    Action "action" "unknown action" {
        Triage => "triage",
        Merge => "merge",
        Decline => "decline",
        /// The council's suggestion sheet to the committees.
        Suggest => "suggest",
        Resolve => "resolve",
        /// Close a private matter with guidance.
        Guide => "guide",
        /// Open the rating window.
        Evaluate => "evaluate",
        Archive => "archive",
    }
);

/// What the rules need to know beyond the status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// The matter's route: the one triage chose (for `Triage`, the one asked for).
    pub route: Option<Route>,
    /// A solicitation of the required length has run and closed.
    pub solicited: bool,
    /// The department case of a referred matter is resolved or closed.
    pub case_done: bool,
    /// Commitments not yet kept.
    pub open_commitments: u32,
    /// The rating window has closed.
    pub rating_over: bool,
}

/// Why a move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not from this status.
    NotNow { action: Action, status: MatterStatus },
    /// Not on this matter's route (a council-settled matter has no suggestion sheet…).
    WrongRoute { action: Action },
    /// A major matter's opinions must be solicited for the minimum period first.
    NotSolicited,
    /// A referred matter waits for its department case.
    CaseOpen,
    /// Commitments are still open.
    CommitmentsOpen,
    /// The rating window is still open.
    RatingOpen,
}

/// The one place a matter moves.
pub fn transition(status: MatterStatus, action: Action, facts: Facts) -> Result<MatterStatus, Refusal> {
    use MatterStatus as S;
    let not_now = Err(Refusal::NotNow { action, status });
    let wrong_route = Err(Refusal::WrongRoute { action });
    match (action, status) {
        (Action::Triage, S::Raised) => facts.route.map(Route::entry).ok_or(Refusal::WrongRoute { action }),
        (Action::Merge, S::Raised | S::Deliberating | S::Guiding) => Ok(S::Merged),
        (Action::Decline, S::Raised) => Ok(S::Declined),
        (Action::Suggest, S::Deliberating) => match facts.route {
            Some(Route::CouncilSuggests) => Ok(S::Deciding),
            _ => wrong_route,
        },
        (Action::Resolve, S::Deliberating) => match facts.route {
            Some(Route::CouncilSettles | Route::Committees) => Ok(S::Implementing),
            Some(Route::Solicit) if facts.solicited => Ok(S::Implementing),
            Some(Route::Solicit) => Err(Refusal::NotSolicited),
            _ => wrong_route,
        },
        (Action::Resolve, S::Deciding) => Ok(S::Implementing),
        (Action::Resolve, S::Referred) if facts.case_done => Ok(S::Implementing),
        (Action::Resolve, S::Referred) => Err(Refusal::CaseOpen),
        (Action::Guide, S::Guiding) => Ok(S::Closed),
        (Action::Evaluate, S::Implementing) if facts.open_commitments == 0 => Ok(S::Evaluating),
        (Action::Evaluate, S::Implementing) => Err(Refusal::CommitmentsOpen),
        (Action::Archive, S::Evaluating) if facts.rating_over => Ok(S::Archived),
        (Action::Archive, S::Evaluating) => Err(Refusal::RatingOpen),
        _ => not_now,
    }
}

/// Whether residents may still support a matter.
pub fn takes_support(status: MatterStatus) -> bool {
    matches!(status, MatterStatus::Raised | MatterStatus::Deliberating)
}

/// Whether opinions are taken: while deliberating or deciding (inside a solicitation's window
/// when one is set, which the caller checks).
pub fn takes_opinions(status: MatterStatus) -> bool {
    matches!(status, MatterStatus::Deliberating | MatterStatus::Deciding)
}

/// Whether a solicitation from `opens` to `closes` satisfies a major matter's rule at `now`: it
/// has closed and ran at least `min_days` days.
pub fn solicitation_done(
    opens: chrono::NaiveDateTime,
    closes: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
    min_days: u32,
) -> bool {
    closes <= now && closes - opens >= chrono::Duration::days(i64::from(min_days))
}

/// Why a matter may not be put to a vote of its scope now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteRefusal {
    /// The matter's route is not one the assembly may decide by vote (a council-settled small
    /// matter, a department case, guidance), or it is not triaged yet.
    NotByVote,
    /// No decision is pending: not deliberating or deciding, or (a major matter) its
    /// solicitation has not run its minimum period.
    NotPending,
}

/// Whether a matter may be put to a vote of its scope now: a decision is pending that the
/// assembly may take by vote — exactly when resolving it with `assembly_vote` would be allowed
/// (so a Wuyi major matter only after its solicitation ran the minimum period).
pub fn may_put_to_vote(status: MatterStatus, facts: Facts) -> Result<(), VoteRefusal> {
    if !facts.route.is_some_and(|r| r.may_decide(DecidedBy::AssemblyVote)) {
        return Err(VoteRefusal::NotByVote);
    }
    transition(status, Action::Resolve, facts).map(|_| ()).map_err(|_| VoteRefusal::NotPending)
}

/// Whether a published vote's outcome may be recorded as the assembly's decision: a vote that
/// passed (adopted), failed (not adopted: the resolution records the rejection) or was counted
/// without a rule (the counts are the choice). A vote without quorum decided nothing.
pub fn vote_decides(outcome: crate::voting::Outcome) -> bool {
    !matches!(outcome, crate::voting::Outcome::NoQuorum)
}
