//! The reference data a report reads — the category catalog, the working-day calendar, and the
//! grids with their units' paths — held in memory: they change a few times a year, and every
//! report would read them.
//!
//! An instance forgets what it holds when its own admins change the catalog or the calendar (the
//! handlers call [`Reference::forget`] after the change commits), and in any case after
//! [`FRESH`]: a change made through another instance reaches this one's reports within that
//! second. The grids are also forgotten as soon as a request shows a new version of the org tree
//! (`pv:org`, read in every authenticated request's one store round trip, and replaced after a
//! grid or unit is added): through the store, a grid added on one instance routes the next
//! report on any other.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::result::Error as DieselError;
use domain::calendar::WorkingCalendar;

use super::rows::CategoryRow;
use crate::identity::queries::org::{self, GridMap};
use crate::DbConn;

/// How long what was read stays in use without reading it again.
pub const FRESH: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Held {
    /// Bumped by [`Reference::forget`]: a read that began before is not kept (it may predate
    /// the change).
    generation: u64,
    categories: Option<(Instant, Arc<Vec<CategoryRow>>)>,
    /// The calendar from a day on (`calendar::load_from`), and that day.
    calendar: Option<(Instant, NaiveDate, Arc<WorkingCalendar>)>,
    grids: Option<(Instant, Arc<GridMap>)>,
    /// The org tree's version the last request showed.
    org_version: Option<String>,
}

/// One instance's copy of the reference data; clones share it.
#[derive(Clone, Default)]
pub struct Reference(Arc<Mutex<Held>>);

impl std::fmt::Debug for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reference").finish_non_exhaustive()
    }
}

impl Reference {
    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        // What is held is replaced whole, never left half-written: a poisoned lock is still sound.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The category `code`, from the catalog read at most [`FRESH`] ago.
    pub fn category(&self, conn: &mut DbConn, code: &str) -> Result<Option<CategoryRow>, DieselError> {
        let (held, generation) = {
            let held = self.held();
            (held.categories.clone().filter(|(at, _)| at.elapsed() < FRESH), held.generation)
        };
        let catalog = match held {
            Some((_, catalog)) => catalog,
            None => {
                let catalog = Arc::new(super::queries::category_rows(conn)?);
                let mut held = self.held();
                if held.generation == generation {
                    held.categories = Some((Instant::now(), catalog.clone()));
                }
                catalog
            }
        };
        Ok(catalog.iter().find(|c| c.code == code).cloned())
    }

    /// The working-day calendar from `from` on (or from earlier), read at most [`FRESH`] ago: one
    /// held calendar answers every later start, so callers asking from different days (cases
    /// from today, grid coverage from months back) do not evict each other.
    pub fn calendar(&self, conn: &mut DbConn, from: NaiveDate) -> Result<Arc<WorkingCalendar>, DieselError> {
        let (held, generation) = {
            let held = self.held();
            (held.calendar.clone().filter(|(at, day, _)| at.elapsed() < FRESH && *day <= from), held.generation)
        };
        if let Some((_, _, calendar)) = held {
            return Ok(calendar);
        }
        let calendar = Arc::new(super::calendar::load_from(conn, from)?);
        let mut held = self.held();
        if held.generation == generation {
            held.calendar = Some((Instant::now(), from, calendar.clone()));
        }
        Ok(calendar)
    }

    /// The grids and their units' paths, read at most [`FRESH`] ago and since the org tree's
    /// version last changed.
    pub fn grids(&self, conn: &mut DbConn) -> Result<Arc<GridMap>, DieselError> {
        let (held, generation) = {
            let held = self.held();
            (held.grids.clone().filter(|(at, _)| at.elapsed() < FRESH), held.generation)
        };
        if let Some((_, grids)) = held {
            return Ok(grids);
        }
        let grids = Arc::new(org::grid_map(conn)?);
        let mut held = self.held();
        if held.generation == generation {
            held.grids = Some((Instant::now(), grids.clone()));
        }
        Ok(grids)
    }

    /// A request read the org tree's `version` (absent: never changed, or the store was away):
    /// when it differs from the last one seen, the grids are read afresh.
    pub fn saw_org_version(&self, version: Option<&str>) {
        let mut held = self.held();
        if held.org_version.as_deref() != version {
            held.org_version = version.map(str::to_owned);
            held.generation += 1;
            held.grids = None;
        }
    }

    /// This instance changed the org tree: the grids are read afresh.
    pub fn org_changed(&self) {
        let mut held = self.held();
        held.generation += 1;
        held.grids = None;
    }

    /// Forgets what is held: the next report reads the catalog, the calendar and the grids
    /// afresh.
    pub fn forget(&self) {
        let mut held = self.held();
        let org_version = held.org_version.take();
        *held = Held { generation: held.generation + 1, org_version, ..Held::default() };
    }
}
