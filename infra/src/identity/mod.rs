//! Identity persistence: accounts, sessions and refresh tokens, the org tree with grids and
//! departments, role grants, residency and households, consents, and the audit log.
//!
//! `rows` are the tables' rows, `queries` the reads and read models, `service` every write (one
//! transaction each, with its audit entry), `error` the feature's one error. `audit` appends
//! entries for every feature.

pub mod audit;
pub mod error;
pub mod queries;
pub mod rows;
pub mod service;

pub use error::IdentityError;

// The paths other features called before the move (issue 9), kept until they call
// `queries`/`service` themselves.

/// Old path: accounts.
pub mod users {
    pub use super::queries::users::{any_with_username, demo_accounts, find, find_by_openid, find_by_username};
    pub use super::rows::{NewUser, UserRow};
    pub use super::service::users::{anonymise, insert, set_email, set_password, set_phone, set_serving_unit};
}

/// Old path: role grants.
pub mod grants {
    pub use super::queries::grants::{
        find, of_user, places_of_person, resolve, resolve_scope, rows_of, scope_path, ROOT_SCOPE,
    };
    pub use super::rows::GrantRow;
    pub use super::service::grants::{insert, revoke};
}

/// Old path: the org tree, grids and departments.
pub mod org {
    pub use super::queries::org::{
        children, departments_of_units, find_department, find_grid, find_unit, first_granted_grid, grid_and_holders,
        grids_boxing, grids_of_units, grids_within, has_children, locate, subtree, unit_path,
    };
    pub use super::rows::{child_path, split_path, DepartmentRow, GridRow, NewGrid, OrgUnitRow};
    pub use super::service::org::{insert_department, insert_grid, insert_unit, rename_unit};
}

/// Old path: residency and households.
pub mod residency {
    pub use super::queries::residency::{
        find, find_household, household_of, households_in, member_places, members, memberships, of_user, page_in,
        units_under,
    };
    pub use super::rows::{HouseholdRow, MemberRow, NewResidency, ResidencyRow};
    pub use super::service::residency::{decide, insert, insert_household, join_household};
}

/// Old path: sessions.
pub mod sessions {
    pub use super::queries::sessions::live_user;
    pub use super::service::sessions::{create, revoke, revoke_all, rotate, Rotation};
}
