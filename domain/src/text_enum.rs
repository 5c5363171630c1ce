//! Declares enums stored and sent as fixed snake_case words: `text_enum!(Tier "tier" { Small =>
//! "small", … })` gives `ALL`, `as_str`, `parse` (an unknown word is invalid for the named field)
//! and serde in both directions through those words.

#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident $field:literal $reason:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Result<Self, $crate::DomainError> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::DomainError::Invalid { field: $field, reason: $reason }),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                $name::parse(&text).map_err(|_| serde::de::Error::custom($reason))
            }
        }
    };
}
