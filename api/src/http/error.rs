//! The API's one error type and the one place that turns errors into HTTP: a status, and the
//! body of API.md — `{"error": {"code", "message", "details"}}` — with the message in Chinese
//! by default and English for `Accept-Language: en`. Causes of server errors go to the log with
//! the request id, never into the body.

use actix_web::body::BoxBody;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

/// Declares the error codes, one row each: the variant, the code as sent, the status, and the
/// message in Chinese and English. A new code is one new row (and, when a feature error carries
/// it, one arm in that error's `From` below).
macro_rules! error_codes {
    ($($code:ident = $name:literal: $status:ident, $zh:literal, $en:literal;)+) => {
        /// Stable, machine-readable error codes.
        // utoipa reads `rename_all`, not a per-variant rename made by a macro; a unit test
        // holds the names given here to serde's.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($code,)+
        }

        impl ErrorCode {
            /// Every code, for documentation and tests.
            pub const ALL: &'static [ErrorCode] = &[$(Self::$code,)+];

            /// The code as sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$code => $name,)+
                }
            }

            pub fn status(self) -> StatusCode {
                match self {
                    $(Self::$code => StatusCode::$status,)+
                }
            }

            pub fn message(self, lang: Lang) -> &'static str {
                let (zh, en) = match self {
                    $(Self::$code => ($zh, $en),)+
                };
                match lang {
                    Lang::Zh => zh,
                    Lang::En => en,
                }
            }
        }
    };
}

error_codes! {
    BadRequest = "bad_request": BAD_REQUEST, "请求有误", "The request is malformed";
    InvalidJson = "invalid_json": BAD_REQUEST, "请求内容不是有效的 JSON", "The request body is not valid JSON";
    InvalidQuery = "invalid_query": BAD_REQUEST, "查询参数有误", "The query parameters are invalid";
    ValidationFailed = "validation_failed": UNPROCESSABLE_ENTITY, "提交的内容未通过校验", "The submitted data is invalid";
    InvalidCursor = "invalid_cursor": BAD_REQUEST, "分页游标无效或已被修改", "The page cursor is invalid or was altered";
    InvalidIdempotencyKey = "invalid_idempotency_key": BAD_REQUEST, "Idempotency-Key 格式有误", "The Idempotency-Key header is malformed";
    Unauthorized = "unauthorized": UNAUTHORIZED, "请先登录", "Authentication is required";
    Forbidden = "forbidden": FORBIDDEN, "没有权限执行此操作", "You are not allowed to do this";
    NotFound = "not_found": NOT_FOUND, "找不到该对象", "Not found";
    RouteNotFound = "route_not_found": NOT_FOUND, "没有这个接口", "No such route";
    MethodNotAllowed = "method_not_allowed": METHOD_NOT_ALLOWED, "该接口不支持此请求方法", "This method is not allowed on this route";
    PayloadTooLarge = "payload_too_large": PAYLOAD_TOO_LARGE, "提交的内容过大", "The request body is too large";
    UnsupportedMediaType = "unsupported_media_type": UNSUPPORTED_MEDIA_TYPE, "不支持的内容类型", "Unsupported content type";
    IdempotencyKeyReused = "idempotency_key_reused": UNPROCESSABLE_ENTITY, "该 Idempotency-Key 已用于另一个不同的请求", "This Idempotency-Key was already used for a different request";
    RateLimited = "rate_limited": TOO_MANY_REQUESTS, "请求过于频繁，请稍后再试", "Too many requests, please retry later";
    Timeout = "timeout": SERVICE_UNAVAILABLE, "处理超时，请稍后再试", "The request timed out, please retry later";
    ServiceUnavailable = "service_unavailable": SERVICE_UNAVAILABLE, "服务暂时不可用，请稍后再试", "The service is temporarily unavailable";
    Internal = "internal": INTERNAL_SERVER_ERROR, "服务器内部错误", "Internal server error";
    InvalidCredentials = "invalid_credentials": UNAUTHORIZED, "用户名或密码错误", "Wrong username or password";
    PasswordChangeRequired = "password_change_required": FORBIDDEN, "请先修改初始密码", "You must change your password first";
    ConsentRequired = "consent_required": FORBIDDEN, "请先阅读并同意隐私政策", "You must accept the privacy policy first";
    Conflict = "conflict": CONFLICT, "与当前状态冲突", "This conflicts with the current state";
    WechatCodeInvalid = "wechat_code_invalid": BAD_REQUEST, "微信登录凭证无效或已使用，请重试", "The WeChat code is invalid or already used";
    WechatRateLimited = "wechat_rate_limited": TOO_MANY_REQUESTS, "微信接口调用过于频繁，请稍后再试", "WeChat is rate limiting us, retry later";
    WechatHighRisk = "wechat_high_risk": FORBIDDEN, "微信判定该账号存在风险，暂不能登录", "WeChat flags this account as high-risk";
    WechatUnavailable = "wechat_unavailable": SERVICE_UNAVAILABLE, "微信服务暂时不可用，请稍后再试", "WeChat is unavailable, retry later";
    InvalidTransition = "invalid_transition": CONFLICT, "当前状态下不能执行该操作", "This action is not allowed in the current state";
    PhoneRequired = "phone_required": FORBIDDEN, "请先绑定手机号（实名要求）", "Bind your phone number first (real-name rule)";
    MediaUnsupported = "media_unsupported": UNSUPPORTED_MEDIA_TYPE, "只支持 JPEG/PNG/WebP 图片和 MP3/AAC/M4A/WAV 语音", "Only JPEG/PNG/WebP images and MP3/AAC/M4A/WAV voice notes are accepted";
    MediaWrongKind = "media_wrong_kind": UNPROCESSABLE_ENTITY, "文件内容与声明的类型不符", "The file content does not match the declared kind";
    MediaCorrupt = "media_corrupt": UNPROCESSABLE_ENTITY, "文件已损坏或无法识别", "The file is damaged or cannot be read";
    NoGrid = "no_grid": UNPROCESSABLE_ENTITY, "该位置不在任何网格内，且无法确定您所在的网格", "The point is in no grid and your own grid is unknown";
    NoDepartment = "no_department": UNPROCESSABLE_ENTITY, "该类别没有对应的县级部门，请指定部门", "No county department is mapped to this category; name one";
    AlreadyDone = "already_done": CONFLICT, "您已经做过了（每人只能一次）", "You have done this already (once per person)";
    NoTriageScheme = "no_triage_scheme": CONFLICT, "本村（乡镇）尚未选择三事分流方式", "The village (or its township) has not chosen a triage scheme";
    PollNotOpen = "poll_not_open": CONFLICT, "投票未在进行中", "The poll is not open for voting";
    ResultsHidden = "results_hidden": CONFLICT, "投票结束后才公布结果", "Results are shown after the poll closes";
    AlreadyVoted = "already_voted": CONFLICT, "您已经投过票了", "You have voted already";
    HouseholdVoted = "household_voted": CONFLICT, "您家已有成员投过票（每户一票）", "Another member of your household has voted (one vote per household)";
    RemindedRecently = "reminded_recently": CONFLICT, "一小时内已提醒过，请稍后再试", "The electorate was reminded less than an hour ago";
    MatterHasPoll = "matter_has_poll": CONFLICT, "该议题已有一项进行中的表决", "The matter has a poll already (cancel it to put another)";
    OutsidePostingPeriod = "outside_posting_period": UNPROCESSABLE_ENTITY, "不在公示期内，不能提出异议", "Objections are taken only within the notice's posting period";
    WechatCodeFailed = "wechat_code_failed": BAD_GATEWAY, "微信未能生成小程序码，请稍后再试", "WeChat did not produce the mini-program code; retry later";
    SubmissionsClosed = "submissions_closed": CONFLICT, "不在点子征集时间内", "The contest is not taking ideas now";
    NotOnRoll = "not_on_roll": FORBIDDEN, "您不在本次投票的选民名单中", "You are not on this poll's roll";
    InsufficientPoints = "insufficient_points": CONFLICT, "积分不足", "Not enough points";
    OutOfStock = "out_of_stock": CONFLICT, "库存不足", "Not enough left in stock";
    NoPointsRules = "no_points_rules": CONFLICT, "本村尚无生效的积分规则", "The village has no points rules in force";
}

impl ErrorCode {
    /// The code a bare status stands for, when something other than our handlers answered.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::Unauthorized,
            409 => Self::Conflict,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            408 => Self::Timeout,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::ValidationFailed,
            429 => Self::RateLimited,
            503 | 504 => Self::ServiceUnavailable,
            400..=499 => Self::BadRequest,
            _ => Self::Internal,
        }
    }
}

/// The language of error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Chinese unless `Accept-Language` prefers English over Chinese.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let Some(value) = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
            return Self::Zh;
        };
        let (mut zh, mut en) = (0.0_f32, 0.0_f32);
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            if tag == "zh" || tag.starts_with("zh-") {
                zh = zh.max(q);
            } else if tag == "en" || tag.starts_with("en-") {
                en = en.max(q);
            }
        }
        if en > zh {
            Self::En
        } else {
            Self::Zh
        }
    }
}

/// The error body of every failed request (API.md).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation_failed`.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// Human-readable, Chinese by default, English with `Accept-Language: en`.
    pub message: String,
    /// Structured specifics, e.g. which field failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

/// The API layer's error.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub details: Option<Value>,
    /// What went wrong inside, for the log only.
    pub cause: Option<String>,
    pub retry_after_secs: Option<u64>,
    /// Headers the answer must carry (`Allow` on a 405).
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
    /// The database connection broke under the request (see `infra::error::ConnectionLoss`).
    pub connection_lost: bool,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        Self { code, details: None, cause: None, retry_after_secs: None, headers: Vec::new(), connection_lost: false }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn with_cause(mut self, cause: impl std::fmt::Display) -> Self {
        self.cause = Some(cause.to_string());
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// A field that failed validation.
    pub fn invalid_field(field: &str, reason: &str) -> Self {
        Self::new(ErrorCode::ValidationFailed).with_details(json!({ "field": field, "reason": reason }))
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::Internal).with_cause(cause)
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// The response in `lang`.
    pub fn to_response(&self, lang: Lang) -> HttpResponse {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str().to_owned(),
                message: self.code.message(lang).to_owned(),
                details: self.details.clone(),
            },
        };
        let mut response = HttpResponse::build(self.status());
        response.insert_header((header::CONTENT_LANGUAGE, if lang == Lang::En { "en" } else { "zh-CN" }));
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(secs)));
        }
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        response.json(body)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cause {
            Some(cause) => write!(f, "{}: {cause}", self.code.as_str()),
            None => f.write_str(self.code.as_str()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    /// Chinese here; the error-shape middleware re-renders it when the caller asked for English.
    fn error_response(&self) -> HttpResponse<BoxBody> {
        self.to_response(Lang::Zh)
    }
}

impl From<domain::DomainError> for ApiError {
    fn from(error: domain::DomainError) -> Self {
        match error {
            domain::DomainError::Invalid { field, reason } => Self::invalid_field(field, reason),
        }
    }
}

impl From<domain::identity::roles::Denial> for ApiError {
    fn from(denial: domain::identity::roles::Denial) -> Self {
        match denial {
            domain::identity::roles::Denial::NotFound => Self::new(ErrorCode::NotFound),
            domain::identity::roles::Denial::Forbidden => Self::new(ErrorCode::Forbidden),
        }
    }
}

impl From<infra::identity::IdentityError> for ApiError {
    fn from(error: infra::identity::IdentityError) -> Self {
        use infra::identity::IdentityError as E;
        match error {
            E::NotFound => Self::new(ErrorCode::NotFound),
            E::UnknownField(field) => Self::new(ErrorCode::NotFound).with_details(json!({ "field": field })),
            E::Denied(denial) => Self::from(denial),
            E::Invalid(e) => Self::from(e),
            E::AccountGone => Self::new(ErrorCode::Unauthorized),
            E::NoPassword => Self::new(ErrorCode::Forbidden),
            E::ConsentRequired { policy_version } => {
                Self::new(ErrorCode::ConsentRequired).with_details(json!({ "policy_version": policy_version }))
            }
            E::NotCurrentPolicy { current } => Self::new(ErrorCode::ValidationFailed).with_details(
                json!({ "field": "policy_version", "reason": "not the version in force", "current": current }),
            ),
            E::UsernameTaken => Self::new(ErrorCode::Conflict).with_details(json!({ "field": "username" })),
            E::DepartmentNameTaken => Self::new(ErrorCode::Conflict).with_details(json!({ "field": "name" })),
            E::GridCodeTaken => Self::new(ErrorCode::Conflict).with_details(json!({ "field": "code" })),
            E::ApplicationPending => {
                Self::new(ErrorCode::Conflict).with_details(json!({ "reason": "an application is already pending" }))
            }
            E::NotPending { status } => Self::new(ErrorCode::Conflict).with_details(json!({ "status": status })),
            E::AdministratorSelfDeletion => Self::new(ErrorCode::Conflict)
                .with_details(json!({ "reason": "administrators are removed by another administrator" })),
            E::RefreshTokenReused => {
                Self::new(ErrorCode::Unauthorized).with_details(json!({ "reason": "refresh_token_reused" }))
            }
            E::RefreshTokenInvalid => Self::new(ErrorCode::Unauthorized),
            E::Corrupt(what) => Self::internal(what),
            E::WeChat(e) => Self::from(e),
            E::Db(e) => Self::from(infra::InfraError::from(e)),
            E::Infra(e) => Self::from(e),
        }
    }
}

impl From<infra::cases::CasesError> for ApiError {
    fn from(error: infra::cases::CasesError) -> Self {
        use domain::cases::TransitionError;
        use infra::cases::CasesError as E;
        match error {
            E::NotFound => Self::new(ErrorCode::NotFound),
            E::Forbidden => Self::new(ErrorCode::Forbidden),
            E::Invalid { field, reason } => Self::invalid_field(field, &reason),
            E::Transition(TransitionError::NotAllowed { action, status }) => Self::new(ErrorCode::InvalidTransition)
                .with_details(json!({ "action": action.as_str(), "status": status.as_str() })),
            E::Transition(TransitionError::TopOfLadder) => Self::new(ErrorCode::InvalidTransition)
                .with_details(json!({ "action": "escalate", "reason": "top_of_ladder" })),
            E::NotNow { action, status } => {
                Self::new(ErrorCode::InvalidTransition).with_details(json!({ "action": action, "status": status }))
            }
            E::Stale | E::Duplicate => Self::new(ErrorCode::Conflict),
            E::NoDepartment => Self::new(ErrorCode::NoDepartment),
            E::NoGrid => Self::new(ErrorCode::NoGrid),
            E::PhoneRequired => Self::new(ErrorCode::PhoneRequired),
            E::UnknownCategory => Self::invalid_field("category", "an active category code"),
            E::InvalidApiKey | E::OutsideKeyScope => Self::new(ErrorCode::Forbidden),
            E::Corrupt(what) => Self::internal(what),
            E::Db(e) => Self::from(infra::InfraError::from(e)),
            E::Infra(e) => Self::from(e),
        }
    }
}

impl From<infra::deliberation::DeliberationError> for ApiError {
    fn from(error: infra::deliberation::DeliberationError) -> Self {
        use domain::deliberation::Refusal;
        use infra::deliberation::DeliberationError as E;
        let refused = |action: &str, reason: &str| {
            Self::new(ErrorCode::InvalidTransition).with_details(json!({ "action": action, "reason": reason }))
        };
        match error {
            E::NotFound => Self::new(ErrorCode::NotFound),
            E::Forbidden => Self::new(ErrorCode::Forbidden),
            E::Invalid { field, reason } => Self::invalid_field(field, &reason),
            E::Transition(Refusal::NotNow { action, status }) => Self::new(ErrorCode::InvalidTransition)
                .with_details(json!({ "action": action.as_str(), "status": status.as_str() })),
            E::Transition(Refusal::WrongRoute { action }) => refused(action.as_str(), "wrong_route"),
            E::Transition(Refusal::NotSolicited) => refused("resolve", "solicitation_not_over"),
            E::Transition(Refusal::CaseOpen) => refused("resolve", "department_case_open"),
            E::Transition(Refusal::CommitmentsOpen) => refused("evaluate", "commitments_open"),
            E::Transition(Refusal::RatingOpen) => refused("archive", "rating_open"),
            E::NotNow { action, status } => {
                Self::new(ErrorCode::InvalidTransition).with_details(json!({ "action": action, "status": status }))
            }
            E::Stale => Self::new(ErrorCode::Conflict),
            E::Duplicate => Self::new(ErrorCode::AlreadyDone),
            E::Unconfirmed(missing) => Self::new(ErrorCode::InvalidTransition)
                .with_details(json!({ "action": "announce", "reason": "missing_confirms", "missing": missing })),
            E::NoScheme => Self::new(ErrorCode::NoTriageScheme),
            E::Corrupt(what) => Self::internal(what),
            E::Db(e) => Self::from(infra::InfraError::from(e)),
            E::Infra(e) => Self::from(e),
        }
    }
}

impl From<infra::voting::VotingError> for ApiError {
    fn from(error: infra::voting::VotingError) -> Self {
        use infra::voting::VotingError as E;
        match error {
            E::NotFound => Self::new(ErrorCode::NotFound),
            E::Forbidden => Self::new(ErrorCode::Forbidden),
            E::NotOnRoll => Self::new(ErrorCode::NotOnRoll),
            E::Invalid { field, reason } => Self::invalid_field(field, &reason),
            E::NotNow(refusal) => Self::new(ErrorCode::InvalidTransition)
                .with_details(json!({ "action": refusal.action.as_str(), "status": refusal.status.as_str() })),
            E::NotOpen => Self::new(ErrorCode::PollNotOpen),
            E::ResultsHidden => Self::new(ErrorCode::ResultsHidden),
            E::AlreadyVoted => Self::new(ErrorCode::AlreadyVoted),
            E::HouseholdVoted => Self::new(ErrorCode::HouseholdVoted),
            E::RemindedRecently => Self::new(ErrorCode::RemindedRecently),
            E::MatterHasPoll => Self::new(ErrorCode::MatterHasPoll),
            E::ContestNotNow(refusal) => Self::new(ErrorCode::InvalidTransition)
                .with_details(json!({ "action": refusal.action.as_str(), "status": refusal.status.as_str() })),
            E::SubmissionsClosed => Self::new(ErrorCode::SubmissionsClosed),
            E::Corrupt(what) => Self::internal(what),
            E::Db(e) => Self::from(infra::InfraError::from(e)),
            E::Infra(e) => Self::from(e),
        }
    }
}

impl From<infra::grid_work::GridWorkError> for ApiError {
    fn from(error: infra::grid_work::GridWorkError) -> Self {
        use infra::grid_work::GridWorkError as E;
        match error {
            E::NotFound => Self::new(ErrorCode::NotFound),
            E::Forbidden => Self::new(ErrorCode::Forbidden),
            E::Invalid { field, reason } => Self::invalid_field(field, &reason),
            E::Case(e) => Self::from(e),
            E::Identity(e) => Self::from(e),
            E::Corrupt(what) => Self::internal(what),
            E::Db(e) => Self::from(infra::InfraError::from(e)),
            E::Infra(e) => Self::from(e),
            E::PatrolNotNow(refusal) => Self::new(ErrorCode::InvalidTransition)
                .with_details(json!({ "action": refusal.action.as_str(), "status": refusal.status.as_str() })),
        }
    }
}

impl From<infra::points::PointsError> for ApiError {
    fn from(error: infra::points::PointsError) -> Self {
        use infra::points::PointsError as E;
        match error {
            E::NotFound => Self::new(ErrorCode::NotFound),
            E::Forbidden => Self::new(ErrorCode::Forbidden),
            E::Invalid { field, reason } => Self::invalid_field(field, &reason),
            E::Duplicate => Self::new(ErrorCode::AlreadyDone),
            E::NotNow { action, status } => {
                Self::new(ErrorCode::InvalidTransition).with_details(json!({ "action": action, "status": status }))
            }
            E::InsufficientPoints { balance, needed } => {
                Self::new(ErrorCode::InsufficientPoints).with_details(json!({ "balance": balance, "needed": needed }))
            }
            E::OutOfStock => Self::new(ErrorCode::OutOfStock),
            E::NoRules => Self::new(ErrorCode::NoPointsRules),
            E::Identity(e) => Self::from(e),
            E::Corrupt(what) => Self::internal(what),
            E::Db(e) => Self::from(infra::InfraError::from(e)),
            E::Infra(e) => Self::from(e),
        }
    }
}

impl From<infra::notices::NoticeError> for ApiError {
    fn from(error: infra::notices::NoticeError) -> Self {
        use domain::notices::notices::NoticeRefusal;
        use infra::notices::NoticeError as E;
        match error {
            E::NotFound => Self::new(ErrorCode::NotFound),
            E::Forbidden => Self::new(ErrorCode::Forbidden),
            E::Invalid { field, reason } => Self::invalid_field(field, &reason),
            E::Duplicate => Self::new(ErrorCode::AlreadyDone),
            E::Refused { action, refusal: NoticeRefusal::OutsidePeriod } => {
                Self::new(ErrorCode::OutsidePostingPeriod).with_details(json!({ "action": action }))
            }
            E::Refused { action, refusal } => {
                let status = match refusal {
                    NoticeRefusal::Withdrawn => "withdrawn",
                    _ => "period_started",
                };
                Self::new(ErrorCode::InvalidTransition).with_details(json!({ "action": action, "status": status }))
            }
            E::Answered => Self::new(ErrorCode::InvalidTransition)
                .with_details(json!({ "action": "answer", "status": "answered" })),
            E::WeChat(cause) => Self::new(ErrorCode::WechatCodeFailed).with_cause(cause),
            E::Identity(e) => Self::from(e),
            E::Corrupt(what) => Self::internal(what),
            E::Db(e) => Self::from(infra::InfraError::from(e)),
            E::Infra(e) => Self::from(e),
        }
    }
}

impl From<infra::media::MediaError> for ApiError {
    fn from(error: infra::media::MediaError) -> Self {
        use infra::media::MediaError as E;
        match error {
            E::Unsupported => Self::new(ErrorCode::MediaUnsupported),
            E::WrongKind { expected, found } => Self::new(ErrorCode::MediaWrongKind)
                .with_details(json!({ "expected": expected.as_str(), "found": found.as_str() })),
            E::TooLarge { limit } => {
                Self::new(ErrorCode::PayloadTooLarge).with_details(json!({ "limit_bytes": limit }))
            }
            E::Corrupt => Self::new(ErrorCode::MediaCorrupt),
            E::NotFound => Self::new(ErrorCode::NotFound),
            E::Files(cause) => Self::internal(cause),
            E::Db(e) => Self::from(infra::InfraError::from(e)),
            E::Infra(e) => Self::from(e),
        }
    }
}

impl From<infra::notify::NotifyError> for ApiError {
    fn from(error: infra::notify::NotifyError) -> Self {
        use infra::notify::NotifyError;
        match error {
            NotifyError::NotFound => Self::new(ErrorCode::NotFound),
            NotifyError::Denied(denial) => Self::from(denial),
            NotifyError::Corrupt(what) => Self::internal(what),
            NotifyError::Db(e) => Self::from(infra::InfraError::from(e)),
            NotifyError::Infra(e) => Self::from(e),
        }
    }
}

impl From<infra::wechat::WeChatError> for ApiError {
    fn from(error: infra::wechat::WeChatError) -> Self {
        use infra::wechat::WeChatError as W;
        let api = match &error {
            W::InvalidCode(_) => Self::new(ErrorCode::WechatCodeInvalid),
            W::RateLimited => Self::new(ErrorCode::WechatRateLimited).with_retry_after(60),
            W::HighRisk => Self::new(ErrorCode::WechatHighRisk),
            W::Unavailable(_) | W::Other { .. } => Self::new(ErrorCode::WechatUnavailable).with_retry_after(10),
        };
        api.with_cause(error)
    }
}

impl From<infra::InfraError> for ApiError {
    fn from(error: infra::InfraError) -> Self {
        match error {
            infra::InfraError::DbUnavailable(_) => {
                Self::new(ErrorCode::ServiceUnavailable).with_retry_after(5).with_cause(error)
            }
            infra::InfraError::DbConnectionLost(_) => Self::connection_lost(error),
            infra::InfraError::DbBusy(_) => {
                Self::new(ErrorCode::ServiceUnavailable).with_retry_after(1).with_cause(error)
            }
            infra::InfraError::StoreUnavailable(_) => {
                Self::new(ErrorCode::ServiceUnavailable).with_retry_after(2).with_cause(error)
            }
            other => Self::internal(other),
        }
    }
}

impl infra::error::ConnectionLoss for ApiError {
    fn connection_lost(&self) -> bool {
        self.connection_lost
    }
}

impl ApiError {
    /// A database connection broke (a restart): 503, to be retried in a moment on a fresh one.
    fn connection_lost(cause: impl std::fmt::Display) -> Self {
        let mut error = Self::new(ErrorCode::ServiceUnavailable).with_retry_after(1).with_cause(cause);
        error.connection_lost = true;
        error
    }
}

/// Maps the JSON extractor's failures: size → 413, content type → 415, syntax → 400,
/// shape → 422 with the position and what was wrong.
pub fn json_error(error: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &error {
        JsonPayloadError::Overflow { limit } | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::new(ErrorCode::PayloadTooLarge).with_details(json!({ "limit_bytes": limit }))
        }
        JsonPayloadError::ContentType => {
            ApiError::new(ErrorCode::UnsupportedMediaType).with_details(json!({ "expected": "application/json" }))
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::new(ErrorCode::ValidationFailed)
            .with_details(json!({ "reason": e.to_string(), "line": e.line(), "column": e.column() })),
        JsonPayloadError::Deserialize(e) => {
            ApiError::new(ErrorCode::InvalidJson).with_details(json!({ "line": e.line(), "column": e.column() }))
        }
        JsonPayloadError::Payload(actix_web::error::PayloadError::Overflow) => {
            ApiError::new(ErrorCode::PayloadTooLarge)
        }
        _ => ApiError::new(ErrorCode::BadRequest),
    };
    api.with_cause(error).into()
}

/// A malformed path parameter (say, an id that is no UUID) names nothing that exists.
pub fn path_error(error: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(ErrorCode::NotFound).with_cause(error).into()
}

pub fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let reason = match &error {
        QueryPayloadError::Deserialize(e) => e.to_string(),
        _ => String::new(),
    };
    ApiError::new(ErrorCode::InvalidQuery).with_details(json!({ "reason": reason })).with_cause(error).into()
}

impl From<infra::reports::ReportsError> for ApiError {
    fn from(error: infra::reports::ReportsError) -> Self {
        use infra::reports::ReportsError as E;
        match error {
            E::NotFound => Self::new(ErrorCode::NotFound),
            E::Forbidden => Self::new(ErrorCode::Forbidden),
            E::Invalid { field, reason } => Self::invalid_field(field, &reason),
            // The day's reports are used up: try again tomorrow (Beijing).
            E::DailyLimit => Self::new(ErrorCode::RateLimited)
                .with_details(json!({ "limit": domain::reports::DAILY_LIMIT, "per": "day" })),
            E::NotNow { to, status } => {
                Self::new(ErrorCode::InvalidTransition).with_details(json!({ "action": to, "status": status }))
            }
            E::Corrupt(what) | E::Files(what) => Self::internal(what),
            E::Db(e) => Self::from(infra::InfraError::from(e)),
            E::Infra(e) => Self::from(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderName;

    use super::*;

    fn lang(value: &str) -> Lang {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("accept-language"),
            HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")),
        );
        Lang::from_headers(&headers)
    }

    #[test]
    fn english_only_when_preferred_over_chinese() {
        assert_eq!(lang("en"), Lang::En);
        assert_eq!(lang("en-US,en;q=0.9"), Lang::En);
        assert_eq!(lang("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(lang("en;q=0.5,zh;q=0.9"), Lang::Zh);
        assert_eq!(lang("fr"), Lang::Zh);
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::Zh);
    }

    #[test]
    fn every_code_has_both_messages_and_a_stable_name() {
        for code in ErrorCode::ALL {
            assert!(!code.message(Lang::Zh).is_ascii(), "{code:?} needs a Chinese message");
            assert!(code.message(Lang::En).is_ascii(), "{code:?} needs an English message");
            assert_eq!(serde_json::to_value(code).ok(), Some(json!(code.as_str())));
        }
    }
}
