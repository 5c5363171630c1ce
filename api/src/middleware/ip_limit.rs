//! The global ceiling per client address, counted in the store so every instance shares it.
//! Loose on purpose: a whole village may share one carrier NAT. Health probes are exempt.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::auth::client_ip::client_ip;
use crate::state::AppState;

pub async fn ip_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let exempt = matches!(req.path(), "/healthz" | "/readyz");
    if let (false, Some(state)) = (exempt, req.app_data::<web::Data<AppState>>().cloned()) {
        if let Some(ip) = client_ip(req.request(), &state.config.trusted_proxies) {
            state.limiter.hit(&format!("rl:ip:{ip}"), state.config.limits.requests_per_ip).await?;
        }
    }
    next.call(req).await
}
