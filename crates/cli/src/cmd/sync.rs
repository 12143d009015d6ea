//! `liaison sync preview|run|status` and `liaison people search`: the data sync headless, over
//! the same workspace as the desktop app.

use clap::Subcommand;
use liaison_core::jobs;
use liaison_core::runs::RunState;
use liaison_core::sync::cache::search;
use liaison_core::sync::job::{self, SyncFinished, SyncSlot};
use liaison_core::sync::run::{self, RunOptions};
use liaison_core::{Error, Workspace, msg};

use super::{runtime, vault};
use crate::output::{Exit, Output};
use crate::progress::Bar;

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// The fields a sync carries (from live describe calls), with types and conflict rules, and
    /// the next run's estimate: calls per system and the duration on Marketo's clock.
    Preview,
    /// Run a sync: incremental from the last checkpoint, or full; an interrupted run continues.
    Run {
        /// Load everything again instead of the changes since the last run.
        #[arg(long)]
        full: bool,
    },
    /// The cache, the latest run and its counts, and the sync settings.
    Status,
    /// Custom fields synced beyond the standard ones.
    #[command(subcommand)]
    Field(FieldCommand),
}

#[derive(Debug, Subcommand)]
pub enum FieldCommand {
    /// Add a field by its API name in Marketo and/or Salesforce (checked at the next preview).
    Add {
        /// The field's name in Liaison.
        #[arg(long)]
        label: String,
        /// Marketo's API name (e.g. region).
        #[arg(long)]
        marketo: Option<String>,
        /// Salesforce Contact's API name (e.g. Region__c).
        #[arg(long)]
        contact: Option<String>,
        /// Salesforce Lead's API name.
        #[arg(long)]
        lead: Option<String>,
        /// Who wins when the systems disagree.
        #[arg(long, value_parser = ["salesforce_wins", "marketo_wins", "most_recent"], default_value = "salesforce_wins")]
        rule: String,
    },
    /// List the custom fields.
    List,
    /// Stop syncing a custom field (by its key, from `list`).
    Remove { key: String },
}

#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// Search the local cache by name, email or company.
    Search {
        /// Text to look for (case-insensitive).
        query: String,
        /// At most this many people.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// Changes to the sync settings; without any, the settings are shown.
#[derive(Debug, clap::Args)]
pub struct SyncSettingsArgs {
    /// Minutes between scheduled incremental syncs while the app runs (5–1440; 0 turns it off).
    #[arg(long)]
    schedule_minutes: Option<u32>,
    /// Log Marketo email activities in Salesforce as Tasks (on or off).
    #[arg(long, value_parser = ["on", "off"])]
    activities: Option<String>,
    /// The share of a daily quota one run may use, in percent (1–100).
    #[arg(long)]
    quota_ceiling: Option<u8>,
    /// The subscription's daily Marketo API quota.
    #[arg(long)]
    marketo_daily_quota: Option<u64>,
    /// Load Marketo leads created since this date (YYYY-MM-DD) in a full sync.
    #[arg(long)]
    history_from: Option<String>,
    /// The Dynamics 365 connection whose contacts the sync reads (`auto`: the only one).
    #[arg(long)]
    dynamics_connection: Option<String>,
    /// How many days back the first run logs Marketo email activities from (at most 365).
    #[arg(long, value_name = "DAYS")]
    activity_days: Option<u32>,
}

pub fn settings(ws: &Workspace, out: &Output, args: SyncSettingsArgs) -> Result<Exit, Error> {
    let mut s = liaison_core::sync::settings::load(ws.store())?;
    let changed = args.schedule_minutes.is_some()
        || args.activities.is_some()
        || args.quota_ceiling.is_some()
        || args.marketo_daily_quota.is_some()
        || args.history_from.is_some()
        || args.dynamics_connection.is_some()
        || args.activity_days.is_some();
    if let Some(m) = args.schedule_minutes {
        s.schedule_minutes = m;
    }
    if let Some(a) = args.activities {
        s.log_activities = a == "on";
    }
    if let Some(c) = args.quota_ceiling {
        s.quota_ceiling_percent = c;
    }
    if let Some(q) = args.marketo_daily_quota {
        s.marketo_daily_quota = q;
    }
    if let Some(h) = args.history_from {
        s.marketo_history_from = h;
    }
    if let Some(d) = args.dynamics_connection {
        s.dynamics_connection = Some(d).filter(|d| d != "auto");
    }
    if let Some(days) = args.activity_days {
        s.activity_history_days = days;
    }
    if changed {
        s = liaison_core::sync::settings::save(ws.store(), &s)?;
    }
    if out.json() {
        out.json_value(&s);
    } else {
        out.line(format!(
            "Schedule: {}; activity logging {}; quota ceiling {}%; Marketo daily quota {}; Marketo history from {}; Dynamics contacts from {}.",
            if s.schedule_minutes == 0 { "off".to_owned() } else { format!("every {} min", s.schedule_minutes) },
            if s.log_activities {
                format!("on (a first run logs the last {} days)", s.activity_history_days)
            } else {
                "off".to_owned()
            },
            s.quota_ceiling_percent,
            s.marketo_daily_quota,
            s.marketo_history_from,
            s.dynamics_connection.as_deref().unwrap_or("the only Dynamics connection, if any")
        ));
    }
    Ok(Exit::Success)
}

pub fn sync(ws: &Workspace, out: &Output, command: SyncCommand) -> Result<Exit, Error> {
    match command {
        SyncCommand::Preview => preview(ws, out),
        SyncCommand::Run { full } => run_sync(ws, out, full),
        SyncCommand::Status => status(ws, out),
        SyncCommand::Field(command) => field(ws, out, command),
    }
}

fn field(ws: &Workspace, out: &Output, command: FieldCommand) -> Result<Exit, Error> {
    use liaison_core::sync::fields;
    match command {
        FieldCommand::Add { label, marketo, contact, lead, rule } => {
            let rule = serde_json::from_value(serde_json::Value::String(rule))?;
            let added = fields::add_custom(
                ws.store(),
                fields::NewCustomField { label, marketo, salesforce_contact: contact, salesforce_lead: lead, rule },
            )?;
            if out.json() {
                out.json_value(&added);
            } else {
                out.line(format!(
                    "Added {:?} (key {}). `liaison sync preview` checks it against both systems.",
                    added.label, added.key
                ));
            }
        }
        FieldCommand::List => {
            let list = fields::custom_fields(ws.store())?;
            if out.json() {
                out.json_value(&list);
            } else if list.is_empty() {
                out.line("No custom fields: `liaison sync field add --label … --marketo … --contact …`.".into());
            }
            if !out.json() {
                for f in list {
                    let side = |n: &Option<String>| n.clone().unwrap_or_else(|| "—".into());
                    out.line(format!(
                        "{:<24} {:<24} marketo {} · contact {} · lead {}{}",
                        f.key,
                        f.label,
                        side(&f.marketo),
                        side(&f.salesforce_contact),
                        side(&f.salesforce_lead),
                        if f.selected { "" } else { " (not synced)" }
                    ));
                }
            }
        }
        FieldCommand::Remove { key } => {
            fields::remove_custom(ws.store(), &key)?;
            out.done(&format!("Removed the custom field {key}."));
        }
    }
    Ok(Exit::Success)
}

fn preview(ws: &Workspace, out: &Output) -> Result<Exit, Error> {
    let vault = vault(ws)?;
    let rt = runtime()?;
    let preview = rt.block_on(run::preview(ws, &vault))?;
    let estimate = rt.block_on(run::estimate(ws, &vault, false))?;
    if out.json() {
        out.json_value(&serde_json::json!({ "fields": preview, "estimate": estimate }));
        return Ok(Exit::Success);
    }
    let name =
        |f: &Option<liaison_core::sync::fields::SystemField>| f.as_ref().map_or("—".to_owned(), |f| f.name.clone());
    out.line(format!(
        "{:<14} {:<16} {:<20} {:<20} {:<16} {}",
        "FIELD", "MARKETO", "SF CONTACT", "SF LEAD", "RULE", "SYNCED"
    ));
    for row in &preview.rows {
        let field = match (&row.custom, row.field) {
            (Some(c), _) => c.key.as_str(),
            (None, Some(f)) => f.column(),
            (None, None) => "email (key)",
        };
        let rule = serde_json::to_value(row.rule)?.as_str().unwrap_or_default().to_owned();
        let synced = if row.required {
            "always"
        } else if row.selected {
            "yes"
        } else {
            "no"
        };
        out.line(format!(
            "{field:<14} {:<16} {:<20} {:<20} {rule:<16} {synced}{}",
            name(&row.marketo),
            name(&row.salesforce_contact),
            name(&row.salesforce_lead),
            row.note.as_ref().map(|n| format!("  ({})", out.text(n))).unwrap_or_default()
        ));
    }
    out.line(String::new());
    out.line(out.text(&msg!(
        "sync-cli-estimate",
        full = if estimate.full { "full" } else { "incremental" },
        marketo = estimate.marketo_calls,
        used = estimate.marketo_used_today,
        quota = estimate.marketo_daily_quota,
        marketo_ceiling = estimate.marketo_ceiling,
        salesforce = estimate.salesforce_calls,
        left = estimate.salesforce_remaining,
        max = estimate.salesforce_daily_max,
        salesforce_ceiling = estimate.salesforce_ceiling,
        minutes = estimate.seconds.div_ceil(60).max(1)
    )));
    if let Some(blocked) = estimate.blocked {
        out.line(format!("It would be refused: {}", out.text(&blocked)));
    }
    Ok(Exit::Success)
}

fn run_sync(ws: &Workspace, out: &Output, full: bool) -> Result<Exit, Error> {
    let ws = ws.clone();
    let vault = std::sync::Arc::new(vault(&ws)?);
    let options = RunOptions::for_connections(&ws, full)?;
    let slot = std::sync::Arc::new(SyncSlot::default());
    let bar = std::sync::Arc::new(Bar::<SyncFinished>::new(out.json()));
    let job = job::start(ws.clone(), vault, options, &slot, bar.clone(), false)?;
    let rt = runtime()?;
    let signal = rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("Stopping after the current batch (the checkpoint is kept)…");
            slot.cancel();
        }
    });
    jobs::join(job, "sync")?;
    signal.abort();
    let report = match bar.outcome() {
        Some(SyncFinished { report: Some(report), .. }) => report,
        Some(SyncFinished { error: Some(error), .. }) => return Err(error),
        _ => return Err(Error::internal(liaison_core::msg!("job-stopped-unexpectedly", job = "sync"))),
    };
    let ws = &ws;
    if out.json() {
        out.json_value(&report);
    } else {
        let c = &report.counts;
        out.line(format!(
            "Sync {} ({}{}): fetched {}, created {}, updated {}, unchanged {}, conflicts {}, duplicates {}, deleted {}, tasks logged {}, errors {}; {} Marketo calls, {} Salesforce requests, {} Dynamics 365 requests.",
            match report.state {
                RunState::Succeeded => "succeeded",
                RunState::Cancelled => "cancelled",
                _ => "stopped",
            },
            if report.full { "full" } else { "incremental" },
            if report.resumed { ", continued from a checkpoint" } else { "" },
            c.fetched, c.created, c.updated, c.unchanged, c.conflicts, c.duplicates, c.deleted, c.tasks_logged, c.errors,
            c.marketo_calls, c.salesforce_calls, c.dynamics_calls
        ));
        if c.errors > 0 || c.duplicates > 0 {
            for e in run::record_errors(ws, &report.run_id, 20)? {
                out.line(format!("  {} {} {}: {}", e.system, e.record_id, e.code, out.text(&e.message)));
            }
        }
    }
    Ok(match report.state {
        RunState::Succeeded if report.counts.errors == 0 => Exit::Success,
        RunState::Succeeded => Exit::Partial,
        _ => Exit::Error,
    })
}

fn status(ws: &Workspace, out: &Output) -> Result<Exit, Error> {
    let status = run::status(ws)?;
    if out.json() {
        out.json_value(&status);
        return Ok(Exit::Success);
    }
    out.line(format!("People in the cache: {}", status.people));
    out.line(format!(
        "Next run: {}{}",
        if status.incremental_ready { "incremental" } else { "full" },
        if status.interrupted { " (continues the interrupted run)" } else { "" }
    ));
    match &status.last_run {
        Some(r) => out.line(format!(
            "Last run: {} {} started {}{} — created {}, updated {}, deleted {}, errors {}{}",
            if r.full { "full" } else { "incremental" },
            serde_json::to_value(r.state)?.as_str().unwrap_or_default(),
            r.started_at,
            r.finished_at.as_deref().map(|f| format!(", finished {f}")).unwrap_or_default(),
            r.counts.created,
            r.counts.updated,
            r.counts.deleted,
            r.counts.errors,
            r.error.as_ref().map(|e| format!(" ({})", out.text(e))).unwrap_or_default()
        )),
        None => out.line("No sync has run yet: `liaison sync preview`, then `liaison sync run`.".into()),
    }
    let s = &status.settings;
    out.line(format!(
        "Schedule: {}; activity logging {}; quota ceiling {}%; Marketo history from {}.",
        if s.schedule_minutes == 0 {
            "off".to_owned()
        } else {
            format!("every {} min while the app runs", s.schedule_minutes)
        },
        if s.log_activities { "on" } else { "off" },
        s.quota_ceiling_percent,
        s.marketo_history_from
    ));
    Ok(Exit::Success)
}

pub fn people(ws: &Workspace, out: &Output, command: PeopleCommand) -> Result<Exit, Error> {
    let PeopleCommand::Search { query, limit } = command;
    if query.trim().is_empty() {
        return Err(Error::invalid_input("Give some text to search for (a name, an email or a company)."));
    }
    let found = ws.store().read(|c| search(c, &query, limit))?;
    if out.json() {
        out.json_value(&found);
        return Ok(Exit::Success);
    }
    if found.is_empty() {
        out.line(format!("Nobody in the cache matches {query:?}."));
    }
    for p in found {
        let name =
            [p.first_name.as_deref(), p.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let dynamics = match &p.dynamics {
            None => String::new(),
            Some(m) => {
                use liaison_core::sync::dynamics_match::ContactMatch;
                let result = match &m.result {
                    ContactMatch::Matched { contact_id } => contact_id.clone(),
                    ContactMatch::NoContact => "no contact".to_owned(),
                    ContactMatch::Ambiguous { contact_ids } => format!("ambiguous ({})", contact_ids.join(", ")),
                    ContactMatch::Inactive { contact_id } => format!("{contact_id} (inactive)"),
                };
                format!(" · dynamics {result} by {}", m.by.label())
            }
        };
        out.line(format!(
            "{:<40} {:<28} {:<24} marketo {} · contact {} · lead {}{dynamics}",
            p.email,
            name,
            p.company.as_deref().unwrap_or("—"),
            p.marketo_id.as_deref().unwrap_or("—"),
            p.sf_contact_id.as_deref().unwrap_or("—"),
            p.sf_lead_id.as_deref().unwrap_or("—")
        ));
    }
    Ok(Exit::Success)
}
