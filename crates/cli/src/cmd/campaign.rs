//! `liaison campaign setup|map|status|schedule|run|timeline|history`: the Adobe Campaign ↔ Dynamics 365 integration
//! (seed 004).

use clap::Subcommand;
use liaison_core::campaign::{
    self, CampaignLink, CampaignOptOutConflict, CampaignProgress, CampaignRunOptions, EntityMappingRequest, FieldPair,
    OptOutDirection, OptOutSide, TimelineState, opt_out_carriers, parse_entity_link,
};
use liaison_core::jobs::Control;
use liaison_core::runs::RunState;
use liaison_core::{Error, Workspace, msg};

use super::{runtime, vault};
use crate::output::{Exit, Output};

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Link a Dynamics 365 connection and an Adobe Campaign connection (checked live: Dynamics
    /// online, Campaign Standard); the contact mapping starts with the defaults.
    Setup {
        /// The Dynamics 365 connection's ID.
        #[arg(long)]
        dynamics: String,
        /// The Adobe Campaign connection's ID.
        #[arg(long)]
        campaign: String,
        /// Which way opt-outs travel: dynamics-to-campaign, campaign-to-dynamics or both.
        #[arg(long, default_value = "dynamics-to-campaign")]
        optout: String,
    },
    /// Change a mapping, checked against both systems' metadata.
    #[command(subcommand)]
    Map(MapCommand),
    /// The link: its connections, the opt-out direction and the contact mapping.
    Status,
    /// Write Dynamics 365 contacts to Campaign profiles (Dynamics is the source of truth): all
    /// of them the first time, then the changes; an interrupted run is continued.
    Run {
        /// Read every contact again instead of the changes since the last run.
        #[arg(long)]
        full: bool,
    },
    /// Run by itself every MINUTES minutes while the desktop app runs (5 to 1,440), once the
    /// first run succeeded; 0 runs it only on demand.
    Schedule { minutes: u32 },
    /// One contact's timeline as Dynamics 365 shows it, with the email events the next run adds
    /// (read only).
    Timeline {
        /// The contact's email or its contact ID in Dynamics 365.
        contact: String,
    },
    /// Past runs, newest first, with their counts.
    History {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum MapCommand {
    /// Replace the contact mapping: ATTRIBUTE=FIELD pairs (the contact attribute's logical name,
    /// the profile field's API name); the contact ID always goes to the profile's key field.
    Contact {
        /// e.g. emailaddress1=email firstname=firstName jobtitle=cusJobTitle
        #[arg(required = true)]
        pairs: Vec<String>,
        /// Also change the opt-out direction.
        #[arg(long)]
        optout: Option<String>,
    },
    /// Map a Dynamics 365 entity set (a custom table) to a Campaign custom resource (`cus…`),
    /// linked to the profile; replaces the entity set's mapping if it has one. With --remove,
    /// removes it.
    Entity {
        /// The entity set, as the Web API names it (e.g. lia_productinterests).
        #[arg(long)]
        entity: String,
        /// The custom resource (e.g. cusProductInterest).
        #[arg(long, required_unless_present = "remove")]
        resource: Option<String>,
        /// LOOKUP=LINKFIELD: the entity's lookup to the contact and the resource's link to the
        /// profile (e.g. lia_contactid=profile).
        #[arg(long, required_unless_present = "remove")]
        link: Option<String>,
        /// ATTRIBUTE=FIELD, once per field (e.g. --field lia_product=product).
        #[arg(long = "field")]
        fields: Vec<String>,
        /// Remove the entity set's mapping instead.
        #[arg(long, conflicts_with_all = ["resource", "link", "fields"])]
        remove: bool,
    },
}

pub fn campaign(ws: &Workspace, out: &Output, command: CampaignCommand) -> Result<Exit, Error> {
    let link = match command {
        CampaignCommand::Run { full } => return run(ws, out, full),
        CampaignCommand::History { limit } => return history(ws, out, limit),
        CampaignCommand::Timeline { contact } => return timeline(ws, out, &contact),
        CampaignCommand::Schedule { minutes } => {
            campaign::set_schedule(ws, minutes)?;
            campaign::link(ws.store())?.ok_or_else(|| Error::invalid_input(msg!("campaign-link-not-set-up")))?
        }
        CampaignCommand::Setup { dynamics, campaign, optout } => {
            let optout = OptOutDirection::parse(&optout)?;
            let vault = vault(ws)?;
            runtime()?.block_on(campaign::setup(ws, &vault, &dynamics, &campaign, optout))?
        }
        CampaignCommand::Map(MapCommand::Contact { pairs, optout }) => {
            let pairs = pairs.iter().map(|p| FieldPair::parse(p)).collect::<Result<Vec<_>, _>>()?;
            let optout = optout.as_deref().map(OptOutDirection::parse).transpose()?;
            let vault = vault(ws)?;
            runtime()?.block_on(campaign::map_contact(ws, &vault, pairs, optout))?
        }
        CampaignCommand::Map(MapCommand::Entity { entity, resource, link, fields, remove }) => {
            if remove {
                campaign::unmap_entity(ws, &entity)?
            } else {
                let request = EntityMappingRequest {
                    entity_set: entity,
                    resource: resource.unwrap_or_default(),
                    link: parse_entity_link(link.as_deref().unwrap_or_default())?,
                    fields: fields.iter().map(|p| FieldPair::parse(p)).collect::<Result<Vec<_>, _>>()?,
                };
                let vault = vault(ws)?;
                runtime()?.block_on(campaign::map_entity(ws, &vault, request))?
            }
        }
        CampaignCommand::Status => match campaign::link(ws.store())? {
            Some(link) => link,
            None => {
                if out.json() {
                    out.json_value(&serde_json::Value::Null);
                } else {
                    out.line(out.text(&msg!("campaign-link-not-set-up")));
                }
                return Ok(Exit::Success);
            }
        },
    };
    show(ws, out, &link)?;
    Ok(Exit::Success)
}

fn show(ws: &Workspace, out: &Output, link: &CampaignLink) -> Result<(), Error> {
    let schedule = campaign::schedule(ws.store())?;
    if out.json() {
        let mut value = serde_json::to_value(link).map_err(|e| Error::internal(e.to_string()))?;
        value["schedule"] = serde_json::to_value(&schedule).map_err(|e| Error::internal(e.to_string()))?;
        out.json_value(&value);
        return Ok(());
    }
    let direction = match link.optout {
        OptOutDirection::DynamicsToCampaign => msg!("campaign-cli-optout-to-campaign"),
        OptOutDirection::CampaignToDynamics => msg!("campaign-cli-optout-to-dynamics"),
        OptOutDirection::Both => msg!("campaign-cli-optout-both"),
    };
    out.line(out.text(&msg!(
        "campaign-cli-linked",
        dynamics = link.dynamics_connection.as_str(),
        campaign = link.campaign_connection.as_str(),
        by = link.changed_by.as_str(),
        at = link.changed_at.as_str()
    )));
    out.line(out.text(&direction));
    for carrier in opt_out_carriers() {
        let back = link.optout != OptOutDirection::DynamicsToCampaign && carrier.to_dynamics;
        let to = link.optout != OptOutDirection::CampaignToDynamics;
        let arrow = match (to, back) {
            (true, true) => "↔",
            (true, false) => "→",
            (false, true) => "←",
            (false, false) => "·",
        };
        out.line(format!("  {} {arrow} {}", carrier.attribute, carrier.field));
    }
    out.line(out.text(&msg!("campaign-cli-mapping")));
    for pair in &link.contact_fields {
        out.line(format!("  {} → {}", pair.attribute, pair.field));
    }
    if !link.entities.is_empty() {
        out.line(out.text(&msg!("campaign-cli-entities")));
    }
    for m in &link.entities {
        out.line(format!(
            "  {}",
            out.text(&msg!(
                "campaign-cli-entity",
                entity = m.entity_set.as_str(),
                resource = m.resource.as_str(),
                lookup = m.contact_lookup.as_str(),
                link = m.profile_link.as_str()
            ))
        ));
        for pair in &m.fields {
            out.line(format!("    {} → {}", pair.attribute, pair.field));
        }
    }
    out.line(out.text(&match schedule.every_minutes {
        0 => msg!("campaign-cli-schedule-off"),
        minutes => msg!("campaign-cli-schedule-every", minutes = minutes),
    }));
    Ok(())
}

fn kind_text(full: bool) -> liaison_core::Text {
    if full { msg!("campaign-cli-kind-full") } else { msg!("campaign-cli-kind-incremental") }
}

fn run(ws: &Workspace, out: &Output, full: bool) -> Result<Exit, Error> {
    let vault = vault(ws)?;
    let rt = runtime()?;
    let control = std::sync::Arc::new(Control::default());
    let stop = control.clone();
    let signal = rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    let options = CampaignRunOptions { full, ..CampaignRunOptions::default() };
    let report = rt.block_on(campaign::run(ws, &vault, options, &control, &|_: &CampaignProgress| {}));
    signal.abort();
    let report = report?;
    if out.json() {
        out.json_value(&report);
    } else {
        let c = &report.counts;
        out.line(out.text(&msg!(
            "campaign-cli-run-summary",
            state = &report.state.text(),
            full = &kind_text(report.full),
            created = c.profiles_created,
            updated = c.profiles_updated,
            unchanged = c.unchanged,
            overwritten = c.overwritten,
            removed = c.removed_in_dynamics,
            entities = c.entities,
            entities_removed = c.entities_removed,
            events = c.events_logged,
            to_campaign = c.optouts_to_campaign,
            to_dynamics = c.optouts_to_dynamics,
            conflicts = c.optout_conflicts,
            errors = c.errors,
            calls = c.calls,
            seconds = format!("{:.1}", report.seconds)
        )));
        if c.errors > 0 {
            for e in campaign::record_errors(ws.store(), &report.run_id, 20)? {
                out.line(format!("  {} {}: {}", e.contact_id, e.code, out.text(&e.message)));
            }
        }
    }
    Ok(match report.state {
        RunState::Succeeded if report.counts.errors == 0 => Exit::Success,
        RunState::Succeeded => Exit::Partial,
        _ => Exit::Error,
    })
}

fn timeline(ws: &Workspace, out: &Output, contact: &str) -> Result<Exit, Error> {
    let vault = vault(ws)?;
    let preview = runtime()?.block_on(campaign::timeline(ws, &vault, contact))?;
    if out.json() {
        out.json_value(&preview);
        return Ok(Exit::Success);
    }
    let name = preview.name.as_deref().or(preview.email.as_deref()).unwrap_or(preview.contact_id.as_str());
    out.line(out.text(&msg!("campaign-cli-timeline-of", contact = name, id = preview.contact_id.as_str())));
    if preview.profile.is_none() {
        out.line(out.text(&msg!("campaign-cli-timeline-no-profile")));
    }
    if preview.entries.is_empty() {
        out.line(out.text(&msg!("campaign-cli-timeline-empty")));
    }
    for e in &preview.entries {
        let state = match e.state {
            TimelineState::OnTimeline => msg!("campaign-cli-timeline-on"),
            TimelineState::NextRun => msg!("campaign-cli-timeline-next"),
        };
        let at = e.at.as_deref().unwrap_or("—");
        out.line(format!("  {at}  [{}]  {}", out.text(&state), e.subject));
        if let Some(url) = &e.url {
            out.line(format!("      {url}"));
        }
    }
    Ok(Exit::Success)
}

/// One recorded opt-out conflict (R19, both ways), as a line of the history.
fn conflict_text(c: &CampaignOptOutConflict) -> liaison_core::Text {
    let refusal =
        |refuses: bool| if refuses { msg!("campaign-cli-optout-refuses") } else { msg!("campaign-cli-optout-accepts") };
    let at =
        |t: &Option<String>| t.as_deref().map_or_else(|| msg!("campaign-cli-time-unknown"), liaison_core::Text::from);
    msg!(
        "campaign-cli-optout-conflict",
        contact = c.contact_id.as_str(),
        dynamics = &refusal(c.dynamics_optout),
        dynamics_at = &at(&c.dynamics_changed_at),
        campaign = &refusal(c.campaign_optout),
        campaign_at = &at(&c.campaign_changed_at),
        winner = match c.winner {
            OptOutSide::Dynamics => "Dynamics 365",
            OptOutSide::Campaign => "Adobe Campaign",
        }
    )
}

fn history(ws: &Workspace, out: &Output, limit: u32) -> Result<Exit, Error> {
    let runs = campaign::history(ws.store(), limit)?;
    if out.json() {
        out.json_value(&runs);
        return Ok(Exit::Success);
    }
    if runs.is_empty() {
        out.line(out.text(&msg!("campaign-cli-no-runs")));
    }
    for r in runs {
        let c = &r.counts;
        out.line(out.text(&msg!(
            "campaign-cli-history-line",
            started = r.started_at.as_str(),
            state = &r.state.text(),
            full = &kind_text(r.full),
            created = c.profiles_created,
            updated = c.profiles_updated,
            unchanged = c.unchanged,
            overwritten = c.overwritten,
            removed = c.removed_in_dynamics,
            to_campaign = c.optouts_to_campaign,
            to_dynamics = c.optouts_to_dynamics,
            conflicts = c.optout_conflicts,
            errors = c.errors
        )));
        if let Some(error) = &r.error {
            out.line(format!("  {}", out.text(error)));
        }
        for conflict in &r.optout_conflicts {
            out.line(format!("  {}", out.text(&conflict_text(conflict))));
        }
    }
    Ok(Exit::Success)
}
