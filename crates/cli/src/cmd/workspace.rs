//! Activation, the acting admin, removing members.

use clap::{Args, Subcommand};
use liaison_core::members::admin::{self, acting_admin};
use liaison_core::members::first_admin::{self, MarketoSource};
use liaison_core::{Error, Workspace, msg};
use secrecy::SecretString;

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

/// Where Marketo's users are read from: before activation its REST endpoint and client ID
/// (secret on stdin), afterwards the workspace's Marketo connection.
#[derive(Debug, Args)]
pub struct MarketoArgs {
    /// The Marketo REST endpoint or Munchkin ID (the client secret is read from stdin); without
    /// it, the workspace's Marketo connection is used.
    #[arg(long, requires = "client_id")]
    marketo_url: Option<String>,
    /// The client ID of the Marketo custom service.
    #[arg(long, requires = "marketo_url")]
    client_id: Option<String>,
}

impl MarketoArgs {
    fn source(self) -> Result<(MarketoSource, Option<SecretString>), Error> {
        match (self.marketo_url, self.client_id) {
            (Some(base_url), Some(client_id)) => {
                let secret = super::read_hidden_line("Marketo client secret: ", "secret")?;
                Ok((MarketoSource::Credentials { base_url, client_id }, Some(SecretString::from(secret))))
            }
            _ => Ok((MarketoSource::Connection, None)),
        }
    }
}

pub fn marketo_admins(ws: &Workspace, out: &Output, marketo: MarketoArgs) -> Result<Exit, Error> {
    let vault = super::vault(ws)?;
    let (source, secret) = marketo.source()?;
    let admins = super::runtime()?.block_on(first_admin::marketo_admins(ws, &vault, &source, secret))?;
    if out.json() {
        out.json_value(&admins);
    } else {
        out.line(out.text(&msg!("first-admin-cli-listed", count = admins.len())));
        for a in &admins {
            out.line(format!("  {}  <{}>  {}  [{}]", a.name, a.email, a.userid, a.roles.join(", ")));
        }
    }
    Ok(Exit::Success)
}

pub fn activate_from_marketo(ws: &Workspace, out: &Output, pick: &str, marketo: MarketoArgs) -> Result<Exit, Error> {
    let vault = super::vault(ws)?;
    let (source, secret) = marketo.source()?;
    let done = super::runtime()?.block_on(first_admin::activate_from_marketo(ws, &vault, &source, secret, pick))?;
    let info = admin::integration_info(ws, &vault)?;
    if !out.json() {
        out.line(format!("Activated. {} is the original admin and the acting admin.", done.admin.email));
        out.line(format!("Integration client ID: {}", info.client_id.clone().unwrap_or_default()));
        out.line(format!("Client secret:         {}", info.client_secret_masked.clone().unwrap_or_default()));
    }
    let (delivery, exit) = if done.email.waiting_for_email_settings {
        (None, Exit::Success)
    } else {
        let summary = super::invite::run_delivery(ws, vault, out)?;
        let exit = super::invite::delivery_exit(&summary);
        (Some(summary), exit)
    };
    let email = first_admin::access_email(ws.store())?;
    if out.json() {
        out.json_value(&serde_json::json!({
            "admin": done.admin, "integration": info, "access_email": email, "delivery": delivery,
        }));
    } else if let Some(summary) = &delivery {
        super::invite::report_delivery(out, summary);
    } else {
        out.line(format!(
            "The access instructions for {} wait in the outbox: set up the email server \
             (`liaison settings smtp …`), then run `liaison invite deliver`.",
            done.email.recipient
        ));
    }
    Ok(exit)
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
