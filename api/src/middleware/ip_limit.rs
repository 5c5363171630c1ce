//! The store's part of a request, in one round trip (`auth::request_state`): the global ceiling
//! per client address, counted in the store so every instance shares it (loose on purpose: a
//! whole village may share one carrier NAT), and — for a request with a valid access token —
//! its user's write counter, its session entry and the versions of its cached principal, which
//! the `Auth` extractor then uses. Health probes are exempt.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};

use crate::auth::client_ip::client_ip;
use crate::auth::principal::bearer;
use crate::auth::request_state;
use crate::state::AppState;

pub async fn ip_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let exempt = matches!(req.path(), "/healthz" | "/readyz");
    if let (false, Some(state)) = (exempt, req.app_data::<web::Data<AppState>>().cloned()) {
        let ip = client_ip(req.request(), &state.config.trusted_proxies).map(|ip| ip.to_string());
        let claims = bearer(req.request()).and_then(|token| state.tokens.verify(token, state.clock.now()));
        let write = !matches!(*req.method(), Method::GET | Method::HEAD);
        if ip.is_some() || claims.is_some() {
            if let Some(found) = request_state::fetch(&state, ip.as_deref(), claims.as_ref(), write).await? {
                req.extensions_mut().insert(found);
            }
        }
    }
    next.call(req).await
}
