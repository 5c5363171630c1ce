//! Accounts as staff see them: creating staff accounts, looking people up with their phone
//! masked, and the audit-logged reveal of a phone number.

use actix_web::{get, post, web, HttpResponse};
use domain::identity::accounts::{mask_phone, NewPassword, Username};
use domain::identity::roles::Permission;
use infra::db::{insert_unique, write_tx, Inserted};
use infra::identity::{audit, org, residency, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{password, Auth};
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::json::Json;
use crate::http::support::{check_id, RequestMeta};
use crate::state::AppState;

/// Another person's account: phone masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub kind: String,
    pub display_name: String,
    pub username: Option<String>,
    /// Masked (`138****1234`); staff in scope may reveal it through an audit-logged action.
    pub phone_masked: Option<String>,
}

impl From<users::UserRow> for UserView {
    fn from(row: users::UserRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            display_name: row.display_name,
            username: row.username,
            phone_masked: row.phone.as_deref().map(mask_phone),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStaff {
    /// The login name asked for. Below the whole tree's administrators the server adds a short
    /// suffix (`zhangsan-k7m2`), so that creating an account never tells whether a name is
    /// taken elsewhere; the answer carries the name to log in with.
    /// 3 to 32 letters, digits, `_`, `-` or `.` (kept in lower case).
    #[schema(schema_with = crate::contract::username)]
    pub username: String,
    #[schema(schema_with = crate::contract::name)]
    pub display_name: String,
    /// A first password, to be changed at first login.
    #[schema(schema_with = crate::contract::new_password)]
    pub password: String,
    /// The unit the account serves in: in the caller's scope. Only staff over it may grant the
    /// account roles.
    pub org_unit_id: String,
}

/// The letters of a username suffix: no 0/o, 1/l/i to misread when it is passed on by voice.
const SUFFIX_LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

fn suffixed(name: &Username) -> Result<Username, ApiError> {
    use rand::Rng;
    let mut rng = rand::rng();
    let suffix: String =
        (0..4).map(|_| char::from(SUFFIX_LETTERS[rng.random_range(0..SUFFIX_LETTERS.len())])).collect();
    Ok(name.with_suffix(&suffix)?)
}

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
    if !principal.holds(Permission::CreateStaff) || principal.acting_for.is_some() {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    let NewStaff { username, display_name, password: first, org_unit_id } = body.into_inner();
    check_id(&org_unit_id)?;
    let asked = Username::parse(&username)?;
    let display_name = domain::identity::org::parse_name(&display_name, "display_name")?;
    let first = NewPassword::parse(&first, asked.as_str()).map_err(|_| {
        ApiError::invalid_field("password", "at least 10 characters, letters mixed with digits or symbols")
    })?;
    let hash = password::hash(first.expose().to_owned()).await?;
    let now = state.clock.now().naive_utc();
    let exact = principal.holds(Permission::Administer);
    let row = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<users::UserRow, ApiError> {
                let unit = org::find_unit(conn, &org_unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                principal.require(&unit.place(), Permission::CreateStaff)?;
                let id = domain::new_id();
                let mut created = None;
                // A suffixed name that happens to be taken is drawn again; an exact one is a 409.
                for _ in 0..8 {
                    let username = if exact { asked.clone() } else { suffixed(&asked)? };
                    let new = users::NewUser::staff(&id, username.as_str(), &hash, &display_name, now);
                    if insert_unique(conn, |conn| users::insert(conn, &new))? == Inserted::New {
                        created = Some(username);
                        break;
                    }
                    if exact {
                        return Err(
                            ApiError::new(ErrorCode::Conflict).with_details(serde_json::json!({ "field": "username" }))
                        );
                    }
                }
                let username = created.ok_or_else(|| ApiError::internal("no free username suffix in 8 draws"))?;
                users::set_serving_unit(conn, &id, &unit.id)?;
                audit::append(
                    conn,
                    &meta.audit(
                        Some(&principal),
                        "staff_account_created",
                        "user",
                        &id,
                        serde_json::json!({ "username": username.as_str(), "org_unit_id": unit.id }),
                    ),
                    now,
                )?;
                users::find(conn, &id)?.ok_or_else(|| ApiError::internal("user vanished"))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(UserView::from(row)))
}

/// A person, phone masked: oneself, or a resident in the caller's scope.
#[utoipa::path(tag = "users", params(("id" = String, Path)), responses((status = 200, body = UserView)))]
#[get("/users/{id}")]
pub async fn get_user(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let row = state
        .db
        .run(move |conn| {
            let row = users::find(conn, &id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            let visible = row.id == principal.user_id
                || residency::member_places(conn, &row.id)?
                    .iter()
                    .any(|p| principal.require_over_residents(p, Permission::ReadHouseholds).is_ok());
            if !visible {
                return Err(ApiError::new(ErrorCode::NotFound));
            }
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserView::from(row)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevealRequest {
    /// Why the number is needed (kept in the audit log).
    #[schema(schema_with = reveal_reason)]
    pub reason: String,
}

/// 2 to 200 characters once trimmed: two non-blank characters at the ends of a run inside at most
/// 200.
fn reveal_reason() -> utoipa::openapi::Object {
    crate::contract::trimmed_text(2, 200).examples(["回访核实情况"]).build()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevealedPhone {
    pub user_id: String,
    pub phone: Option<String>,
}

/// Shows a resident's full phone number to the staff who handle residents where they live (grid
/// staff and cadres of the scope; not the civic roles), recording who, why and when.
#[utoipa::path(tag = "users", params(("id" = String, Path)), request_body = RevealRequest, responses((status = 200, body = RevealedPhone)))]
#[post("/users/{id}/reveal-phone")]
pub async fn reveal_phone(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
    body: Json<RevealRequest>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let reason = body.into_inner().reason.trim().to_owned();
    if reason.chars().count() < 2 || reason.chars().count() > 200 {
        return Err(ApiError::invalid_field("reason", "2 to 200 characters"));
    }
    let now = state.clock.now().naive_utc();
    let revealed = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| -> Result<RevealedPhone, ApiError> {
                let row = users::find(conn, &id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                let places = residency::member_places(conn, &row.id)?;
                let outcomes: Vec<_> =
                    places.iter().map(|p| principal.require_over_residents(p, Permission::ReadHouseholds)).collect();
                if !outcomes.iter().any(Result::is_ok) {
                    let seen = outcomes.contains(&Err(domain::identity::roles::Denial::Forbidden));
                    return Err(ApiError::new(if seen { ErrorCode::Forbidden } else { ErrorCode::NotFound }));
                }
                audit::append(
                    conn,
                    &meta.audit(
                        Some(&principal),
                        "phone_revealed",
                        "user",
                        &row.id,
                        serde_json::json!({ "reason": reason }),
                    ),
                    now,
                )?;
                Ok(RevealedPhone { user_id: row.id, phone: row.phone })
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(revealed))
}
