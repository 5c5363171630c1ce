//! The identity tables' rows as diesel reads and writes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::identity::roles::Place;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::users)]
pub struct UserRow {
    pub id: String,
    pub kind: String,
    pub username: Option<String>,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub display_name: String,
    pub openid: Option<String>,
    pub unionid: Option<String>,
    pub phone: Option<String>,
    pub is_demo: bool,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub email: Option<String>,
    /// For a staff account: the unit it serves in.
    pub serves_unit_id: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crate::schema::users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub username: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub must_change_password: bool,
    pub display_name: &'a str,
    pub openid: Option<&'a str>,
    pub unionid: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub is_demo: bool,
    pub created_at: NaiveDateTime,
}

impl<'a> NewUser<'a> {
    /// A staff account, logging in with username and password.
    pub fn staff(
        id: &'a str,
        username: &'a str,
        password_hash: &'a str,
        display_name: &'a str,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id,
            kind: "staff",
            username: Some(username),
            password_hash: Some(password_hash),
            must_change_password: true,
            display_name,
            openid: None,
            unionid: None,
            phone: None,
            is_demo: false,
            created_at: now,
        }
    }

    /// A resident, known by their WeChat openid.
    pub fn resident(
        id: &'a str,
        openid: &'a str,
        unionid: Option<&'a str>,
        display_name: &'a str,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id,
            kind: "resident",
            username: None,
            password_hash: None,
            must_change_password: false,
            display_name,
            openid: Some(openid),
            unionid,
            phone: None,
            is_demo: false,
            created_at: now,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::role_grants)]
pub struct GrantRow {
    pub id: String,
    pub user_id: String,
    pub role: String,
    pub scope_kind: String,
    pub scope_id: String,
    pub granted_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::org_units)]
pub struct OrgUnitRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub kind: String,
    pub name: String,
    pub path: String,
    pub created_at: NaiveDateTime,
}

impl OrgUnitRow {
    /// The ids from the root down to this unit.
    pub fn path_ids(&self) -> Vec<String> {
        split_path(&self.path)
    }

    pub fn place(&self) -> Place {
        Place::in_org(self.path_ids())
    }
}

pub fn split_path(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The path text of a unit whose ancestors' path is `parent_path` ("/" for a root).
pub fn child_path(parent_path: Option<&str>, id: &str) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// The path text of the subtree at `org_path` (ids from the root; empty for the whole tree).
pub fn path_text(org_path: &[String]) -> String {
    if org_path.is_empty() {
        "/".to_owned()
    } else {
        format!("/{}/", org_path.join("/"))
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::grids)]
pub struct GridRow {
    pub id: String,
    pub org_unit_id: String,
    pub level: String,
    pub name: String,
    pub boundary: String,
    pub min_lat: f64,
    pub min_lng: f64,
    pub max_lat: f64,
    pub max_lng: f64,
    pub created_at: NaiveDateTime,
    /// The unified code (统一编码), unique; a grid drawn before codes has its id.
    pub code: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

impl GridRow {
    /// The grid's code, its id where it has none.
    pub fn code(&self) -> &str {
        self.code.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crate::schema::grids)]
pub struct NewGrid<'a> {
    pub id: &'a str,
    pub org_unit_id: &'a str,
    pub level: &'a str,
    pub name: &'a str,
    pub boundary: &'a str,
    pub min_lat: f64,
    pub min_lng: f64,
    pub max_lat: f64,
    pub max_lng: f64,
    pub created_at: NaiveDateTime,
    pub code: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::departments)]
pub struct DepartmentRow {
    pub id: String,
    pub org_unit_id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

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

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::households)]
pub struct HouseholdRow {
    pub id: String,
    pub org_unit_id: String,
    pub name: String,
    pub head_user_id: Option<String>,
    pub created_at: NaiveDateTime,
    /// The grid whose workers walk to it (assigned by staff).
    pub grid_id: Option<String>,
}

/// One member of a household, with what staff need to see of them.
#[derive(Debug, Clone, Queryable)]
pub struct MemberRow {
    pub user_id: String,
    pub relation: String,
    pub display_name: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::audit_log)]
pub struct AuditRow {
    pub id: String,
    pub actor_id: Option<String>,
    pub acting_for: Option<String>,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub details: String,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub created_at: NaiveDateTime,
    /// Its place in the chain, once sealed.
    pub seq: Option<i64>,
    pub hash: Option<String>,
}
