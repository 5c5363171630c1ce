//! A grid as residents find it: its staff, their terms and published contacts, its WeChat group.

use crate::DbConn;
use diesel::result::Error as DieselError;

/// Whether an upload is a grid's WeChat-group QR image (anyone signed in may fetch it).
pub fn is_group_qr(_conn: &mut DbConn, _media_id: &str) -> Result<bool, DieselError> {
    Ok(false)
}
