//! WeChat subscribe-message grants: each template the user accepts in the mini-program allows one
//! message of it.

use crate::DomainError;

/// At most this many templates in one grant (what `wx.requestSubscribeMessage` takes at once,
/// with room to spare).
pub const MAX_TEMPLATES: usize = 20;

/// A template id: 1 to 128 printable ASCII characters, no space.
pub fn is_template_id(text: &str) -> bool {
    (1..=128).contains(&text.len()) && text.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// The template ids of a grant: 1 to [`MAX_TEMPLATES`], each a template id.
pub fn parse_template_ids(ids: Vec<String>) -> Result<Vec<String>, DomainError> {
    if ids.is_empty() || ids.len() > MAX_TEMPLATES || !ids.iter().all(|id| is_template_id(id)) {
        return Err(DomainError::Invalid { field: "template_ids", reason: "1 to 20 template ids" });
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_names_one_to_twenty_printable_templates() {
        let ids = |n: usize, id: &str| vec![id.to_owned(); n];
        assert!(parse_template_ids(ids(1, "tmpl-A_1")).is_ok());
        assert!(parse_template_ids(ids(20, "x")).is_ok());
        assert!(parse_template_ids(ids(0, "x")).is_err());
        assert!(parse_template_ids(ids(21, "x")).is_err());
        assert!(parse_template_ids(ids(1, "")).is_err());
        assert!(parse_template_ids(ids(1, "with space")).is_err());
        assert!(parse_template_ids(ids(1, "模板")).is_err());
        assert!(parse_template_ids(vec!["x".repeat(128)]).is_ok());
        assert!(parse_template_ids(vec!["x".repeat(129)]).is_err());
    }
}
