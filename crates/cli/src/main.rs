//! `liaison`: every Liaison job, headless, over the same workspace as the desktop app.
//!
//! Output is for people by default and JSON with `--json`. Exit codes: 0 success, 3 partial
//! failure (some rows or records failed), 2 error (nothing was done).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use liaison_core::{Error, Paths, Workspace, logging, setup};

mod output;

use output::{Exit, Output};

#[derive(Debug, Parser)]
#[command(
    name = "liaison",
    version,
    about = "Liaison: connect your CRM to marketing automation, from the command line"
)]
struct Cli {
    /// Workspace data directory (default: the desktop app's; also LIAISON_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the workspace and the seven setup steps with their state.
    Status {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::Status { json } => *json,
    };
    let out = Output::new(json);
    match run(cli, &out) {
        Ok(exit) => exit.into(),
        Err(err) => {
            out.error(&err);
            Exit::Error.into()
        }
    }
}

fn run(cli: Cli, out: &Output) -> Result<Exit, Error> {
    let paths = Paths::resolve(cli.data_dir.as_deref())?;
    let workspace = Workspace::open(paths)?;
    let _log = logging::init(workspace.paths(), "cli")?;
    match cli.command {
        Command::Status { .. } => status(&workspace, out),
    }
}

fn status(workspace: &Workspace, out: &Output) -> Result<Exit, Error> {
    let ws = workspace.status()?;
    let overview = setup::overview(workspace.store())?;
    if out.json() {
        out.json_value(&serde_json::json!({
            "workspace": ws,
            "data_dir": workspace.paths().data_dir,
            "log_dir": workspace.paths().log_dir,
            "setup": overview,
        }));
    } else {
        out.line(format!("Workspace {}", ws.workspace_id));
        out.line(format!("  data:      {}", workspace.paths().data_dir.display()));
        out.line(format!("  logs:      {}", workspace.paths().log_dir.display()));
        match (&ws.activated_at, &ws.original_admin) {
            (Some(at), Some(admin)) => out.line(format!("  activated: {at} by {admin}")),
            _ => out.line("  activated: not yet (run `liaison activate`)".to_owned()),
        }
        out.line(format!("Setup: {} of {} steps done", overview.done, overview.total));
        for step in &overview.steps {
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
                out.line(format!("        {detail}"));
            }
        }
    }
    Ok(Exit::Success)
}
