//! The org tree: county → township/street → village/community → group/compound → building,
//! and grids drawn on the map.

use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point, Polygon};
use serde::{Deserialize, Serialize};

use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    County,
    Township,
    Village,
    /// A natural village or residential compound (自然村/小区), between a village and its
    /// groups or buildings where the village has them.
    Compound,
    Group,
    Building,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] =
        [OrgKind::County, OrgKind::Township, OrgKind::Village, OrgKind::Compound, OrgKind::Group, OrgKind::Building];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::County => "county",
            OrgKind::Township => "township",
            OrgKind::Village => "village",
            OrgKind::Compound => "compound",
            OrgKind::Group => "group",
            OrgKind::Building => "building",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|k| k.as_str() == text).ok_or(DomainError::Invalid {
            field: "kind",
            reason: "county, township, village, compound, group or building",
        })
    }

    /// The kinds a child of this kind may have: a village holds natural villages (compounds)
    /// or its groups directly; a compound holds groups or buildings.
    pub fn children(self) -> &'static [OrgKind] {
        match self {
            OrgKind::County => &[OrgKind::Township],
            OrgKind::Township => &[OrgKind::Village],
            OrgKind::Village => &[OrgKind::Compound, OrgKind::Group],
            OrgKind::Compound => &[OrgKind::Group, OrgKind::Building],
            OrgKind::Group => &[OrgKind::Building],
            OrgKind::Building => &[],
        }
    }

    /// Whether residents may apply to join a unit of this kind.
    pub fn takes_residents(self) -> bool {
        matches!(self, OrgKind::Village | OrgKind::Compound | OrgKind::Group | OrgKind::Building)
    }
}

/// Checks a new unit's kind against its parent's: counties are roots, every other kind sits
/// under the kind just above it.
pub fn check_placement(kind: OrgKind, parent: Option<OrgKind>) -> Result<(), DomainError> {
    match (kind, parent) {
        (OrgKind::County, None) => Ok(()),
        (_, Some(parent)) if parent.children().contains(&kind) => Ok(()),
        _ => Err(DomainError::Invalid { field: "parent_id", reason: "a unit must sit under a level that may hold it" }),
    }
}

/// Departments serve a county, and belong to nothing else (`kind` is the unit's, `None` when
/// unreadable).
pub fn check_department_unit(kind: Option<OrgKind>) -> Result<(), DomainError> {
    if kind == Some(OrgKind::County) {
        Ok(())
    } else {
        Err(DomainError::Invalid { field: "org_unit_id", reason: "departments belong to a county" })
    }
}

/// A grid as the routing rule sees it: its id, level and boundary text (GeoJSON).
#[derive(Debug, Clone, Copy)]
pub struct GridCandidate<'a> {
    pub id: &'a str,
    pub level: &'a str,
    pub boundary: &'a str,
}

/// Where a point is routed: the smallest grid whose boundary holds it (grids nest), the lower id
/// on a tie so every instance picks the same one. Answers the candidate's index; a candidate with
/// an unreadable boundary holds nothing, one of an unknown level counts as big.
pub fn smallest_holding(candidates: &[GridCandidate<'_>], lat: f64, lng: f64) -> Option<usize> {
    let rank = |level: &str| GridLevel::parse(level).map_or(GridLevel::Big.rank(), GridLevel::rank);
    candidates
        .iter()
        .enumerate()
        .filter(|(_, g)| Boundary::parse(g.boundary).is_ok_and(|b| b.contains(lat, lng)))
        .min_by(|(_, a), (_, b)| (rank(a.level), a.id).cmp(&(rank(b.level), b.id)))
        .map(|(i, _)| i)
}

/// The village (or community) a path runs through: counties are roots, townships sit under
/// counties and villages under townships, so it is the third id of a path that long.
pub fn village_of(path: &[String]) -> Option<&str> {
    path.get(2).map(String::as_str)
}

/// A unit's name: 1–64 characters after trimming.
pub fn parse_name(text: &str, field: &'static str) -> Result<String, DomainError> {
    let name = text.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(DomainError::Invalid { field, reason: "1 to 64 characters" });
    }
    Ok(name.to_owned())
}

/// A grid's unified code (统一编码): 2–32 letters, digits and hyphens, kept upper-case, so that
/// `zj-jd-001` and `ZJ-JD-001` are one code.
pub fn parse_grid_code(text: &str) -> Result<String, DomainError> {
    let code = text.trim();
    let fits = (2..=32).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !fits {
        return Err(DomainError::Invalid { field: "code", reason: "2 to 32 letters, digits and hyphens" });
    }
    Ok(code.to_ascii_uppercase())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GridLevel {
    Big,
    Middle,
    Small,
}

impl GridLevel {
    pub const ALL: [GridLevel; 3] = [Self::Big, Self::Middle, Self::Small];

    pub fn as_str(self) -> &'static str {
        match self {
            GridLevel::Big => "big",
            GridLevel::Middle => "middle",
            GridLevel::Small => "small",
        }
    }

    /// Grids nest: a grid holds the grids of a smaller level on its own unit or below it (a
    /// village's big grid holds its groups' small grids).
    pub fn holds(self, inner: GridLevel, outer_unit_path: &[String], inner_unit_path: &[String]) -> bool {
        self.rank() > inner.rank() && inner_unit_path.starts_with(outer_unit_path)
    }

    fn rank(self) -> u8 {
        match self {
            GridLevel::Big => 3,
            GridLevel::Middle => 2,
            GridLevel::Small => 1,
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "big" => Ok(Self::Big),
            "middle" => Ok(Self::Middle),
            "small" => Ok(Self::Small),
            _ => Err(DomainError::Invalid { field: "level", reason: "big, middle or small" }),
        }
    }
}

/// A grid boundary: a GeoJSON Polygon or MultiPolygon in GCJ-02, validated, with its bounding
/// box (what the database indexes to narrow a point lookup before the exact test).
#[derive(Debug, Clone)]
pub struct Boundary {
    shape: MultiPolygon<f64>,
    pub min_lng: f64,
    pub min_lat: f64,
    pub max_lng: f64,
    pub max_lat: f64,
}

impl Boundary {
    /// Parses GeoJSON text (a geometry, or a Feature holding one).
    pub fn parse(geojson_text: &str) -> Result<Self, DomainError> {
        let invalid = |reason| DomainError::Invalid { field: "boundary", reason };
        let parsed: geojson::GeoJson = geojson_text.parse().map_err(|_| invalid("not GeoJSON"))?;
        let geometry = match parsed {
            geojson::GeoJson::Geometry(g) => g,
            geojson::GeoJson::Feature(f) => f.geometry.ok_or_else(|| invalid("the feature has no geometry"))?,
            geojson::GeoJson::FeatureCollection(_) => {
                return Err(invalid("one Polygon or MultiPolygon, not a collection"))
            }
        };
        let shape: MultiPolygon<f64> = match geometry.value {
            geojson::Value::Polygon(_) => {
                let polygon: Polygon<f64> = geometry.value.try_into().map_err(|_| invalid("a malformed polygon"))?;
                MultiPolygon(vec![polygon])
            }
            geojson::Value::MultiPolygon(_) => {
                geometry.value.try_into().map_err(|_| invalid("a malformed multipolygon"))?
            }
            _ => return Err(invalid("must be a Polygon or MultiPolygon")),
        };
        for polygon in &shape.0 {
            if polygon.exterior().0.len() < 4 {
                return Err(invalid("a ring needs at least 4 positions"));
            }
            let in_china = polygon.exterior().0.iter().all(|c| crate::geo_cn::CHINA_REGION.holds(c.y, c.x));
            if !in_china {
                return Err(invalid("positions are [lng, lat] in China (GCJ-02)"));
            }
        }
        let rect = shape.bounding_rect().ok_or_else(|| invalid("an empty shape"))?;
        Ok(Self { min_lng: rect.min().x, min_lat: rect.min().y, max_lng: rect.max().x, max_lat: rect.max().y, shape })
    }

    /// Whether the point (GCJ-02) lies inside (edges count as inside).
    pub fn contains(&self, lat: f64, lng: f64) -> bool {
        let point = Point::from(Coord { x: lng, y: lat });
        self.shape.contains(&point) || geo::Intersects::intersects(&self.shape, &point)
    }
}

/// A coordinate pair as sent by clients, validated.
/// The largest latitude and longitude, either way, that [`check_point`] accepts.
pub const MAX_LAT: f64 = 90.0;
pub const MAX_LNG: f64 = 180.0;

pub fn check_point(lat: f64, lng: f64) -> Result<(), DomainError> {
    let within = (-MAX_LAT..=MAX_LAT).contains(&lat) && (-MAX_LNG..=MAX_LNG).contains(&lng);
    if !(lat.is_finite() && lng.is_finite() && within) {
        return Err(DomainError::Invalid { field: "lat", reason: "lat within ±90 and lng within ±180" });
    }
    Ok(())
}

/// The permission adding a unit needs: under a parent, managing the parent's subtree; a county at
/// the root, administering the whole system.
pub fn permission_to_add_unit(has_parent: bool) -> crate::identity::roles::Permission {
    use crate::identity::roles::Permission;
    if has_parent {
        Permission::ManageOrg
    } else {
        Permission::Administer
    }
}

/// A point as the client sent it, in GCJ-02: checked, and converted when it came from
/// `wx.getLocation` unconverted (`coord=wgs84`).
pub fn point_in_gcj02(lat: f64, lng: f64, coord: Option<&str>) -> Result<(f64, f64), DomainError> {
    check_point(lat, lng)?;
    match coord {
        None | Some("gcj02") => Ok((lat, lng)),
        Some("wgs84") => Ok(crate::geo_cn::wgs84_to_gcj02(lat, lng)),
        Some(_) => Err(DomainError::Invalid { field: "coord", reason: "gcj02 or wgs84" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[111.99,27.70],[112.01,27.70],[112.01,27.72],[111.99,27.72],[111.99,27.70]]]}"#;

    #[test]
    fn the_tree_has_fixed_levels() {
        assert!(check_placement(OrgKind::County, None).is_ok());
        assert!(check_placement(OrgKind::Township, Some(OrgKind::County)).is_ok());
        assert!(check_placement(OrgKind::Building, Some(OrgKind::Group)).is_ok());
        assert!(check_placement(OrgKind::Village, Some(OrgKind::County)).is_err());
        assert!(check_placement(OrgKind::Township, None).is_err());
        assert!(check_placement(OrgKind::County, Some(OrgKind::County)).is_err());
        assert!(OrgKind::Village.takes_residents() && !OrgKind::Township.takes_residents());
        // Natural villages and compounds sit under a village and hold groups or buildings.
        assert!(check_placement(OrgKind::Compound, Some(OrgKind::Village)).is_ok());
        assert!(check_placement(OrgKind::Group, Some(OrgKind::Village)).is_ok());
        assert!(check_placement(OrgKind::Building, Some(OrgKind::Compound)).is_ok());
        assert!(check_placement(OrgKind::Compound, Some(OrgKind::Group)).is_err());
        assert!(check_placement(OrgKind::Building, Some(OrgKind::Village)).is_err());
        assert!(OrgKind::Compound.takes_residents());
        for kind in OrgKind::ALL {
            assert_eq!(OrgKind::parse(kind.as_str()), Ok(kind));
        }
    }

    #[test]
    fn boundaries_parse_with_their_box_and_contain_points() {
        let b = Boundary::parse(SQUARE).map_err(|e| e.to_string());
        let b = b.as_ref().ok();
        assert_eq!(b.map(|b| (b.min_lng, b.min_lat, b.max_lng, b.max_lat)), Some((111.99, 27.70, 112.01, 27.72)));
        assert_eq!(b.map(|b| b.contains(27.71, 112.0)), Some(true));
        assert_eq!(b.map(|b| b.contains(27.70, 112.0)), Some(true), "edges count");
        assert_eq!(b.map(|b| b.contains(27.73, 112.0)), Some(false));
    }

    #[test]
    fn bad_boundaries_are_refused() {
        assert!(Boundary::parse("{}").is_err());
        assert!(Boundary::parse(r#"{"type":"Point","coordinates":[112.0,27.7]}"#).is_err());
        assert!(Boundary::parse(r#"{"type":"Polygon","coordinates":[[[1.0,1.0],[2.0,1.0],[1.0,1.0]]]}"#).is_err());
        assert!(Boundary::parse(r#"{"type":"Polygon","coordinates":[[[-10.0,1.0],[2.0,1.0],[2.0,2.0],[-10.0,1.0]]]}"#)
            .is_err());
        let feature = format!(r#"{{"type":"Feature","properties":{{}},"geometry":{SQUARE}}}"#);
        assert!(Boundary::parse(&feature).is_ok());
    }

    #[test]
    fn a_point_goes_to_the_smallest_grid_holding_it() {
        let square = |lat: f64, lng: f64, half: f64| {
            format!(
                r#"{{"type":"Polygon","coordinates":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}"#,
                w = lng - half,
                e = lng + half,
                s = lat - half,
                n = lat + half
            )
        };
        let (village, group, other) =
            (square(27.7, 112.0, 0.01), square(27.705, 112.0, 0.002), square(27.7, 112.1, 0.01));
        let grids = [
            GridCandidate { id: "b", level: "big", boundary: &village },
            GridCandidate { id: "s", level: "small", boundary: &group },
            GridCandidate { id: "o", level: "small", boundary: &other },
            GridCandidate { id: "x", level: "small", boundary: "not geojson" },
        ];
        assert_eq!(smallest_holding(&grids, 27.705, 112.0), Some(1), "inside the group's grid");
        assert_eq!(smallest_holding(&grids, 27.695, 112.0), Some(0), "outside it, the village's");
        assert_eq!(smallest_holding(&grids, 27.5, 112.0), None, "outside every grid");
        let tie = [
            GridCandidate { id: "z", level: "small", boundary: &group },
            GridCandidate { id: "a", level: "small", boundary: &group },
        ];
        assert_eq!(smallest_holding(&tie, 27.705, 112.0), Some(1), "the lower id on a tie");
    }

    #[test]
    fn bigger_grids_hold_smaller_ones_on_their_unit_or_below() {
        let path = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let village = path(&["c", "t", "v"]);
        let group = path(&["c", "t", "v", "g1"]);
        let neighbour = path(&["c", "t", "w", "g1"]);
        assert!(GridLevel::Big.holds(GridLevel::Small, &village, &group));
        assert!(GridLevel::Big.holds(GridLevel::Middle, &village, &village));
        assert!(GridLevel::Middle.holds(GridLevel::Small, &village, &group));
        assert!(!GridLevel::Small.holds(GridLevel::Big, &group, &village), "not upwards");
        assert!(!GridLevel::Big.holds(GridLevel::Big, &village, &group), "not a peer");
        assert!(!GridLevel::Big.holds(GridLevel::Small, &village, &neighbour), "not beside it");
    }

    #[test]
    fn points_are_checked() {
        assert!(check_point(27.7, 112.0).is_ok());
        assert!(check_point(91.0, 112.0).is_err());
        assert!(check_point(f64::NAN, 112.0).is_err());
    }

    #[test]
    fn points_come_in_gcj02_or_are_converted() {
        assert_eq!(point_in_gcj02(30.0, 110.0, None), Ok((30.0, 110.0)));
        assert_eq!(point_in_gcj02(30.0, 110.0, Some("gcj02")), Ok((30.0, 110.0)));
        assert!(point_in_gcj02(30.0, 110.0, Some("wgs84")).is_ok_and(|p| p != (30.0, 110.0)));
        assert!(point_in_gcj02(30.0, 110.0, Some("bd09")).is_err());
        assert!(point_in_gcj02(91.0, 110.0, Some("bd09"))
            .is_err_and(|e| e != point_in_gcj02(0.0, 0.0, Some("x")).unwrap_err()));
    }

    #[test]
    fn adding_a_county_is_administration() {
        use crate::identity::roles::Permission;
        assert_eq!(permission_to_add_unit(true), Permission::ManageOrg);
        assert_eq!(permission_to_add_unit(false), Permission::Administer);
    }

    #[test]
    fn departments_belong_to_a_county() {
        assert_eq!(check_department_unit(Some(OrgKind::County)), Ok(()));
        assert!(check_department_unit(Some(OrgKind::Township)).is_err());
        assert!(check_department_unit(None).is_err());
    }
}
