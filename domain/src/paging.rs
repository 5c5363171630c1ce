//! The list contract of API.md: `limit` defaults to 20 and may not exceed 100.

use crate::DomainError;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// A validated page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    pub fn parse(requested: Option<i64>) -> Result<Self, DomainError> {
        match requested {
            None => Ok(Self(DEFAULT_LIMIT)),
            Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => Ok(Self(n as u32)),
            Some(_) => Err(DomainError::Invalid { field: "limit", reason: "must be between 1 and 100" }),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// One more row than the page holds: fetching it tells whether a next page exists.
    pub fn probe(self) -> i64 {
        i64::from(self.0) + 1
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self(DEFAULT_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_and_bounds() {
        assert_eq!(PageLimit::parse(None).map(PageLimit::get), Ok(20));
        assert_eq!(PageLimit::parse(Some(1)).map(PageLimit::get), Ok(1));
        assert_eq!(PageLimit::parse(Some(100)).map(PageLimit::get), Ok(100));
        assert!(PageLimit::parse(Some(0)).is_err());
        assert!(PageLimit::parse(Some(101)).is_err());
        assert!(PageLimit::parse(Some(-5)).is_err());
        assert_eq!(PageLimit::parse(Some(7)).map(PageLimit::probe), Ok(8));
    }
}
