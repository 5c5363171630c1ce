//! Who sees a matter and who may take part in it, over facts the caller gathered: the matter's
//! scope (an org path), its author and moderation, and the caller's grants and homes.

use super::content::Moderation;
use crate::identity::principal::Principal;
use crate::identity::roles::{Permission, Place};

/// The facts of a matter that decide who sees it.
#[derive(Debug, Clone, Copy)]
pub struct Exposure<'a> {
    pub scope_path: &'a [String],
    pub author_id: &'a str,
    pub moderation: Moderation,
}

/// Whether one of `homes` (paths of the units the caller lives in) lies inside the scope.
pub fn lives_in(homes: &[Vec<String>], scope_path: &[String]) -> bool {
    homes.iter().any(|home| home.starts_with(scope_path))
}

/// Whether the caller may read the matter: its author always; text that is not clear only its
/// author and moderators of the scope; otherwise residents of the scope and staff whose grants
/// reach it.
pub fn sees(principal: &Principal, homes: &[Vec<String>], matter: Exposure<'_>) -> bool {
    if principal.subject() == matter.author_id {
        return true;
    }
    let place = Place::in_org(matter.scope_path.to_vec());
    if matter.moderation != Moderation::Clear {
        return principal.may(&place, Permission::ModerateContent);
    }
    principal.sees(&place) || lives_in(homes, matter.scope_path)
}

/// Whether the caller may support, give opinions on and rate the matter: residents of its
/// scope (its author included), on text that is clear.
pub fn takes_part(principal: &Principal, homes: &[Vec<String>], matter: Exposure<'_>) -> bool {
    matter.moderation == Moderation::Clear
        && (principal.subject() == matter.author_id || lives_in(homes, matter.scope_path))
}
