//! Identifiers: UUIDv7, generated here rather than by the database, so no insert needs
//! `RETURNING`, and ids sort by creation time (they double as keyset cursors).

use uuid::Uuid;

/// A new time-ordered id in its canonical text form, as stored and as sent in JSON.
pub fn new_id() -> String {
    Uuid::now_v7().to_string()
}

/// Checks that `text` is a canonical UUID (what every id route parameter must be).
pub fn is_valid_id(text: &str) -> bool {
    text.len() == 36 && Uuid::try_parse(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_and_ordered_by_creation() {
        let ids: Vec<String> = (0..100).map(|_| new_id()).collect();
        assert!(ids.iter().all(|id| is_valid_id(id)));
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn rejects_non_uuid_text() {
        assert!(!is_valid_id("1"));
        assert!(!is_valid_id("0195c1b2-zzzz-7000-8000-000000000000"));
        assert!(!is_valid_id("{0195c1b2-0000-7000-8000-000000000000}"));
    }
}
