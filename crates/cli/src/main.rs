//! `liaison`: every Liaison job, headless, over the same workspace as the desktop app.
//!
//! Output is for people by default and JSON with `--json`. Exit codes: 0 success, 3 partial
//! failure (some rows or records failed), 2 error (nothing was done).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use liaison_core::{Error, Paths, Workspace, logging};

mod cmd;
mod output;
mod progress;

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

    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the workspace and the seven setup steps with their state.
    Status,
    /// Setup checks: step 6's package (and version), the prerequisites before step 2.
    #[command(subcommand)]
    Setup(cmd::setup::SetupCommand),
    /// Activate the workspace: create its original admin and integration credentials (R2),
    /// typed (--name, --email) or picked from Marketo's admins (--from-marketo).
    Activate {
        /// The first admin's name.
        #[arg(long, required_unless_present = "from_marketo", conflicts_with = "from_marketo")]
        name: Option<String>,
        /// The first admin's email address.
        #[arg(long, required_unless_present = "from_marketo", conflicts_with = "from_marketo")]
        email: Option<String>,
        /// A Marketo admin (user ID or email, see `liaison marketo-admins`) becomes the first
        /// admin and is emailed access instructions.
        #[arg(long, value_name = "USERID|EMAIL")]
        from_marketo: Option<String>,
        #[command(flatten)]
        marketo: cmd::workspace::MarketoArgs,
    },
    /// The Marketo admins who can be picked as the first admin (Marketo User Management API).
    MarketoAdmins {
        #[command(flatten)]
        marketo: cmd::workspace::MarketoArgs,
    },
    /// The acting admin.
    #[command(subcommand)]
    Admin(cmd::workspace::AdminCommand),
    /// Remove a member from the workspace (refused by rules R5 and R9 where they apply).
    Remove {
        /// The member's email address.
        email: String,
    },
    /// Connections to Salesforce, Marketo, Dynamics 365 and Adobe Campaign.
    #[command(subcommand)]
    Connections(cmd::connections::ConnectionsCommand),
    /// Access grants on a connection (owner only).
    #[command(subcommand)]
    Access(cmd::connections::AccessCommand),
    /// Hand a connection over to another admin (R8).
    #[command(subcommand)]
    Handover(cmd::connections::HandoverCommand),
    /// Settings: where invitations are sent from, and how long they stay valid.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Invitations: one by one or from a CSV, with a preview first.
    #[command(subcommand)]
    Invite(cmd::invite::InviteCommand),
    /// Teams: create, list, and assign members to them.
    #[command(subcommand)]
    Team(cmd::team::TeamCommand),
    /// Connect Marketo or Salesforce.
    #[command(subcommand)]
    Connect(cmd::connect::ConnectCommand),
    /// The data sync: field preview, runs, status.
    #[command(subcommand)]
    Sync(cmd::sync::SyncCommand),
    /// The people in the local cache.
    #[command(subcommand)]
    People(cmd::sync::PeopleCommand),
    /// Segments: saved rules over the people cache, counted live.
    #[command(subcommand)]
    Segment(cmd::segment::SegmentCommand),
    /// Exports of segments to marketing lists: destinations.
    #[command(subcommand)]
    Export(cmd::export::ExportCommand),
    /// The Adobe Campaign ↔ Dynamics 365 integration: setup, mappings, status.
    #[command(subcommand)]
    Campaign(cmd::campaign::CampaignCommand),
    /// The built-in emulators of Salesforce, Marketo, Dynamics 365 and Adobe Campaign.
    #[command(subcommand)]
    Sandbox(cmd::sandbox::SandboxCommand),
    /// The audit log, newest first.
    Audit {
        /// Only actions containing this text.
        #[arg(long)]
        action: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
enum SettingsCommand {
    /// The SMTP server invitations go out through (password on stdin).
    Smtp(cmd::invite::SmtpArgs),
    /// The data sync: schedule, activity logging, quota ceiling, Marketo history start.
    Sync(cmd::sync::SyncSettingsArgs),
    /// How many days new invitations stay valid (1–90, default 3); shows the setting without DAYS.
    Expiry {
        /// Days from sending until the join link stops working.
        days: Option<u32>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    match run(cli, &out) {
        Ok(exit) => exit.into(),
        Err(err) => {
            out.error(&err);
            Exit::Error.into()
        }
    }
}

fn run(cli: Cli, out: &Output) -> Result<Exit, Error> {
    // The sandbox needs no workspace.
    let command = match cli.command {
        Command::Sandbox(command) => return cmd::sandbox::sandbox(command),
        command => command,
    };
    let paths = Paths::resolve(cli.data_dir.as_deref())?;
    let workspace = Workspace::open(paths)?;
    out.set_lang(liaison_core::settings::language(workspace.store()));
    let _log = logging::init(workspace.paths(), "cli")?;
    match command {
        Command::Sandbox(_) => unreachable!("handled above"),
        Command::Settings(SettingsCommand::Smtp(args)) => cmd::invite::smtp_settings(&workspace, out, args),
        Command::Settings(SettingsCommand::Sync(args)) => cmd::sync::settings(&workspace, out, args),
        Command::Settings(SettingsCommand::Expiry { days }) => cmd::invite::expiry(&workspace, out, days),
        Command::Team(command) => cmd::team::team(&workspace, out, command),
        Command::Sync(command) => cmd::sync::sync(&workspace, out, command),
        Command::People(command) => cmd::sync::people(&workspace, out, command),
        Command::Segment(command) => cmd::segment::segment(&workspace, out, command),
        Command::Export(command) => cmd::export::export(&workspace, out, command),
        Command::Campaign(command) => cmd::campaign::campaign(&workspace, out, command),
        Command::Invite(command) => cmd::invite::invite(&workspace, out, command),
        Command::Connect(command) => cmd::connect::connect(&workspace, out, command),
        Command::Status => cmd::status::status(&workspace, out),
        Command::Setup(command) => cmd::setup::setup(&workspace, out, command),
        Command::Activate { from_marketo: Some(pick), marketo, .. } => {
            cmd::workspace::activate_from_marketo(&workspace, out, &pick, marketo)
        }
        Command::Activate { name, email, .. } => cmd::workspace::activate(
            &workspace,
            out,
            name.as_deref().unwrap_or_default(),
            email.as_deref().unwrap_or_default(),
        ),
        Command::MarketoAdmins { marketo } => cmd::workspace::marketo_admins(&workspace, out, marketo),
        Command::Admin(command) => cmd::workspace::admin(&workspace, out, command),
        Command::Remove { email } => cmd::workspace::remove(&workspace, out, &email),
        Command::Connections(command) => cmd::connections::connections(&workspace, out, command),
        Command::Access(command) => cmd::connections::access(&workspace, out, command),
        Command::Handover(command) => cmd::connections::handover(&workspace, out, command),
        Command::Audit { action, limit } => cmd::status::audit(&workspace, out, action, limit),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every argument of every subcommand, with the path of subcommands it belongs to.
    fn arguments(command: &clap::Command, path: &str, out: &mut Vec<(String, clap::Arg)>) {
        for arg in command.get_arguments() {
            out.push((path.to_owned(), arg.clone()));
        }
        for sub in command.get_subcommands() {
            arguments(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    /// Process arguments are readable by every local user (`ps`, `/proc/*/cmdline`) and kept in
    /// shell histories: a secret is read from standard input or a prompt, never taken as one.
    #[test]
    fn no_command_takes_a_secret_or_token_as_an_argument() {
        let mut all = Vec::new();
        arguments(&super::Cli::command(), "liaison", &mut all);
        assert!(all.len() > 100, "every subcommand was walked: {}", all.len());
        for (path, arg) in all {
            let takes_value = arg.get_action().takes_values();
            let name = arg.get_id().as_str().to_lowercase();
            let secretive = ["secret", "token", "password", "passwd", "refresh", "api_key", "apikey"]
                .iter()
                .any(|word| name.contains(word));
            assert!(!(takes_value && secretive), "`{path} --{name}` takes a secret as a process argument");
        }
    }
}
