//! Connections, access grants and handovers.

use clap::{Subcommand, ValueEnum};
use liaison_core::connections::access::{self, UsableBy};
use liaison_core::connections::ownership::{self};
use liaison_core::connections::{self, ConnectionKind, disconnect};
use liaison_core::{Error, Workspace};

use crate::output::{Exit, Output};

/// A connection kind on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    Salesforce,
    Marketo,
    Dynamics,
    Campaign,
}

impl From<Kind> for ConnectionKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Salesforce => Self::Salesforce,
            Kind::Marketo => Self::Marketo,
            Kind::Dynamics => Self::Dynamics,
            Kind::Campaign => Self::Campaign,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ConnectionsCommand {
    /// List live connections.
    List,
    /// Run the health check of one connection, or of every connection.
    Check {
        /// The connection's id (default: all).
        id: Option<String>,
    },
    /// Who may use a Dynamics 365 connection (R13): shows it, or sets it (its owner only).
    Access {
        /// The connection's id (see `liaison connections list`).
        #[arg(long)]
        connection: String,
        /// `admins` (every admin), or member emails separated by commas (only they, and the
        /// admin who connected it). Without it: shows who may use the connection.
        #[arg(value_name = "admins|EMAIL,...")]
        usable_by: Option<String>,
    },
    /// Disconnect a connection (its owner only, R6).
    Disconnect {
        /// The connection's id (see `liaison connections list`).
        id: String,
    },
    /// How people are matched to a Dynamics 365 connection's contacts (R13).
    Match {
        /// The Dynamics connection's id.
        #[arg(long)]
        connection: String,
        /// `email`, or FIELD=ATTRIBUTE: a cached person field equal to a contact attribute
        /// (e.g. sf_contact_id=new_salesforceid).
        how: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// Admins with access to a connection.
    List {
        #[arg(long)]
        connection: String,
    },
    /// Grant an admin access to a connection.
    Grant {
        #[arg(long)]
        connection: String,
        email: String,
    },
    /// Remove an admin's access.
    Revoke {
        #[arg(long)]
        connection: String,
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum HandoverCommand {
    /// Step 1: remove the new admin's access so they can connect (owner only).
    Start {
        #[arg(long, value_enum)]
        kind: Kind,
        /// The admin who takes over.
        #[arg(long)]
        to: String,
    },
    /// Show the open handover.
    Status {
        #[arg(long, value_enum)]
        kind: Kind,
    },
    /// Cancel the open handover (before the new admin connected).
    Cancel {
        #[arg(long, value_enum)]
        kind: Kind,
    },
}

pub fn connections(ws: &Workspace, out: &Output, command: ConnectionsCommand) -> Result<Exit, Error> {
    match command {
        ConnectionsCommand::List => {
            let list = connections::list(ws.store())?;
            if out.json() {
                out.json_value(&list);
            } else if list.is_empty() {
                out.line("No connections yet.".to_owned());
            } else {
                for c in &list {
                    let sandbox = if c.is_sandbox { " [Sandbox]" } else { "" };
                    let usable_by = c
                        .usable_by
                        .as_ref()
                        .map(|u| format!("  usable by {}", out.text(&u.describe())))
                        .unwrap_or_default();
                    out.line(format!(
                        "{}  {:<11} {}{sandbox}  owner {}{usable_by}",
                        c.id,
                        format!("{:?}", c.kind).to_lowercase(),
                        c.display_name,
                        c.owner.as_deref().unwrap_or("-")
                    ));
                }
            }
        }
        ConnectionsCommand::Check { id } => return check(ws, out, id),
        ConnectionsCommand::Access { connection, usable_by } => {
            if let Some(usable_by) = usable_by {
                access::set_usable_by(ws, &connection, UsableBy::parse(&usable_by))?;
            }
            let found = connections::list(ws.store())?.into_iter().find(|c| c.id == connection);
            let c = found.ok_or_else(|| Error::not_found(liaison_core::msg!("disconnect-not-found")))?;
            if out.json() {
                out.json_value(&c);
            } else {
                let who = c.usable_by.as_ref().map_or_else(|| "every admin".to_owned(), |u| out.text(&u.describe()));
                out.line(format!("Who may use {}: {who}", c.display_name));
            }
        }
        ConnectionsCommand::Match { connection, how } => {
            use liaison_core::connections::dynamics::{self, MatchBy};
            let settings = dynamics::set_match_by(ws, &connection, MatchBy::parse(&how)?)?;
            if out.json() {
                out.json_value(&settings.match_by);
            } else {
                out.done(&format!(
                    "People are now matched to this connection's contacts by {}.",
                    settings.match_by.label()
                ));
            }
        }
        ConnectionsCommand::Disconnect { id } => {
            let vault = super::vault(ws)?;
            let done = super::runtime()?.block_on(disconnect::disconnect(ws, &vault, &id))?;
            if out.json() {
                out.json_value(&done);
            } else {
                out.line(format!("Disconnected {id}."));
                if done.revoked {
                    out.line("The Salesforce sign-in was revoked at Salesforce.".to_owned());
                }
                if let Some(err) = &done.revoke_error {
                    out.line(format!("warning: {}", out.text(&err.message)));
                }
            }
        }
    }
    Ok(Exit::Success)
}

pub fn access(ws: &Workspace, out: &Output, command: AccessCommand) -> Result<Exit, Error> {
    match command {
        AccessCommand::List { connection } => {
            let grants = ownership::access_list(ws, &connection)?;
            if out.json() {
                out.json_value(&grants);
            } else if grants.is_empty() {
                out.line("No admin has been granted access.".to_owned());
            } else {
                for g in grants {
                    out.line(format!("{}  granted {} by {}", g.member, g.granted_at, g.granted_by.unwrap_or_default()));
                }
            }
        }
        AccessCommand::Grant { connection, email } => {
            ownership::grant_access(ws, &connection, &email)?;
            out.done(&format!("Granted {email} access."));
        }
        AccessCommand::Revoke { connection, email } => {
            ownership::revoke_access(ws, &connection, &email)?;
            out.done(&format!("Removed {email}'s access."));
        }
    }
    Ok(Exit::Success)
}

pub fn handover(ws: &Workspace, out: &Output, command: HandoverCommand) -> Result<Exit, Error> {
    match command {
        HandoverCommand::Start { kind, to } => {
            let h = ownership::start_handover(ws, kind.into(), &to)?;
            if out.json() {
                out.json_value(&h);
            } else {
                out.line(format!("Step 1 done: {}'s access was removed.", h.to_admin));
                if h.already_connected {
                    // Seed 001: the new owner's own connection stands for step 2.
                    out.line(format!(
                        "{} already has their own connection, so only step 1 was needed. Finish by disconnecting the old connection (`liaison connections disconnect <ID>`); everyone's access moves to {}'s connection.",
                        h.to_admin, h.to_admin
                    ));
                } else {
                    out.line(format!(
                        "Next: {} connects, then {} disconnects the old connection.",
                        h.to_admin, h.from_admin
                    ));
                }
            }
        }
        HandoverCommand::Status { kind } => {
            let h = ownership::handover_status(ws, kind.into())?;
            if out.json() {
                out.json_value(&h);
            } else {
                match h {
                    Some(h) => out.line(format!("{} → {}: {:?}", h.from_admin, h.to_admin, h.state)),
                    None => out.line("No handover in progress.".to_owned()),
                }
            }
        }
        HandoverCommand::Cancel { kind } => {
            ownership::cancel_handover(ws, kind.into())?;
            out.done("Handover cancelled.");
        }
    }
    Ok(Exit::Success)
}

fn check(ws: &Workspace, out: &Output, id: Option<String>) -> Result<Exit, Error> {
    let ids: Vec<String> = match id {
        Some(id) => vec![id],
        None => connections::list(ws.store())?.into_iter().map(|c| c.id).collect(),
    };
    if ids.is_empty() {
        out.done("No connections to check.");
        return Ok(Exit::Success);
    }
    let vault = super::vault(ws)?;
    let runtime = super::runtime()?;
    let mut reports = Vec::new();
    for id in ids {
        reports.push(runtime.block_on(liaison_core::connections::health::check(ws, &vault, &id))?);
    }
    if out.json() {
        out.json_value(&reports);
    } else {
        for report in &reports {
            out.line(format!("{} ({})", report.display_name, report.connection_id));
            for item in &report.items {
                let detail = out.text(&item.detail);
                out.line(format!("  {} {:<14} {}", if item.ok { "✓" } else { "✗" }, item.key, detail));
            }
        }
    }
    Ok(if reports.iter().all(|r| r.healthy()) { Exit::Success } else { Exit::Partial })
}
