//! The notices' one error. `api` maps it to HTTP in one place.

use diesel::result::Error as DieselError;
use domain::notices::notices::NoticeRefusal;

use crate::InfraError;

#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// No such unit, notice or objection, or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// Visible, but not the caller's to do.
    #[error("forbidden")]
    Forbidden,
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The same resident objecting to the same notice a second time.
    #[error("duplicate")]
    Duplicate,
    /// What the notice's state or period does not allow (`action` refused for `refusal`).
    #[error("cannot {action}: {refusal:?}")]
    Refused { action: &'static str, refusal: NoticeRefusal },
    /// An objection answered already.
    #[error("answered already")]
    Answered,
    /// WeChat did not give the mini-program code.
    #[error("WeChat: {0}")]
    WeChat(#[from] crate::wechat::WeChatError),
    /// A stored value that does not parse (a server error).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Identity(#[from] crate::identity::IdentityError),
    #[error(transparent)]
    Db(DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

crate::feature_error!(NoticeError);
