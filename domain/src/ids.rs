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

/// Declares newtype ids: `typed_id!(CaseId, "a case")`. Each is a canonical UUID in text, checked
/// when parsed or deserialized (so a path or body id that is no UUID never reaches a query),
/// and one kind cannot be passed where another is meant.
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new, time-ordered id.
            pub fn generate() -> Self {
                Self($crate::ids::new_id())
            }

            /// The id in `text`, if it is a canonical UUID.
            pub fn parse(text: &str) -> Option<Self> {
                $crate::ids::is_valid_id(text).then(|| Self(text.to_owned()))
            }

            /// An id read back from storage, where only valid ids were written.
            pub fn from_stored(text: String) -> Self {
                Self(text)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&text).ok_or_else(|| serde::de::Error::custom(concat!("not a valid ", stringify!($name))))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    typed_id!(
        /// An id for the tests.
        ThingId
    );

    #[test]
    fn typed_ids_accept_only_canonical_uuids() {
        let id = ThingId::generate();
        assert_eq!(ThingId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(serde_json::from_value::<ThingId>(serde_json::json!(id.as_str())).ok(), Some(id.clone()));
        assert!(serde_json::from_value::<ThingId>(serde_json::json!("1")).is_err());
        assert!(serde_json::from_value::<ThingId>(serde_json::json!(7)).is_err());
        assert!(ThingId::parse("0195c1b2-zzzz-7000-8000-000000000000").is_none());
        assert_eq!(serde_json::to_value(&id).ok(), Some(serde_json::json!(id.as_str())));
    }

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
