//! Who is speaking: the authenticated user with the grants read for this request, and, for a
//! proxy action (代办), the resident the staff member acts for.

use crate::roles::{self, Denial, Grant, Place, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    Resident,
    Staff,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Resident => "resident",
            AccountKind::Staff => "staff",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub session_id: String,
    pub kind: AccountKind,
    /// Role grants as stored now (read per request, so a revocation acts at once).
    pub grants: Vec<Grant>,
    /// The resident a staff member acts for, when acting by proxy (`X-Acting-For`).
    pub acting_for: Option<String>,
}

impl Principal {
    /// The user an action is recorded for: the resident when acting by proxy, else oneself.
    pub fn subject(&self) -> &str {
        self.acting_for.as_deref().unwrap_or(&self.user_id)
    }

    /// The staff member who performed a proxy action.
    pub fn proxy(&self) -> Option<&str> {
        self.acting_for.as_ref().map(|_| self.user_id.as_str())
    }

    pub fn require(&self, place: &Place, at_least: Role) -> Result<(), Denial> {
        roles::require(&self.grants, place, at_least)
    }

    pub fn sees(&self, place: &Place) -> bool {
        roles::sees(&self.grants, place)
    }

    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::Admin)
    }

    pub fn top_role(&self) -> Option<Role> {
        self.grants.iter().map(|g| g.role).max()
    }
}
