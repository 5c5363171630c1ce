//! Accounts as staff see them: creating staff accounts, looking people up with their phone
//! masked, and the audit-logged reveal of a phone number.

use actix_web::{get, post, web, HttpResponse};
use domain::identity::ids::UserId;
use infra::identity::service::users::StaffAccount;
use infra::identity::{queries, service};

use crate::auth::{password, Auth};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::Json;
use crate::http::support::RequestMeta;
use crate::identity::dto::users::{NewStaff, RevealRequest, RevealedPhone, UserView};
use crate::state::AppState;

/// Creates a staff account serving in a unit of the caller's scope (for the roles that may
/// create staff there); it must change its password at first login and holds no role until
/// one is granted. Outside the caller's scope the unit answers 404.
#[utoipa::path(
    tag = "users",
    request_body = NewStaff,
    responses(
        (status = 201, body = UserView),
        (status = 403, description = "No role that creates staff over the unit", body = ErrorBody),
        (status = 404, description = "No such unit in the caller's scope", body = ErrorBody),
        (status = 409, description = "The exact name asked for by an administrator is taken", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/users")]
pub async fn create_staff(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    body: Json<NewStaff>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    principal.may_create_staff()?;
    let asked = body.into_inner().parse()?;
    let hash = password::hash(asked.password.expose().to_owned()).await?;
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let row = state
        .db
        .run(move |conn| {
            let staff = StaffAccount {
                username: &asked.username,
                display_name: &asked.display_name,
                password_hash: &hash,
                org_unit_id: &asked.org_unit_id,
            };
            service::users::create_staff(conn, &principal, &origin, &staff, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(UserView::from(row)))
}

/// A person, phone masked: oneself, or a resident in the caller's scope.
#[utoipa::path(tag = "users", params(("id" = String, Path)), responses((status = 200, body = UserView)))]
#[get("/users/{id}")]
pub async fn get_user(state: web::Data<AppState>, auth: Auth, id: web::Path<UserId>) -> Result<HttpResponse, ApiError> {
    let (principal, id) = (auth.0, id.into_inner());
    let row = state.db.run(move |conn| queries::users::visible(conn, &principal, &id)).await?;
    Ok(HttpResponse::Ok().json(UserView::from(row)))
}

/// Shows a resident's full phone number to the staff who handle residents where they live (grid
/// staff and cadres of the scope; not the civic roles), recording who, why and when.
#[utoipa::path(tag = "users", params(("id" = String, Path)), request_body = RevealRequest, responses((status = 200, body = RevealedPhone)))]
#[post("/users/{id}/reveal-phone")]
pub async fn reveal_phone(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<UserId>,
    body: Json<RevealRequest>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id, reason) = (auth.0, id.into_inner(), body.parse()?);
    let (origin, now) = (meta.origin(), state.clock.now().naive_utc());
    let row =
        state.db.run(move |conn| service::users::reveal_phone(conn, &principal, &origin, &id, &reason, now)).await?;
    Ok(HttpResponse::Ok().json(RevealedPhone { user_id: row.id, phone: row.phone }))
}
