//! `liaison campaign setup|map|status`: the Adobe Campaign ↔ Dynamics 365 integration (seed 004).

use clap::Subcommand;
use liaison_core::campaign::{self, CampaignLink, FieldPair, OptOutDirection, opt_out_carriers};
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
}

pub fn campaign(ws: &Workspace, out: &Output, command: CampaignCommand) -> Result<Exit, Error> {
    let link = match command {
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
    show(out, &link);
    Ok(Exit::Success)
}

fn show(out: &Output, link: &CampaignLink) {
    if out.json() {
        out.json_value(link);
        return;
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
}
