//! The community directory (seed 003): invitation codes, members with their public member
//! numbers, GitHub verification, soft delete, participation events that keep each member's
//! daily highlights current, reputation tiers, and when a code has expired ([`expiry`]); relationships between members, created and ended
//! by moderators ([`relationships`]); reading participation by range and type
//! ([`participation`]) — the pure rules ([`rules`]), the services
//! that apply them ([`service`]) and the steps on member rows they share ([`members`]).
//!
//! Community tables point at a member by its public member number (`#247`), not its row id;
//! services take row ids and write the number into the rows that reference the member. A
//! removed (soft-deleted) member is `NOT_FOUND` to every service, as it is to every read, but
//! its row, member number and Telegram id stay taken. Timestamps are stored without a time
//! zone and hold UTC, at microsecond precision (what PostgreSQL keeps), so the object a
//! service returns equals what a later read shows.

pub mod expiry;
pub mod members;
pub mod participation;
pub mod relationships;
pub mod rules;
pub mod service;
