//! Monetization (seed 000): the Learn-to-Impact subscriptions that bundle-priced campaigns
//! draw on. A company reads its own; only admins (sales) create, change and end them. The
//! lifecycle and term rules are pure ([`rules`]); [`service`] applies them in a change.

pub mod rules;
pub mod service;
