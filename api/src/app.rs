//! Building and running the application: shared state, the middleware stack, the public
//! listener and the internal metrics listener, background jobs, and graceful shutdown.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpResponse, HttpServer};
use domain::{Clock, SystemClock};
use infra::jobs::{JobContext, Jobs};
use infra::store::Store;
use infra::{Database, DbOptions, InfraError};
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::http::error;
use crate::http::pagination::CursorCodec;
use crate::middleware::{self as mw, Metrics};
pub use crate::state::AppState;
use crate::{openapi, routes};

/// Knobs the binary leaves at their defaults and tests turn.
pub struct AppOptions {
    pub clock: Arc<dyn Clock>,
    /// Start the periodic job loops (tests run jobs by hand instead).
    pub run_jobs: bool,
    /// HTTP worker threads; `None` for one per core.
    pub workers: Option<usize>,
    /// Extra routes mounted beside the route table (test probes).
    pub extra_routes: Option<fn(&mut web::ServiceConfig)>,
    /// A store shared with another instance in the same process (tests of several instances);
    /// `None` opens the configured one.
    pub store: Option<Store>,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self { clock: Arc::new(SystemClock), run_jobs: true, workers: None, extra_routes: None, store: None }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Infra(#[from] InfraError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("demo accounts exist: production refuses to start until they are removed")]
    DemoAccounts,
    #[error("metrics registry: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// A built, listening application.
pub struct Application {
    server: Server,
    metrics_server: Option<Server>,
    port: u16,
    metrics_port: Option<u16>,
    state: web::Data<AppState>,
    shutdown: tokio::sync::watch::Sender<bool>,
    job_tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Opens the database configured and applies pending migrations (the `migrate` command, and
/// the start of a development server).
/// The shipped working-day calendar years are added with the migrations.
pub async fn migrate(db: &Database) -> Result<Vec<String>, InfraError> {
    db.run(|conn| {
        let applied = infra::db::run_pending(conn)?;
        infra::cases::calendar::seed(conn)?;
        infra::db::stats::after_migrations(conn, &applied)?;
        Ok(applied)
    })
    .await
}

pub fn open_database(config: &Config) -> Result<Database, InfraError> {
    let options = DbOptions { max_connections: config.db_pool_size, ..DbOptions::default() };
    Database::open(&config.database_url, options)
}

fn jobs(ctx: JobContext, config: &Config, channels: infra::notify::Channels) -> Jobs {
    let digest_channels = channels.clone();
    let days = |d: std::time::Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(30));
    let idempotency = days(config.idempotency_retention);
    let (delivered, read) = (days(config.outbox_retention), days(config.read_notice_retention));
    let policy = config.cases.policy.clone();
    let triage_days = config.deliberation.triage_days;
    let reminder_hours = config.deliberation.meeting_reminder_hours;
    let poll_lead = chrono::Duration::hours(i64::from(config.deliberation.poll_reminder_hours));
    let fanout_lease = chrono::Duration::from_std(config.fanout_lease).unwrap_or(chrono::Duration::seconds(20));
    Jobs::builder(ctx)
        .job("purge_idempotency_keys", Duration::from_secs(3600), move |ctx| async move {
            let before = ctx.now() - idempotency;
            ctx.db.run(move |conn| infra::idempotency::purge_before(conn, before).map_err(InfraError::from)).await
        })
        .every_instance("dispatch_outbox", config.dispatch_interval, move |ctx| {
            let channels = channels.clone();
            dispatch_all(ctx, channels)
        })
        .every_instance("fan_out_announcements", config.dispatch_interval, move |ctx| async move {
            infra::notify::fanout::fan_out(&ctx.db, &ctx.instance, ctx.now(), fanout_lease, 1000).await
        })
        .job("sweep_case_deadlines", config.cases.sweep_interval, move |ctx| {
            let policy = policy.clone();
            async move { infra::cases::flow::sweep(&ctx.db, ctx.now(), policy).await }
        })
        .job("flag_untriaged_matters", config.deliberation.sweep_interval, move |ctx| async move {
            let now = ctx.now();
            ctx.db
                .run(move |conn| {
                    infra::deliberation::service::flag_untriaged(conn, triage_days, now).map_err(InfraError::from)
                })
                .await
        })
        .job("remind_meetings", config.deliberation.sweep_interval, move |ctx| async move {
            let now = ctx.now();
            ctx.db
                .run(move |conn| {
                    infra::deliberation::meetings::remind(conn, reminder_hours, now).map_err(InfraError::from)
                })
                .await
        })
        .job("sweep_courtyard_ledger", config.deliberation.sweep_interval, move |ctx| async move {
            let now = ctx.now();
            ctx.db.run(move |conn| infra::deliberation::ledger::sweep(conn, now).map_err(InfraError::from)).await
        })
        .job("sweep_commitments", config.deliberation.sweep_interval, move |ctx| async move {
            let now = ctx.now();
            ctx.db.run(move |conn| infra::deliberation::commitments::sweep(conn, now).map_err(InfraError::from)).await
        })
        .job("archive_matters", config.deliberation.sweep_interval, move |ctx| async move {
            let now = ctx.now();
            ctx.db
                .run(move |conn| infra::deliberation::evaluation::archive_due(conn, now).map_err(InfraError::from))
                .await
        })
        .job("contest_voting", config.deliberation.sweep_interval, move |ctx| async move {
            let now = ctx.now();
            ctx.db.run(move |conn| infra::voting::contests::start_due(conn, now).map_err(InfraError::from)).await
        })
        .job("open_polls", config.deliberation.sweep_interval, move |ctx| async move {
            let now = ctx.now();
            ctx.db.run(move |conn| infra::voting::sweep::open_due(conn, now).map_err(InfraError::from)).await
        })
        .job("remind_polls", config.deliberation.sweep_interval, move |ctx| async move {
            let now = ctx.now();
            ctx.db
                .run(move |conn| infra::voting::sweep::remind_due(conn, poll_lead, now).map_err(InfraError::from))
                .await
        })
        .job("close_polls", config.deliberation.sweep_interval, move |ctx| async move {
            let now = ctx.now();
            ctx.db.run(move |conn| infra::voting::sweep::close_due(conn, now).map_err(InfraError::from)).await
        })
        .job("seal_audit_log", config.audit_seal_interval, move |ctx| async move {
            let now = ctx.now();
            ctx.db.run(move |conn| infra::identity::audit::seal(conn, now).map_err(InfraError::from)).await
        })
        .job("settle_points_postings", config.deliberation.sweep_interval, move |ctx| async move {
            let now = ctx.now();
            ctx.db.run(move |conn| infra::points::postings::settle_due(conn, now).map_err(InfraError::from)).await
        })
        .job("mail_digests", Duration::from_secs(3600), {
            move |ctx| {
                let channels = digest_channels.clone();
                async move { infra::notify::send_digests(&ctx.db, &channels, ctx.now()).await }
            }
        })
        .job("purge_notifications", Duration::from_secs(3600), move |ctx| async move {
            let now = ctx.now();
            ctx.db
                .run(move |conn| infra::notify::purge(conn, now - delivered, now - read).map_err(InfraError::from))
                .await
        })
        .job("refresh_planner_statistics", Duration::from_secs(60), |ctx| async move {
            ctx.db.run(infra::db::stats::refresh).await
        })
        .build()
}

/// Delivers what is due, a batch at a time, until a batch comes back short.
async fn dispatch_all(ctx: JobContext, channels: infra::notify::Channels) -> Result<usize, InfraError> {
    let mut total = 0;
    loop {
        let delivered = infra::notify::dispatch(&ctx.db, &channels, &ctx.instance, ctx.now(), 100).await?;
        total += delivered;
        if delivered < 100 {
            return Ok(total);
        }
    }
}

impl Application {
    pub async fn build(config: Config, options: AppOptions) -> Result<Self, StartupError> {
        let db = open_database(&config)?;
        if config.auto_migrate {
            let applied = migrate(&db).await?;
            if !applied.is_empty() {
                tracing::info!(?applied, "migrations applied");
            }
        }
        let store = match options.store.clone() {
            Some(shared) => shared,
            None => infra::store::open(config.redis_url.as_ref().map(|u| u.expose_secret()), &config.redis_prefix)?,
        };
        let wechat_app = match (&config.wechat_appid, &config.wechat_secret) {
            (Some(appid), Some(secret)) => Some(infra::wechat::WeChatApp {
                appid: appid.clone(),
                secret: secret.clone(),
                base: url::Url::parse(&config.wechat_api_base)
                    .map_err(|e| InfraError::Config(format!("WECHAT_API_BASE: {e}")))?,
            }),
            _ => None,
        };
        let wechat = infra::wechat::WeChat::new(wechat_app, store.clone())?;
        let mailer = config
            .smtp_url
            .as_ref()
            .map(|url| infra::mail::Mailer::new(url.expose_secret(), &config.mail_from))
            .transpose()?;
        let channels = infra::notify::Channels {
            wechat: wechat.clone(),
            templates: config.wechat_templates.clone(),
            mailer,
            lease: chrono::Duration::from_std(config.dispatch_lease).unwrap_or(chrono::Duration::seconds(20)),
        };
        let context = JobContext { db: db.clone(), clock: options.clock.clone(), instance: domain::new_id() };
        let jobs = jobs(context, &config, channels.clone());
        let now = options.clock.now().naive_utc();
        if config.mode == crate::config::RunMode::Production && crate::demo::demo_accounts(&db).await? > 0 {
            return Err(StartupError::DemoAccounts);
        }
        if config.auto_migrate && config.demo_data && crate::demo::is_empty(&db).await? {
            crate::demo::seed(&db, now, &config.privacy_policy_version).await?;
            tracing::info!("demo county loaded (see the README for its accounts)");
        }
        if config.auto_migrate {
            crate::bootstrap::admin(&db, &config, now).await?;
        }
        let media = infra::media::MediaStore::open(&config.media_dir)
            .map_err(|e| InfraError::Config(format!("YISHI_MEDIA_DIR {}: {e}", config.media_dir.display())))?;
        let config_secret = config.jwt_secret.expose_secret().to_owned();
        let state = web::Data::new(AppState {
            cursors: CursorCodec::new(config.jwt_secret.expose_secret().as_bytes()),
            config: Arc::new(config),
            db,
            limiter: crate::auth::limits::Limiter::new(store.clone()),
            store,
            clock: options.clock,
            jobs,
            metrics: Metrics::new()?,
            known_routes: crate::http::fallback::KnownRoutes::from_document(&api_document()),
            tokens: crate::auth::tokens::TokenKeys::new(config_secret.as_bytes()),
            wechat,
            channels,
            media,
            cases_reference: Default::default(),
        });

        let bind = state.config.bind;
        let listener =
            TcpListener::bind(bind).map_err(|source| StartupError::Bind { addr: bind.to_string(), source })?;
        let port =
            listener.local_addr().map_err(|source| StartupError::Bind { addr: bind.to_string(), source })?.port();
        let server_state = state.clone();
        let extra = options.extra_routes;
        let mut server = HttpServer::new(move || app(server_state.clone(), extra))
            .shutdown_timeout(30)
            .listen(listener)
            .map_err(|source| StartupError::Bind { addr: bind.to_string(), source })?;
        if let Some(workers) = options.workers {
            server = server.workers(workers);
        }
        let server = server.run();

        let (metrics_server, metrics_port) = match state.config.metrics_bind {
            Some(addr) => {
                let listener =
                    TcpListener::bind(addr).map_err(|source| StartupError::Bind { addr: addr.to_string(), source })?;
                let metrics_port = listener
                    .local_addr()
                    .map_err(|source| StartupError::Bind { addr: addr.to_string(), source })?
                    .port();
                let metrics = state.metrics.clone();
                let server = HttpServer::new(move || {
                    let metrics = metrics.clone();
                    App::new().route(
                        "/metrics",
                        web::get().to(move || {
                            let body = metrics.render();
                            async move { HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(body) }
                        }),
                    )
                })
                .workers(1)
                .listen(listener)
                .map_err(|source| StartupError::Bind { addr: addr.to_string(), source })?
                .run();
                (Some(server), Some(metrics_port))
            }
            None => (None, None),
        };

        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let job_tasks = if options.run_jobs { state.jobs.spawn(shutdown_rx) } else { Vec::new() };
        Ok(Self { server, metrics_server, port, metrics_port, state, shutdown, job_tasks })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// A handle that stops the servers gracefully (in-flight requests finish).
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT (or the handle stops it), letting in-flight requests finish,
    /// then stops the background jobs.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics_handle = self.metrics_server.as_ref().map(Server::handle);
        if let Some(metrics) = self.metrics_server {
            tokio::spawn(metrics);
        }
        let result = self.server.await;
        if let Some(handle) = metrics_handle {
            handle.stop(true).await;
        }
        let _ = self.shutdown.send(true);
        for task in self.job_tasks {
            let _ = task.await;
        }
        result
    }
}

/// The application of one worker: middleware, routes, Swagger, errors for everything else.
fn app(
    state: web::Data<AppState>,
    extra: Option<fn(&mut web::ServiceConfig)>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_json = state.config.max_json_bytes;
    let (app, api) = App::new()
        .into_utoipa_app()
        .app_data(state)
        .app_data(web::JsonConfig::default().limit(max_json).error_handler(error::json_error))
        .app_data(web::PayloadConfig::new(max_json))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .configure(routes::configure)
        .split_for_parts();
    let app = match extra {
        Some(extra) => app.configure(extra),
        None => app,
    };
    // Listed innermost first: the last `wrap` sees the request first.
    app.service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/openapi.json", openapi::finish(api)))
        .default_service(web::to(crate::http::fallback::no_route))
        .wrap(from_fn(mw::timeout))
        .wrap(from_fn(mw::ip_limit))
        .wrap(from_fn(mw::etag))
        .wrap(from_fn(mw::error_shape))
        .wrap(Compress::default())
        .wrap(from_fn(mw::track_metrics))
        .wrap(from_fn(mw::request_id_header))
        .wrap(TracingLogger::default())
}

/// The OpenAPI document of the route table, as the server serves it.
pub fn api_document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new().into_utoipa_app().configure(routes::configure).split_for_parts();
    openapi::finish(api)
}
