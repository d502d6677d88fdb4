//! The campaign detail page's dashboard widgets (seed 002, issue 16): each widget's rule and
//! the SQL that computes it for a whole batch of campaigns in one statement, under the caller's
//! visibility, so a dashboard of many campaigns runs as many statements as a dashboard of one.

pub mod batch;
pub mod buckets;
pub mod burn;
pub mod comparison;
pub mod engagement;
pub mod forecast;
pub mod gauge;
pub mod heatmap;
pub mod overview;
pub mod radar;
