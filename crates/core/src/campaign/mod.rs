//! Adobe Campaign ↔ Dynamics 365 (seed 004; R17–R19): one Dynamics 365 connection and one Adobe
//! Campaign Standard connection linked, with the mapping of contact attributes to profile fields
//! and the direction opt-outs travel in.
//!
//! This module holds the link's setup: the constraints of seed 004 (Dynamics 365 online, Campaign
//! Standard) checked against the two systems, both systems' field metadata, the default mapping
//! and the admin's changes to it, each checked for type. The runs (`run`) write contacts to
//! profiles with Dynamics as the source of truth (R17), carry the opt-outs in the direction the link
//! names (R19) and Campaign's email events to the contacts' timelines (R18); `timeline` previews
//! one contact's timeline as Dynamics 365 will show it, `schedule` starts runs by themselves.

mod entities;
pub mod job;
mod metadata;
mod run;
mod schedule;
mod setup;
mod timeline;

pub use entities::{
    ENTITY_KEY_FIELD, ENTITY_KEY_FILTER, EntityMapping, EntityMappingRequest, map_entity, parse_entity_link,
    unmap_entity,
};
pub use job::{CampaignFinished, CampaignSlot};
pub use metadata::{CampaignField, ContactAttribute, FieldType, Metadata, compatible, read_metadata};
pub use run::{
    CampaignCounts, CampaignOptOutConflict, CampaignPhase, CampaignProgress, CampaignRecordError, CampaignReport,
    CampaignRun, CampaignRunOptions, OptOutSide, history, optout_conflicts, record_errors, run,
};
pub use schedule::{CampaignSchedule, due as schedule_due, schedule, set_schedule};
pub use setup::{
    CampaignLink, FieldPair, KEY_FIELD, OptOutCarrier, OptOutDirection, link, map_contact, metadata, opt_out_carriers,
    setup,
};
pub use timeline::{TimelineEntry, TimelinePreview, TimelineState, timeline};
