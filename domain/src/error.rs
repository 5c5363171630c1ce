//! Errors of business rules: a value that does not validate, an action the rules refuse.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A value failed validation; `field` names the input it came from.
    #[error("invalid value for {field}: {reason}")]
    Invalid { field: &'static str, reason: &'static str },
}
