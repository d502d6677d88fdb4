//! Campaigns (seeds 000/002): sellable CSR products — a program template run for a beneficiary
//! group, bought by a company for a period under a pricing model — with their rules
//! ([`rules`]), the services that create and change them ([`service`]), and their metrics
//! snapshots ([`snapshot`]) and when the scheduler takes them ([`schedule`]), and the evidence
//! snippets pinned to them ([`evidence`]).

pub mod evidence;
pub mod rules;
pub mod schedule;
pub mod service;
pub mod snapshot;
