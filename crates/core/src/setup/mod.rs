//! The seven-step setup wizard of rule R1: each step, its persona, and its persisted state.

pub mod checklist;
pub mod package;
pub mod prerequisites;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::i18n::Text;
use crate::store::{Store, now};
use crate::{Error, Result, msg};

/// Who performs a setup step (R1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Persona {
    MarketoAdmin,
    MarketoOrSalesforceAdmin,
    SalesforceAdmin,
}

/// The state a step is in; persisted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    NotStarted,
    Done,
    NeedsAttention,
}

impl StepState {
    fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::Done => "done",
            Self::NeedsAttention => "needs_attention",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "not_started" => Ok(Self::NotStarted),
            "done" => Ok(Self::Done),
            "needs_attention" => Ok(Self::NeedsAttention),
            other => Err(Error::internal(msg!("setup-unknown-state", value = other))),
        }
    }
}

/// The seven steps of R1, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SetupStepKey {
    Workspace,
    ConnectSalesforce,
    ConnectMarketo,
    StartSync,
    InviteUsers,
    CrmPackage,
    CrmConfigure,
}

impl SetupStepKey {
    /// All steps in wizard order.
    pub const ALL: [Self; 7] = [
        Self::Workspace,
        Self::ConnectSalesforce,
        Self::ConnectMarketo,
        Self::StartSync,
        Self::InviteUsers,
        Self::CrmPackage,
        Self::CrmConfigure,
    ];

    /// The 1-based step number.
    pub fn number(self) -> u8 {
        Self::ALL.iter().position(|k| *k == self).map_or(0, |i| i as u8 + 1)
    }

    /// The persona the source documents assign to the step.
    pub fn persona(self) -> Persona {
        match self {
            Self::Workspace | Self::ConnectMarketo | Self::StartSync | Self::InviteUsers => Persona::MarketoAdmin,
            Self::ConnectSalesforce => Persona::MarketoOrSalesforceAdmin,
            Self::CrmPackage | Self::CrmConfigure => Persona::SalesforceAdmin,
        }
    }

    /// An English title, for the CLI (the UI translates by key).
    pub fn title(self) -> &'static str {
        match self {
            Self::Workspace => "Set up the workspace",
            Self::ConnectSalesforce => "Connect Salesforce",
            Self::ConnectMarketo => "Connect Marketo",
            Self::StartSync => "Start the data sync",
            Self::InviteUsers => "Invite users",
            Self::CrmPackage => "Install or upgrade the CRM package",
            Self::CrmConfigure => "Configure the CRM side",
        }
    }

    fn from_number(n: i64) -> Result<Self> {
        usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| Self::ALL.get(i).copied())
            .ok_or_else(|| Error::internal(msg!("setup-unknown-step", step = n)))
    }
}

impl Persona {
    /// An English label, for the CLI.
    pub fn label(self) -> &'static str {
        match self {
            Self::MarketoAdmin => "Marketo admin",
            Self::MarketoOrSalesforceAdmin => "Marketo or Salesforce admin",
            Self::SalesforceAdmin => "Salesforce admin",
        }
    }
}

impl StepState {
    /// An English label, for the CLI.
    pub fn label(self) -> &'static str {
        match self {
            Self::NotStarted => "not started",
            Self::Done => "done",
            Self::NeedsAttention => "needs attention",
        }
    }
}

/// One step as the wizard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SetupStep {
    pub number: u8,
    pub key: SetupStepKey,
    pub persona: Persona,
    pub state: StepState,
    pub detail: Option<Text>,
    pub updated_at: Option<String>,
    /// The admin who was acting when the step last changed (none for a change no admin made).
    pub updated_by: Option<StepActor>,
    /// Where the admin resolves a step that needs attention outside Liaison (step 6: the link
    /// that installs or upgrades the package).
    pub action_url: Option<String>,
}

/// Who changed a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StepActor {
    pub name: Option<String>,
    pub email: String,
}

/// The whole wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SetupOverview {
    pub steps: Vec<SetupStep>,
    pub done: u8,
    pub total: u8,
}

/// Reads the wizard's persisted state.
pub fn overview(store: &Store) -> Result<SetupOverview> {
    store.read(read_overview)
}

fn read_overview(conn: &Connection) -> Result<SetupOverview> {
    let mut stmt = conn.prepare(
        "SELECT s.step, s.state, s.detail, s.updated_at, m.name, m.email
           FROM setup_steps s LEFT JOIN members m ON m.id = s.updated_by ORDER BY s.step",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let install_url: Option<String> = conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [package::INSTALL_URL_SETTING], |r| r.get(0))
        .optional()?;
    let mut steps = Vec::with_capacity(7);
    for row in rows {
        let (number, state, detail, updated_at, name, email) = row?;
        let key = SetupStepKey::from_number(number)?;
        let state = StepState::parse(&state)?;
        let action_url = match (key, state) {
            (SetupStepKey::CrmPackage, StepState::NeedsAttention) => install_url.clone(),
            _ => None,
        };
        steps.push(SetupStep {
            number: key.number(),
            key,
            persona: key.persona(),
            state,
            detail: detail.as_deref().map(Text::from_stored),
            updated_at,
            updated_by: email.map(|email| StepActor { name, email }),
            action_url,
        });
    }
    if steps.len() != SetupStepKey::ALL.len() {
        return Err(Error::internal(msg!("setup-steps-missing")));
    }
    let done = steps.iter().filter(|s| s.state == StepState::Done).count() as u8;
    Ok(SetupOverview { total: steps.len() as u8, steps, done })
}

/// Records a step's new state (inside the caller's transaction, next to the work that earned it),
/// with the admin acting now as the one who changed it.
pub fn set_step(conn: &Connection, key: SetupStepKey, state: StepState, detail: Option<impl Into<Text>>) -> Result<()> {
    let detail = detail.map(|d| d.into().to_stored());
    let by = crate::members::admin::acting_admin_in(conn)?.map(|admin| admin.id);
    let changed = conn.execute(
        "UPDATE setup_steps SET state = ?2, detail = ?3, updated_at = ?4, updated_by = ?5 WHERE step = ?1",
        params![key.number(), state.as_str(), detail, now(), by],
    )?;
    if changed != 1 {
        return Err(Error::internal(msg!("setup-step-missing", step = key.number())));
    }
    Ok(())
}

/// The live connection of `kind` the integration uses (one at a time, R7; during a handover the
/// older one is still the integration's).
pub(crate) fn live_connection(ws: &crate::Workspace, kind: &str) -> Result<Option<String>> {
    ws.store().read(|c| {
        Ok(c.query_row(
            "SELECT id FROM connections WHERE kind = ?1 AND disconnected_at IS NULL ORDER BY created_at, rowid LIMIT 1",
            [kind],
            |r| r.get::<_, String>(0),
        )
        .optional()?)
    })
}

/// The state of one step.
pub fn step_state(conn: &Connection, key: SetupStepKey) -> Result<StepState> {
    let state: Option<String> =
        conn.query_row("SELECT state FROM setup_steps WHERE step = ?1", [key.number()], |r| r.get(0)).optional()?;
    StepState::parse(state.as_deref().unwrap_or("not_started"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paths;

    #[test]
    fn r1_a_fresh_workspace_lists_seven_steps_not_started_with_personas() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
        let o = overview(&store).unwrap();
        assert_eq!((o.total, o.done), (7, 0));
        let personas: Vec<_> = o.steps.iter().map(|s| (s.number, s.persona)).collect();
        assert_eq!(
            personas,
            vec![
                (1, Persona::MarketoAdmin),
                (2, Persona::MarketoOrSalesforceAdmin),
                (3, Persona::MarketoAdmin),
                (4, Persona::MarketoAdmin),
                (5, Persona::MarketoAdmin),
                (6, Persona::SalesforceAdmin),
                (7, Persona::SalesforceAdmin),
            ]
        );
        assert!(o.steps.iter().all(|s| s.state == StepState::NotStarted));
    }

    #[test]
    fn r1_step_state_persists_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Paths::in_dir(dir.path())).unwrap();
        store
            .write(|tx| set_step(tx, SetupStepKey::ConnectMarketo, StepState::NeedsAttention, Some("Token expired")))
            .unwrap();
        let reopened = Store::open(&Paths::in_dir(dir.path())).unwrap();
        let o = overview(&reopened).unwrap();
        let step = &o.steps[2];
        assert_eq!(
            (step.key, step.state, step.detail.as_deref()),
            (SetupStepKey::ConnectMarketo, StepState::NeedsAttention, Some("Token expired"))
        );
        assert!(step.updated_at.is_some());
        assert_eq!(step.updated_by, None, "no admin was acting");
        assert_eq!(reopened.read(|c| step_state(c, SetupStepKey::ConnectMarketo)).unwrap(), StepState::NeedsAttention);
    }

    #[test]
    fn r1_each_step_names_the_admin_who_changed_it_and_when() {
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::Workspace::open(Paths::in_dir(dir.path())).unwrap();
        let vault = crate::vault::Vault::open(ws.store(), &crate::vault::MemoryKeychain::default()).unwrap();
        crate::members::admin::activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
        let o = overview(ws.store()).unwrap();
        let first = &o.steps[0];
        assert_eq!(first.state, StepState::Done);
        assert_eq!(first.updated_by, Some(StepActor { name: Some("Ada".into()), email: "ada@example.com".into() }));
        assert!(first.updated_at.is_some());
        assert!(o.steps[1..].iter().all(|s| s.updated_by.is_none()), "untouched steps name nobody");
        crate::members::admin::add_active_admin(&ws, "Ben", "ben@example.com").unwrap();
        crate::members::admin::switch_acting_admin(&ws, "ben@example.com").unwrap();
        ws.store().write(|tx| set_step(tx, SetupStepKey::ConnectMarketo, StepState::Done, None::<&str>)).unwrap();
        let step = &overview(ws.store()).unwrap().steps[2];
        assert_eq!(step.updated_by.as_ref().map(|a| a.email.as_str()), Some("ben@example.com"));
    }
}
