//! `liaison connect marketo|salesforce`: secrets are read from standard input or a hidden
//! prompt, never from an argument (arguments end up in shell history and process lists).

use clap::Subcommand;
use liaison_core::connections::campaign::{self, ConnectCampaign};
use liaison_core::connections::dynamics::{self, ConnectDynamics, UsableBy};
use liaison_core::connections::marketo::{self, ConnectMarketo};
use liaison_core::connections::oauth::SystemBrowser;
use liaison_core::connections::salesforce::{self, ConnectSalesforce};
use liaison_core::{Error, Workspace};
use secrecy::SecretString;

use crate::output::{Exit, Output};

#[derive(Debug, Subcommand)]
pub enum ConnectCommand {
    /// Connect Marketo with a LaunchPoint service's client ID and secret (secret on stdin).
    Marketo {
        /// The REST endpoint (https://<munchkin>.mktorest.com) or the Munchkin ID.
        #[arg(long)]
        base_url: String,
        #[arg(long)]
        client_id: String,
        #[arg(long, default_value = "Marketo")]
        name: String,
        /// Label the connection as a sandbox (test) connection.
        #[arg(long)]
        sandbox: bool,
    },
    /// Connect Salesforce: opens the browser to sign in and waits for the redirect. The
    /// connected app's secret, if it requires one, is read from stdin.
    Salesforce {
        /// production, sandbox, or your My Domain login URL.
        #[arg(long, default_value = "production")]
        login_url: String,
        #[arg(long)]
        client_id: String,
        #[arg(long, default_value = "")]
        name: String,
        /// Read a client secret from stdin (connected apps that require one).
        #[arg(long)]
        with_secret: bool,
        #[arg(long)]
        sandbox: bool,
    },
    /// Connect Dynamics 365: opens the browser to sign in with Microsoft (R13).
    Dynamics {
        /// The org's Sales URL, e.g. https://contoso.crm.dynamics.com.
        #[arg(long)]
        org_url: String,
        /// https://login.microsoftonline.com/<tenant> (default tenant: organizations).
        #[arg(long, default_value = "")]
        authority_url: String,
        #[arg(long)]
        client_id: String,
        /// The display name (required: there may be several Dynamics connections).
        #[arg(long)]
        name: String,
        /// Who may use it (R13): `admins` (every admin, the default) or member emails separated by
        /// commas (only they, and you, who connect it).
        #[arg(long, value_name = "admins|EMAIL,...", default_value = "admins")]
        usable_by: String,
        #[arg(long)]
        sandbox: bool,
        /// How people are matched to contacts (R13): `email` (default) or FIELD=ATTRIBUTE, a
        /// cached person field equal to a contact attribute (e.g. sf_contact_id=new_salesforceid).
        #[arg(long, default_value = "email")]
        match_by: String,
    },
    /// Connect Adobe Campaign Standard with an OAuth server-to-server credential (secret on stdin).
    Campaign {
        /// The API host (default https://mc.adobe.io).
        #[arg(long, default_value = "")]
        base_url: String,
        /// The IMS host (default https://ims-na1.adobelogin.com).
        #[arg(long, default_value = "")]
        ims_url: String,
        /// The organization (tenant) ID.
        #[arg(long)]
        org_id: String,
        #[arg(long)]
        client_id: String,
        #[arg(long, default_value = "Adobe Campaign")]
        name: String,
        #[arg(long)]
        sandbox: bool,
        /// The calls a minute your Campaign licence allows Liaison (60–20,000; default 600).
        #[arg(long)]
        calls_per_minute: Option<u32>,
    },
}

fn read_secret(prompt: &str) -> Result<SecretString, Error> {
    let text = super::read_hidden_line(prompt, "secret")?;
    if text.trim().is_empty() {
        return Err(Error::invalid_input("No secret was given on standard input."));
    }
    Ok(SecretString::from(text))
}

pub fn connect(ws: &Workspace, out: &Output, command: ConnectCommand) -> Result<Exit, Error> {
    let vault = super::vault(ws)?;
    let runtime = super::runtime()?;
    let connection = match command {
        ConnectCommand::Marketo { base_url, client_id, name, sandbox } => {
            let secret = read_secret("Marketo client secret: ")?;
            let request = ConnectMarketo { display_name: name, base_url, client_id, is_sandbox: sandbox };
            runtime.block_on(marketo::connect(ws, &vault, request, secret))?
        }
        ConnectCommand::Salesforce { login_url, client_id, name, with_secret, sandbox } => {
            let secret = if with_secret { Some(read_secret("Salesforce client secret: ")?) } else { None };
            let request = ConnectSalesforce { display_name: name, login_url, client_id, is_sandbox: sandbox };
            if !out.json() {
                eprintln!("Opening your browser to sign in to Salesforce (waiting up to 5 minutes)…");
            }
            runtime.block_on(salesforce::connect(ws, &vault, request, secret, &SystemBrowser))?
        }
        ConnectCommand::Dynamics { org_url, authority_url, client_id, name, usable_by, sandbox, match_by } => {
            let usable_by = UsableBy::parse(&usable_by);
            let match_by = dynamics::MatchBy::parse(&match_by)?;
            let request = ConnectDynamics {
                match_by,
                display_name: name,
                org_url,
                authority_url,
                client_id,
                usable_by,
                is_sandbox: sandbox,
            };
            if !out.json() {
                eprintln!("Opening your browser to sign in with Microsoft (waiting up to 5 minutes)…");
            }
            runtime.block_on(dynamics::connect(ws, &vault, request, &SystemBrowser))?
        }
        ConnectCommand::Campaign { base_url, ims_url, org_id, client_id, name, sandbox, calls_per_minute } => {
            let secret = read_secret("Adobe Campaign client secret: ")?;
            let request = ConnectCampaign {
                display_name: name,
                base_url,
                ims_url,
                org_id,
                client_id,
                is_sandbox: sandbox,
                calls_per_minute,
            };
            runtime.block_on(campaign::connect(ws, &vault, request, secret))?
        }
    };
    if out.json() {
        out.json_value(&connection);
    } else {
        out.line(format!(
            "Connected {} ({}), owned by {}.",
            connection.display_name,
            connection.id,
            connection.owner.unwrap_or_default()
        ));
    }
    Ok(Exit::Success)
}
