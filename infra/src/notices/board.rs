//! The public board (五亮) in the database: cadres' posts kept by staff with `PostNotices`, the
//! supervisory committee's contact, and the board as the public reads it without logging in —
//! posts with masked phones, the small-powers list and documents in force, the notices, the
//! village's supervisors and its figures.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::cases::SatisfiedFrom;
use domain::identity::principal::Principal;
use domain::identity::roles::{Denial, Permission, Place, Role};
use domain::notices::board::{public_phone, CadrePostDraft, CadrePostId, SupervisionDraft, MAX_POSTS};
use domain::notices::powers::Power;
use domain::stats::figures::{Month, MonthlyFigures};
use serde_json::json;

use super::board_rows::{CadrePostRow, DocumentRow, SupervisionRow};
use crate::identity::audit;
use crate::identity::audit::Caller;
use crate::identity::rows::OrgUnitRow;
use crate::schema::board_cadre_posts::dsl as cp;
use crate::schema::board_supervision::dsl as sv;
use crate::schema::users::dsl as u;
use crate::{DbConn, InfraError};

/// The board's one error (posts, the committee, documents). `api` maps it to HTTP.
#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    /// No such village, post or document, or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// Visible, but not the caller's to do.
    #[error("forbidden")]
    Forbidden,
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The same thing a second time (a post, a version waiting for a vote).
    #[error("duplicate")]
    Duplicate,
    /// A version asked to do what its status does not allow.
    #[error("cannot {action} when {status}")]
    NotNow { action: &'static str, status: &'static str },
    /// A stored value that does not parse (a server error).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(diesel::result::Error),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

crate::feature_error!(BoardError);

/// The notices' answers as the board's (the board reads public notices).
impl From<super::NoticeError> for BoardError {
    fn from(error: super::NoticeError) -> Self {
        use super::NoticeError as N;
        match error {
            N::NotFound => BoardError::NotFound,
            N::Forbidden => BoardError::Forbidden,
            N::Invalid { field, reason } => BoardError::Invalid { field, reason },
            N::Db(e) => BoardError::Db(e),
            N::Infra(e) => BoardError::Infra(e),
            other => BoardError::Corrupt(format!("reading the notices: {other}")),
        }
    }
}

impl From<domain::notices::documents::DocumentNotNow> for BoardError {
    fn from(refusal: domain::notices::documents::DocumentNotNow) -> Self {
        BoardError::NotNow { action: refusal.action.as_str(), status: refusal.status.as_str() }
    }
}

/// What voting answers when a poll's publication decides a document and that fails.
impl From<BoardError> for crate::voting::VotingError {
    fn from(error: BoardError) -> Self {
        match error {
            BoardError::Db(e) => Self::Db(e),
            BoardError::Infra(e) => Self::Infra(e),
            other => Self::Corrupt(format!("board document decided by a vote: {other}")),
        }
    }
}

/// A village and where it sits (404 for an unknown unit or one that is not a village).
pub fn village(conn: &mut DbConn, unit_id: &str) -> Result<(OrgUnitRow, Place), BoardError> {
    let unit = crate::identity::queries::org::find_unit(conn, unit_id)?.ok_or(BoardError::NotFound)?;
    if unit.kind != "village" {
        return Err(BoardError::NotFound);
    }
    let path = crate::identity::queries::org::unit_path(conn, unit_id)?.ok_or(BoardError::NotFound)?;
    Ok((unit, Place::in_org(path)))
}

/// A village whose board the caller keeps (`PostNotices`; 404 outside every scope, 403 without
/// the permission, as for a resident of the village). A unit that is not a village is refused as invalid to those who see it.
pub fn kept_village(conn: &mut DbConn, principal: &Principal, unit_id: &str) -> Result<Place, BoardError> {
    let unit = crate::identity::queries::org::find_unit(conn, unit_id)?.ok_or(BoardError::NotFound)?;
    let path = crate::identity::queries::org::unit_path(conn, unit_id)?.ok_or(BoardError::NotFound)?;
    let place = Place::in_org(path);
    match principal.require(&place, Permission::PostNotices) {
        Ok(()) => {}
        // A resident of the village sees its board: refused, not hidden.
        Err(Denial::NotFound)
            if crate::identity::queries::residency::lives_in(conn, principal.subject(), &place.org_path)? =>
        {
            return Err(BoardError::Forbidden)
        }
        Err(denial) => return Err(denial.into()),
    }
    if unit.kind != "village" {
        return Err(BoardError::invalid("org_unit_id", "a village"));
    }
    Ok(place)
}

pub(crate) fn record(
    caller: &Caller,
    conn: &mut DbConn,
    action: &str,
    kind: &str,
    id: &str,
    details: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), BoardError> {
    let entry = caller.origin.entry(Some(&caller.principal), action, kind, id, details);
    audit::append(conn, &entry, now)?;
    Ok(())
}

/// Whether a person holds a role in the village: a live grant at or below it, or a staff account
/// serving there.
fn serves_in(conn: &mut DbConn, person_id: &str, village: &Place) -> Result<bool, BoardError> {
    let grants = crate::identity::queries::grants::of_user(conn, person_id)?;
    if grants.iter().any(|g| g.org_path.starts_with(&village.org_path)) {
        return Ok(true);
    }
    let serves: Option<Option<String>> = u::users
        .filter(u::id.eq(person_id))
        .filter(u::deleted_at.is_null())
        .select(u::serves_unit_id)
        .first(conn)
        .optional()?;
    let Some(unit) = serves.flatten() else { return Ok(false) };
    let path = crate::identity::queries::org::unit_path(conn, &unit)?.unwrap_or_default();
    Ok(path.starts_with(&village.org_path))
}

/// Puts a cadre's post on a village's board (`PostNotices`), in the caller's write transaction.
/// The person must hold a role in the village; the same person and post twice is a duplicate.
pub fn create_post_in_tx(
    conn: &mut DbConn,
    caller: &Caller,
    unit_id: &str,
    draft: &CadrePostDraft,
    now: NaiveDateTime,
) -> Result<CadrePostRow, BoardError> {
    let place = kept_village(conn, &caller.principal, unit_id)?;
    if !serves_in(conn, &draft.person_id, &place)? {
        return Err(BoardError::invalid("person_id", "a person holding a role in the village"));
    }
    let count: i64 = cp::board_cadre_posts.filter(cp::org_unit_id.eq(unit_id)).count().get_result(conn)?;
    if count >= MAX_POSTS as i64 {
        return Err(BoardError::invalid("org_unit_id", "at most 50 posts per village"));
    }
    let row = insert_post(conn, unit_id, &caller.principal.user_id, draft, now)?;
    record(caller, conn, "board.post.create", "board_cadre_post", &row.id, json!({ "title": row.title }), now)?;
    Ok(row)
}

/// Stores a post (no permission check: callers check; the demo seeds with it). The same person
/// and post twice is a duplicate.
pub fn insert_post(
    conn: &mut DbConn,
    unit_id: &str,
    created_by: &str,
    draft: &CadrePostDraft,
    now: NaiveDateTime,
) -> Result<CadrePostRow, BoardError> {
    let row = CadrePostRow {
        id: CadrePostId::generate().into_string(),
        org_unit_id: unit_id.to_owned(),
        person_id: draft.person_id.clone(),
        title: draft.title.clone(),
        duties: draft.duties.clone(),
        phone: draft.phone.clone(),
        position: draft.position,
        created_by: created_by.to_owned(),
        created_at: now,
    };
    let inserted =
        crate::db::insert_unique(conn, |conn| diesel::insert_into(cp::board_cadre_posts).values(&row).execute(conn))?;
    if inserted == crate::db::Inserted::Duplicate {
        return Err(BoardError::Duplicate);
    }
    Ok(row)
}

/// Stores a village's committee contact (the demo's seed; no permission check).
pub fn seed_supervision(
    conn: &mut DbConn,
    unit_id: &str,
    by: &str,
    draft: &SupervisionDraft,
    now: NaiveDateTime,
) -> Result<(), BoardError> {
    let row = SupervisionRow {
        org_unit_id: unit_id.to_owned(),
        committee: draft.committee.clone(),
        phone: draft.phone.clone(),
        address: draft.address.clone(),
        updated_by: by.to_owned(),
        updated_at: now,
    };
    diesel::insert_into(sv::board_supervision).values(&row).execute(conn)?;
    Ok(())
}

/// Takes a post off the board (`PostNotices` over its village).
pub fn delete_post(conn: &mut DbConn, caller: &Caller, id: &str, now: NaiveDateTime) -> Result<(), BoardError> {
    crate::db::write_tx(conn, |conn| {
        let row: CadrePostRow = cp::board_cadre_posts
            .filter(cp::id.eq(id))
            .select(CadrePostRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(BoardError::NotFound)?;
        kept_village(conn, &caller.principal, &row.org_unit_id)?;
        diesel::delete(cp::board_cadre_posts.filter(cp::id.eq(id))).execute(conn)?;
        record(caller, conn, "board.post.delete", "board_cadre_post", id, json!({ "title": row.title }), now)
    })
}

/// Sets the supervisory committee's contact of a village (`PostNotices`).
pub fn set_supervision(
    conn: &mut DbConn,
    caller: &Caller,
    unit_id: &str,
    draft: &SupervisionDraft,
    now: NaiveDateTime,
) -> Result<SupervisionRow, BoardError> {
    crate::db::write_tx(conn, |conn| {
        kept_village(conn, &caller.principal, unit_id)?;
        let row = SupervisionRow {
            org_unit_id: unit_id.to_owned(),
            committee: draft.committee.clone(),
            phone: draft.phone.clone(),
            address: draft.address.clone(),
            updated_by: caller.principal.user_id.clone(),
            updated_at: now,
        };
        let inserted = crate::db::insert_unique(conn, |conn| {
            diesel::insert_into(sv::board_supervision).values(&row).execute(conn)
        })?;
        if inserted == crate::db::Inserted::Duplicate {
            diesel::update(sv::board_supervision.filter(sv::org_unit_id.eq(unit_id))).set(&row).execute(conn)?;
        }
        record(caller, conn, "board.supervision.set", "org_unit", unit_id, json!({ "committee": row.committee }), now)?;
        Ok(row)
    })
}

/// A post as the public sees it: the person's name and the phone masked.
#[derive(Debug, Clone)]
pub struct PublicPost {
    pub id: String,
    pub name: String,
    pub title: String,
    pub duties: String,
    pub phone_masked: Option<String>,
}

/// A supervisor as the public sees them.
#[derive(Debug, Clone)]
pub struct PublicSupervisor {
    pub name: String,
    pub phone_masked: Option<String>,
}

/// A notice on the board (公开亮项).
#[derive(Debug, Clone)]
pub struct PublicNotice {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub posted_at: NaiveDateTime,
    pub posted_to: NaiveDateTime,
    /// Its attachments as (upload id, type), oldest first.
    pub attachments: Vec<(String, String)>,
}

/// Everything the board shows of a village.
#[derive(Debug, Clone)]
pub struct Board {
    pub village: OrgUnitRow,
    pub posts: Vec<PublicPost>,
    /// The small-powers list in force, with its items.
    pub powers: Option<(DocumentRow, Vec<Power>)>,
    /// Every document in force, by kind.
    pub documents: Vec<DocumentRow>,
    pub notices: Vec<PublicNotice>,
    pub supervisors: Vec<PublicSupervisor>,
    pub committee: Option<SupervisionRow>,
    pub month: Month,
    pub figures: MonthlyFigures,
}

/// How many of the newest notices the board shows (the full list is a link away).
const BOARD_NOTICES: i64 = 20;

/// The village's public notices for the board, newest first: published, not withdrawn.
pub fn notices_for(conn: &mut DbConn, unit_id: &str, now: NaiveDateTime) -> Result<Vec<PublicNotice>, BoardError> {
    let seen = super::notices::list(conn, None, unit_id, None, BOARD_NOTICES, now)?;
    let ids: Vec<String> = seen.iter().flat_map(|v| v.attachments.iter().cloned()).collect();
    let types: HashMap<String, String> =
        crate::media::queries::of_ids(conn, &ids)?.into_iter().map(|m| (m.id, m.mime)).collect();
    Ok(seen
        .into_iter()
        .filter(|v| v.row.withdrawn_at.is_none())
        .map(|v| PublicNotice {
            attachments: v.attachments.iter().filter_map(|a| Some((a.clone(), types.get(a)?.clone()))).collect(),
            id: v.row.id,
            kind: v.row.kind,
            title: v.row.title,
            body: v.row.body,
            posted_at: v.row.posted_from,
            posted_to: v.row.posted_to,
        })
        .collect())
}

/// The village's figures of `month` for the board (清廉亮效), as the stats feature counts them.
pub fn figures_for(
    conn: &mut DbConn,
    unit_id: &str,
    month: Month,
    satisfied_from: SatisfiedFrom,
) -> Result<MonthlyFigures, BoardError> {
    Ok(crate::stats::figures::monthly(conn, unit_id, month, satisfied_from)?)
}

/// The board of a village, for anyone (no login): 404 for an unknown unit or one not a village.
/// `month` is the month whose figures it shows, cases counted satisfied from `satisfied_from`.
pub fn public_board(
    conn: &mut DbConn,
    unit_id: &str,
    month: Month,
    satisfied_from: SatisfiedFrom,
    now: NaiveDateTime,
) -> Result<Board, BoardError> {
    let (village, _) = village(conn, unit_id)?;
    let posts: Vec<(CadrePostRow, String, Option<String>)> = cp::board_cadre_posts
        .inner_join(u::users.on(u::id.eq(cp::person_id)))
        .filter(cp::org_unit_id.eq(unit_id))
        .filter(u::deleted_at.is_null())
        .order((cp::position.asc(), cp::id.asc()))
        .select((CadrePostRow::as_select(), u::display_name, u::phone))
        .load(conn)?;
    let posts = posts
        .into_iter()
        .map(|(post, name, own_phone)| PublicPost {
            id: post.id,
            name,
            title: post.title,
            duties: post.duties,
            phone_masked: public_phone(post.phone.as_deref().or(own_phone.as_deref())),
        })
        .collect();
    let documents = super::documents::in_force(conn, unit_id)?;
    let powers = match documents.iter().find(|d| d.kind == "small_powers") {
        Some(doc) => Some((doc.clone(), super::powers::of_document(doc)?)),
        None => None,
    };
    let units: Vec<String> =
        crate::identity::queries::org::subtree(conn, &village.path)?.into_iter().map(|u| u.id).collect();
    let holders =
        crate::identity::queries::grants::holders(conn, "org_unit", &units, &[Role::Supervisor.as_str().to_owned()])?;
    let supervisors: Vec<(String, Option<String>)> = u::users
        .filter(u::id.eq_any(&holders))
        .filter(u::deleted_at.is_null())
        .order(u::id.asc())
        .select((u::display_name, u::phone))
        .load(conn)?;
    let committee = sv::board_supervision
        .filter(sv::org_unit_id.eq(unit_id))
        .select(SupervisionRow::as_select())
        .first(conn)
        .optional()?;
    Ok(Board {
        notices: notices_for(conn, unit_id, now)?,
        figures: figures_for(conn, unit_id, month, satisfied_from)?,
        village,
        posts,
        powers,
        documents,
        supervisors: supervisors
            .into_iter()
            .map(|(name, phone)| PublicSupervisor { name, phone_masked: public_phone(phone.as_deref()) })
            .collect(),
        committee,
        month,
    })
}
