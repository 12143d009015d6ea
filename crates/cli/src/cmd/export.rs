//! `liaison export destination add|list|delete`: where exports deliver.

use clap::{Args, Subcommand};
use liaison_core::connections::{self, ConnectionKind};
use liaison_core::exports::destinations::{self, NewMarketoDestination};
use liaison_core::{Error, Workspace};
use secrecy::SecretString;

use super::{read_hidden_line, runtime, vault};
use crate::output::{Exit, Output};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export destinations: the marketing lists segments are delivered to.
    #[command(subcommand)]
    Destination(DestinationCommand),
}

#[derive(Debug, Subcommand)]
pub enum DestinationCommand {
    /// Add a destination.
    #[command(subcommand)]
    Add(AddDestination),
    /// The destinations, with their lists and export users.
    List,
    /// Delete a destination: its exports stop; the list itself stays as it is.
    Delete { name: String },
    /// Show the data-privacy notice a destination needs accepted.
    PrivacyNotice,
}

#[derive(Debug, Subcommand)]
pub enum AddDestination {
    /// A Marketo static list (it must exist).
    Marketo(MarketoArgs),
}

#[derive(Debug, Args)]
pub struct MarketoArgs {
    /// The destination's display name.
    #[arg(long)]
    name: String,
    /// The static list's ID in Marketo.
    #[arg(long)]
    list_id: String,
    /// You read the data-privacy notice (`liaison export destination privacy-notice`) and accept it.
    #[arg(long)]
    accept_privacy_notice: bool,
    /// A Marketo connection of this workspace (its ID, or `marketo` for the one there is).
    #[arg(long, conflicts_with_all = ["base_url", "client_id"])]
    connection: Option<String>,
    /// Or the Marketo REST endpoint (or Munchkin ID) of the API user to export with…
    #[arg(long, requires = "client_id")]
    base_url: Option<String>,
    /// …and its client ID (the client secret is read from stdin).
    #[arg(long, requires = "base_url")]
    client_id: Option<String>,
}

pub fn export(ws: &Workspace, out: &Output, command: ExportCommand) -> Result<Exit, Error> {
    let ExportCommand::Destination(command) = command;
    match command {
        DestinationCommand::Add(AddDestination::Marketo(args)) => {
            let vault = vault(ws)?;
            let connection_id = match args.connection.as_deref() {
                Some("marketo") => connections::list(ws.store())?
                    .into_iter()
                    .find(|c| c.kind == ConnectionKind::Marketo)
                    .map(|c| c.id)
                    .or(Some("marketo".to_owned())),
                other => other.map(str::to_owned),
            };
            let secret = match &args.client_id {
                Some(_) => Some(SecretString::from(read_hidden_line("Client secret: ", "client secret")?)),
                None => None,
            };
            let new = NewMarketoDestination {
                name: args.name,
                list_id: args.list_id,
                connection_id,
                base_url: args.base_url,
                client_id: args.client_id,
                accept_privacy_notice: args.accept_privacy_notice,
            };
            let saved = runtime()?.block_on(destinations::add_marketo(ws, &vault, new, secret))?;
            if out.json() {
                out.json_value(&saved);
            } else {
                let list =
                    saved.marketo.as_ref().map(|m| format!("{} ({})", m.list_name, m.list_id)).unwrap_or_default();
                out.line(format!("Added the destination {:?}: Marketo static list {list}.", saved.name));
            }
        }
        DestinationCommand::List => {
            let list = destinations::list(ws.store())?;
            if out.json() {
                out.json_value(&list);
            } else if list.is_empty() {
                out.line("No export destinations yet: `liaison export destination add marketo …`.".to_owned());
            } else {
                for d in &list {
                    let target = d.marketo.as_ref().map(|m| format!("Marketo list {} ({})", m.list_name, m.list_id));
                    out.line(format!(
                        "{:<30} {}  export users: {}",
                        d.name,
                        target.unwrap_or_default(),
                        d.export_users.join(", ")
                    ));
                }
            }
        }
        DestinationCommand::Delete { name } => {
            let vault = vault(ws)?;
            let d = destinations::get(ws.store(), &name)?;
            destinations::delete(ws, &vault, &name)?;
            out.done(&out.text(&liaison_core::msg!("export-destination-deleted", name = d.name.as_str())));
        }
        DestinationCommand::PrivacyNotice => {
            out.line(out.text(&liaison_core::msg!("export-privacy-notice")));
        }
    }
    Ok(Exit::Success)
}
