//! Configuration from the environment (the names of API.md), validated once at start and
//! printed without secrets.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// The JWT secret development runs with when none is given. Production refuses it.
pub const DEV_JWT_SECRET: &str = "yishi-development-secret-not-for-production";
const WECHAT_API_DEFAULT: &str = "https://api.weixin.qq.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    Development,
    Production,
}

#[derive(Clone)]
pub struct Config {
    pub mode: RunMode,
    pub bind: SocketAddr,
    /// The internal address serving `/metrics`; `None` turns the metrics listener off.
    pub metrics_bind: Option<SocketAddr>,
    pub database_url: String,
    pub db_pool_size: u32,
    pub redis_url: Option<SecretString>,
    pub redis_prefix: String,
    pub jwt_secret: SecretString,
    pub bootstrap_admin_password: Option<SecretString>,
    pub trusted_proxies: Vec<IpAddr>,
    pub wechat_appid: Option<String>,
    pub wechat_secret: Option<SecretString>,
    pub wechat_api_base: String,
    pub smtp_url: Option<SecretString>,
    /// The sender of outgoing mail.
    pub mail_from: String,
    /// Apply pending migrations at start (development default) instead of by `yishi migrate`.
    pub auto_migrate: bool,
    pub request_timeout: Duration,
    /// Largest JSON body accepted, in bytes.
    pub max_json_bytes: usize,
    pub idempotency_retention: Duration,
    /// How often the audit log's new entries are sealed into its hash chain.
    pub audit_seal_interval: Duration,
    pub log_json: bool,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub limits: Limits,
    /// The privacy policy version users must accept before their data is used beyond login.
    pub privacy_policy_version: String,
    /// Load the demo county on the first development run on an empty database.
    pub demo_data: bool,
    /// Notification kind → WeChat subscribe-message template (`YISHI_WECHAT_TEMPLATES`, JSON).
    pub wechat_templates: std::collections::HashMap<String, infra::notify::WeChatTemplate>,
    /// How often each instance's dispatcher looks for due notifications.
    pub dispatch_interval: Duration,
    /// How long a dispatcher holds a claimed delivery before renewing it: what a delivery
    /// claimed by an instance that died waits before another takes it over.
    pub dispatch_lease: Duration,
    /// The same for an announcement's fan-out.
    pub fanout_lease: Duration,
    /// Delivered outbox rows are deleted after this long.
    pub outbox_retention: Duration,
    /// Read notices are deleted after this long.
    pub read_notice_retention: Duration,
    pub cases: CaseSettings,
    pub deliberation: DeliberationSettings,
    /// Where uploaded photos and voice notes are kept.
    pub media_dir: std::path::PathBuf,
    pub media_max_image_bytes: usize,
    pub media_max_voice_bytes: usize,
    /// The `jurisdiction_id` this deployment answers to in Open311.
    pub open311_jurisdiction: String,
    /// Anonymous reports: the key of the hash of (person, day) that counts a person's reports
    /// (`YISHI_REPORT_SECRET`; in development a random one per start), and the follow-up code
    /// attempts allowed per client address.
    pub reports: ReportSettings,
}

/// Anonymous reports (举报).
#[derive(Clone)]
pub struct ReportSettings {
    pub filer_secret: SecretString,
    /// Whether `filer_secret` was generated at start (development only).
    pub generated: bool,
    /// Follow-up code attempts per client IP (`YISHI_LIMIT_REPORT_CODES_PER_IP_PER_HOUR`).
    pub codes_per_ip: (u64, Duration),
}

/// Grid cases: deadlines, duplicate detection, the real-name rule.
#[derive(Debug, Clone)]
pub struct CaseSettings {
    /// Deadlines per level and urgency (`YISHI_CASE_DEADLINES` overrides the defaults).
    pub policy: domain::cases::DeadlinePolicy,
    /// Open cases within this distance are offered as duplicates.
    pub duplicate_radius_m: f64,
    /// The text similarity (0–1) above which a nearby case counts as the same problem.
    pub duplicate_similarity: f64,
    /// Residents need a bound phone to report (the real-name rule for user posts).
    pub require_phone: bool,
    /// How long after capture an offline report may still be synced.
    pub max_capture_age: Duration,
    pub sweep_interval: Duration,
    /// The least rating the figures count as satisfied.
    pub satisfied_from: domain::cases::SatisfiedFrom,
}

/// Cloud deliberation: how long triage may wait, how long a major matter's solicitation must
/// run, how long residents may rate an outcome, how often the sweepers look.
#[derive(Debug, Clone)]
pub struct DeliberationSettings {
    pub triage_days: u32,
    pub solicit_min_days: u32,
    pub rating_days: u32,
    pub sweep_interval: Duration,
    /// Hours before a meeting starts that its invitees are reminded (`YISHI_MEETING_REMINDER_HOURS`).
    pub meeting_reminder_hours: u32,
    /// Minutes a meeting's check-in code stays valid (`YISHI_MEETING_CHECKIN_MINUTES`).
    pub checkin_minutes: u32,
    /// Hours before an open poll closes that the electors who have not voted are reminded
    /// (`YISHI_POLL_REMINDER_HOURS`).
    pub poll_reminder_hours: u32,
}

/// Rate limits: `(count, window)` pairs.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failed logins per account (strict).
    pub login_failures_per_account: (u64, Duration),
    /// Failed logins per client IP (loose: a village shares one carrier NAT).
    pub login_failures_per_ip: (u64, Duration),
    /// Writes (POST, PUT, PATCH, DELETE) per user.
    pub writes_per_user: (u64, Duration),
    /// Every request per client IP.
    pub requests_per_ip: (u64, Duration),
}

/// Debug output is the summary: nothing secret, not even inside URLs.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.summary()).finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { name, reason: reason.into() }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mode = match get("YISHI_ENV").as_deref() {
            None | Some("development") => RunMode::Development,
            Some("production") => RunMode::Production,
            Some(other) => {
                return Err(invalid("YISHI_ENV", format!("'{other}' is neither development nor production")))
            }
        };
        let parse_addr = |name: &'static str, text: String| {
            text.parse::<SocketAddr>().map_err(|_| invalid(name, "expected host:port, e.g. 127.0.0.1:8080"))
        };
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            get(name).map_or(Ok(default), |v| v.parse().map_err(|_| invalid(name, "expected a whole number")))
        };
        let bind = parse_addr("YISHI_BIND", get("YISHI_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()))?;
        let metrics_bind = match get("YISHI_METRICS_BIND").as_deref() {
            Some("off") => None,
            Some(addr) => Some(parse_addr("YISHI_METRICS_BIND", addr.to_owned())?),
            None => Some(parse_addr("YISHI_METRICS_BIND", "127.0.0.1:9464".into())?),
        };
        let trusted_proxies = get("YISHI_TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|ip| {
                        ip.parse().map_err(|_| invalid("YISHI_TRUSTED_PROXIES", format!("'{ip}' is not an IP address")))
                    })
                    .collect::<Result<Vec<IpAddr>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let auto_migrate = match get("YISHI_AUTO_MIGRATE").as_deref() {
            None => mode == RunMode::Development,
            Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(_) => return Err(invalid("YISHI_AUTO_MIGRATE", "expected true or false")),
        };
        let satisfied_from = i64::try_from(number("YISHI_CASE_SATISFIED_MIN_RATING", 4)?)
            .ok()
            .and_then(|n| domain::cases::SatisfiedFrom::parse(n).ok())
            .ok_or_else(|| invalid("YISHI_CASE_SATISFIED_MIN_RATING", "a rating, 1 to 5"))?;
        let config = Self {
            mode,
            bind,
            metrics_bind,
            database_url: get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/yishi.db".into()),
            db_pool_size: u32::try_from(number("YISHI_DB_POOL_SIZE", 10)?)
                .ok()
                .filter(|n| (1..=200).contains(n))
                .ok_or_else(|| invalid("YISHI_DB_POOL_SIZE", "expected 1 to 200"))?,
            redis_url: get("REDIS_URL").map(SecretString::from),
            redis_prefix: get("YISHI_REDIS_PREFIX").unwrap_or_else(|| "yishi:".into()),
            jwt_secret: SecretString::from(get("YISHI_JWT_SECRET").unwrap_or_else(|| DEV_JWT_SECRET.into())),
            bootstrap_admin_password: get("YISHI_BOOTSTRAP_ADMIN_PASSWORD").map(SecretString::from),
            trusted_proxies,
            wechat_appid: get("WECHAT_APPID"),
            wechat_secret: get("WECHAT_SECRET").map(SecretString::from),
            wechat_api_base: get("WECHAT_API_BASE").unwrap_or_else(|| WECHAT_API_DEFAULT.into()),
            smtp_url: get("SMTP_URL").map(SecretString::from),
            mail_from: get("YISHI_MAIL_FROM").unwrap_or_else(|| "议事 Yishi <noreply@yishi.local>".into()),
            auto_migrate,
            request_timeout: Duration::from_secs(number("YISHI_REQUEST_TIMEOUT_SECS", 30)?.max(1)),
            max_json_bytes: usize::try_from(number("YISHI_MAX_JSON_BYTES", 256 * 1024)?)
                .map_err(|_| invalid("YISHI_MAX_JSON_BYTES", "too large"))?,
            idempotency_retention: Duration::from_secs(3600 * number("YISHI_IDEMPOTENCY_RETENTION_HOURS", 48)?.max(1)),
            audit_seal_interval: Duration::from_secs(number("YISHI_AUDIT_SEAL_INTERVAL_SECS", 5)?.clamp(1, 3600)),
            log_json: get("YISHI_LOG_FORMAT").as_deref() == Some("json"),
            access_token_ttl: Duration::from_secs(number("YISHI_ACCESS_TOKEN_TTL_SECS", 900)?.clamp(30, 86_400)),
            refresh_token_ttl: Duration::from_secs(86_400 * number("YISHI_REFRESH_TOKEN_TTL_DAYS", 30)?.clamp(1, 365)),
            limits: Limits {
                login_failures_per_account: (
                    number("YISHI_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", 5)?,
                    Duration::from_secs(900),
                ),
                login_failures_per_ip: (number("YISHI_LIMIT_LOGIN_FAILURES_PER_IP", 100)?, Duration::from_secs(900)),
                writes_per_user: (number("YISHI_LIMIT_WRITES_PER_USER_PER_MINUTE", 60)?, Duration::from_secs(60)),
                requests_per_ip: (number("YISHI_LIMIT_REQUESTS_PER_IP_PER_MINUTE", 3000)?, Duration::from_secs(60)),
            },
            privacy_policy_version: get("YISHI_PRIVACY_POLICY_VERSION").unwrap_or_else(|| "2026-11".into()),
            wechat_templates: match get("YISHI_WECHAT_TEMPLATES") {
                None => std::collections::HashMap::new(),
                Some(text) => serde_json::from_str(&text)
                    .map_err(|e| invalid("YISHI_WECHAT_TEMPLATES", format!("not a kind → template JSON map: {e}")))?,
            },
            dispatch_interval: Duration::from_millis(number("YISHI_DISPATCH_INTERVAL_MS", 1000)?.clamp(50, 60_000)),
            dispatch_lease: Duration::from_secs(number("YISHI_DISPATCH_LEASE_SECS", 20)?.clamp(1, 3600)),
            fanout_lease: Duration::from_secs(number("YISHI_FANOUT_LEASE_SECS", 20)?.clamp(1, 3600)),
            outbox_retention: Duration::from_secs(86_400 * number("YISHI_OUTBOX_RETENTION_DAYS", 30)?.max(1)),
            read_notice_retention: Duration::from_secs(
                86_400 * number("YISHI_READ_NOTICE_RETENTION_DAYS", 180)?.max(1),
            ),
            cases: CaseSettings {
                policy: match get("YISHI_CASE_DEADLINES") {
                    None => domain::cases::DeadlinePolicy::default(),
                    Some(text) => domain::cases::DeadlinePolicy::with_overrides(&text)
                        .map_err(|_| invalid("YISHI_CASE_DEADLINES", "expected {\"levels\": {level: {urgency: {accept_hours, resolve_hours}}}, \"confirm_hours\": N}"))?,
                },
                duplicate_radius_m: number("YISHI_CASE_DUPLICATE_RADIUS_M", 100)?.clamp(5, 1000) as f64,
                duplicate_similarity: number("YISHI_CASE_DUPLICATE_SIMILARITY_PERCENT", 30)?.clamp(1, 100) as f64 / 100.0,
                require_phone: match get("YISHI_CASE_REQUIRE_PHONE").as_deref() {
                    None | Some("true" | "1") => true,
                    Some("false" | "0") => false,
                    Some(_) => return Err(invalid("YISHI_CASE_REQUIRE_PHONE", "expected true or false")),
                },
                max_capture_age: Duration::from_secs(86_400 * number("YISHI_CASE_MAX_CAPTURE_AGE_DAYS", 30)?.clamp(1, 365)),
                sweep_interval: Duration::from_secs(number("YISHI_CASE_SWEEP_INTERVAL_SECS", 60)?.clamp(1, 3600)),
                satisfied_from,
            },
            deliberation: DeliberationSettings {
                triage_days: u32::try_from(number("YISHI_MATTER_TRIAGE_DAYS", 3)?.clamp(1, 60)).unwrap_or(3),
                solicit_min_days: u32::try_from(number("YISHI_MATTER_SOLICIT_MIN_DAYS", 7)?.clamp(0, 90)).unwrap_or(7),
                rating_days: u32::try_from(number("YISHI_MATTER_RATING_DAYS", 7)?.clamp(1, 90)).unwrap_or(7),
                sweep_interval: Duration::from_secs(number("YISHI_MATTER_SWEEP_INTERVAL_SECS", 60)?.clamp(1, 3600)),
                meeting_reminder_hours: u32::try_from(number("YISHI_MEETING_REMINDER_HOURS", 24)?.clamp(1, 168))
                    .unwrap_or(24),
                checkin_minutes: u32::try_from(number("YISHI_MEETING_CHECKIN_MINUTES", 30)?.clamp(1, 720)).unwrap_or(30),
                poll_reminder_hours: u32::try_from(number("YISHI_POLL_REMINDER_HOURS", 24)?.clamp(1, 168)).unwrap_or(24),
            },
            media_dir: get("YISHI_MEDIA_DIR").unwrap_or_else(|| "data/media".into()).into(),
            media_max_image_bytes: usize::try_from(number("YISHI_MEDIA_MAX_IMAGE_BYTES", 10 * 1024 * 1024)?)
                .map_err(|_| invalid("YISHI_MEDIA_MAX_IMAGE_BYTES", "too large"))?,
            media_max_voice_bytes: usize::try_from(number("YISHI_MEDIA_MAX_VOICE_BYTES", 5 * 1024 * 1024)?)
                .map_err(|_| invalid("YISHI_MEDIA_MAX_VOICE_BYTES", "too large"))?,
            open311_jurisdiction: get("YISHI_OPEN311_JURISDICTION").unwrap_or_else(|| "yishi.local".into()),
            reports: ReportSettings {
                generated: get("YISHI_REPORT_SECRET").is_none(),
                filer_secret: SecretString::from(
                    get("YISHI_REPORT_SECRET").unwrap_or_else(|| hex::encode(rand::random::<[u8; 32]>())),
                ),
                codes_per_ip: (number("YISHI_LIMIT_REPORT_CODES_PER_IP_PER_HOUR", 30)?, Duration::from_secs(3600)),
            },
            demo_data: match get("YISHI_DEMO_DATA").as_deref() {
                None | Some("auto") => mode == RunMode::Development,
                Some("off") => false,
                Some(_) => return Err(invalid("YISHI_DEMO_DATA", "auto or off")),
            },
        };
        config.check_production()?;
        Ok(config)
    }

    /// Production refuses to start on development defaults.
    fn check_production(&self) -> Result<(), ConfigError> {
        if self.mode != RunMode::Production {
            return Ok(());
        }
        let secret = self.jwt_secret.expose_secret();
        if secret == DEV_JWT_SECRET || secret.len() < 32 {
            return Err(invalid(
                "YISHI_JWT_SECRET",
                "production needs a secret of at least 32 characters, not the default",
            ));
        }
        if self.wechat_appid.is_none() || self.wechat_secret.is_none() {
            return Err(invalid(
                "WECHAT_APPID",
                "production needs WECHAT_APPID and WECHAT_SECRET (the development WeChat is refused)",
            ));
        }
        if self.reports.generated || self.reports.filer_secret.expose_secret().len() < 32 {
            return Err(invalid("YISHI_REPORT_SECRET", "production needs a secret of at least 32 characters"));
        }
        if let Some(password) = &self.bootstrap_admin_password {
            if password.expose_secret().chars().count() < 12 {
                return Err(invalid("YISHI_BOOTSTRAP_ADMIN_PASSWORD", "production needs at least 12 characters"));
            }
        }
        Ok(())
    }

    /// Whether the built-in development WeChat answers logins.
    pub fn dev_wechat(&self) -> bool {
        self.wechat_appid.is_none()
    }

    /// One line per setting, secrets shown only as set or unset.
    pub fn summary(&self) -> Vec<(&'static str, String)> {
        let set = |s: &Option<SecretString>| if s.is_some() { "(set)" } else { "(unset)" }.to_owned();
        vec![
            ("YISHI_ENV", format!("{:?}", self.mode).to_lowercase()),
            ("YISHI_BIND", self.bind.to_string()),
            ("YISHI_METRICS_BIND", self.metrics_bind.map_or("off".into(), |a| a.to_string())),
            (
                "DATABASE_URL",
                infra::db::DbTarget::parse(&self.database_url).map_or("(invalid)".into(), |t| t.redacted()),
            ),
            ("YISHI_DB_POOL_SIZE", self.db_pool_size.to_string()),
            (
                "REDIS_URL",
                self.redis_url
                    .as_ref()
                    .map_or("(unset: in-process store)".into(), |u| infra::http::redact_url_str(u.expose_secret())),
            ),
            ("YISHI_REDIS_PREFIX", self.redis_prefix.clone()),
            (
                "YISHI_JWT_SECRET",
                if self.jwt_secret.expose_secret() == DEV_JWT_SECRET { "(development default)" } else { "(set)" }
                    .into(),
            ),
            ("YISHI_BOOTSTRAP_ADMIN_PASSWORD", set(&self.bootstrap_admin_password)),
            ("YISHI_TRUSTED_PROXIES", format!("{:?}", self.trusted_proxies)),
            ("WECHAT_APPID", self.wechat_appid.clone().unwrap_or_else(|| "(unset: development WeChat)".into())),
            ("WECHAT_SECRET", set(&self.wechat_secret)),
            ("WECHAT_API_BASE", self.wechat_api_base.clone()),
            (
                "SMTP_URL",
                self.smtp_url.as_ref().map_or("(unset)".into(), |u| infra::http::redact_url_str(u.expose_secret())),
            ),
            ("YISHI_AUTO_MIGRATE", self.auto_migrate.to_string()),
            ("YISHI_REQUEST_TIMEOUT_SECS", self.request_timeout.as_secs().to_string()),
            ("YISHI_MAX_JSON_BYTES", self.max_json_bytes.to_string()),
            ("YISHI_IDEMPOTENCY_RETENTION_HOURS", (self.idempotency_retention.as_secs() / 3600).to_string()),
            ("YISHI_AUDIT_SEAL_INTERVAL_SECS", self.audit_seal_interval.as_secs().to_string()),
            ("YISHI_LOG_FORMAT", if self.log_json { "json" } else { "text" }.into()),
            ("YISHI_MEDIA_DIR", self.media_dir.display().to_string()),
            ("YISHI_DISPATCH_LEASE_SECS", self.dispatch_lease.as_secs().to_string()),
            ("YISHI_FANOUT_LEASE_SECS", self.fanout_lease.as_secs().to_string()),
            ("YISHI_CASE_DUPLICATE_RADIUS_M", self.cases.duplicate_radius_m.to_string()),
            ("YISHI_CASE_REQUIRE_PHONE", self.cases.require_phone.to_string()),
            ("YISHI_CASE_SATISFIED_MIN_RATING", self.cases.satisfied_from.value().to_string()),
            ("YISHI_OPEN311_JURISDICTION", self.open311_jurisdiction.clone()),
            (
                "YISHI_REPORT_SECRET",
                if self.reports.generated { "(generated at start: development)" } else { "(set)" }.into(),
            ),
            ("YISHI_LIMIT_REPORT_CODES_PER_IP_PER_HOUR", self.reports.codes_per_ip.0.to_string()),
            ("YISHI_MATTER_TRIAGE_DAYS", self.deliberation.triage_days.to_string()),
            ("YISHI_MATTER_SOLICIT_MIN_DAYS", self.deliberation.solicit_min_days.to_string()),
            ("YISHI_MATTER_RATING_DAYS", self.deliberation.rating_days.to_string()),
            ("YISHI_MEETING_REMINDER_HOURS", self.deliberation.meeting_reminder_hours.to_string()),
            ("YISHI_POLL_REMINDER_HOURS", self.deliberation.poll_reminder_hours.to_string()),
            ("YISHI_MEETING_CHECKIN_MINUTES", self.deliberation.checkin_minutes.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn development_defaults_serve_sqlite_locally() {
        let c = config(&[]).map_err(|e| e.to_string());
        let c = c.as_ref().map(|c| (c.bind.to_string(), c.database_url.clone(), c.auto_migrate, c.dev_wechat()));
        assert_eq!(c, Ok(("127.0.0.1:8080".into(), "sqlite://data/yishi.db".into(), true, true)));
    }

    #[test]
    fn production_refuses_default_or_missing_secrets() {
        let wechat = [("WECHAT_APPID", "wx1"), ("WECHAT_SECRET", "s")];
        let prod = |extra: &[(&str, &str)]| {
            let mut pairs = vec![("YISHI_ENV", "production")];
            pairs.extend_from_slice(extra);
            config(&pairs)
        };
        assert!(prod(&wechat).is_err(), "default JWT secret must be refused");
        let short = [wechat[0], wechat[1], ("YISHI_JWT_SECRET", "short")];
        assert!(prod(&short).is_err());
        let long = "x".repeat(40);
        assert!(prod(&[("YISHI_JWT_SECRET", long.as_str())]).is_err(), "development WeChat must be refused");
        let no_report_secret = [wechat[0], wechat[1], ("YISHI_JWT_SECRET", long.as_str())];
        assert!(prod(&no_report_secret).is_err(), "a generated report secret must be refused");
        let ok = [wechat[0], wechat[1], ("YISHI_JWT_SECRET", long.as_str()), ("YISHI_REPORT_SECRET", long.as_str())];
        assert!(prod(&ok).is_ok());
        assert!(prod(&[ok[0], ok[1], ok[2], ok[3], ("YISHI_BOOTSTRAP_ADMIN_PASSWORD", "admin")]).is_err());
    }

    #[test]
    fn claims_left_by_a_crashed_instance_are_taken_over_within_half_a_minute_by_default() {
        let c = config(&[]).map(|c| (c.dispatch_lease, c.fanout_lease)).map_err(|e| e.to_string());
        assert_eq!(c, Ok((Duration::from_secs(20), Duration::from_secs(20))));
        let set = config(&[("YISHI_DISPATCH_LEASE_SECS", "5"), ("YISHI_FANOUT_LEASE_SECS", "3")]);
        assert_eq!(
            set.map(|c| (c.dispatch_lease, c.fanout_lease)).ok(),
            Some((Duration::from_secs(5), Duration::from_secs(3)))
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = config(&[("YISHI_BIND", "localhost")]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("YISHI_BIND"), "{e}");
        assert!(config(&[("YISHI_TRUSTED_PROXIES", "10.0.0.1, nope")]).is_err());
        assert!(config(&[("YISHI_ENV", "staging")]).is_err());
        for rating in ["0", "6", "four"] {
            let e = config(&[("YISHI_CASE_SATISFIED_MIN_RATING", rating)]).err().map(|e| e.to_string());
            assert!(e.is_some_and(|e| e.starts_with("YISHI_CASE_SATISFIED_MIN_RATING")), "{rating}");
        }
        let five = config(&[("YISHI_CASE_SATISFIED_MIN_RATING", "5")]).map(|c| c.cases.satisfied_from.value());
        assert_eq!(five.ok(), Some(5));
    }

    #[test]
    fn summary_never_shows_secrets() {
        let c = config(&[
            ("YISHI_JWT_SECRET", "super-secret-jwt-value"),
            ("REDIS_URL", "redis://:redispw@cache:6379"),
            ("DATABASE_URL", "postgres://yishi:dbpw@db/yishi"),
            ("WECHAT_SECRET", "wxsecret"),
            ("YISHI_BOOTSTRAP_ADMIN_PASSWORD", "adminpw"),
            ("YISHI_REPORT_SECRET", "report-filer-secret"),
        ]);
        let text = c.map(|c| format!("{:?} {:?}", c.summary(), c)).unwrap_or_default();
        for secret in ["super-secret-jwt-value", "redispw", "dbpw", "wxsecret", "adminpw", "report-filer-secret"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
}
