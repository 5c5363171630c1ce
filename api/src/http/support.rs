//! What handlers share: the request's metadata for the audit log, and small conversions.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::NaiveDateTime;
use domain::identity::principal::Principal;
use infra::identity::audit;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::client_ip::client_ip;
use crate::http::error::ApiError;
use crate::state::AppState;

/// Where a request came from, for the audit log and rate limits.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl FromRequest for RequestMeta {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trusted =
            req.app_data::<web::Data<AppState>>().map(|s| s.config.trusted_proxies.clone()).unwrap_or_default();
        ready(Ok(Self {
            ip: client_ip(req, &trusted).map(|ip| ip.to_string()),
            request_id: req.extensions().get::<tracing_actix_web::RequestId>().map(|id| id.to_string()),
        }))
    }
}

impl RequestMeta {
    /// Who acts and from where, as the services take it.
    pub fn caller(&self, principal: Principal) -> infra::identity::audit::Caller {
        infra::identity::audit::Caller { principal, origin: self.origin() }
    }

    /// An audit entry by `principal` (recording the resident too when acting by proxy).
    pub fn audit<'a>(
        &'a self,
        principal: Option<&'a Principal>,
        action: &'a str,
        object_kind: &'a str,
        object_id: &'a str,
        details: serde_json::Value,
    ) -> audit::Entry<'a> {
        audit::Entry {
            actor_id: principal.map(|p| p.user_id.as_str()),
            acting_for: principal.and_then(|p| p.acting_for.as_deref()),
            action,
            object_kind,
            object_id,
            details,
            ip: self.ip.as_deref(),
            request_id: self.request_id.as_deref(),
        }
    }
}

impl RequestMeta {
    /// Where the request came from, for the audit entries a service appends.
    pub fn origin(&self) -> audit::Origin {
        audit::Origin { ip: self.ip.clone(), request_id: self.request_id.clone() }
    }
}

/// Times as API.md wants them: RFC 3339 in UTC.
pub fn rfc3339(time: NaiveDateTime) -> String {
    time.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An RFC 3339 time given as `field`, in UTC; anything else is a 422 naming the field.
pub fn parse_rfc3339(value: &str, field: &str) -> Result<NaiveDateTime, ApiError> {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.naive_utc())
        .map_err(|_| ApiError::invalid_field(field, "an RFC 3339 time"))
}

/// `{"ok": true}` for actions that answer nothing else.
#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}
