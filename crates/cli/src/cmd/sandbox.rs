//! `liaison sandbox serve`: the emulated external systems on loopback, for trying Liaison and
//! for tests. Prints one JSON line with every endpoint and credential, then serves until
//! SIGINT or SIGTERM.

use clap::{Args, Subcommand};
use liaison_core::Error;
use liaison_sandbox::{Sandbox, SandboxConfig};

use crate::output::Exit;

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox until interrupted.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// First of the consecutive ports to use (default: free ports chosen by the system).
    #[arg(long)]
    port: Option<u16>,
    /// Seed of the data generator: same seed, same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How many people to generate.
    #[arg(long, default_value_t = 2_000)]
    people: usize,
    /// How much faster than real time the emulated clocks run (rate windows, quotas, expiry).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Share of API calls that get an injected fault (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Sign-in pages approve at once, as for a user who is signed in and consented before.
    #[arg(long)]
    auto_approve: bool,
}

pub fn sandbox(command: SandboxCommand) -> Result<Exit, Error> {
    let SandboxCommand::Serve(args) = command;
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(Error::invalid_input(format!("--fault-rate must be between 0 and 1, not {}.", args.fault_rate)));
    }
    if !(args.time_scale.is_finite() && args.time_scale > 0.0) {
        return Err(Error::invalid_input(format!("--time-scale must be a positive number, not {}.", args.time_scale)));
    }
    if args.people > 1_000_000 {
        return Err(Error::invalid_input("--people can be at most 1,000,000."));
    }
    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let config = SandboxConfig {
            port: args.port,
            seed: args.seed,
            people: args.people,
            time_scale: args.time_scale,
            fault_rate: args.fault_rate,
            auto_approve: args.auto_approve,
        };
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| Error::invalid_input(format!("The sandbox could not start: {e}.")))?;
        let line = serde_json::to_string(sandbox.endpoints()).map_err(|e| Error::internal(e.to_string()))?;
        println!("{line}");
        wait_for_signal().await;
        sandbox.shutdown().await;
        Ok(Exit::Success)
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
