//! The authenticated principal, as an extractor: a valid access token whose session still
//! lives (the store answers at once; the database when the store has forgotten), the account,
//! and its role grants as stored now. `X-Acting-For` makes a staff member act for a resident
//! in their scope (代办).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use domain::identity::principal::{AccountKind, Principal};
use infra::identity::queries::sessions;

use crate::auth::limits;
use crate::auth::request_state::{self, StoreState};
use crate::auth::session_cache::{self, Cached, CachedPrincipal};
use crate::http::error::{ApiError, ErrorCode};
use crate::state::AppState;

pub const ACTING_FOR: &str = "x-acting-for";

/// A principal that has nothing left to do before using the API.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

/// A principal that may still owe a password change (the routes that let them make it).
#[derive(Debug, Clone)]
pub struct AuthAllowingPasswordChange(pub Principal, pub bool);

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (principal, must_change) = authenticate(&req).await?;
            if must_change {
                return Err(ApiError::new(ErrorCode::PasswordChangeRequired));
            }
            Ok(Auth(principal))
        })
    }
}

impl FromRequest for AuthAllowingPasswordChange {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (principal, must_change) = authenticate(&req).await?;
            Ok(AuthAllowingPasswordChange(principal, must_change))
        })
    }
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| ApiError::internal("application state missing"))
}

/// The bearer token of a request, if it carries one.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn authenticate(req: &HttpRequest) -> Result<(Principal, bool), ApiError> {
    let state = state(req)?;
    let unauthorized = || ApiError::new(ErrorCode::Unauthorized);
    let now = state.clock.now();
    let write = req.method() != Method::GET && req.method() != Method::HEAD;

    // Usually the middleware verified the token and fetched the store's part in the request's
    // one round trip; otherwise (a path it exempts) both happen here.
    let fetched = req.extensions().get::<StoreState>().cloned();
    let found = match fetched {
        Some(found) => found,
        None => {
            let token = bearer(req).ok_or_else(unauthorized)?;
            let claims = state.tokens.verify(token, now).ok_or_else(unauthorized)?;
            request_state::fetch(&state, None, Some(&claims), write)
                .await?
                .ok_or_else(|| ApiError::internal("no store state for a valid token"))?
        }
    };
    let claims = found.claims.clone();
    // The reference data held in memory follows the org tree's version this request read.
    state.cases_reference.saw_org_version(found.org_version.as_deref());
    let acting_for = req.headers().get(ACTING_FOR).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (cached_principal, session_alive_in_store) = match found.cached {
        Cached::Revoked => return Err(unauthorized()),
        Cached::Live(principal) => (principal, true),
        Cached::Unknown => (None, false),
    };
    let (sid, sub) = (claims.sid.clone(), claims.sub.clone());
    let naive_now = now.naive_utc();
    let (cached, resident_places) = match cached_principal {
        Some(cached) => {
            let resident_places = match acting_for.clone() {
                Some(resident) => Some(
                    state
                        .db
                        .run(move |conn| sessions::resident_places(conn, &resident).map_err(ApiError::from))
                        .await?,
                ),
                None => None,
            };
            (cached, resident_places)
        }
        None => {
            let proxied = acting_for.clone();
            let loaded = state
                .db
                .run(move |conn| {
                    sessions::caller(conn, &sid, &sub, session_alive_in_store, proxied.as_deref(), naive_now)
                        .map_err(ApiError::from)
                })
                .await?;
            let sessions::Caller { user, grants, resident_places } = loaded.ok_or_else(unauthorized)?;
            let kind = if user.kind == "staff" { AccountKind::Staff } else { AccountKind::Resident };
            let cached = CachedPrincipal { kind, must_change_password: user.must_change_password, grants };
            // The session lives (the database says so): remember it with who is calling.
            session_cache::remember_principal(
                &state.store,
                &claims.sid,
                &claims.sub,
                &found.stamp,
                cached.clone(),
                state.config.access_token_ttl,
            )
            .await?;
            (cached, resident_places)
        }
    };
    let CachedPrincipal { kind, must_change_password, grants } = cached;
    let mut principal = Principal { user_id: claims.sub, session_id: claims.sid, kind, grants, acting_for: None };

    if let Some(places) = resident_places {
        // A proxy action needs a staff role covering the resident where they live.
        if !principal.may_act_for(&places) {
            return Err(ApiError::new(ErrorCode::NotFound).with_details(serde_json::json!({ "header": ACTING_FOR })));
        }
        principal.acting_for = req.headers().get(ACTING_FOR).and_then(|v| v.to_str().ok()).map(str::to_owned);
    }

    if let (true, Some(count)) = (write, found.writes) {
        limits::check(state.config.limits.writes_per_user, count)?;
    }
    Ok((principal, must_change_password))
}
