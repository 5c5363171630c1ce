//! Logging in and refreshing tokens.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::me::MeView;
use crate::http::error::ApiError;

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(example = "admin")]
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WeChatCode {
    /// The code from `wx.login` (or, for phone binding, from the `getPhoneNumber` button).
    #[schema(example = "dev:zhangsan", min_length = 1, max_length = 256, pattern = r"\S")]
    pub code: String,
}

impl WeChatCode {
    /// The code, trimmed: required, at most 256 characters.
    pub fn parse(&self) -> Result<&str, ApiError> {
        if self.code.trim().is_empty() || self.code.len() > 256 {
            return Err(ApiError::invalid_field("code", "required, at most 256 characters"));
        }
        Ok(self.code.trim())
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Opaque; send to `/auth/refresh` for a new pair. Each one works once.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub user: MeView,
}
