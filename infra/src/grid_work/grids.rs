//! A grid as residents find it: its staff, their terms and published contacts, its WeChat group.
//!
//! Grids are identity's table: a grid is read through `crate::identity::queries::org`, its staff
//! through the grants (`queries::grants::grid_holders_named`). This feature owns `grid_staff`
//! (terms and contacts) and `grid_groups`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::grid_work::staff::{self as rules, Contact, Employment, GroupLink};
use domain::identity::principal::Principal;
use domain::identity::roles::{Permission, Place, Role, ScopeKind};

use crate::db::{insert_unique, write_tx, Inserted};
use crate::grid_work::rows::{GridGroupRow, GridStaffRow};
use crate::grid_work::GridWorkError;
use crate::identity::audit::{self, Origin};
use crate::identity::queries;
use crate::identity::rows::GridRow;
use crate::schema::grid_groups::dsl as gg;
use crate::schema::grid_staff::dsl as gs;
use crate::DbConn;

/// Whether an upload is a grid's WeChat-group QR image (anyone signed in may fetch it).
pub fn is_group_qr(conn: &mut DbConn, media_id: &str) -> Result<bool, DieselError> {
    diesel::select(diesel::dsl::exists(gg::grid_groups.filter(gg::qr_media_id.eq(media_id)))).get_result(conn)
}

/// One of a grid's staff: who (by grant), in what role, on what terms, with what contact.
#[derive(Debug, Clone)]
pub struct StaffMember {
    pub user_id: String,
    pub role: Role,
    pub display_name: String,
    pub employment: Option<Employment>,
    /// As stored (unmasked): shown to residents through [`rules::shown_contact`].
    pub contact: Option<String>,
    pub contact_unmasked: bool,
}

impl StaffMember {
    /// The contact as residents see it.
    pub fn shown_contact(&self) -> Option<String> {
        self.contact.as_deref().map(|c| rules::shown_contact(c, self.contact_unmasked))
    }
}

/// A grid's staff and their full- and part-time counts.
#[derive(Debug, Clone)]
pub struct StaffList {
    pub grid: GridRow,
    pub staff: Vec<StaffMember>,
    pub full_time: usize,
    pub part_time: usize,
}

/// A grid as residents find it.
#[derive(Debug, Clone)]
pub struct GridCard {
    pub grid: GridRow,
    pub workers: Vec<StaffMember>,
    pub leaders: Vec<StaffMember>,
    pub group: Option<GridGroupRow>,
}

/// Where a grid sits, for the permission rules.
fn place_of(conn: &mut DbConn, grid: &GridRow) -> Result<Place, GridWorkError> {
    Ok(super::place(conn, &grid.org_unit_id, Some(&grid.id))?)
}

fn grid_and_place(conn: &mut DbConn, grid_id: &str) -> Result<(GridRow, Place), GridWorkError> {
    let grid = queries::org::find_grid(conn, grid_id)?.ok_or(GridWorkError::NotFound)?;
    let place = place_of(conn, &grid)?;
    Ok((grid, place))
}

/// Whether the caller holds one of `roles` granted on this grid itself.
fn holds_on_grid(principal: &Principal, grid_id: &str, roles: &[Role]) -> bool {
    principal.grants.iter().any(|g| g.scope_kind == ScopeKind::Grid && g.scope_id == grid_id && roles.contains(&g.role))
}

/// A grid's staff (the live holders of a staff role on it, each person once: leader before
/// worker before volunteer) with their terms and contacts, in two reads.
fn staff_of(conn: &mut DbConn, grid_id: &str) -> Result<Vec<StaffMember>, GridWorkError> {
    let roles: Vec<&str> = rules::STAFF_ROLES.iter().map(|r| r.as_str()).collect();
    let holders = queries::grants::grid_holders_named(conn, grid_id, &roles)?;
    let terms: Vec<GridStaffRow> =
        gs::grid_staff.filter(gs::grid_id.eq(grid_id)).select(GridStaffRow::as_select()).load(conn)?;
    let rank = |role: Role| match role {
        Role::GridLeader => 0,
        Role::GridWorker => 1,
        _ => 2,
    };
    let mut staff: Vec<StaffMember> = Vec::with_capacity(holders.len());
    for (user_id, role, display_name) in holders {
        let role = Role::parse(&role).map_err(|_| GridWorkError::Corrupt(format!("grant role {role}")))?;
        if let Some(known) = staff.iter_mut().find(|s| s.user_id == user_id) {
            if rank(role) < rank(known.role) {
                known.role = role;
            }
            continue;
        }
        let row = terms.iter().find(|t| t.user_id == user_id);
        let employment = match row.and_then(|t| t.employment.as_deref()) {
            None => None,
            Some(text) => {
                Some(Employment::parse(text).map_err(|_| GridWorkError::Corrupt(format!("employment {text}")))?)
            }
        };
        staff.push(StaffMember {
            user_id,
            role,
            display_name,
            employment,
            contact: row.and_then(|t| t.contact.clone()),
            contact_unmasked: row.is_some_and(|t| t.contact_unmasked),
        });
    }
    Ok(staff)
}

/// The card of a grid already read: its workers and leaders, its group.
fn card_of(conn: &mut DbConn, grid: GridRow) -> Result<GridCard, GridWorkError> {
    let staff = staff_of(conn, &grid.id)?;
    let group: Option<GridGroupRow> = gg::grid_groups
        .filter(gg::grid_id.eq(&grid.id))
        .select(GridGroupRow::as_select())
        .first(conn)
        .optional()?
        .filter(|g| g.link.is_some() || g.qr_media_id.is_some());
    let (leaders, rest): (Vec<_>, Vec<_>) = staff.into_iter().partition(|s| s.role == Role::GridLeader);
    let workers = rest.into_iter().filter(|s| s.role == Role::GridWorker).collect();
    Ok(GridCard { grid, workers, leaders, group })
}

/// The card of the grid a point (GCJ-02) is routed to, or not found.
pub fn card_at(conn: &mut DbConn, lat: f64, lng: f64) -> Result<GridCard, GridWorkError> {
    let grid = queries::org::grid_at(conn, lat, lng)?;
    card_of(conn, grid)
}

/// The card of the grid on whose roster the caller's household is, or not found.
pub fn card_of_member(conn: &mut DbConn, user_id: &str) -> Result<GridCard, GridWorkError> {
    let grid_id = queries::residency::grid_of_member(conn, user_id)?.ok_or(GridWorkError::NotFound)?;
    let grid = queries::org::find_grid(conn, &grid_id)?.ok_or(GridWorkError::NotFound)?;
    card_of(conn, grid)
}

/// A grid's staff with their terms and counts (`ReadGridFigures` over the grid).
pub fn staff_list(conn: &mut DbConn, principal: &Principal, grid_id: &str) -> Result<StaffList, GridWorkError> {
    let (grid, place) = grid_and_place(conn, grid_id)?;
    principal.require(&place, Permission::ReadGridFigures)?;
    let staff = staff_of(conn, &grid.id)?;
    let (full_time, part_time) = rules::count_terms(staff.iter().map(|s| &s.employment));
    Ok(StaffList { grid, staff, full_time, part_time })
}

/// Writes a staff row: updates it when there, else inserts `fresh` (a row inserted meanwhile by
/// another writer is updated instead: the primary key decides).
fn upsert_staff(
    conn: &mut DbConn,
    fresh: &GridStaffRow,
    update: impl Fn(&mut DbConn) -> Result<usize, DieselError>,
) -> Result<(), DieselError> {
    if update(conn)? > 0 {
        return Ok(());
    }
    if insert_unique(conn, |conn| diesel::insert_into(gs::grid_staff).values(fresh).execute(conn))?
        == Inserted::Duplicate
    {
        update(conn)?;
    }
    Ok(())
}

/// Sets a staff member's terms (`ManageCare` over the grid): the user must hold a live staff
/// role on this grid. One transaction with its audit entry.
pub fn set_terms(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    grid_id: &str,
    user_id: &str,
    employment: Employment,
    now: NaiveDateTime,
) -> Result<StaffMember, GridWorkError> {
    write_tx(conn, |conn| {
        let (grid, place) = grid_and_place(conn, grid_id)?;
        principal.require(&place, Permission::ManageCare)?;
        let member = staff_of(conn, &grid.id)?.into_iter().find(|s| s.user_id == user_id).ok_or_else(|| {
            GridWorkError::invalid("user_id", "holds no grid_worker, grid_leader or volunteer role on this grid")
        })?;
        let fresh = GridStaffRow {
            grid_id: grid.id.clone(),
            user_id: user_id.to_owned(),
            employment: Some(employment.as_str().to_owned()),
            contact: None,
            contact_unmasked: false,
            updated_at: now,
        };
        upsert_staff(conn, &fresh, |conn| {
            diesel::update(gs::grid_staff.filter(gs::grid_id.eq(&grid.id)).filter(gs::user_id.eq(user_id)))
                .set((gs::employment.eq(employment.as_str()), gs::updated_at.eq(now)))
                .execute(conn)
        })?;
        let details = serde_json::json!({ "user_id": user_id, "employment": employment.as_str() });
        audit::append(conn, &origin.entry(Some(principal), "grid_staff_terms_set", "grid", &grid.id, details), now)?;
        Ok(StaffMember { employment: Some(employment), ..member })
    })
}

/// Publishes (or withdraws, with `None`) the caller's own contact on a grid where they are a
/// worker or leader (else 404 outside the caller's scope, 403 in it). One transaction with its
/// audit entry (which names no contact).
pub fn set_contact(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    grid_id: &str,
    contact: Option<&Contact>,
    unmasked: bool,
    now: NaiveDateTime,
) -> Result<Option<String>, GridWorkError> {
    write_tx(conn, |conn| {
        let (grid, place) = grid_and_place(conn, grid_id)?;
        if !holds_on_grid(principal, &grid.id, &rules::CARD_ROLES) {
            return Err(if principal.sees(&place) { GridWorkError::Forbidden } else { GridWorkError::NotFound });
        }
        let me = principal.user_id.as_str();
        let text = contact.map(|c| c.as_str().to_owned());
        let fresh = GridStaffRow {
            grid_id: grid.id.clone(),
            user_id: me.to_owned(),
            employment: None,
            contact: text.clone(),
            contact_unmasked: unmasked,
            updated_at: now,
        };
        upsert_staff(conn, &fresh, |conn| {
            diesel::update(gs::grid_staff.filter(gs::grid_id.eq(&grid.id)).filter(gs::user_id.eq(me)))
                .set((gs::contact.eq(&text), gs::contact_unmasked.eq(unmasked), gs::updated_at.eq(now)))
                .execute(conn)
        })?;
        let details = serde_json::json!({ "published": text.is_some(), "unmasked": unmasked });
        audit::append(conn, &origin.entry(Some(principal), "grid_contact_set", "grid", &grid.id, details), now)?;
        Ok(text.map(|t| rules::shown_contact(&t, unmasked)))
    })
}

/// Sets a grid's WeChat group entry (a link, a QR image upload of the caller's own, or neither
/// to withdraw it), by a worker or leader of the grid or an officer over it (`ManageCare`).
/// One transaction with its audit entry.
pub fn set_group(
    conn: &mut DbConn,
    principal: &Principal,
    origin: &Origin,
    grid_id: &str,
    link: Option<&GroupLink>,
    qr_media_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<GridGroupRow, GridWorkError> {
    write_tx(conn, |conn| {
        let (grid, place) = grid_and_place(conn, grid_id)?;
        if !holds_on_grid(principal, &grid.id, &rules::CARD_ROLES) {
            principal.require(&place, Permission::ManageCare)?;
        }
        if let Some(media_id) = qr_media_id {
            let media = crate::media::queries::find(conn, media_id)?;
            let fits = media.is_some_and(|m| {
                m.owner_id == principal.user_id
                    && m.kind == crate::media::processing::MediaKind::Image.as_str()
                    && m.is_free()
            });
            if !fits {
                return Err(GridWorkError::invalid("qr_media_id", "an image you uploaded, attached to nothing"));
            }
        }
        let row = GridGroupRow {
            grid_id: grid.id.clone(),
            link: link.map(|l| l.as_str().to_owned()),
            qr_media_id: qr_media_id.map(str::to_owned),
            updated_by: principal.user_id.clone(),
            updated_at: now,
        };
        let update = |conn: &mut DbConn| {
            diesel::update(gg::grid_groups.filter(gg::grid_id.eq(&grid.id))).set(&row).execute(conn)
        };
        if update(conn)? == 0
            && insert_unique(conn, |conn| diesel::insert_into(gg::grid_groups).values(&row).execute(conn))?
                == Inserted::Duplicate
        {
            update(conn)?;
        }
        let details = serde_json::json!({ "link": row.link.is_some(), "qr": row.qr_media_id.is_some() });
        audit::append(conn, &origin.entry(Some(principal), "grid_group_set", "grid", &grid.id, details), now)?;
        Ok(row)
    })
}
