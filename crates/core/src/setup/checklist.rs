//! Steps 6 and 7 happen inside Salesforce. Step 6 is verified through the Tooling API where the
//! signed-in user may read the installed packages (see [`super::package`]); step 7, and step 6
//! when Salesforce cannot tell, are confirmed by the admin through a short checklist. The
//! confirmation is recorded and audited.

use serde::Serialize;
use ts_rs::TS;

use super::{SetupOverview, SetupStepKey, StepState, overview, set_step};
use crate::i18n::Text;
use crate::members::admin::require_actor;
use crate::{Error, Result, Workspace, audit, msg};

/// One thing the admin confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChecklistItem {
    pub key: String,
    pub text: Text,
}

/// The checklist of a step that is confirmed by hand (6 and 7), or `None`.
pub fn checklist(step: SetupStepKey) -> Option<Vec<ChecklistItem>> {
    let items = match step {
        SetupStepKey::CrmPackage => vec![
            ("package_installed", msg!("checklist-package-installed")),
            ("installed_for_users", msg!("checklist-installed-for-users")),
        ],
        SetupStepKey::CrmConfigure => vec![
            ("actions_settings", msg!("checklist-actions-settings")),
            ("page_layouts", msg!("checklist-page-layouts")),
            ("permissions", msg!("checklist-permissions")),
        ],
        _ => return None,
    };
    Some(items.into_iter().map(|(key, text)| ChecklistItem { key: key.to_owned(), text }).collect())
}

/// Marks step 6 or 7 done once every item of its checklist is confirmed.
pub fn confirm(ws: &Workspace, step: SetupStepKey, confirmed: &[String]) -> Result<SetupOverview> {
    let items =
        checklist(step).ok_or_else(|| Error::invalid_input(msg!("setup-no-checklist", step = step.number())))?;
    let missing: Vec<Text> =
        items.into_iter().filter(|i| !confirmed.iter().any(|c| c == &i.key)).map(|i| i.text).collect();
    if !missing.is_empty() {
        return Err(Error::invalid_input(msg!("setup-confirm-every-item", items = missing)));
    }
    ws.store().write(|tx| {
        let actor = require_actor(tx)?;
        set_step(tx, step, StepState::Done, Some(msg!("setup-confirmed-by", email = &actor.email)))?;
        audit::record(
            tx,
            Some(&actor.id),
            "setup.step_confirmed",
            Some(&step.number().to_string()),
            serde_json::json!({ "items": confirmed }),
        )
    })?;
    overview(ws.store())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paths;
    use crate::members::admin::activate;
    use crate::vault::{MemoryKeychain, Vault};

    #[test]
    fn r1_steps_6_and_7_are_done_only_when_every_item_is_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(Paths::in_dir(dir.path())).unwrap();
        let vault = Vault::open(ws.store(), &MemoryKeychain::default()).unwrap();
        activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
        let err = confirm(&ws, SetupStepKey::CrmPackage, &["package_installed".into()]).unwrap_err();
        assert!(err.message.contains("installed for the profiles"), "{}", err.message);
        let all: Vec<String> = checklist(SetupStepKey::CrmPackage).unwrap().into_iter().map(|i| i.key).collect();
        let o = confirm(&ws, SetupStepKey::CrmPackage, &all).unwrap();
        assert_eq!(o.steps[5].state, StepState::Done);
        assert_eq!(o.steps[5].detail.as_deref(), Some("Confirmed by ada@example.com"));
        assert!(confirm(&ws, SetupStepKey::ConnectMarketo, &[]).is_err());
    }
}
