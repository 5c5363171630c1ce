//! The mini-program code (小程序码) of a unit's notice board: fetched from WeChat
//! (`wxacode.getUnlimited`) the first time it is asked for, stored, and served from the store
//! ever after. Concurrent first requests may both ask WeChat, but the unit's key keeps one.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::notice_rows::BoardCodeRow;
use super::NoticeError;
use crate::db::{insert_unique, write_tx, Database, DbConn};
use crate::schema::notice_board_codes::dsl as c;
use crate::wechat::WeChat;

/// The mini-program page the code opens.
pub const BOARD_PAGE: &str = "pages/board/index";

/// The scene WeChat carries to the page: the unit's id without its dashes (32 characters, the
/// most a scene holds).
pub fn scene_of(unit_id: &str) -> String {
    unit_id.replace('-', "")
}

fn stored(conn: &mut DbConn, unit_id: &str) -> Result<Option<BoardCodeRow>, NoticeError> {
    Ok(c::notice_board_codes
        .filter(c::org_unit_id.eq(unit_id))
        .select(BoardCodeRow::as_select())
        .first(conn)
        .optional()?)
}

fn known_unit(conn: &mut DbConn, unit_id: &str) -> Result<Option<BoardCodeRow>, NoticeError> {
    let path = crate::identity::queries::org::unit_path(conn, unit_id)?.ok_or(NoticeError::NotFound)?;
    if path.len() > 3 {
        return Err(NoticeError::NotFound);
    }
    stored(conn, unit_id)
}

/// The unit's code as (content type, bytes): the stored one, or WeChat's, stored first.
/// WeChat's refusal stores nothing.
pub async fn code(
    db: &Database,
    wechat: &WeChat,
    unit_id: &str,
    now: NaiveDateTime,
) -> Result<BoardCodeRow, NoticeError> {
    let unit = unit_id.to_owned();
    if let Some(row) = db.run(move |conn| known_unit(conn, &unit)).await? {
        return Ok(row);
    }
    let scene = scene_of(unit_id);
    let (mime, image) = wechat.unlimited_code(&scene, BOARD_PAGE).await?;
    let row = BoardCodeRow { org_unit_id: unit_id.to_owned(), scene, mime, image, created_at: now };
    db.run(move |conn| {
        write_tx(conn, |conn| {
            insert_unique(conn, |conn| diesel::insert_into(c::notice_board_codes).values(&row).execute(conn))?;
            stored(conn, &row.org_unit_id)?.ok_or(NoticeError::NotFound)
        })
    })
    .await
}
