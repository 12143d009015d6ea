//! Exports (seeds 002, 003): segments delivered to marketing lists. A destination is where a list
//! lives and how Liaison reaches it; an export is a destination, segments and a field mapping;
//! a run delivers the difference since the last one.

pub mod definition;
pub mod destinations;
mod dynamics;
pub mod history;
pub mod job;
mod plan;
pub mod run;
pub mod schedule;
mod target;

pub use definition::{Attribute, AttributeChoice, Export, FieldMap, NewExport, Schedule};
pub use destinations::{
    Destination, DestinationKind, DynamicsDestinationSettings, NewDynamicsDestination, NewMarketoDestination,
};
pub use history::{ExportRowResult, ExportRun, RowOutcome};
pub use job::{ExportFinished, ExportSlot};
pub use plan::{MAX_PEOPLE, PlanCounts, SkippedPerson};
pub use run::{DryRun, ExportCounts, ExportOptions, ExportPhase, ExportProgress, ExportReport};
