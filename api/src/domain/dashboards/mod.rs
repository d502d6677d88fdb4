//! The campaign dashboards of seed 002, computed by the database: each widget one statement
//! per batch of campaigns, under the caller's visibility.

pub mod batch;
pub mod engagement;
pub mod forecast;
pub mod radar;
