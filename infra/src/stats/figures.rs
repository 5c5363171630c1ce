//! A unit's monthly figures, read through each feature's own queries (never its tables).

use diesel::result::Error as DieselError;
use domain::stats::figures::{Month, MonthlyFigures};

use crate::DbConn;

/// The figures of each unit (its whole subtree) for one month, in the order given.
pub fn for_units(
    _conn: &mut DbConn,
    org_unit_ids: &[String],
    _month: Month,
) -> Result<Vec<MonthlyFigures>, DieselError> {
    // Zeros until the stats part draws these from each feature's queries.
    Ok(org_unit_ids.iter().map(|id| MonthlyFigures { org_unit_id: id.clone(), ..Default::default() }).collect())
}

/// One unit's figures for one month.
pub fn monthly(conn: &mut DbConn, org_unit_id: &str, month: Month) -> Result<MonthlyFigures, DieselError> {
    Ok(for_units(conn, &[org_unit_id.to_owned()], month)?.pop().unwrap_or_default())
}
