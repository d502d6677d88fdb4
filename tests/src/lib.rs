//! Test support for the end-to-end suite: a fresh database per test on the backend that
//! `TEST_DATABASE_URL` names (PostgreSQL or SQLite; SQLite when unset), and a catalog dump that
//! describes a schema completely enough to compare two of them.

// Test support: a setup step that fails should fail the test loudly, so unwrap/expect are fine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod app;
pub mod bench;
pub mod browser;
pub mod catalog;
pub mod database;
pub mod fixtures;
pub mod sql;
pub mod upload;
pub mod ws;

pub use app::TestApp;
pub use catalog::catalog_dump;
pub use database::{Backend, TestDatabase};
