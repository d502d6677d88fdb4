//! Reference data: beneficiary groups, versioned program templates, and the companies
//! campaigns are sold to — their rules ([`rules`]) and the services that write them
//! ([`service`]). Only admins write reference data (`Domain::Reference`); every other role is
//! `FORBIDDEN`.
//!
//! Companies are written under `Domain::Reference` too, although their rows are read through
//! the campaigns domain: a company is platform master data that campaigns point at, created
//! and renamed by the platform's admins, not by the company's own users.
//!
//! Beneficiary groups hold aggregated demographics only: free text that carries an e-mail
//! address or a phone number is refused. A group or template that a campaign or program
//! instance uses cannot be deleted, only deactivated.
//!
//! A template lineage is the chain of versions linked by `superseded_by` (older → newer): the
//! schema's own link between versions. A new version is added after the lineage's latest one,
//! which becomes deprecated and superseded by the new one.

pub mod rules;
pub mod service;
