//! Data sync: people from Marketo, Salesforce and Dynamics 365 into the local cache.

pub mod activities;
pub mod cache;
pub mod dynamics_match;
pub mod fields;
pub mod job;
pub mod records;
pub mod run;
pub mod schedule;
pub mod settings;
