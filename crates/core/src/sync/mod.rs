//! Data sync: people from Marketo and Salesforce into the local cache.

pub mod cache;
