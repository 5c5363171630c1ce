//! Points: rules and the entry workflow, the ledger and rankings, redemption and dividends,
//! automatic entries and volunteer hours.

mod automatic;
mod dividends;
mod ledger;
mod redemption;
mod workflow;
