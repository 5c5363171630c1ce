//! Residency: a resident applies to join a village, group or building with their household;
//! staff whose scope covers it decide. Approved residents are the unit's members (and, later,
//! its electorates).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::identity::accounts::mask_phone;
use domain::identity::org::OrgKind;
use domain::identity::roles::{Permission, Place};
use domain::notify;
use domain::paging::PageLimit;
use infra::db::{insert_unique, Inserted};
use infra::identity::{audit, org, residency as store};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::pagination::Page;
use crate::http::query::Query;
use crate::http::support::{check_id, rfc3339, RequestMeta};
use crate::routes::me::require_consent;
use crate::state::AppState;

/// Who reads applications and households, and who decides them.
const RELATIONS: &[&str] = &["head", "spouse", "child", "parent", "grandchild", "sibling", "other"];

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidencyView {
    pub id: String,
    pub user_id: String,
    pub org_unit_id: String,
    pub household_id: Option<String>,
    pub new_household_name: Option<String>,
    #[schema(example = "head")]
    pub relation: String,
    /// The staff member who applied for the resident (代办), if any.
    pub proxied_by: Option<String>,
    /// `pending`, `approved`, `rejected` or `withdrawn`.
    #[schema(example = "pending")]
    pub status: String,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
}

impl From<store::ResidencyRow> for ResidencyView {
    fn from(r: store::ResidencyRow) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            org_unit_id: r.org_unit_id,
            household_id: r.household_id,
            new_household_name: r.new_household_name,
            relation: r.relation,
            proxied_by: r.proxied_by,
            status: r.status,
            reason: r.reason,
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(rfc3339),
            created_at: rfc3339(r.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidencyPage {
    pub items: Vec<ResidencyView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ResidencyApplication {
    /// A village, group or building.
    pub org_unit_id: String,
    /// Join this household (of the same unit)…
    pub household_id: Option<String>,
    /// …or found a new one with this name, as its head.
    pub new_household_name: Option<String>,
    /// One's place in the household: head, spouse, child, parent, grandchild, sibling, other.
    pub relation: Option<String>,
}

/// Applies to join a unit (the caller, or the resident a staff member acts for). Send an
/// `Idempotency-Key`: a retry returns the first answer.
#[utoipa::path(
    tag = "residency",
    request_body = ResidencyApplication,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = "^[A-Za-z0-9_-]{8,128}$", description = "Makes retries safe: 8 to 128 letters, digits, - and _ (a UUID fits)")),
    responses(
        (status = 201, body = ResidencyView),
        (status = 409, description = "An application is already pending", body = ErrorBody),
        (status = 422, description = "Invalid, or the key was used for another request", body = ErrorBody),
    )
)]
#[post("/me/residency")]
pub async fn apply_residency(
    state: web::Data<AppState>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let application: ResidencyApplication = crate::http::json::parse_bytes(&req, &body)?;
    check_id(&application.org_unit_id)?;
    let new_name = application
        .new_household_name
        .as_deref()
        .map(|n| domain::identity::org::parse_name(n, "new_household_name"))
        .transpose()?;
    let relation = match (&application.household_id, &new_name) {
        (Some(_), None) => application.relation.clone().unwrap_or_else(|| "other".into()),
        (None, Some(_)) => "head".into(),
        _ => return Err(ApiError::invalid_field("household_id", "give either household_id or new_household_name")),
    };
    if !RELATIONS.contains(&relation.as_str()) {
        return Err(ApiError::invalid_field("relation", "head, spouse, child, parent, grandchild, sibling or other"));
    }
    let key = idempotency::key_from(&req, principal.subject(), &body)?;
    let st = state.clone();
    let now = state.clock.now().naive_utc();
    idempotency::create_once(&state, key, actix_web::http::StatusCode::CREATED, move |conn| {
        let subject = principal.subject().to_owned();
        require_consent(conn, &st, &subject)?;
        let unit = org::find_unit(conn, &application.org_unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
        if !OrgKind::parse(&unit.kind).is_ok_and(OrgKind::takes_residents) {
            return Err(ApiError::invalid_field("org_unit_id", "apply to a village, group or building"));
        }
        if let Some(household) = &application.household_id {
            let found = store::find_household(conn, household)?;
            if found.is_none_or(|h| h.org_unit_id != unit.id) {
                return Err(ApiError::invalid_field("household_id", "no such household in this unit"));
            }
        }
        let id = domain::new_id();
        let new = store::NewResidency {
            id: &id,
            user_id: &subject,
            org_unit_id: &unit.id,
            household_id: application.household_id.as_deref(),
            new_household_name: new_name.as_deref(),
            relation: &relation,
            proxied_by: principal.proxy(),
            status: "pending",
            created_at: now,
        };
        if insert_unique(conn, |conn| store::insert(conn, &new))? == Inserted::Duplicate {
            return Err(ApiError::new(ErrorCode::Conflict)
                .with_details(serde_json::json!({ "reason": "an application is already pending" })));
        }
        if principal.acting_for.is_some() {
            audit::append(
                conn,
                &audit::Entry {
                    actor_id: Some(&principal.user_id),
                    acting_for: Some(&subject),
                    action: "residency_applied_by_proxy",
                    object_kind: "residency",
                    object_id: &id,
                    details: serde_json::json!({}),
                    ..Default::default()
                },
                now,
            )?;
        }
        store::find(conn, &id)?.map(ResidencyView::from).ok_or_else(|| ApiError::internal("application vanished"))
    })
    .await
}

/// One's own applications, newest first.
#[utoipa::path(tag = "residency", responses((status = 200, body = ResidencyPage)))]
#[get("/me/residency")]
pub async fn my_residencies(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    let user_id = auth.0.subject().to_owned();
    let rows = state.db.run(move |conn| store::of_user(conn, &user_id).map_err(ApiError::from)).await?;
    Ok(HttpResponse::Ok()
        .json(ResidencyPage { items: rows.into_iter().map(ResidencyView::from).collect(), next_cursor: None }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ResidencyQuery {
    /// `pending`, `approved`, `rejected` or `withdrawn`.
    #[param(schema_with = residency_status)]
    pub status: Option<String>,
    /// Only this unit's subtree (it must be in the caller's scope).
    pub org_unit_id: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The org paths (as stored text) under which the caller reads.
fn readable_paths(principal: &domain::identity::principal::Principal) -> Vec<String> {
    principal
        .grants
        .iter()
        .filter(|g| {
            Permission::ReadHouseholds.allows(g.role) && g.scope_kind != domain::identity::roles::ScopeKind::Department
        })
        .map(|g| if g.org_path.is_empty() { "/".to_owned() } else { format!("/{}/", g.org_path.join("/")) })
        .collect()
}

/// Applications in the caller's scope, newest first.
#[utoipa::path(tag = "residency", params(ResidencyQuery), responses((status = 200, body = ResidencyPage)))]
#[get("/residencies")]
pub async fn list_residencies(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<ResidencyQuery>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let ResidencyQuery { status, org_unit_id, limit, cursor } = query.into_inner();
    if let Some(status) = &status {
        if !RESIDENCY_STATUSES.contains(&status.as_str()) {
            return Err(ApiError::invalid_field("status", "pending, approved, rejected or withdrawn"));
        }
    }
    let limit = PageLimit::parse(limit)?;
    let before: Option<String> = cursor.map(|c| state.cursors.decode("residencies", &c)).transpose()?;
    let rows = state
        .db
        .run(move |conn| {
            let paths = match &org_unit_id {
                Some(id) => {
                    check_id(id)?;
                    let unit = org::find_unit(conn, id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                    principal.require_over_residents(&unit.place(), Permission::ReadHouseholds)?;
                    vec![unit.path]
                }
                None => readable_paths(&principal),
            };
            Ok::<_, ApiError>(store::page_in(conn, &paths, status.as_deref(), before.as_deref(), limit.probe())?)
        })
        .await?;
    let views = rows.into_iter().map(ResidencyView::from).collect();
    let page = Page::from_probe(views, limit, &state.cursors, "residencies", |v: &ResidencyView| v.id.clone())?;
    Ok(HttpResponse::Ok().json(ResidencyPage { items: page.items, next_cursor: page.next_cursor }))
}

fn load_in_scope(
    conn: &mut infra::DbConn,
    principal: &domain::identity::principal::Principal,
    id: &str,
    permission: Permission,
) -> Result<store::ResidencyRow, ApiError> {
    let row = store::find(conn, id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let path = org::unit_path(conn, &row.org_unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let own = row.user_id == principal.user_id;
    if !own || permission == Permission::DecideResidency {
        principal.require_over_residents(&Place::in_org(path), permission)?;
    }
    Ok(row)
}

#[utoipa::path(tag = "residency", params(("id" = String, Path)), responses((status = 200, body = ResidencyView)))]
#[get("/residencies/{id}")]
pub async fn get_residency(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let row = state.db.run(move |conn| load_in_scope(conn, &principal, &id, Permission::ReadHouseholds)).await?;
    Ok(HttpResponse::Ok().json(ResidencyView::from(row)))
}

fn rejection_reason() -> utoipa::openapi::Object {
    crate::contract::required_text(500).examples(["户籍信息与申请不符"]).build()
}

const RESIDENCY_STATUSES: [&str; 4] = ["pending", "approved", "rejected", "withdrawn"];

fn residency_status() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(RESIDENCY_STATUSES))
        .build()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Decision {
    /// Why the application is rejected (told to the applicant): up to 500 characters.
    #[schema(schema_with = rejection_reason, required = true)]
    #[serde(default)]
    pub reason: String,
}

async fn decide(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: String,
    approve: bool,
    reason: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    check_id(&id)?;
    let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if !approve && reason.as_ref().is_none_or(|r| r.chars().count() > 500) {
        return Err(ApiError::invalid_field("reason", "a reason (up to 500 characters) is required to reject"));
    }
    let now = state.clock.now().naive_utc();
    let row = state
        .db
        .run(move |conn| {
            infra::db::write_tx(conn, |conn| -> Result<store::ResidencyRow, ApiError> {
                let row = load_in_scope(conn, &principal, &id, Permission::DecideResidency)?;
                let status = if approve { "approved" } else { "rejected" };
                if !store::decide(conn, &id, status, reason.as_deref(), &principal.user_id, now)? {
                    return Err(
                        ApiError::new(ErrorCode::Conflict).with_details(serde_json::json!({ "status": row.status }))
                    );
                }
                if approve {
                    let household = match (&row.household_id, &row.new_household_name) {
                        (Some(h), _) => h.clone(),
                        (None, name) => {
                            let h = domain::new_id();
                            store::insert_household(
                                conn,
                                &h,
                                &row.org_unit_id,
                                name.as_deref().unwrap_or("新户"),
                                Some(&row.user_id),
                                now,
                            )?;
                            h
                        }
                    };
                    store::join_household(conn, &row.user_id, &household, &row.relation, now)?;
                }
                // Tell the applicant, in this same transaction: no decision goes unannounced.
                let unit_name = org::find_unit(conn, &row.org_unit_id)?.map(|u| u.name).unwrap_or_default();
                let kind = if approve { notify::RESIDENCY_APPROVED } else { notify::RESIDENCY_REJECTED };
                infra::notify::enqueue(
                    conn,
                    kind,
                    &row.user_id,
                    &serde_json::json!({ "unit": unit_name, "reason": reason, "residency_id": id }),
                    now,
                )?;
                let action = if approve { "residency_approved" } else { "residency_rejected" };
                audit::append(
                    conn,
                    &meta.audit(
                        Some(&principal),
                        action,
                        "residency",
                        &id,
                        serde_json::json!({ "reason": reason, "user_id": row.user_id }),
                    ),
                    now,
                )?;
                store::find(conn, &id)?.ok_or_else(|| ApiError::internal("application vanished"))
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ResidencyView::from(row)))
}

/// Approves a pending application (`village_cadre` and above over the unit): the resident
/// joins the unit and the household (a new one is founded with them as head).
#[utoipa::path(tag = "residency", params(("id" = String, Path)), responses((status = 200, body = ResidencyView), (status = 409, body = ErrorBody)))]
#[post("/residencies/{id}/approve")]
pub async fn approve_residency(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    decide(state, auth, meta, id.into_inner(), true, None).await
}

/// Rejects a pending application with a reason.
#[utoipa::path(tag = "residency", params(("id" = String, Path)), request_body = Decision, responses((status = 200, body = ResidencyView), (status = 409, body = ErrorBody)))]
#[post("/residencies/{id}/reject")]
pub async fn reject_residency(
    state: web::Data<AppState>,
    auth: Auth,
    meta: RequestMeta,
    id: web::Path<String>,
    body: Json<Decision>,
) -> Result<HttpResponse, ApiError> {
    decide(state, auth, meta, id.into_inner(), false, Some(body.into_inner().reason)).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: String,
    pub relation: String,
    pub display_name: String,
    pub phone_masked: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: String,
    pub org_unit_id: String,
    pub name: String,
    pub head_user_id: Option<String>,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdPage {
    pub items: Vec<HouseholdView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HouseholdQuery {
    pub org_unit_id: String,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn household_view(conn: &mut infra::DbConn, h: store::HouseholdRow) -> Result<HouseholdView, ApiError> {
    let members = store::members(conn, &h.id)?
        .into_iter()
        .map(|m| MemberView {
            user_id: m.user_id,
            relation: m.relation,
            display_name: m.display_name,
            phone_masked: m.phone.as_deref().map(mask_phone),
        })
        .collect();
    Ok(HouseholdView { id: h.id, org_unit_id: h.org_unit_id, name: h.name, head_user_id: h.head_user_id, members })
}

/// Households of a unit's subtree, with members (phones masked).
#[utoipa::path(tag = "residency", params(HouseholdQuery), responses((status = 200, body = HouseholdPage)))]
#[get("/households")]
pub async fn list_households(
    state: web::Data<AppState>,
    auth: Auth,
    query: Query<HouseholdQuery>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let HouseholdQuery { org_unit_id, limit, cursor } = query.into_inner();
    check_id(&org_unit_id)?;
    let limit = PageLimit::parse(limit)?;
    let before: Option<String> = cursor.map(|c| state.cursors.decode("households", &c)).transpose()?;
    let views = state
        .db
        .run(move |conn| {
            let unit = org::find_unit(conn, &org_unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            principal.require_over_residents(&unit.place(), Permission::ReadHouseholds)?;
            let rows = store::households_in(conn, &[unit.path], before.as_deref(), limit.probe())?;
            rows.into_iter().map(|h| household_view(conn, h)).collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let page = Page::from_probe(views, limit, &state.cursors, "households", |v: &HouseholdView| v.id.clone())?;
    Ok(HttpResponse::Ok().json(HouseholdPage { items: page.items, next_cursor: page.next_cursor }))
}

/// A household: its members may read it, and staff over its unit.
#[utoipa::path(tag = "residency", params(("id" = String, Path)), responses((status = 200, body = HouseholdView)))]
#[get("/households/{id}")]
pub async fn get_household(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.0;
    let id = id.into_inner();
    check_id(&id)?;
    let view = state
        .db
        .run(move |conn| {
            let h = store::find_household(conn, &id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
            let member = store::household_of(conn, principal.subject())?.as_deref() == Some(h.id.as_str());
            if !member {
                let path = org::unit_path(conn, &h.org_unit_id)?.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                principal.require_over_residents(&Place::in_org(path), Permission::ReadHouseholds)?;
            }
            household_view(conn, h)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
