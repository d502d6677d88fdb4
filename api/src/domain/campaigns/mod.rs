//! Campaigns (seeds 000/002): sellable CSR products — a program template run for a beneficiary
//! group, bought by a company for a period under a pricing model — with their rules
//! ([`rules`]), the services that create and change them ([`service`]), and their metrics
//! snapshots ([`snapshot`]).

pub mod rules;
pub mod service;
pub mod snapshot;
