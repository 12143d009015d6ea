//! Exports (seeds 002, 003): segments delivered to marketing lists. This part holds the
//! destinations — where a list lives, how Liaison reaches it, the privacy notice the admin
//! accepted, and who may use it.

pub mod destinations;

pub use destinations::{Destination, DestinationKind, NewMarketoDestination};
