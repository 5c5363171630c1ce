//! What every handler can reach: the application's shared state.

use std::sync::Arc;

use domain::Clock;
use infra::jobs::Jobs;
use infra::store::Store;
use infra::Database;

use crate::config::Config;
use crate::http::pagination::CursorCodec;
use crate::middleware::Metrics;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Database,
    pub store: Store,
    /// Rate limits: counted in the store, in this instance while the store is unreachable.
    pub limiter: crate::auth::limits::Limiter,
    pub clock: Arc<dyn Clock>,
    pub jobs: Jobs,
    pub cursors: CursorCodec,
    pub metrics: Metrics,
    pub known_routes: crate::http::fallback::KnownRoutes,
    pub tokens: crate::auth::tokens::TokenKeys,
    pub wechat: infra::wechat::WeChat,
    pub channels: infra::notify::Channels,
    pub media: infra::media::MediaStore,
    /// The case categories and the working-day calendar as reports read them (forgotten when
    /// an admin here changes them, re-read within a second of a change made elsewhere).
    pub cases_reference: infra::cases::reference::Reference,
}
