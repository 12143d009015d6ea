//! `liaison setup verify-package|prerequisites|confirm-actions|check-sync`: the setup steps and
//! prerequisites that are checked through the APIs or confirmed by the admin.

use clap::Subcommand;
use liaison_core::setup::package::{self, PackageOutcome};
use liaison_core::setup::prerequisites::{self, Prerequisite};
use liaison_core::{Error, Workspace};

use super::{runtime, vault};
use crate::output::{Exit, Output};

#[derive(Debug, Subcommand)]
pub enum SetupCommand {
    /// Step 6: look for the Marketo Sales Insight package and its version in Salesforce.
    VerifyPackage,
    /// The prerequisites of the setup (before step 2), with what is known about each.
    Prerequisites,
    /// Say that Sales Insight Actions is enabled on the Marketo subscription (or not yet).
    ConfirmActions {
        /// Record that it is not enabled yet.
        #[arg(long)]
        not_enabled: bool,
    },
    /// Check through Marketo and Salesforce whether their sync is configured.
    CheckSync,
}

pub fn setup(ws: &Workspace, out: &Output, command: SetupCommand) -> Result<Exit, Error> {
    match command {
        SetupCommand::VerifyPackage => {
            let vault = vault(ws)?;
            let result = runtime()?.block_on(package::verify_package(ws, &vault))?;
            if out.json() {
                out.json_value(&result);
            } else {
                out.line(out.text(&result.message));
                if let Some(url) = &result.install_url {
                    let verb = if result.outcome == PackageOutcome::Outdated { "Upgrade" } else { "Install" };
                    out.line(format!("{verb}: {url}"));
                }
            }
            Ok(Exit::Success)
        }
        SetupCommand::Prerequisites => {
            show(out, &prerequisites::prerequisites(ws.store())?);
            Ok(Exit::Success)
        }
        SetupCommand::ConfirmActions { not_enabled } => {
            show(out, &prerequisites::confirm_sales_insight_actions(ws, !not_enabled)?);
            Ok(Exit::Success)
        }
        SetupCommand::CheckSync => {
            let vault = vault(ws)?;
            show(out, &runtime()?.block_on(prerequisites::check_marketo_salesforce_sync(ws, &vault))?);
            Ok(Exit::Success)
        }
    }
}

fn show(out: &Output, list: &[Prerequisite]) {
    if out.json() {
        out.json_value(&list);
        return;
    }
    out.line("Before step 2:".to_owned());
    for p in list {
        out.line(format!("  {:<64} {}", p.key.title(), p.state.label()));
        if let Some(detail) = &p.detail {
            out.line(format!("      {}", out.text(detail)));
        }
        if let (Some(by), Some(at)) = (&p.checked_by, &p.checked_at) {
            out.line(format!("      by {} at {at}", by.name.as_deref().unwrap_or(&by.email)));
        }
    }
}
