//! Who may administer the outbox: its statistics, its dead deliveries and their retry.

use crate::identity::principal::Principal;
use crate::identity::roles::Denial;

/// Only administrators see and retry deliveries: they hold every user's notices.
pub fn may_manage_outbox(principal: &Principal) -> Result<(), Denial> {
    if principal.is_admin() {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::principal::AccountKind;
    use crate::identity::roles::{Grant, Role, ScopeKind};

    fn with(role: Role) -> Principal {
        let grant = Grant {
            role,
            scope_kind: ScopeKind::OrgUnit,
            scope_id: "c".into(),
            org_path: vec!["c".into()],
            grids_within: Vec::new(),
        };
        Principal {
            user_id: "u".into(),
            session_id: "s".into(),
            kind: AccountKind::Staff,
            grants: vec![grant],
            acting_for: None,
        }
    }

    #[test]
    fn only_administrators_manage_the_outbox() {
        assert_eq!(may_manage_outbox(&with(Role::Admin)), Ok(()));
        assert_eq!(may_manage_outbox(&with(Role::CountyAdmin)), Err(Denial::Forbidden));
        assert_eq!(may_manage_outbox(&with(Role::VillageCadre)), Err(Denial::Forbidden));
        let resident = Principal { grants: Vec::new(), kind: AccountKind::Resident, ..with(Role::Admin) };
        assert_eq!(may_manage_outbox(&resident), Err(Denial::Forbidden));
    }
}
