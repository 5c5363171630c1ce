//! The problem ledger as CSV: UTF-8 with a BOM, for spreadsheets, every cell kept from running
//! as a formula (`domain::cases::spreadsheet_safe`).

use infra::cases::queries::LedgerLine;

use crate::http::error::ApiError;
use crate::http::support::rfc3339;

const HEADER: [&str; 15] = [
    "编号",
    "类别",
    "问题描述",
    "地址",
    "紧急程度",
    "状态",
    "层级",
    "办理结果",
    "是否超期",
    "上报次数",
    "反映时间",
    "受理时间",
    "办结时间",
    "关闭时间",
    "满意度",
];

/// The ledger's bytes.
pub fn ledger(lines: Vec<LedgerLine>) -> Result<Vec<u8>, ApiError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER).map_err(ApiError::internal)?;
    for LedgerLine { case: v, category_name } in lines {
        let cells = [
            v.id,
            category_name,
            v.description,
            v.address.unwrap_or_default(),
            v.urgency,
            v.status,
            v.level,
            v.outcome.unwrap_or_default(),
            if v.overdue { "是" } else { "否" }.to_owned(),
            v.escalations.to_string(),
            rfc3339(v.reported_at),
            v.first_accepted_at.map(rfc3339).unwrap_or_default(),
            v.resolved_at.map(rfc3339).unwrap_or_default(),
            v.closed_at.map(rfc3339).unwrap_or_default(),
            v.rating.map(|r| r.to_string()).unwrap_or_default(),
        ];
        out.write_record(cells.iter().map(|c| domain::cases::spreadsheet_safe(c))).map_err(ApiError::internal)?;
    }
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(out.into_inner().map_err(ApiError::internal)?);
    Ok(bytes)
}
