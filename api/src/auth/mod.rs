//! Who is speaking: tokens, passwords, the authenticated principal, client addresses and rate
//! limits.

pub mod client_ip;
pub mod limits;
pub mod password;
pub mod principal;
pub mod request_state;
pub mod session_cache;
pub mod tokens;

pub use principal::{Auth, AuthAllowingPasswordChange};
