//! Activation, the acting admin, removing members.

use clap::Subcommand;
use liaison_core::members::admin::{self, acting_admin};
use liaison_core::{Error, Workspace};

use crate::output::{Exit, Output};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Show the acting admin.
    Show,
    /// Act as another active admin (audited).
    Switch {
        /// The admin's email address.
        email: String,
    },
}

pub fn activate(ws: &Workspace, out: &Output, name: &str, email: &str) -> Result<Exit, Error> {
    let vault = super::vault(ws)?;
    let created = admin::activate(ws, &vault, name, email)?;
    let info = admin::integration_info(ws, &vault)?;
    if out.json() {
        out.json_value(&serde_json::json!({ "admin": created, "integration": info }));
    } else {
        out.line(format!("Activated. {} is the original admin and the acting admin.", created.email));
        out.line(format!("Integration client ID: {}", info.client_id.unwrap_or_default()));
        out.line(format!("Client secret:         {}", info.client_secret_masked.unwrap_or_default()));
    }
    Ok(Exit::Success)
}

pub fn admin(ws: &Workspace, out: &Output, command: AdminCommand) -> Result<Exit, Error> {
    let admin = match command {
        AdminCommand::Show => acting_admin(ws)?,
        AdminCommand::Switch { email } => Some(admin::switch_acting_admin(ws, &email)?),
    };
    if out.json() {
        out.json_value(&admin);
    } else {
        match admin {
            Some(a) => out.line(format!("Acting as {}", a.email)),
            None => out.line("No acting admin: the workspace is not activated yet.".to_owned()),
        }
    }
    Ok(Exit::Success)
}

pub fn remove(ws: &Workspace, out: &Output, email: &str) -> Result<Exit, Error> {
    admin::remove_member(ws, email)?;
    out.done(&format!("Removed {email}."));
    Ok(Exit::Success)
}
