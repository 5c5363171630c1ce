//! The small-powers list (清单亮权) in the database: the items of a `small_powers` document
//! version, stored as JSON beside it.

use domain::notices::powers::Power;

use super::board::BoardError;
use super::board_rows::DocumentRow;

/// The powers of a stored version (empty for other kinds).
pub fn of_document(row: &DocumentRow) -> Result<Vec<Power>, BoardError> {
    serde_json::from_str(&row.powers).map_err(|_| BoardError::Corrupt(format!("board document {}: powers", row.id)))
}

/// A list as stored.
pub fn to_text(powers: &[Power]) -> String {
    serde_json::to_string(powers).unwrap_or_else(|_| "[]".to_owned())
}
