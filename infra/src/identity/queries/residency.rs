//! Reading residency applications and households.

use diesel::prelude::*;
use diesel::result::Error as DieselError;

use domain::identity::ids::{HouseholdId, OrgUnitId, ResidencyId};
use domain::identity::principal::Principal;
use domain::identity::residency::{self as rules, ResidencyStatus};
use domain::identity::roles::{Permission, Place};

use crate::db::DbBackend;
use crate::identity::error::IdentityError;
use crate::identity::rows::{split_path, HouseholdRow, MemberRow, ResidencyRow};
use crate::schema::household_members::dsl as hm;
use crate::schema::households::dsl as h;
use crate::schema::org_units::dsl as o;
use crate::schema::residencies::dsl as r;
use crate::DbConn;

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<ResidencyRow>, DieselError> {
    r::residencies.filter(r::id.eq(id)).select(ResidencyRow::as_select()).first(conn).optional()
}

pub fn of_user(conn: &mut DbConn, user_id: &str) -> Result<Vec<ResidencyRow>, DieselError> {
    r::residencies.filter(r::user_id.eq(user_id)).select(ResidencyRow::as_select()).order(r::id.desc()).load(conn)
}

/// Ids of the org units at or below any of `paths`.
pub fn units_under(conn: &mut DbConn, paths: &[String]) -> Result<Vec<String>, DieselError> {
    let mut query = o::org_units.select(o::id).into_boxed::<DbBackend>();
    for path in paths {
        query = query.or_filter(o::path.like(format!("{path}%")));
    }
    query.load(conn)
}

/// Applications in the subtrees of `paths`, newest first, before the cursor id.
pub fn page_in(
    conn: &mut DbConn,
    paths: &[String],
    status: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<ResidencyRow>, DieselError> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let units = units_under(conn, paths)?;
    let mut query = r::residencies
        .filter(r::org_unit_id.eq_any(units))
        .select(ResidencyRow::as_select())
        .order(r::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(r::status.eq(status.to_owned()));
    }
    if let Some(before) = before {
        query = query.filter(r::id.lt(before.to_owned()));
    }
    query.load(conn)
}

pub fn find_household(conn: &mut DbConn, id: &str) -> Result<Option<HouseholdRow>, DieselError> {
    h::households.filter(h::id.eq(id)).select(HouseholdRow::as_select()).first(conn).optional()
}

/// Households in the subtrees of `paths`, newest first.
pub fn households_in(
    conn: &mut DbConn,
    paths: &[String],
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<HouseholdRow>, DieselError> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let units = units_under(conn, paths)?;
    let mut query = h::households
        .filter(h::org_unit_id.eq_any(units))
        .select(HouseholdRow::as_select())
        .order(h::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(h::id.lt(before.to_owned()));
    }
    query.load(conn)
}

pub fn members(conn: &mut DbConn, household_id: &str) -> Result<Vec<MemberRow>, DieselError> {
    use crate::schema::users::dsl as u;
    hm::household_members
        .inner_join(u::users.on(u::id.eq(hm::user_id)))
        .filter(hm::household_id.eq(household_id))
        .select((hm::user_id, hm::relation, u::display_name, u::phone))
        .order(hm::joined_at.asc())
        .load(conn)
}

/// The household a person belongs to, its row, in one statement.
pub fn household_row_of(conn: &mut DbConn, user_id: &str) -> Result<Option<HouseholdRow>, DieselError> {
    hm::household_members
        .inner_join(h::households.on(h::id.eq(hm::household_id)))
        .filter(hm::user_id.eq(user_id))
        .select(HouseholdRow::as_select())
        .first(conn)
        .optional()
}

/// The household a person belongs to.
pub fn household_of(conn: &mut DbConn, user_id: &str) -> Result<Option<String>, DieselError> {
    hm::household_members.filter(hm::user_id.eq(user_id)).select(hm::household_id).first(conn).optional()
}

/// The approved residents of the units at or below `path` (a unit's path text), sorted, once each.
pub fn approved_under(conn: &mut DbConn, path: &str) -> Result<Vec<String>, DieselError> {
    let units = units_under(conn, &[path.to_owned()])?;
    let mut people: Vec<String> = r::residencies
        .filter(r::status.eq("approved"))
        .filter(r::org_unit_id.eq_any(units))
        .select(r::user_id)
        .distinct()
        .load(conn)?;
    people.sort();
    Ok(people)
}

/// The households these people belong to, once each.
pub fn households_of(conn: &mut DbConn, people: &[String]) -> Result<Vec<String>, DieselError> {
    hm::household_members.filter(hm::user_id.eq_any(people)).select(hm::household_id).distinct().load(conn)
}

/// The members of these households.
pub fn members_of_households(conn: &mut DbConn, households: &[String]) -> Result<Vec<String>, DieselError> {
    hm::household_members.filter(hm::household_id.eq_any(households)).select(hm::user_id).load(conn)
}

/// The members of these households as (household id, user id) pairs, in one query.
pub fn members_by_household(conn: &mut DbConn, households: &[String]) -> Result<Vec<(String, String)>, DieselError> {
    hm::household_members
        .filter(hm::household_id.eq_any(households))
        .select((hm::household_id, hm::user_id))
        .order((hm::household_id.asc(), hm::joined_at.asc()))
        .load(conn)
}

/// Approved residencies of a person: the org units they belong to.
pub fn memberships(conn: &mut DbConn, user_id: &str) -> Result<Vec<String>, DieselError> {
    r::residencies.filter(r::user_id.eq(user_id)).filter(r::status.eq("approved")).select(r::org_unit_id).load(conn)
}

/// Where a person lives, for scoping: the places of the units of their approved residencies,
/// read in one query.
pub fn member_places(conn: &mut DbConn, user_id: &str) -> Result<Vec<domain::identity::roles::Place>, DieselError> {
    let paths: Vec<String> = r::residencies
        .inner_join(o::org_units.on(o::id.eq(r::org_unit_id)))
        .filter(r::user_id.eq(user_id))
        .filter(r::status.eq("approved"))
        .select(o::path)
        .load(conn)?;
    Ok(paths.iter().map(|p| domain::identity::roles::Place::in_org(split_path(p))).collect())
}

/// Whether a person lives at or below the unit at `path`: an approved residency there. The one
/// answer every feature gives to "is this a resident of the place".
pub fn lives_in(conn: &mut DbConn, user_id: &str, path: &[String]) -> Result<bool, DieselError> {
    let homes = member_places(conn, user_id)?;
    Ok(homes.iter().any(|home| home.org_path.starts_with(path)))
}

/// A household with its members.
#[derive(Debug, Clone)]
pub struct Household {
    pub row: HouseholdRow,
    pub members: Vec<MemberRow>,
}

fn with_members(conn: &mut DbConn, row: HouseholdRow) -> Result<Household, IdentityError> {
    let members = members(conn, &row.id)?;
    Ok(Household { row, members })
}

/// Where an application's unit sits, or not found.
pub(crate) fn place_of_unit(conn: &mut DbConn, unit_id: &str) -> Result<Place, IdentityError> {
    Ok(Place::in_org(super::org::unit_path(conn, unit_id)?.ok_or(IdentityError::NotFound)?))
}

/// An application, as its applicant or staff reading households over its unit see it.
pub fn application(conn: &mut DbConn, principal: &Principal, id: &ResidencyId) -> Result<ResidencyRow, IdentityError> {
    let row = find(conn, id.as_str())?.ok_or(IdentityError::NotFound)?;
    let place = place_of_unit(conn, &row.org_unit_id)?;
    rules::may_read_application(principal, &row.user_id, &place)?;
    Ok(row)
}

/// Applications in the caller's scope (or in one unit's subtree of it), newest first, before the
/// cursor id.
pub fn applications_in_scope(
    conn: &mut DbConn,
    principal: &Principal,
    status: Option<ResidencyStatus>,
    unit: Option<&OrgUnitId>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<ResidencyRow>, IdentityError> {
    let paths = match unit {
        Some(id) => {
            let unit = super::org::unit(conn, id)?;
            principal.require_over_residents(&unit.place(), Permission::ReadHouseholds)?;
            vec![unit.path]
        }
        None => rules::readable_subtrees(principal).iter().map(|p| crate::identity::rows::path_text(p)).collect(),
    };
    Ok(page_in(conn, &paths, status.map(ResidencyStatus::as_str), before, limit)?)
}

/// Households of a unit's subtree with their members, newest first, for staff over the unit.
pub fn households_of_unit(
    conn: &mut DbConn,
    principal: &Principal,
    unit: &OrgUnitId,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Household>, IdentityError> {
    let unit = super::org::unit(conn, unit)?;
    principal.require_over_residents(&unit.place(), Permission::ReadHouseholds)?;
    let rows = households_in(conn, &[unit.path], before, limit)?;
    rows.into_iter().map(|h| with_members(conn, h)).collect()
}

/// A household, as its members and staff over its unit see it.
pub fn household(conn: &mut DbConn, principal: &Principal, id: &HouseholdId) -> Result<Household, IdentityError> {
    let row = find_household(conn, id.as_str())?.ok_or(IdentityError::NotFound)?;
    let is_member = household_of(conn, principal.subject())?.as_deref() == Some(row.id.as_str());
    if !is_member {
        let place = place_of_unit(conn, &row.org_unit_id)?;
        rules::may_read_household(principal, false, &place)?;
    }
    with_members(conn, row)
}

/// One's own applications, newest first.
pub fn applications_of(conn: &mut DbConn, user_id: &str) -> Result<Vec<ResidencyRow>, IdentityError> {
    Ok(of_user(conn, user_id)?)
}

/// Approved residents of `units` whose account is not deleted, after `after` in id order, at most
/// `batch`: (user id, reachable on WeChat, has a mail address).
pub fn reachable_residents(
    conn: &mut DbConn,
    units: &[String],
    after: Option<&str>,
    batch: i64,
) -> Result<Vec<(String, bool, bool)>, DieselError> {
    use crate::schema::users::dsl as u;
    let mut query = r::residencies
        .inner_join(u::users.on(u::id.eq(r::user_id)))
        .filter(r::status.eq("approved"))
        .filter(r::org_unit_id.eq_any(units.to_vec()))
        .filter(u::deleted_at.is_null())
        .select((r::user_id, u::openid.is_not_null(), u::email.is_not_null()))
        .distinct()
        .order(r::user_id.asc())
        .limit(batch)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(r::user_id.gt(after.to_owned()));
    }
    query.load(conn)
}

/// The grid on whose roster the household of `user_id` is (`households.grid_id`), if any:
/// [`household_of`] and its grid in one read.
pub fn grid_of_member(conn: &mut DbConn, user_id: &str) -> Result<Option<String>, DieselError> {
    use crate::schema::households::dsl as h;
    let found: Option<Option<String>> = hm::household_members
        .inner_join(h::households.on(h::id.eq(hm::household_id)))
        .filter(hm::user_id.eq(user_id))
        .select(h::grid_id)
        .first(conn)
        .optional()?;
    Ok(found.flatten())
}

/// Households' names, by id (a visit list names the households it shows).
pub fn household_names(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, DieselError> {
    let rows: Vec<(String, String)> =
        h::households.filter(h::id.eq_any(ids.to_vec())).select((h::id, h::name)).load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Whether a person is a member of a household.
pub fn is_member(conn: &mut DbConn, household_id: &str, user_id: &str) -> Result<bool, DieselError> {
    let found: Option<String> = hm::household_members
        .filter(hm::household_id.eq(household_id))
        .filter(hm::user_id.eq(user_id))
        .select(hm::user_id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// The households on a grid's roster (`households.grid_id`): (id, name), in id order.
pub fn households_on_grid(conn: &mut DbConn, grid_id: &str) -> Result<Vec<(String, String)>, DieselError> {
    h::households.filter(h::grid_id.eq(grid_id)).select((h::id, h::name)).order(h::id.asc()).load(conn)
}

/// How many households each of `grid_ids` has on its roster, in one grouped query (a grid with
/// none is absent).
pub fn household_counts_by_grid(conn: &mut DbConn, grid_ids: &[String]) -> Result<Vec<(String, i64)>, DieselError> {
    let rows: Vec<(Option<String>, i64)> = h::households
        .filter(h::grid_id.eq_any(grid_ids.to_vec()))
        .group_by(h::grid_id)
        .select((h::grid_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(grid, n)| grid.map(|g| (g, n))).collect())
}

/// (unit, user) of every approved residency in `units`.
pub fn residents_in(conn: &mut DbConn, units: &[String]) -> Result<Vec<(String, String)>, DieselError> {
    r::residencies
        .filter(r::org_unit_id.eq_any(units.to_vec()))
        .filter(r::status.eq(ResidencyStatus::Approved.as_str()))
        .select((r::org_unit_id, r::user_id))
        .load(conn)
}
