//! Dividends' request and response bodies, and the shares as CSV.

use chrono::{NaiveDate, NaiveDateTime};
use domain::points::dividends::{self as rules, DividendStatus};
use domain::points::entries::{Ruling, MAX_POSTING_DAYS};
use domain::points::redemption::text;
use infra::points::dividends::{DividendSummary, DividendView, NewDividend, ShareLine};
use infra::points::rows::{ObjectionRow, PostingRow};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::http::support::rfc3339;

/// Texts of a dividend: titles 1 to 64 characters, reasons and answers 1 to 500.
const TITLE_MAX: usize = 64;
const TEXT_MAX: usize = 500;

fn title_schema() -> Object {
    crate::contract::required_text(TITLE_MAX).examples(["2026年度集体经营收益积分分红"]).build()
}

fn text_schema() -> Object {
    crate::contract::required_text(TEXT_MAX).build()
}

fn status_schema() -> Object {
    let values: Vec<serde_json::Value> = DividendStatus::ALL.iter().map(|s| s.as_str().into()).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

fn ruling_schema() -> Object {
    let values: Vec<serde_json::Value> = Ruling::ALL.iter().map(|s| s.as_str().into()).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

/// A dividend to compute and post.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsDividendBody {
    #[schema(schema_with = title_schema)]
    pub title: String,
    /// The distributable income in fen (分), 1 to 10,000,000,000.
    #[serde(deserialize_with = "crate::contract::integral")]
    #[schema(minimum = 1, maximum = 10_000_000_000_i64)]
    pub total_fen: i64,
    /// Points earned up to the end of this day (Beijing) count; not after today.
    #[schema(value_type = String, format = Date, example = "2026-11-30")]
    pub cut_off: String,
    /// Days of public posting (公示期), 1 to 30.
    #[serde(deserialize_with = "crate::contract::integral")]
    #[schema(minimum = 1, maximum = 30)]
    pub days: i64,
}

impl PointsDividendBody {
    pub fn parse(self, now: NaiveDateTime) -> Result<NewDividend, ApiError> {
        let title = text(&self.title, "title", 1, TITLE_MAX)?;
        let total_fen = rules::check_total(self.total_fen)?;
        let cut_off = NaiveDate::parse_from_str(&self.cut_off, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid_field("cut_off", "a date, YYYY-MM-DD"))?;
        let cut_off = rules::check_cut_off(cut_off, now)?;
        let days = u32::try_from(self.days)
            .ok()
            .filter(|d| (1..=MAX_POSTING_DAYS).contains(d))
            .ok_or_else(|| ApiError::invalid_field("days", "1 to 30"))?;
        Ok(NewDividend { title, total_fen, cut_off, days })
    }
}

/// An objection's reason, or a cancellation's.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsDividendReasonBody {
    #[schema(schema_with = text_schema)]
    pub reason: String,
}

impl PointsDividendReasonBody {
    pub fn parse(self) -> Result<String, ApiError> {
        Ok(text(&self.reason, "reason", 1, TEXT_MAX)?)
    }
}

/// Staff's answer to an objection.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PointsDividendAnswerBody {
    /// uphold (the shares are wrong: cancel and compute anew) or dismiss.
    #[schema(schema_with = ruling_schema)]
    pub ruling: String,
    #[schema(schema_with = text_schema)]
    pub answer: String,
}

impl PointsDividendAnswerBody {
    pub fn parse(self) -> Result<(Ruling, String), ApiError> {
        Ok((Ruling::parse(&self.ruling)?, text(&self.answer, "answer", 1, TEXT_MAX)?))
    }
}

/// One household's share.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsDividendShare {
    pub household_id: String,
    pub household_name: String,
    /// Its earned points up to the cut-off (a household at or below zero shares nothing).
    pub points: i64,
    pub fen: i64,
    /// The same in yuan, exactly: "12.34".
    pub yuan: String,
}

impl From<ShareLine> for PointsDividendShare {
    fn from(s: ShareLine) -> Self {
        Self {
            yuan: rules::yuan(s.fen),
            household_id: s.household_id,
            household_name: s.household_name,
            points: s.points,
            fen: s.fen,
        }
    }
}

/// An objection to a dividend.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsDividendObjection {
    pub id: String,
    pub objector_id: String,
    pub household_id: Option<String>,
    pub reason: String,
    /// pending, upheld or dismissed.
    pub status: String,
    pub answer: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
}

impl From<ObjectionRow> for PointsDividendObjection {
    fn from(o: ObjectionRow) -> Self {
        Self {
            id: o.id,
            objector_id: o.objector_id,
            household_id: o.household_id,
            reason: o.reason,
            status: o.status,
            answer: o.answer,
            decided_at: o.decided_at.map(rfc3339),
            created_at: rfc3339(o.created_at),
        }
    }
}

/// A dividend with its posting; `shares` and `objections` on the single view only.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsDividendView {
    pub id: String,
    pub org_unit_id: String,
    pub title: String,
    pub total_fen: i64,
    pub total_yuan: String,
    pub cut_off: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
    pub posting_id: Option<String>,
    /// When the posting period (公示期) ends.
    pub posting_ends_at: Option<String>,
    pub created_by: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shares: Option<Vec<PointsDividendShare>>,
    /// The sum of the shares: always `total_fen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum_fen: Option<i64>,
    /// Staff see every objection; a resident their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objections: Option<Vec<PointsDividendObjection>>,
}

fn summary(row: infra::points::rows::DividendRow, posting: Option<&PostingRow>) -> PointsDividendView {
    PointsDividendView {
        id: row.id,
        org_unit_id: row.org_unit_id,
        title: row.title,
        total_yuan: rules::yuan(row.total_fen),
        total_fen: row.total_fen,
        cut_off: row.cut_off.format("%Y-%m-%d").to_string(),
        status: row.status,
        posting_id: row.posting_id,
        posting_ends_at: posting.map(|p| rfc3339(p.ends_at)),
        created_by: row.created_by,
        created_at: rfc3339(row.created_at),
        shares: None,
        sum_fen: None,
        objections: None,
    }
}

impl From<DividendView> for PointsDividendView {
    fn from(v: DividendView) -> Self {
        Self {
            shares: Some(v.shares.into_iter().map(PointsDividendShare::from).collect()),
            sum_fen: Some(v.sum_fen),
            objections: Some(v.objections.into_iter().map(PointsDividendObjection::from).collect()),
            ..summary(v.row, v.posting.as_ref())
        }
    }
}

impl From<DividendSummary> for PointsDividendView {
    fn from(v: DividendSummary) -> Self {
        summary(v.row, v.posting.as_ref())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointsDividendPage {
    pub items: Vec<PointsDividendView>,
    pub next_cursor: Option<String>,
}

const CSV_HEADER: [&str; 4] = ["户名", "积分", "分红（元）", "分红（分）"];

/// The shares as CSV: UTF-8 with a BOM, for spreadsheets; names kept from running as formulas.
pub fn shares_csv(view: DividendView) -> Result<Vec<u8>, ApiError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(CSV_HEADER).map_err(ApiError::internal)?;
    for share in view.shares {
        let cells = [
            domain::cases::spreadsheet_safe(&share.household_name),
            share.points.to_string(),
            rules::yuan(share.fen),
            share.fen.to_string(),
        ];
        out.write_record(cells).map_err(ApiError::internal)?;
    }
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(out.into_inner().map_err(ApiError::internal)?);
    Ok(bytes)
}
