//! `liaison team create|list|assign`: teams members belong to besides Everyone (R4).

use clap::Subcommand;
use liaison_core::invites::invite;
use liaison_core::{Error, Workspace};

use crate::output::{Exit, Output};

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create a team (names are unique, case ignored).
    Create {
        /// The team's name (1 to 80 characters).
        name: String,
    },
    /// List the teams, Everyone first.
    List,
    /// Set which teams a member belongs to besides Everyone, which every member keeps.
    Assign {
        /// The member's email address.
        email: String,
        /// A team to belong to (repeatable); none leaves the member in Everyone only.
        #[arg(long = "team")]
        teams: Vec<String>,
    },
}

pub fn team(ws: &Workspace, out: &Output, command: TeamCommand) -> Result<Exit, Error> {
    match command {
        TeamCommand::Create { name } => {
            let team = invite::create_team(ws, &name)?;
            if out.json() {
                out.json_value(&team);
            } else {
                out.line(format!("Created the team “{}”.", team.name));
            }
        }
        TeamCommand::List => {
            let teams = invite::list_teams(ws.store())?;
            if out.json() {
                out.json_value(&teams);
            } else {
                for team in teams {
                    out.line(if team.is_default { format!("{} (every member)", team.name) } else { team.name });
                }
            }
        }
        TeamCommand::Assign { email, teams } => {
            let member = invite::assign_teams(ws, &email, &teams)?;
            if out.json() {
                out.json_value(&member);
            } else {
                out.line(format!("{} is in: {}.", member.email, member.teams.join(", ")));
            }
        }
    }
    Ok(Exit::Success)
}
