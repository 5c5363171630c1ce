//! The points feature's diesel rows.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A version of a unit's rules.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::points_rule_sets)]
pub struct RuleSetRow {
    pub id: String,
    pub org_unit_id: String,
    pub version: i32,
    pub status: String,
    pub note: String,
    /// JSON: `[{"min_members":1,"points":50},…]`.
    pub base_points: String,
    /// JSON: `[100,200,…]`.
    pub star_thresholds: String,
    /// The assembly vote it waits for or passed by.
    pub poll_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub activated_at: Option<NaiveDateTime>,
}

/// One activity type of a rule set.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::points_rules)]
pub struct RuleRow {
    pub id: String,
    pub rule_set_id: String,
    pub code: String,
    pub name: String,
    pub category: String,
    pub points: i32,
    pub cap: Option<i32>,
    pub cap_period: Option<String>,
    pub subject: String,
    pub automatic: Option<String>,
    /// Comma-separated roles.
    pub recorders: String,
    pub claimable: bool,
    pub position: i32,
}

/// A public posting (公示).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::points_postings)]
pub struct PostingRow {
    pub id: String,
    pub org_unit_id: String,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub opened_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub created_by: String,
}

/// A points entry on its way to the ledger.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::points_entries)]
pub struct EntryRow {
    pub id: String,
    /// The village whose rules and ledger it belongs to.
    pub org_unit_id: String,
    pub user_id: String,
    pub rule_id: String,
    pub rule_code: String,
    pub subject: String,
    pub points: i32,
    pub note: String,
    pub occurred_on: NaiveDate,
    pub status: String,
    pub source: String,
    /// What made an automatic entry (a meeting and person, a ballot, a case, an idea, a session
    /// and member): with `source` and `rule_code`, unique.
    pub source_ref: Option<String>,
    pub recorded_by: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub reject_reason: Option<String>,
    pub posting_id: Option<String>,
    pub effective_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An objection to a posted entry or a dividend share.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::points_objections)]
pub struct ObjectionRow {
    pub id: String,
    pub posting_id: String,
    pub entry_id: Option<String>,
    pub household_id: Option<String>,
    pub objector_id: String,
    pub reason: String,
    pub status: String,
    pub answer: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// An account: a person's or household's points in one village, with its cached sums and the
/// head of its chain.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::points_accounts)]
pub struct AccountRow {
    pub id: String,
    pub org_unit_id: String,
    pub holder: String,
    pub holder_id: String,
    pub subject: String,
    pub balance: i64,
    pub earned: i64,
    pub seq: i64,
    pub last_hash: String,
    pub updated_at: NaiveDateTime,
}

/// One row of the ledger.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::points_ledger)]
pub struct LedgerRow {
    pub id: String,
    pub account_id: String,
    pub seq: i64,
    pub org_unit_id: String,
    pub kind: String,
    pub points: i64,
    pub reference: String,
    pub memo: String,
    pub at: NaiveDateTime,
    pub hash: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::points_items)]
pub struct ItemRow {
    pub id: String,
    pub org_unit_id: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub price: i32,
    pub stock: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::points_orders)]
pub struct OrderRow {
    pub id: String,
    pub item_id: String,
    pub org_unit_id: String,
    pub user_id: String,
    pub quantity: i32,
    pub points: i32,
    pub status: String,
    pub handled_by: Option<String>,
    pub handled_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::volunteer_teams)]
pub struct TeamRow {
    pub id: String,
    pub org_unit_id: String,
    pub name: String,
    pub leader_id: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::service_sessions)]
pub struct SessionRow {
    pub id: String,
    pub team_id: String,
    pub org_unit_id: String,
    pub title: String,
    pub served_on: NaiveDate,
    pub status: String,
    pub recorded_by: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub reject_reason: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::points_dividends)]
pub struct DividendRow {
    pub id: String,
    pub org_unit_id: String,
    pub title: String,
    pub total_fen: i64,
    pub cut_off: NaiveDate,
    pub status: String,
    pub posting_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}
