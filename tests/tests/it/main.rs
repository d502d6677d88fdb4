//! The end-to-end suite: one binary, one module per domain. Every test gets its own database
//! on the backend `TEST_DATABASE_URL` names (SQLite when unset).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod campaign_mutations;
mod community_mutations;
mod community_relationships;
mod constraints;
mod dashboards_comparison;
mod dashboards_insights;
mod dashboards_series;
mod demo;
mod field_policy;
mod graphiql;
mod http;
mod ingestion_mutations;
mod introspection;
mod isolation;
mod isolation_mutations;
mod jobs;
mod kintell_ingest;
mod kintell_instances;
mod lifecycles;
mod limits;
mod metrics;
mod migrations;
mod monetization;
mod operator_commands;
mod paging;
mod planner;
mod planner_roots;
mod planner_rows;
mod private_reference;
mod program_admin;
mod program_mutations;
mod read_api;
mod read_more;
mod reference_mutations;
mod response_cache;
mod response_order;
mod retention;
mod shutdown;
mod subscriptions;
mod traces;
mod uploads;
mod wire_decoding;
