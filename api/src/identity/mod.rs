//! Identity over HTTP: logging in, one's own account, staff accounts, grants, the org tree,
//! residency and the audit log.

use utoipa_actix_web::service_config::ServiceConfig;

use handlers::{audit, auth, grants, me, org, residency, users};

pub mod dto;
pub mod handlers;
pub mod sessions;

/// The feature's routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::wechat_login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(me::bind_phone)
        .service(me::get_me)
        .service(me::change_password)
        .service(me::accept_policy)
        .service(me::delete_me)
        .service(me::set_email)
        .service(org::list_units)
        .service(org::create_unit)
        .service(org::get_unit)
        .service(org::rename_unit)
        // Find my grid is grid work's (a grid's card); registered here, ahead of `/grids/{id}`.
        .service(crate::grid_work::grids::locate_grid)
        .service(org::list_grids)
        .service(org::create_grid)
        .service(org::get_grid)
        .service(org::change_grid)
        .service(org::assign_households)
        .service(org::list_departments)
        .service(org::create_department)
        .service(grants::list_grants)
        .service(grants::create_grant)
        .service(grants::revoke_grant)
        .service(users::create_staff)
        .service(users::get_user)
        .service(users::reveal_phone)
        .service(audit::verify_audit_log)
        .service(audit::list_audit_log)
        .service(residency::apply_residency)
        .service(residency::my_residencies)
        .service(residency::list_residencies)
        .service(residency::get_residency)
        .service(residency::approve_residency)
        .service(residency::reject_residency)
        .service(residency::list_households)
        .service(residency::get_household);
}
