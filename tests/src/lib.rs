//! Test support for the end-to-end suite: a fresh database per test on the backend that
//! `TEST_DATABASE_URL` names (PostgreSQL or SQLite; SQLite when unset), and a catalog dump that
//! describes a schema completely enough to compare two of them.

pub mod catalog;
pub mod database;
pub mod fixtures;

pub use catalog::catalog_dump;
pub use database::{Backend, TestDatabase};
