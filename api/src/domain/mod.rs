//! The domain layer: every rule of the platform, written once, and the services that apply
//! them. Nothing here knows of GraphQL or HTTP: resolvers, the scheduled jobs and the
//! command-line tools all call the same services.
//!
//! - [`policy`]: who may read and change which rows (and, per field, what).
//! - [`write`]: the one path a change takes — one transaction, authorized, audited, with the
//!   capacity alerts it raised announced on commit.
//! - [`validate`]: the input checks every domain shares.
//! - [`jobs`]: the scheduled jobs (snapshot scheduler, invitation expiry), as services.
//! - one module per part of the platform, each holding its pure rules (unit-tested beside
//!   them) and its services (functions that take a [`write::Write`] and return models).

pub mod campaigns;
pub mod capacity;
pub mod community;
pub mod dashboards;
pub mod ingestion;
pub mod instances;
pub mod jobs;
pub mod monetization;
pub mod policy;
pub mod programs;
pub mod reference;
pub mod validate;
pub mod write;
