//! The schemas of constrained values, built from the domain types that validate them, so the
//! document and the server cannot drift apart: an enum lists the parser's own `ALL`, a range
//! uses the type's own bounds, a pattern is the type's own constant. Fields and parameters name
//! these with `schema_with`.
//!
//! Required free text is described as the server reads it: trimmed, so it must hold at least
//! one non-blank character (`\S`), and at most `max` characters.

use domain::calendar::{self, DayKind};
use domain::cases::{CaseStatus, CategoryCode, Duty, Level, Outcome, Rating, Urgency, VisitMethod};
use domain::identity::roles::Role;
use serde::Deserialize;
use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, SchemaType, Type};

fn string_enum(values: impl IntoIterator<Item = &'static str>, nullable: bool) -> Object {
    let mut values: Vec<serde_json::Value> = values.into_iter().map(serde_json::Value::from).collect();
    let schema_type: SchemaType = if nullable {
        values.push(serde_json::Value::Null);
        [Type::String, Type::Null].into_iter().collect()
    } else {
        Type::String.into()
    };
    ObjectBuilder::new().schema_type(schema_type).enum_values(Some(values)).build()
}

/// Text holds no control characters but newline and tab (C0, DEL and C1 are refused where JSON
/// and query strings are parsed). [`crate::openapi`] puts this on every string the document
/// leaves otherwise unconstrained; the patterns below build on it.
pub const NO_CONTROL: &str = domain::text::NO_CONTROL_PATTERN;

/// Free text the server trims and requires: one visible character at least, `max` at most.
pub fn required_text(max: usize) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"))
}

/// Free text of `min` to `max` characters once trimmed: a run that starts and ends with visible
/// characters, `min` long at least, inside at most `max`.
pub fn trimmed_text(min: usize, max: usize) -> ObjectBuilder {
    let inner = min.saturating_sub(2);
    ObjectBuilder::new().schema_type(Type::String).min_length(Some(min)).max_length(Some(max)).pattern(Some(format!(
        r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]{{{inner},}}[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )))
}

pub fn duty() -> Object {
    string_enum(Duty::ALL.map(Duty::as_str), false)
}

pub fn level() -> Object {
    string_enum(Level::ALL.map(Level::as_str), false)
}

pub fn outcome() -> Object {
    string_enum(Outcome::ALL.map(Outcome::as_str), false)
}

pub fn urgency_or_null() -> Object {
    string_enum(Urgency::ALL.map(Urgency::as_str), true)
}

pub fn visit_method() -> Object {
    string_enum(VisitMethod::ALL.map(VisitMethod::as_str), false)
}

pub fn day_kind() -> Object {
    string_enum(DayKind::ALL.map(DayKind::as_str), false)
}

pub fn role() -> Object {
    string_enum(Role::ALL.map(Role::as_str), false)
}

/// The coordinate system of a point: `gcj02` (the default) or `wgs84`.
pub const COORDS: [&str; 2] = ["gcj02", "wgs84"];

pub fn coord() -> Object {
    string_enum(COORDS, false)
}

pub fn coord_or_null() -> Object {
    string_enum(COORDS, true)
}

pub fn rating() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int32)))
        .minimum(Some(Rating::MIN))
        .maximum(Some(Rating::MAX))
        .description(Some("1 to 5 stars; 4 and 5 count as satisfied."))
        .build()
}

pub fn category_code() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(CategoryCode::MIN_LEN))
        .max_length(Some(CategoryCode::MAX_LEN))
        .pattern(Some(CategoryCode::PATTERN))
        .examples(["road"])
        .build()
}

pub fn calendar_year() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int32)))
        .minimum(Some(*calendar::YEARS.start()))
        .maximum(Some(*calendar::YEARS.end()))
        .examples([2027])
        .build()
}

pub fn array_of(item: Object, min: usize, max: usize) -> utoipa::openapi::schema::Array {
    ArrayBuilder::new().items(item).min_items(Some(min)).max_items(Some(max)).build()
}

/// An array of `min` to `max` distinct items.
pub fn distinct_array_of(item: Object, min: usize, max: usize) -> utoipa::openapi::schema::Array {
    ArrayBuilder::new().items(item).min_items(Some(min)).max_items(Some(max)).unique_items(true).build()
}

/// 1 to 500 distinct households (a grid's roster).
pub fn household_ids() -> utoipa::openapi::schema::Array {
    distinct_array_of(ObjectBuilder::new().schema_type(Type::String).build(), 1, 500)
}

/// A household's care needs: 1 to 3, each once.
pub fn care_needs() -> utoipa::openapi::schema::Array {
    use domain::grid_work::care::CareNeed;
    distinct_array_of(string_enum(CareNeed::ALL.iter().map(|n| n.as_str()), false), 1, CareNeed::ALL.len())
}

pub fn case_status() -> Object {
    string_enum(CaseStatus::ALL.map(CaseStatus::as_str), false)
}

/// Degrees between `min` and `max`.
fn degrees(min: f64, max: f64, nullable: bool) -> Object {
    let schema_type: SchemaType =
        if nullable { [Type::Number, Type::Null].into_iter().collect() } else { Type::Number.into() };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Double)))
        .minimum(Some(min))
        .maximum(Some(max))
        .build()
}

/// A reported point's latitude, as `domain::geo_cn::ChinaPoint` accepts it.
pub fn lat() -> Object {
    let region = domain::geo_cn::CHINA_REGION;
    degrees(region.min_lat, region.max_lat, false)
}

pub fn lng() -> Object {
    let region = domain::geo_cn::CHINA_REGION;
    degrees(region.min_lng, region.max_lng, false)
}

pub fn lat_or_null() -> Object {
    let region = domain::geo_cn::CHINA_REGION;
    degrees(region.min_lat, region.max_lat, true)
}

pub fn lng_or_null() -> Object {
    let region = domain::geo_cn::CHINA_REGION;
    degrees(region.min_lng, region.max_lng, true)
}

/// A staff username as `domain::identity::accounts::Username::parse` takes it: trimmed, then 3 to 32 of
/// letters (kept in lower case), digits, `_`, `-` and `.`.
pub fn username() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(domain::identity::accounts::Username::PATTERN))
        .examples(["cadre-wang"])
        .build()
}

/// A name as `domain::identity::org::parse_name` reads it: 1 to 64 characters once trimmed.
pub fn name() -> Object {
    required_text(64).build()
}

/// A name to change, or null to leave it.
pub fn optional_name() -> Object {
    required_text(64).schema_type([Type::String, Type::Null].into_iter().collect::<SchemaType>()).build()
}

/// A grid level to change, or null to leave it.
pub fn optional_grid_level() -> Object {
    string_enum(domain::identity::org::GridLevel::ALL.map(domain::identity::org::GridLevel::as_str), true)
}

pub fn org_kind() -> Object {
    string_enum(domain::identity::org::OrgKind::ALL.map(domain::identity::org::OrgKind::as_str), false)
}

pub fn grid_level() -> Object {
    string_enum(domain::identity::org::GridLevel::ALL.map(domain::identity::org::GridLevel::as_str), false)
}

/// Deliberation: a matter's status, a tier, a scheme, moderation, who decided.
pub fn matter_status() -> Object {
    string_enum(domain::deliberation::MatterStatus::ALL.iter().map(|s| s.as_str()), false)
}

pub fn tier() -> Object {
    string_enum(domain::deliberation::Tier::ALL.iter().map(|t| t.as_str()), false)
}

pub fn tier_or_null() -> Object {
    string_enum(domain::deliberation::Tier::ALL.iter().map(|t| t.as_str()), true)
}

pub fn scheme() -> Object {
    string_enum(domain::deliberation::Scheme::ALL.iter().map(|s| s.as_str()), false)
}

pub fn decided_by() -> Object {
    string_enum(domain::deliberation::DecidedBy::ALL.iter().map(|d| d.as_str()), false)
}

pub fn moderation() -> Object {
    string_enum(domain::deliberation::Moderation::ALL.iter().map(|m| m.as_str()), false)
}

/// What a grant's `scope_kind` may be (`domain::identity::roles::ScopeKind`; a test below proves each
/// parses).
pub const SCOPE_KINDS: [&str; 3] = ["org_unit", "grid", "department"];

pub fn scope_kind() -> Object {
    string_enum(SCOPE_KINDS, false)
}

/// An integer field as JSON Schema's `integer` means it: `5` and `5.0` alike, nothing fractional.
pub fn integral<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::de::Error;
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = match (number.as_i64(), number.as_f64()) {
        (Some(i), _) => Some(i),
        #[allow(clippy::cast_possible_truncation)]
        (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    };
    whole
        .and_then(|i| T::try_from(i).ok())
        .ok_or_else(|| D::Error::custom(format!("{number} is not an integer in range")))
}

/// A new password's length as `domain::identity::accounts::NewPassword::parse` counts it (its other rules
/// — letters mixed with digits or symbols, not the username — are listed in CI's schemathesis
/// configuration).
pub fn new_password() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(domain::identity::accounts::NewPassword::MIN_CHARS))
        .max_length(Some(domain::identity::accounts::NewPassword::MAX_CHARS))
        .build()
}

pub fn poll_kind() -> Object {
    string_enum(domain::voting::PollKind::ALL.iter().map(|k| k.as_str()), false)
}

pub fn secrecy() -> Object {
    string_enum(domain::voting::Secrecy::ALL.iter().map(|k| k.as_str()), false)
}

pub fn electorate() -> Object {
    string_enum(domain::voting::Electorate::ALL.iter().map(|k| k.as_str()), false)
}

pub fn results_visibility() -> Object {
    string_enum(domain::voting::Visibility::ALL.iter().map(|k| k.as_str()), false)
}

pub fn threshold_or_null() -> Object {
    string_enum(domain::voting::Threshold::ALL.iter().map(|k| k.as_str()), true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn listed_scope_kinds_parse() {
        for kind in super::SCOPE_KINDS {
            assert!(domain::identity::roles::ScopeKind::parse(kind).is_ok(), "{kind}");
        }
    }

    #[test]
    fn integral_takes_whole_floats_only() {
        #[derive(serde::Deserialize)]
        struct R {
            #[serde(deserialize_with = "super::integral")]
            v: i32,
        }
        let parse = |t: &str| serde_json::from_str::<R>(t).map(|r| r.v).ok();
        assert_eq!(parse(r#"{"v": 5}"#), Some(5));
        assert_eq!(parse(r#"{"v": 5.0}"#), Some(5));
        assert_eq!(parse(r#"{"v": 5.5}"#), None);
        assert_eq!(parse(r#"{"v": 1e12}"#), None, "out of i32");
    }
}
