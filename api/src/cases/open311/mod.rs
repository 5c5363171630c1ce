//! Open311 GeoReport v2 at `/open311/v2`, so existing Open311 clients and city dashboards work
//! unchanged: discovery, services (the category catalog), service definitions, requests (read
//! publicly, posted by staff clients with an API key) and tokens, in JSON and XML, with the
//! standard's field names and its error form `[{code, description}]`. Reads show public cases
//! only, without reporter, with the location coarsened to about 100 m and given in WGS-84.
//! Staff manage their keys under `/api/v1/open311-keys`.
//!
//! Only categories whose requests are public by default are offered (services, definitions,
//! posts): a client must be able to follow what it posts, and the reads show public cases only.
//! A token answers for a public request only, as for an unknown one otherwise. A posted request
//! is filed by the same service as a report through the app.

pub mod dto;
pub mod error;
pub mod format;
pub mod handlers;
