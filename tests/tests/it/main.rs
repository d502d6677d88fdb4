//! The end-to-end suite: one binary, one module per domain. Every test gets its own database
//! on the backend `TEST_DATABASE_URL` names (SQLite when unset).

mod constraints;
mod migrations;
