//! Residency applications and households.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::db::DbBackend;
use crate::schema::household_members::dsl as hm;
use crate::schema::households::dsl as h;
use crate::schema::org_units::dsl as o;
use crate::schema::residencies::dsl as r;
use crate::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::residencies)]
pub struct ResidencyRow {
    pub id: String,
    pub user_id: String,
    pub org_unit_id: String,
    pub household_id: Option<String>,
    pub new_household_name: Option<String>,
    pub relation: String,
    pub proxied_by: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crate::schema::residencies)]
pub struct NewResidency<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub org_unit_id: &'a str,
    pub household_id: Option<&'a str>,
    pub new_household_name: Option<&'a str>,
    pub relation: &'a str,
    pub proxied_by: Option<&'a str>,
    pub status: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewResidency<'_>) -> Result<usize, DieselError> {
    diesel::insert_into(r::residencies).values(new).execute(conn)
}

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

/// Moves a pending application to `status`; false when it was no longer pending (a concurrent
/// decision won).
pub fn decide(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    reason: Option<&str>,
    by: &str,
    now: NaiveDateTime,
) -> Result<bool, DieselError> {
    let changed = diesel::update(r::residencies.filter(r::id.eq(id)).filter(r::status.eq("pending")))
        .set((r::status.eq(status), r::reason.eq(reason), r::decided_by.eq(by), r::decided_at.eq(now)))
        .execute(conn)?;
    Ok(changed == 1)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::households)]
pub struct HouseholdRow {
    pub id: String,
    pub org_unit_id: String,
    pub name: String,
    pub head_user_id: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn find_household(conn: &mut DbConn, id: &str) -> Result<Option<HouseholdRow>, DieselError> {
    h::households.filter(h::id.eq(id)).select(HouseholdRow::as_select()).first(conn).optional()
}

pub fn insert_household(
    conn: &mut DbConn,
    id: &str,
    org_unit_id: &str,
    name: &str,
    head: Option<&str>,
    now: NaiveDateTime,
) -> Result<usize, DieselError> {
    diesel::insert_into(h::households)
        .values((
            h::id.eq(id),
            h::org_unit_id.eq(org_unit_id),
            h::name.eq(name),
            h::head_user_id.eq(head),
            h::created_at.eq(now),
        ))
        .execute(conn)
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

/// Puts a person in a household, leaving any household they were in.
pub fn join_household(
    conn: &mut DbConn,
    user_id: &str,
    household_id: &str,
    relation: &str,
    now: NaiveDateTime,
) -> Result<(), DieselError> {
    diesel::delete(hm::household_members.filter(hm::user_id.eq(user_id))).execute(conn)?;
    diesel::insert_into(hm::household_members)
        .values((
            hm::user_id.eq(user_id),
            hm::household_id.eq(household_id),
            hm::relation.eq(relation),
            hm::joined_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// One member of a household, with what staff need to see of them.
#[derive(Debug, Clone, Queryable)]
pub struct MemberRow {
    pub user_id: String,
    pub relation: String,
    pub display_name: String,
    pub phone: Option<String>,
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

/// The household a person belongs to.
pub fn household_of(conn: &mut DbConn, user_id: &str) -> Result<Option<String>, DieselError> {
    hm::household_members.filter(hm::user_id.eq(user_id)).select(hm::household_id).first(conn).optional()
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
    Ok(paths.iter().map(|p| domain::identity::roles::Place::in_org(crate::identity::org::split_path(p))).collect())
}
