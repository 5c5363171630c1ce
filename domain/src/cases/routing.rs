//! Where a new report goes, and which reports a channel takes. A point goes to the smallest grid
//! holding it (`crate::identity::org::smallest_holding`); these rules say what happens without
//! one. Infra supplies the grids; these functions choose.

/// How a report arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `POST /cases`: a resident, or a grid worker for one.
    App,
    /// Open311's `POST /requests`, by a staff client's API key.
    Open311,
}

/// Where a report goes when its point (if any) lies in no grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The reporter's grid, by residence.
    Home,
    /// The first grid granted to the (staff) reporter.
    Granted,
}

impl Channel {
    /// Whether a category is offered: active, and through Open311 only with requests public by
    /// default, so that what a client posts is a request it can read back.
    pub fn offers(self, active: bool, public_by_default: bool) -> bool {
        match self {
            Channel::App => active,
            Channel::Open311 => active && public_by_default,
        }
    }

    /// Where a report goes without a grid holding its point, in order. In the app: the
    /// reporter's home, else (not for a proxy report) the reporter's granted grid. Through
    /// Open311 a point routes by the map only; an address alone goes to the key holder's grid.
    pub fn fallbacks(self, has_point: bool, by_proxy: bool) -> &'static [Fallback] {
        match (self, has_point, by_proxy) {
            (Channel::App, _, false) => &[Fallback::Home, Fallback::Granted],
            (Channel::App, _, true) => &[Fallback::Home],
            (Channel::Open311, true, _) => &[],
            (Channel::Open311, false, _) => &[Fallback::Granted],
        }
    }

    /// Whether the reporter must be able to handle a case where it lands (a key reports only
    /// where its account works).
    pub fn reporter_must_handle(self) -> bool {
        self == Channel::Open311
    }
}

/// The unit whose grid is a reporter's home grid: on the first residence that has one, the
/// deepest unit of its path with a grid.
pub fn home_unit(homes: &[Vec<String>], has_grid: impl Fn(&str) -> bool) -> Option<&str> {
    homes.iter().find_map(|path| path.iter().rev().find(|unit| has_grid(unit)).map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deepest_unit_with_a_grid_on_the_first_residence_that_has_one() {
        let homes =
            vec![["c", "t", "v1"].map(String::from).to_vec(), ["c", "t", "v2", "g2"].map(String::from).to_vec()];
        assert_eq!(home_unit(&homes, |u| u == "v2" || u == "g2" || u == "t"), Some("t"));
        assert_eq!(home_unit(&homes, |u| u == "v2" || u == "g2"), Some("g2"));
        assert_eq!(home_unit(&homes, |u| u == "v2"), Some("v2"));
        assert_eq!(home_unit(&homes, |_| false), None);
        assert_eq!(home_unit(&[], |_| true), None);
    }

    #[test]
    fn channels_route_and_offer_by_their_own_rules() {
        assert_eq!(Channel::App.fallbacks(true, false), &[Fallback::Home, Fallback::Granted]);
        assert_eq!(Channel::App.fallbacks(false, true), &[Fallback::Home]);
        assert!(Channel::Open311.fallbacks(true, false).is_empty(), "a point routes by the map only");
        assert_eq!(Channel::Open311.fallbacks(false, false), &[Fallback::Granted]);
        assert!(Channel::App.offers(true, false) && !Channel::App.offers(false, true));
        assert!(Channel::Open311.offers(true, true) && !Channel::Open311.offers(true, false));
        assert!(Channel::Open311.reporter_must_handle() && !Channel::App.reporter_must_handle());
    }
}
