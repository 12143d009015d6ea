//! `liaison invite preview FILE`: what an invitation CSV will do, before anything is sent.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand, ValueEnum};
use liaison_core::invites::csv::{Inspection, Mapping, MappingByName};
use liaison_core::invites::delivery::{self, DeliverySlot};
use liaison_core::invites::import;
use liaison_core::invites::invite::{self, InviteRequest};
use liaison_core::invites::outbox::{self, DeliverySummary};
use liaison_core::invites::smtp::{self, SmtpSettings, TlsMode};
use liaison_core::jobs;
use liaison_core::members::MemberRole;
use liaison_core::vault::Vault;
use liaison_core::{Error, Workspace};
use secrecy::SecretString;

use super::runtime;
use crate::output::{Exit, Output};
use crate::progress::Bar;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Role {
    Admin,
    User,
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Security {
    Starttls,
    Tls,
    None,
}

/// `liaison settings smtp …`: where invitations are sent from (password on stdin).
#[derive(Debug, Args)]
pub struct SmtpArgs {
    #[arg(long)]
    host: String,
    #[arg(long)]
    port: u16,
    /// Sign-in name; with it, the password is read from standard input.
    #[arg(long)]
    user: Option<String>,
    #[arg(long, value_enum, default_value = "starttls")]
    tls: Security,
    /// The sender address.
    #[arg(long)]
    from: String,
    /// The sender name.
    #[arg(long)]
    from_name: Option<String>,
    /// Send a test email to this address after saving.
    #[arg(long)]
    test_to: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Invite one person (the email goes out with the next delivery, started right away).
    Add {
        email: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum, default_value = "user")]
        role: Role,
        /// A team to join besides Everyone (repeatable).
        #[arg(long = "team")]
        teams: Vec<String>,
    },
    /// Queue and send the invitations of a CSV file after showing what it will do.
    Send {
        file: PathBuf,
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Write the per-row results CSV here.
        #[arg(long)]
        results: Option<PathBuf>,
    },
    /// List invitations and their delivery state.
    List,
    /// Deliver what the outbox still holds (after an interrupted `send`): queued invitations go
    /// out; ones whose sending was interrupted are reported as uncertain, never sent twice.
    Deliver,
    /// Send a new invitation (the old link stops working).
    Resend { email: String },
    /// Revoke a pending invitation.
    Revoke { email: String },
    /// Read a CSV, map its columns, and validate every row (nothing is sent).
    Preview {
        /// The CSV file.
        file: PathBuf,
        /// A saved mapping (JSON: field → column header), instead of the suggested one.
        #[arg(long)]
        mapping: Option<PathBuf>,
    },
}

pub fn invite(ws: &Workspace, out: &Output, command: InviteCommand) -> Result<Exit, Error> {
    match command {
        InviteCommand::Preview { file, mapping } => preview(ws, out, &file, mapping.as_deref()),
        InviteCommand::Deliver => {
            let vault = super::vault(ws)?;
            let status = outbox::outbox_status(ws.store())?;
            if status.queued + status.sending == 0 {
                out.done("Nothing waits in the outbox.");
                return Ok(Exit::Success);
            }
            deliver(ws, vault, out)
        }
        InviteCommand::Add { email, name, role, teams } => {
            let vault = super::vault(ws)?;
            let role = match role {
                Role::Admin => MemberRole::Admin,
                Role::User => MemberRole::User,
            };
            let summary = invite::invite_one(ws, &vault, &InviteRequest { email, name, role, teams })?;
            if !out.json() {
                out.line(format!("Invited {} (expires {}).", summary.email, summary.expires_at));
            }
            deliver(ws, vault, out)
        }
        InviteCommand::Send { file, mapping, yes, results } => {
            send(ws, out, &file, mapping.as_deref(), yes, results.as_deref())
        }
        InviteCommand::List => {
            let list = invite::list_invitations(ws.store())?;
            if out.json() {
                out.json_value(&list);
            } else if list.is_empty() {
                out.line("No invitations yet.".to_owned());
            } else {
                for i in list {
                    out.line(format!(
                        "{:<36} {:<10} {:<10} expires {}{}",
                        i.email,
                        format!("{:?}", i.state).to_lowercase(),
                        i.delivery.map(|d| format!("{d:?}").to_lowercase()).unwrap_or_default(),
                        i.expires_at,
                        i.delivery_error.map(|e| format!("  — {e}")).unwrap_or_default()
                    ));
                }
            }
            Ok(Exit::Success)
        }
        InviteCommand::Resend { email } => {
            let vault = super::vault(ws)?;
            invite::resend(ws, &vault, &email)?;
            deliver(ws, vault, out)
        }
        InviteCommand::Revoke { email } => {
            let vault = super::vault(ws)?;
            invite::revoke(ws, &vault, &email)?;
            out.done(&format!("Revoked the invitation of {email}."));
            Ok(Exit::Success)
        }
    }
}

/// Saves the SMTP settings (password from stdin when a user is given).
pub fn smtp_settings(ws: &Workspace, out: &Output, args: SmtpArgs) -> Result<Exit, Error> {
    let vault = super::vault(ws)?;
    let password = match &args.user {
        Some(_) => Some(read_password()?),
        None => None,
    };
    let tls = match args.tls {
        Security::Starttls => TlsMode::Starttls,
        Security::Tls => TlsMode::Tls,
        Security::None => TlsMode::None,
    };
    let settings = SmtpSettings {
        host: args.host,
        port: args.port,
        username: args.user,
        tls,
        from_address: args.from,
        from_name: args.from_name,
    };
    let saved = smtp::save_smtp_settings(ws, &vault, settings, password)?;
    if let Some(to) = args.test_to {
        runtime()?.block_on(smtp::send_test_email(ws, &vault, &to))?;
        if !out.json() {
            out.line(format!("Sent a test email to {to}."));
        }
    }
    if out.json() {
        out.json_value(&saved);
    } else {
        out.line(format!(
            "Invitations will be sent through {}:{} from {}.",
            saved.host, saved.port, saved.from_address
        ));
    }
    Ok(Exit::Success)
}

/// Shows or sets how many days new invitations stay valid.
pub fn expiry(ws: &Workspace, out: &Output, days: Option<u32>) -> Result<Exit, Error> {
    if let Some(days) = days {
        invite::set_expiry_days(ws, days)?;
    }
    let days = invite::expiry_days(ws.store())?;
    if out.json() {
        out.json_value(&serde_json::json!({ "expiry_days": days }));
    } else {
        out.line(format!("New invitations stay valid for {days} day{}.", if days == 1 { "" } else { "s" }));
    }
    Ok(Exit::Success)
}

fn read_password() -> Result<SecretString, Error> {
    super::read_hidden_line("SMTP password: ", "password").map(SecretString::from)
}

/// Delivers the whole outbox — what was just queued and whatever an interrupted delivery left —
/// with core's delivery job; exit 3 when anything failed, is uncertain or stays queued.
fn deliver(ws: &Workspace, vault: Vault, out: &Output) -> Result<Exit, Error> {
    let summary = run_delivery(ws, vault, out)?;
    report_delivery(out, &summary);
    Ok(delivery_exit(&summary))
}

/// Runs core's delivery job over the whole outbox, with a progress bar on a terminal.
pub(crate) fn run_delivery(ws: &Workspace, vault: Vault, out: &Output) -> Result<DeliverySummary, Error> {
    let slot = Arc::new(DeliverySlot::default());
    let bar = Arc::new(Bar::<DeliverySummary>::new(out.json()));
    let summary = match delivery::start(ws.clone(), Arc::new(vault), &slot, bar.clone())? {
        Some(job) => {
            let rt = runtime()?;
            let signal = rt.spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("Stopping after the message being sent…");
                    slot.cancel();
                }
            });
            jobs::join(job, "delivery")?;
            signal.abort();
            bar.outcome()
                .ok_or_else(|| Error::internal(liaison_core::msg!("job-stopped-unexpectedly", job = "delivery")))?
        }
        None => return Err(jobs::busy("delivery")),
    };
    Ok(summary)
}

/// Prints what a delivery did.
pub(crate) fn report_delivery(out: &Output, summary: &DeliverySummary) {
    if out.json() {
        out.json_value(&summary);
    } else {
        out.line(format!(
            "Sent {}, failed {}, uncertain {}, still queued {}.",
            summary.sent,
            summary.failed,
            summary.uncertain.len(),
            summary.remaining
        ));
        for u in &summary.uncertain {
            out.line(format!(
                "  uncertain: {} — {} (check with the recipient, then `liaison invite resend` if needed)",
                u.recipient, u.reason
            ));
        }
        if let Some(err) = &summary.stopped {
            out.line(format!("  stopped: {}", err.message));
        }
    }
}

/// Error when delivery stopped before sending anything, partial when anything failed, is
/// uncertain or stays queued.
pub(crate) fn delivery_exit(summary: &DeliverySummary) -> Exit {
    if summary.stopped.is_some() && summary.sent == 0 {
        return Exit::Error;
    }
    if summary.failed == 0 && summary.uncertain.is_empty() && summary.remaining == 0 {
        Exit::Success
    } else {
        Exit::Partial
    }
}

/// The file and its mapping: a mapping file when given, else the one saved for the file's
/// headers (by the desktop's wizard or an earlier `send`), else the suggestion.
fn open(ws: &Workspace, file: &Path, mapping: Option<&Path>) -> Result<(Inspection, Mapping), Error> {
    let opened = import::open(ws, file)?;
    let mapping = match mapping {
        Some(path) => read_mapping(&opened.inspection, path)?,
        None => import::mapping(&opened.inspection, &opened.mapping)?,
    };
    Ok((opened.inspection, mapping))
}

/// A mapping file: JSON of field → column header, as the desktop saves it.
fn read_mapping(inspection: &Inspection, path: &Path) -> Result<Mapping, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::invalid_input(format!("Could not read the mapping file {} ({e}).", path.display())))?;
    let saved: MappingByName = serde_json::from_str(&text).map_err(|e| {
        Error::invalid_input(format!("{} is not a mapping file (JSON of field → column header): {e}.", path.display()))
    })?;
    import::mapping(inspection, &saved)
}

fn preview(ws: &Workspace, out: &Output, file: &Path, mapping: Option<&Path>) -> Result<Exit, Error> {
    let (inspection, mapping) = open(ws, file, mapping)?;
    let report = import::validate(ws, file, &inspection, &mapping, &BTreeSet::new(), &mut |_| {})?;
    if out.json() {
        out.json_value(&report);
    } else {
        out.line(format!(
            "{}: {} rows, {} encoding, delimiter {:?}, header on line {}",
            file.display(),
            report.rows,
            report.encoding.label(),
            report.delimiter.byte() as char,
            report.header_row.map_or("-".to_owned(), |l| l.to_string())
        ));
        out.line(format!(
            "  valid {}  invalid {}  duplicates {}  already in the workspace {}",
            report.valid, report.invalid, report.duplicates, report.existing
        ));
        for issue in &report.issues {
            out.line(format!("  row {}: {}", issue.row, issue.message));
        }
        if report.issues_truncated {
            out.line(format!("  … and {} more issues", report.issue_count - report.issues.len() as u64));
        }
    }
    Ok(if report.valid == report.rows { Exit::Success } else { Exit::Partial })
}

fn send(
    ws: &Workspace,
    out: &Output,
    file: &Path,
    mapping: Option<&Path>,
    yes: bool,
    results: Option<&Path>,
) -> Result<Exit, Error> {
    let (inspection, mapping) = open(ws, file, mapping)?;
    if !yes {
        let report = import::validate(ws, file, &inspection, &mapping, &BTreeSet::new(), &mut |_| {})?;
        if !std::io::stdin().is_terminal() {
            return Err(Error::invalid_input(format!(
                "{} valid rows would be invited. Run `liaison invite preview` to check them, then add --yes to send.",
                report.valid
            )));
        }
        eprint!("Invite {} people ({} rows skipped)? [y/N] ", report.valid, report.rows - report.valid);
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).map_err(|e| Error::internal(e.to_string()))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            out.done("Nothing was sent.");
            return Ok(Exit::Success);
        }
    }
    let vault = super::vault(ws)?;
    let batch = import::queue(ws, &vault, file, &inspection, &mapping.by_name(), &BTreeSet::new())?;
    if let Some(path) = results {
        let f = std::fs::File::create(path)
            .map_err(|e| Error::invalid_input(format!("Could not write the results file {} ({e}).", path.display())))?;
        invite::write_batch_results(f, file, &inspection, &batch, liaison_core::settings::language(ws.store()))?;
    }
    if !out.json() {
        out.line(format!(
            "Queued {} invitations; skipped {} invalid, {} duplicates, {} already in the workspace, {} failed.",
            batch.queued, batch.invalid, batch.duplicates, batch.existing, batch.failed
        ));
    }
    let delivered = deliver(ws, vault, out)?;
    let skipped = batch.invalid + batch.duplicates + batch.existing + batch.failed;
    Ok(if delivered == Exit::Success && skipped > 0 { Exit::Partial } else { delivered })
}
