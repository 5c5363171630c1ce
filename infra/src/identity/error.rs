//! The identity feature's one error: what its services and queries refuse, and what broke.

use diesel::result::Error as DieselError;
use domain::identity::roles::Denial;
use domain::DomainError;
use thiserror::Error;

use crate::error::{is_lost_connection, ConnectionLoss};
use crate::InfraError;

#[derive(Debug, Error)]
pub enum IdentityError {
    /// No such object, or one outside the caller's scope.
    #[error("not found")]
    NotFound,
    /// An id in the request names nothing the caller may reach; the field is named.
    #[error("no such {0}")]
    UnknownField(&'static str),
    /// The permission rules refuse (404 outside every scope, 403 inside).
    #[error("denied: {0:?}")]
    Denied(Denial),
    /// A value that does not validate, or a rule on the values (422 naming the field).
    #[error(transparent)]
    Invalid(#[from] DomainError),
    /// The account behind the session is gone.
    #[error("no such account")]
    AccountGone,
    /// Only accounts with a username (staff) have a password to change.
    #[error("the account has no password")]
    NoPassword,
    /// Personal data is processed only after the privacy policy in force is accepted.
    #[error("consent to policy {policy_version} required")]
    ConsentRequired { policy_version: String },
    /// The version accepted is not the one in force.
    #[error("policy {current} is in force")]
    NotCurrentPolicy { current: String },
    /// The exact username an administrator asked for is taken.
    #[error("username taken")]
    UsernameTaken,
    /// The county has a department of that name.
    #[error("department name taken")]
    DepartmentNameTaken,
    /// Another grid has that code.
    #[error("grid code taken")]
    GridCodeTaken,
    /// The applicant has an application pending already.
    #[error("an application is already pending")]
    ApplicationPending,
    /// The application was decided already (a concurrent decision won).
    #[error("application is {status}, not pending")]
    NotPending { status: String },
    /// Administrators are removed by another administrator.
    #[error("administrators cannot delete their own account")]
    AdministratorSelfDeletion,
    /// The refresh token was used before: the session was ended.
    #[error("refresh token reused")]
    RefreshTokenReused,
    /// Unknown refresh token, or its session is over.
    #[error("refresh token invalid")]
    RefreshTokenInvalid,
    /// Stored data breaks an invariant (a row that vanished inside its own transaction).
    #[error("corrupt: {0}")]
    Corrupt(&'static str),
    #[error(transparent)]
    WeChat(#[from] crate::wechat::WeChatError),
    #[error("database error: {0}")]
    Db(#[from] DieselError),
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl From<Denial> for IdentityError {
    fn from(denial: Denial) -> Self {
        Self::Denied(denial)
    }
}

impl ConnectionLoss for IdentityError {
    fn connection_lost(&self) -> bool {
        match self {
            Self::Db(e) => is_lost_connection(e),
            Self::Infra(e) => e.connection_lost(),
            _ => false,
        }
    }
}
