//! `liaison status` and `liaison audit`.

use liaison_core::audit::{self, AuditQuery};
use liaison_core::members::admin::acting_admin;
use liaison_core::{Error, Workspace, setup};

use crate::output::{Exit, Output};

pub fn status(workspace: &Workspace, out: &Output) -> Result<Exit, Error> {
    let ws = workspace.status()?;
    let overview = setup::overview(workspace.store())?;
    let prerequisites = setup::prerequisites::prerequisites(workspace.store())?;
    let acting = acting_admin(workspace)?;
    let vault = super::vault(workspace).map(|v| v.status().clone());
    if out.json() {
        out.json_value(&serde_json::json!({
            "workspace": ws,
            "data_dir": workspace.paths().data_dir,
            "log_dir": workspace.paths().log_dir,
            "acting_admin": acting,
            "vault": vault.as_ref().ok(),
            "vault_error": vault.as_ref().err(),
            "setup": overview,
            "prerequisites": prerequisites,
        }));
        return Ok(Exit::Success);
    }
    out.line(format!("Workspace {}", ws.workspace_id));
    out.line(format!("  data:      {}", workspace.paths().data_dir.display()));
    out.line(format!("  logs:      {}", workspace.paths().log_dir.display()));
    match (&ws.activated_at, &ws.original_admin) {
        (Some(at), Some(admin)) => out.line(format!("  activated: {at} by {admin}")),
        _ => out.line("  activated: not yet (run `liaison activate --name NAME --email EMAIL`)".to_owned()),
    }
    if let Some(admin) = &acting {
        out.line(format!("  acting as: {}", admin.email));
    }
    match &vault {
        Ok(status) => {
            out.line(format!("  vault:     {}", status.keychain.label()));
            if let Some(warning) = &status.warning {
                out.line(format!("  warning:   {warning}"));
            }
        }
        Err(err) => out.line(format!("  vault:     unavailable — {}", err.message)),
    }
    out.line(format!("Setup: {} of {} steps done", overview.done, overview.total));
    for (i, step) in overview.steps.iter().enumerate() {
        if i == 1 {
            // Seed 000's prerequisites come before step 2.
            for p in &prerequisites {
                let mark = match p.state {
                    setup::prerequisites::PrerequisiteState::Met => "✓",
                    setup::prerequisites::PrerequisiteState::NotMet => "!",
                    _ => "?",
                };
                out.line(format!("   ({mark}) prerequisite: {} — {}", p.key.title(), p.state.label()));
            }
        }
        let mark = match step.state {
            setup::StepState::Done => "✓",
            setup::StepState::NeedsAttention => "!",
            setup::StepState::NotStarted => " ",
        };
        out.line(format!(
            "  [{mark}] {}. {:<36} {:<28} {}",
            step.number,
            step.key.title(),
            step.persona.label(),
            step.state.label()
        ));
        if let Some(detail) = &step.detail {
            out.line(format!("        {}", out.text(detail)));
        }
        if let Some(url) = &step.action_url {
            out.line(format!("        open: {url}"));
        }
        if let (Some(by), Some(at)) = (&step.updated_by, &step.updated_at) {
            out.line(format!("        by {} at {at}", by.name.as_deref().unwrap_or(&by.email)));
        }
    }
    Ok(Exit::Success)
}

pub fn audit(workspace: &Workspace, out: &Output, action: Option<String>, limit: u32) -> Result<Exit, Error> {
    let entries = audit::list(workspace.store(), &AuditQuery { action, limit: Some(limit) })?;
    if out.json() {
        out.json_value(&entries);
    } else if entries.is_empty() {
        out.line("No audit entries match.".to_owned());
    } else {
        for e in &entries {
            out.line(format!(
                "{}  {:<28} {:<32} {}",
                e.at,
                e.actor.as_deref().unwrap_or("(system)"),
                e.action,
                e.target.as_deref().unwrap_or("")
            ));
        }
    }
    Ok(Exit::Success)
}
