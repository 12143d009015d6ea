//! `liaison export destination add|list|delete` (where exports deliver) and `liaison export
//! create|run|list|history|delete` (the exports themselves).

use std::sync::Arc;

use clap::{Args, Subcommand};
use liaison_core::connections::{self, ConnectionKind};
use liaison_core::exports::destinations::{self, NewDynamicsDestination, NewMarketoDestination};
use liaison_core::exports::{
    self, Attribute, AttributeChoice, ExportFinished, ExportOptions, ExportSlot, NewExport, RowOutcome, Schedule,
};
use liaison_core::runs::RunState;
use liaison_core::{Error, Workspace, jobs, msg};
use secrecy::SecretString;

use super::{read_hidden_line, runtime, vault};
use crate::output::{Exit, Output};
use crate::progress::Bar;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export destinations: the marketing lists segments are delivered to.
    #[command(subcommand)]
    Destination(DestinationCommand),
    /// Save an export: a destination, segments and the fields to deliver (it does not run).
    Create(ExportArgs),
    /// Change a saved export (it does not run).
    Update(ExportArgs),
    /// Run an export now (or predict it with --dry-run: no call is made).
    Run {
        name: String,
        /// Show what a run would add, update, remove and skip, without any call.
        #[arg(long)]
        dry_run: bool,
    },
    /// The exports, with their destinations, segments, fields and schedules.
    List,
    /// An export's runs, newest first.
    History {
        name: String,
        /// At most this many runs.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// A run's per-row results (refused, warned about, skipped) as CSV on stdout.
    Results { run_id: String },
    /// Delete an export: it stops, its history stays; the list itself is left as it is.
    Delete { name: String },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The export's name.
    name: String,
    /// The destination's name.
    #[arg(long)]
    destination: String,
    /// A segment to deliver (repeat for several; people in any of them are delivered once).
    #[arg(long = "segment", required = true)]
    segments: Vec<String>,
    /// An attribute to deliver, from a cached field: `first_name`, `city=city`, `country=custom_region`
    /// (repeat; email is always delivered).
    #[arg(long = "field")]
    fields: Vec<String>,
    /// When it runs by itself: manual, after-sync or hours:N.
    #[arg(long, default_value = "manual")]
    schedule: String,
    /// The new name (update only).
    #[arg(long)]
    rename: Option<String>,
}

impl ExportArgs {
    fn new_export(&self) -> Result<NewExport, Error> {
        let fields = self
            .fields
            .iter()
            .map(|f| {
                let (attribute, cache) = match f.split_once('=') {
                    Some((a, c)) => (a, Some(c.trim().to_owned())),
                    None => (f.as_str(), None),
                };
                Ok(AttributeChoice { attribute: Attribute::parse(attribute)?, cache_field: cache })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(NewExport {
            name: self.rename.clone().unwrap_or_else(|| self.name.clone()),
            destination: self.destination.clone(),
            segments: self.segments.clone(),
            fields,
            schedule: Schedule::parse(&self.schedule)?,
        })
    }
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
    /// A Dynamics 365 static contact marketing list: an existing one, or a new one Liaison creates.
    Dynamics(DynamicsArgs),
}

#[derive(Debug, Args)]
pub struct DynamicsArgs {
    /// The destination's display name.
    #[arg(long)]
    name: String,
    /// The Dynamics 365 connection (its ID, or `dynamics` for the one there is).
    #[arg(long)]
    connection: String,
    /// An existing static contact list's ID (a GUID)…
    #[arg(long, conflicts_with = "new_list", required_unless_present = "new_list")]
    list_id: Option<String>,
    /// …or the name of a new static contact list to create.
    #[arg(long)]
    new_list: Option<String>,
    /// You read the data-privacy notice (`liaison export destination privacy-notice`) and accept it.
    #[arg(long)]
    accept_privacy_notice: bool,
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
    let command = match command {
        ExportCommand::Destination(command) => command,
        ExportCommand::Create(args) => {
            let vault = vault(ws)?;
            let saved = runtime()?.block_on(exports::definition::create(ws, &vault, args.new_export()?))?;
            show_saved(out, &saved, "export-created");
            return Ok(Exit::Success);
        }
        ExportCommand::Update(args) => {
            let vault = vault(ws)?;
            let saved = runtime()?.block_on(exports::definition::update(ws, &vault, &args.name, args.new_export()?))?;
            show_saved(out, &saved, "export-updated");
            return Ok(Exit::Success);
        }
        ExportCommand::Run { name, dry_run: true } => return dry_run(ws, out, &name),
        ExportCommand::Run { name, dry_run: false } => return run(ws, out, &name),
        ExportCommand::List => {
            let list = exports::definition::list(ws.store())?;
            if out.json() {
                out.json_value(&list);
            } else if list.is_empty() {
                out.line(out.text(&msg!("export-none-yet")));
            }
            if !out.json() {
                for e in &list {
                    out.line(describe(out, e));
                }
            }
            return Ok(Exit::Success);
        }
        ExportCommand::History { name, limit } => {
            let runs = exports::history::history(ws.store(), Some(&name), limit)?;
            if out.json() {
                out.json_value(&runs);
            } else if runs.is_empty() {
                out.line(out.text(&msg!("export-never-ran", name = name.as_str())));
            }
            if !out.json() {
                for r in &runs {
                    let c = &r.counts;
                    let mut line = out.text(&msg!(
                        "export-history-line",
                        started = r.started_at.as_str(),
                        state = r.state.text(),
                        added = c.added,
                        updated = c.updated,
                        removed = c.removed,
                        unchanged = c.unchanged,
                        skipped = c.skipped,
                        failed = c.failed,
                        calls = c.calls,
                        seconds = r.seconds.unwrap_or(0)
                    ));
                    if let Some(e) = &r.error {
                        line.push_str(" — ");
                        line.push_str(&out.text(e));
                    }
                    out.line(format!("{}  {line}", r.id));
                }
            }
            return Ok(Exit::Success);
        }
        ExportCommand::Results { run_id } => {
            let lang = liaison_core::settings::language(ws.store());
            print!("{}", exports::history::results_csv(ws.store(), &run_id, lang)?);
            return Ok(Exit::Success);
        }
        ExportCommand::Delete { name } => {
            let export = exports::definition::get(ws.store(), &name)?;
            exports::definition::delete(ws, &name)?;
            out.done(&out.text(&msg!("export-deleted", name = export.name.as_str())));
            return Ok(Exit::Success);
        }
    };
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
        DestinationCommand::Add(AddDestination::Dynamics(args)) => {
            let vault = vault(ws)?;
            let connection_id = match args.connection.as_str() {
                "dynamics" => {
                    let mut found =
                        connections::list(ws.store())?.into_iter().filter(|c| c.kind == ConnectionKind::Dynamics);
                    match (found.next(), found.next()) {
                        (Some(only), None) => only.id,
                        _ => args.connection.clone(),
                    }
                }
                other => other.to_owned(),
            };
            let new = NewDynamicsDestination {
                name: args.name,
                connection_id,
                list_id: args.list_id,
                new_list: args.new_list,
                accept_privacy_notice: args.accept_privacy_notice,
            };
            let saved = runtime()?.block_on(destinations::add_dynamics(ws, &vault, new))?;
            if out.json() {
                out.json_value(&saved);
            } else if let Some(d) = &saved.dynamics {
                let how = if d.created_by_liaison { "new" } else { "existing" };
                out.line(format!(
                    "Added the destination {:?}: {how} Dynamics 365 marketing list {} ({}).",
                    saved.name, d.list_name, d.list_id
                ));
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
                    let target = d
                        .marketo
                        .as_ref()
                        .map(|m| format!("Marketo list {} ({})", m.list_name, m.list_id))
                        .or_else(|| {
                            d.dynamics.as_ref().map(|l| format!("Dynamics 365 list {} ({})", l.list_name, l.list_id))
                        });
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

fn describe(out: &Output, e: &exports::Export) -> String {
    let fields: Vec<String> = e.mapping.iter().map(|m| format!("{}={}", m.target_field, m.cache_field)).collect();
    let schedule = match e.schedule {
        Schedule::Manual => "manual".to_owned(),
        Schedule::AfterSync => "after-sync".to_owned(),
        Schedule::EveryHours { hours } => format!("hours:{hours}"),
    };
    let mut line = format!(
        "{:<28} → {}  segments: {}  fields: {}  schedule: {schedule}",
        e.name,
        e.destination,
        e.segments.join(", "),
        fields.join(", ")
    );
    if let Some(problem) = &e.problem {
        line.push_str(" — ");
        line.push_str(&out.text(problem));
    }
    line
}

fn show_saved(out: &Output, saved: &exports::Export, key: &'static str) {
    if out.json() {
        out.json_value(saved);
    } else {
        out.done(&out.text(&liaison_core::Text::new(key, vec![("name", saved.name.as_str().into())])));
        out.line(describe(out, saved));
    }
}

fn dry_run(ws: &Workspace, out: &Output, name: &str) -> Result<Exit, Error> {
    let dry = exports::run::dry_run(ws, name)?;
    let c = &dry.counts;
    if out.json() {
        let mut value = serde_json::to_value(c)?;
        value["dry_run"] = serde_json::json!(true);
        value["export"] = serde_json::json!(dry.export);
        value["failed"] = serde_json::json!(0);
        value["calls"] = serde_json::json!(0);
        value["files"] = serde_json::json!(dry.files);
        value["samples"] = serde_json::json!({
            "added": dry.added,
            "updated": dry.updated,
            "removed": dry.removed,
            "unchanged": dry.unchanged,
            "skipped": dry.skipped,
            "unmatched": dry.unmatched,
        });
        out.json_value(&value);
        return Ok(Exit::Success);
    }
    out.line(out.text(&msg!(
        "export-dry-run-summary",
        name = dry.export.as_str(),
        people = c.people,
        added = c.added,
        updated = c.updated,
        removed = c.removed,
        unchanged = c.unchanged,
        skipped = c.skipped,
        files = dry.files
    )));
    let sample = |label: &'static str, emails: &[String]| {
        if !emails.is_empty() {
            out.line(format!("  {}: {}", out.text(&liaison_core::Text::new(label, Vec::new())), emails.join(", ")));
        }
    };
    sample("export-sample-added", &dry.added);
    sample("export-sample-updated", &dry.updated);
    sample("export-sample-removed", &dry.removed);
    sample("export-sample-unchanged", &dry.unchanged);
    for s in &dry.skipped {
        out.line(format!("  {}: {} — {}", out.text(&msg!("export-sample-skipped")), s.email, out.text(&s.reason)));
    }
    if c.unmatched > 0 {
        out.line(out.text(&msg!("export-dry-run-unmatched", count = c.unmatched)));
    }
    for s in &dry.unmatched {
        out.line(format!("  {}: {} — {}", out.text(&msg!("export-sample-unmatched")), s.email, out.text(&s.reason)));
    }
    Ok(Exit::Success)
}

fn run(ws: &Workspace, out: &Output, name: &str) -> Result<Exit, Error> {
    let ws = ws.clone();
    let vault = Arc::new(vault(&ws)?);
    let options = ExportOptions::for_export(&ws, name)?;
    let slot = Arc::new(ExportSlot::default());
    let bar = Arc::new(Bar::<ExportFinished>::new(out.json()));
    let job = exports::job::start(ws.clone(), vault, name.to_owned(), options, &slot, bar.clone(), false)?;
    let rt = runtime()?;
    let signal = rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("{}", liaison_core::msg!("export-stopping").render(liaison_core::Lang::of_system()));
            slot.cancel();
        }
    });
    jobs::join(job, "export")?;
    signal.abort();
    let report = match bar.outcome() {
        Some(ExportFinished { report: Some(report), .. }) => report,
        Some(ExportFinished { error: Some(error), .. }) => return Err(error),
        _ => return Err(Error::internal(msg!("job-stopped-unexpectedly", job = "export"))),
    };
    let c = &report.counts;
    if out.json() {
        // The counts' own fields, with the run's.
        let mut value = serde_json::to_value(c)?;
        value["run_id"] = serde_json::json!(report.run_id);
        value["export"] = serde_json::json!(report.export);
        value["state"] = serde_json::to_value(report.state)?;
        value["resumed"] = serde_json::json!(report.resumed);
        value["seconds"] = serde_json::json!(report.seconds);
        out.json_value(&value);
    } else {
        out.line(out.text(&msg!(
            "export-run-summary",
            name = report.export.as_str(),
            state = report.state.text(),
            added = c.added,
            updated = c.updated,
            removed = c.removed,
            unchanged = c.unchanged,
            skipped = c.skipped,
            failed = c.failed,
            calls = c.calls,
            files = c.files
        )));
        if c.unmatched > 0 {
            out.line(out.text(&msg!("export-run-unmatched", count = c.unmatched, run_id = report.run_id.as_str())));
        }
        if c.failed > 0 || c.warnings > 0 {
            for row in exports::history::rows(ws.store(), &report.run_id, 20)?
                .iter()
                .filter(|r| matches!(r.outcome, RowOutcome::Failed | RowOutcome::Warning))
            {
                out.line(format!(
                    "  {} {}: {}",
                    out.text(&row.outcome.text()),
                    row.email.clone().unwrap_or_default(),
                    out.text(&row.reason)
                ));
            }
            out.line(out.text(&msg!("export-results-hint", run_id = report.run_id.as_str())));
        }
    }
    Ok(match report.state {
        RunState::Succeeded if c.failed == 0 => Exit::Success,
        RunState::Succeeded if c.added + c.updated + c.removed > 0 => Exit::Partial,
        _ => Exit::Error,
    })
}
