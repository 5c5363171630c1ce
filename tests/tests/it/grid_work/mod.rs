//! The grid worker's day: visits, coverage and care, patrols, grids residents can find.

mod coverage;
mod grids;
mod patrols;
mod visits;
