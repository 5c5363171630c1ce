//! China's map datum: positions from `wx.getLocation` default to WGS-84, while maps and grid
//! boundaries use GCJ-02. Outside mainland China the two are the same.
//!
//! A reported point must lie in [`CHINA_REGION`]: a failed GPS fix (0, 0) or a phone abroad is
//! not a place a village can send a grid worker to. [`ChinaPoint`] is the only way to get one.

use crate::DomainError;

/// The box holding mainland China and its islands (Mohe 53.6° N to Zengmu Ansha 3.9° N, the
/// Pamirs 73.5° E to Fuyuan 135.1° E), in degrees. Grid boundaries and reported points must
/// lie in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lng: f64,
    pub max_lng: f64,
}

pub const CHINA_REGION: Region = Region { min_lat: 3.0, max_lat: 54.0, min_lng: 73.0, max_lng: 136.0 };

impl Region {
    pub fn holds_lat(&self, lat: f64) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat)
    }

    pub fn holds_lng(&self, lng: f64) -> bool {
        (self.min_lng..=self.max_lng).contains(&lng)
    }

    pub fn holds(&self, lat: f64, lng: f64) -> bool {
        self.holds_lat(lat) && self.holds_lng(lng)
    }
}

/// A point in China, in GCJ-02: built only from coordinates inside [`CHINA_REGION`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChinaPoint {
    lat: f64,
    lng: f64,
}

/// The datum a client sent its coordinates in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datum {
    Gcj02,
    Wgs84,
}

impl Datum {
    /// The `coord` parameter of API.md: absent or `gcj02`, or `wgs84`.
    pub fn parse(coord: Option<&str>) -> Result<Self, DomainError> {
        match coord {
            None | Some("gcj02") => Ok(Self::Gcj02),
            Some("wgs84") => Ok(Self::Wgs84),
            Some(_) => Err(DomainError::Invalid { field: "coord", reason: "gcj02 or wgs84" }),
        }
    }
}

impl ChinaPoint {
    /// Checks a client's `lat`/`lng` (in `datum`) and gives the point in GCJ-02. A coordinate
    /// outside China is refused on its own field (both outside: on `lat`).
    pub fn parse(lat: f64, lng: f64, datum: Datum) -> Result<Self, DomainError> {
        const REASON: &str = "a point in China (lat 3 to 54, lng 73 to 136)";
        if !(lat.is_finite() && CHINA_REGION.holds_lat(lat)) {
            return Err(DomainError::Invalid { field: "lat", reason: REASON });
        }
        if !(lng.is_finite() && CHINA_REGION.holds_lng(lng)) {
            return Err(DomainError::Invalid { field: "lng", reason: REASON });
        }
        let (lat, lng) = match datum {
            Datum::Gcj02 => (lat, lng),
            Datum::Wgs84 => wgs84_to_gcj02(lat, lng),
        };
        Ok(Self { lat, lng })
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lng(self) -> f64 {
        self.lng
    }

    /// `(lat, lng)` in GCJ-02.
    pub fn pair(self) -> (f64, f64) {
        (self.lat, self.lng)
    }
}

const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

fn outside_china(lat: f64, lng: f64) -> bool {
    !(72.004..=137.8347).contains(&lng) || !(0.8293..=55.8271).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

fn transform_lng(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

/// WGS-84 → GCJ-02, as (lat, lng).
pub fn wgs84_to_gcj02(lat: f64, lng: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    if outside_china(lat, lng) {
        return (lat, lng);
    }
    let mut d_lat = transform_lat(lng - 105.0, lat - 35.0);
    let mut d_lng = transform_lng(lng - 105.0, lat - 35.0);
    let rad_lat = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    d_lng = (d_lng * 180.0) / (A / sqrt_magic * rad_lat.cos() * PI);
    (lat + d_lat, lng + d_lng)
}

/// GCJ-02 → WGS-84, as (lat, lng): the forward shift inverted by fixed-point iteration (the
/// shift varies slowly, so a few rounds reach well under a metre).
pub fn gcj02_to_wgs84(lat: f64, lng: f64) -> (f64, f64) {
    let (mut wlat, mut wlng) = (lat, lng);
    for _ in 0..6 {
        let (glat, glng) = wgs84_to_gcj02(wlat, wlng);
        wlat -= glat - lat;
        wlng -= glng - lng;
    }
    (wlat, wlng)
}

/// Metres between two points on the sphere (haversine); either datum, as long as both agree.
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let d_lat = lat2 - lat1;
    let d_lng = (b.1 - a.1).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lng / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

/// The side of a spatial index cell, in degrees (about 1.1 km north–south).
pub const CELL_DEGREES: f64 = 0.01;

/// The index cell holding a point: an integer key, so "cases near here" is an indexed
/// `cell IN (…)` over the few cells a circle touches rather than a scan.
pub fn cell_of(lat: f64, lng: f64) -> i64 {
    let row = ((lat + 90.0) / CELL_DEGREES).floor() as i64;
    let col = ((lng + 180.0) / CELL_DEGREES).floor() as i64;
    row * 100_000 + col
}

/// The bounding box of a circle of `radius_m` around a point: (min_lat, max_lat, min_lng, max_lng).
pub fn bbox_around(lat: f64, lng: f64, radius_m: f64) -> (f64, f64, f64, f64) {
    let (d_lat, d_lng) = half_sides(lat, radius_m);
    (lat - d_lat, lat + d_lat, lng - d_lng, lng + d_lng)
}

fn half_sides(lat: f64, radius_m: f64) -> (f64, f64) {
    // A little over the radius, so rounding never drops a point on the circle.
    let radius = radius_m * 1.001 + 0.5;
    (radius / 111_195.0, radius / (111_195.0 * lat.to_radians().cos().max(0.01)))
}

/// The cells a circle of `radius_m` around a point touches.
pub fn cells_around(lat: f64, lng: f64, radius_m: f64) -> Vec<i64> {
    let (d_lat, d_lng) = half_sides(lat, radius_m);
    let (r0, r1) =
        (((lat - d_lat + 90.0) / CELL_DEGREES).floor() as i64, ((lat + d_lat + 90.0) / CELL_DEGREES).floor() as i64);
    let (c0, c1) =
        (((lng - d_lng + 180.0) / CELL_DEGREES).floor() as i64, ((lng + d_lng + 180.0) / CELL_DEGREES).floor() as i64);
    let mut cells = Vec::new();
    for row in r0..=r1 {
        for col in c0..=c1 {
            cells.push(row * 100_000 + col);
        }
    }
    cells
}

/// A point rounded to about 100 m (three decimals), for publishing a location without pointing
/// at a doorstep.
pub fn coarsen(lat: f64, lng: f64) -> (f64, f64) {
    ((lat * 1000.0).round() / 1000.0, (lng * 1000.0).round() / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcj02_back_to_wgs84_within_a_metre() {
        let wgs = (27.705, 112.003);
        let gcj = wgs84_to_gcj02(wgs.0, wgs.1);
        assert!(distance_m(gcj, wgs) > 100.0, "the shift is hundreds of metres");
        assert!(distance_m(gcj02_to_wgs84(gcj.0, gcj.1), wgs) < 1.0);
    }

    #[test]
    fn distances_and_cells() {
        let d = distance_m((27.71, 112.0), (27.71027, 112.0));
        assert!((d - 30.0).abs() < 0.5, "{d}");
        let cells = cells_around(27.7195, 112.0055, 100.0);
        assert!(cells.contains(&cell_of(27.7195, 112.0055)));
        assert!(cells.contains(&cell_of(27.7203, 112.0055)), "100 m north crosses into the next cell");
        assert!(!cells.contains(&cell_of(27.7395, 112.0055)));
        assert!(cells.len() <= 4);
        assert_eq!(coarsen(27.712_345, 112.004_567), (27.712, 112.005));
        let (s, n, w, e) = bbox_around(27.71, 112.0, 100.0);
        assert!(distance_m((s, 112.0), (27.71, 112.0)) >= 100.0 && distance_m((27.71, e), (27.71, 112.0)) >= 100.0);
        assert!(n - s < 0.0019 && e - w < 0.0021, "tight: {s} {n} {w} {e}");
    }

    #[test]
    fn points_outside_china_are_refused_on_their_field() {
        let field = |lat: f64, lng: f64| match ChinaPoint::parse(lat, lng, Datum::Gcj02) {
            Err(DomainError::Invalid { field, .. }) => field,
            Ok(_) => "accepted",
        };
        assert_eq!(field(27.7105, 112.0005), "accepted", "a village in Hunan");
        assert_eq!(field(53.48, 122.37), "accepted", "Mohe, the far north");
        assert_eq!(field(16.83, 112.34), "accepted", "Yongxing Island, Sansha");
        assert_eq!(field(39.47, 75.99), "accepted", "Kashgar, the far west");
        assert_eq!(field(0.0, 0.0), "lat", "a failed GPS fix");
        assert_eq!(field(48.8584, 2.2945), "lng", "Paris");
        assert_eq!(field(40.7128, -74.006), "lng", "New York");
        assert_eq!(field(-33.87, 151.21), "lat", "Sydney");
        assert_eq!(field(f64::NAN, 112.0), "lat");
        assert_eq!(field(27.7, f64::INFINITY), "lng");
        assert_eq!(field(91.0, 112.0), "lat");
    }

    #[test]
    fn wgs84_points_are_shifted_to_gcj02_and_the_datum_parses() {
        let wgs = ChinaPoint::parse(39.908_722, 116.397_499, Datum::Wgs84).map(ChinaPoint::pair);
        assert_eq!(wgs, Ok(wgs84_to_gcj02(39.908_722, 116.397_499)));
        let gcj = ChinaPoint::parse(39.91, 116.40, Datum::Gcj02).map(ChinaPoint::pair);
        assert_eq!(gcj, Ok((39.91, 116.40)));
        assert_eq!(Datum::parse(None), Ok(Datum::Gcj02));
        assert_eq!(Datum::parse(Some("wgs84")), Ok(Datum::Wgs84));
        assert!(Datum::parse(Some("bd09")).is_err());
    }

    #[test]
    fn known_offsets_in_china_and_none_outside() {
        // Tiananmen: the published GCJ-02 shift is about +0.0014° lat, +0.0062° lng.
        let (lat, lng) = wgs84_to_gcj02(39.908_722, 116.397_499);
        assert!((lat - 39.910_125).abs() < 0.0002, "{lat}");
        assert!((lng - 116.403_744).abs() < 0.0002, "{lng}");
        assert_eq!(wgs84_to_gcj02(48.8584, 2.2945), (48.8584, 2.2945));
    }
}
