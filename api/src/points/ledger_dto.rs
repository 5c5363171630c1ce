//! The ledger's bodies: balances (a person's, a household's), ledger pages, a correction, base
//! points, verify, rankings and stars.

use domain::paging::PageLimit;
use domain::points::ledger::HolderKind;
use domain::points::rules::Subject;
use infra::points::ledger::Verified;
use infra::points::rows::LedgerRow;
use infra::points::standings::{
    BasePosted, HouseholdPoints, MyVillage, Period, PersonPoints, RankingAsk, Standing, Starred,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;
use crate::http::support::rfc3339;

/// A person's points in one village.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsPersonView {
    pub user_id: String,
    pub name: String,
    /// What can be spent.
    pub balance: i64,
    /// What counts for rankings, stars and dividends (everything but spending and refunds).
    pub earned: i64,
}

impl From<PersonPoints> for PointsPersonView {
    fn from(p: PersonPoints) -> Self {
        Self { user_id: p.user_id, name: p.name, balance: p.balance, earned: p.earned }
    }
}

/// A household's points: its base points (its own account) plus every member's account in its
/// village.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsHouseholdView {
    pub household_id: String,
    pub name: String,
    pub village_id: String,
    /// The household account's balance (base points by household size).
    pub base_points: i64,
    /// base_points plus every member's balance.
    pub balance: i64,
    /// The household account's and members' earned points.
    pub earned: i64,
    /// 0 to 5, by the star thresholds in force (星级文明户).
    pub stars: u8,
    pub members: Vec<PointsPersonView>,
}

impl From<HouseholdPoints> for PointsHouseholdView {
    fn from(h: HouseholdPoints) -> Self {
        Self {
            household_id: h.household_id,
            name: h.name,
            village_id: h.village_id,
            base_points: h.base_balance,
            balance: h.balance,
            earned: h.earned,
            stars: h.stars,
            members: h.members.into_iter().map(Into::into).collect(),
        }
    }
}

/// The caller's points in one village.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsMyVillageView {
    pub village_id: String,
    pub village_name: String,
    pub balance: i64,
    pub earned: i64,
    /// The caller's household, in the village it belongs to.
    pub household: Option<PointsHouseholdView>,
}

/// The caller's points per village where they hold an account or live.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsMine {
    pub items: Vec<PointsMyVillageView>,
}

impl From<Vec<MyVillage>> for PointsMine {
    fn from(rows: Vec<MyVillage>) -> Self {
        let items = rows
            .into_iter()
            .map(|v| PointsMyVillageView {
                village_id: v.village_id,
                village_name: v.village_name,
                balance: v.balance,
                earned: v.earned,
                household: v.household.map(Into::into),
            })
            .collect();
        Self { items }
    }
}

/// One row of the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsLedgerRowView {
    pub id: String,
    /// Its place in its account's chain, from 1.
    pub seq: i64,
    /// earn, penalty, base, spend, refund or reversal.
    #[schema(example = "earn")]
    pub kind: String,
    /// Signed: spending, penalties and reversals of earnings below zero.
    pub points: i64,
    /// The entry, order, rule set or reversed row it records.
    pub reference: String,
    pub memo: String,
    pub at: String,
}

impl From<LedgerRow> for PointsLedgerRowView {
    fn from(r: LedgerRow) -> Self {
        Self {
            id: r.id,
            seq: r.seq,
            kind: r.kind,
            points: r.points,
            reference: r.reference,
            memo: r.memo,
            at: rfc3339(r.at),
        }
    }
}

/// A person's balance in a village with a page of their ledger, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsPersonLedger {
    pub village_id: String,
    pub person: PointsPersonView,
    pub items: Vec<PointsLedgerRowView>,
    pub next_cursor: Option<String>,
}

/// `GET /me/points/ledger`: the village and the page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointsMyLedgerQuery {
    /// The village whose ledger to read.
    pub unit: String,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// A correction of a ledger row.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsReverseBody {
    /// Why: 1 to 200 characters once trimmed (the reversal's memo).
    #[schema(example = "重复录入", min_length = 1, max_length = 200)]
    pub reason: String,
}

/// The reversing row and the account's balance after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsReversalView {
    pub reversal: PointsLedgerRowView,
    pub balance: i64,
}

/// What a base-points run did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsBasePostedView {
    /// Households of the village.
    pub households: u64,
    /// Households given a base row (their base points, or the difference a new version makes).
    pub posted: u64,
    /// Households already at their base points under the set in force.
    pub unchanged: u64,
    /// The sum of the rows posted.
    pub points: i64,
}

impl From<BasePosted> for PointsBasePostedView {
    fn from(b: BasePosted) -> Self {
        Self { households: b.households, posted: b.posted, unchanged: b.unchanged, points: b.points }
    }
}

/// An account whose chain does not verify, at its first bad row.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsBreakView {
    pub account_id: String,
    /// user or household.
    pub holder: String,
    pub holder_id: String,
    /// The first row that does not verify; null when the rows verify but the account's cached
    /// balance, sequence or head does not match them.
    pub ledger_id: Option<String>,
    pub seq: i64,
    /// hash (a row edited), sequence (a row deleted or inserted) or balance (the cached account).
    #[schema(example = "hash")]
    pub reason: String,
}

/// What verifying a unit's chains found.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsVerifyView {
    pub accounts: u64,
    pub rows: u64,
    pub breaks: Vec<PointsBreakView>,
}

/// A break's reason as the API and the CLI name it.
pub fn reason_text(reason: domain::points::ledger::BreakReason) -> &'static str {
    use domain::points::ledger::BreakReason as R;
    match reason {
        R::Hash => "hash",
        R::Sequence => "sequence",
        R::Balance => "balance",
    }
}

impl From<Verified> for PointsVerifyView {
    fn from(v: Verified) -> Self {
        let breaks = v
            .breaks
            .into_iter()
            .map(|(account, found)| PointsBreakView {
                ledger_id: (found.reason != domain::points::ledger::BreakReason::Balance).then_some(found.id),
                seq: found.seq,
                reason: reason_text(found.reason).to_owned(),
                account_id: account.id,
                holder: account.holder,
                holder_id: account.holder_id,
            })
            .collect();
        Self { accounts: v.accounts, rows: v.rows, breaks }
    }
}

/// What a ranking ranks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointsRankingQuery {
    /// `all` (the default) or a Beijing month `YYYY-MM`.
    #[param(example = "2026-12")]
    pub period: Option<String>,
    /// `user` (the default) or `household`.
    pub holder: Option<String>,
    /// `resident` (the default) or `cadre` (ranked apart; people only).
    pub subject: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

impl PointsRankingQuery {
    pub fn parse(&self) -> Result<RankingAsk, ApiError> {
        let period = Period::parse(self.period.as_deref().unwrap_or("all"))
            .ok_or_else(|| ApiError::invalid_field("period", "all or YYYY-MM"))?;
        let holder = HolderKind::parse(self.holder.as_deref().unwrap_or("user"))?;
        let subject = Subject::parse(self.subject.as_deref().unwrap_or("resident"))?;
        let limit = PageLimit::parse(self.limit)?.get() as usize;
        Ok(RankingAsk { period, holder, subject, limit })
    }
}

/// One line of a ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsStandingView {
    /// Ties share a rank (1, 2, 2, 4).
    pub rank: u32,
    /// The person's or household's id.
    pub holder_id: String,
    /// Display name or household name (never a phone).
    pub name: String,
    pub points: i64,
}

/// A village's ranking, highest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsRankingView {
    pub items: Vec<PointsStandingView>,
}

impl From<Vec<Standing>> for PointsRankingView {
    fn from(rows: Vec<Standing>) -> Self {
        let items = rows
            .into_iter()
            .map(|s| PointsStandingView { rank: s.rank, holder_id: s.holder_id, name: s.name, points: s.points })
            .collect();
        Self { items }
    }
}

/// A star-rated household (星级文明户).
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsStarredView {
    pub household_id: String,
    pub name: String,
    /// The household's earned points (its account's and its members').
    pub points: i64,
    /// 1 to 5.
    pub stars: u8,
}

/// A village's star-rated households, most stars first, with the thresholds in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsStarsView {
    /// Points for one star, two stars… (empty without rules in force).
    pub thresholds: Vec<i64>,
    pub items: Vec<PointsStarredView>,
}

impl From<(Vec<i64>, Vec<Starred>)> for PointsStarsView {
    fn from((thresholds, rows): (Vec<i64>, Vec<Starred>)) -> Self {
        let items = rows
            .into_iter()
            .map(|s| PointsStarredView { household_id: s.household_id, name: s.name, points: s.points, stars: s.stars })
            .collect();
        Self { thresholds, items }
    }
}
