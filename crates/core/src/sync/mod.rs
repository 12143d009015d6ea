//! Data sync: people from Marketo and Salesforce into the local cache.

pub mod activities;
pub mod cache;
pub mod fields;
pub mod job;
pub mod records;
pub mod run;
pub mod schedule;
pub mod settings;
