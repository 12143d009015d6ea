//! `cargo run -p liaison-sandbox --example serve -- [--port N] [--seed S] [--people N] [--time-scale X] [--fault-rate P] [--auto-approve]`
//! prints the endpoints as one JSON line and serves until Ctrl-C / SIGTERM (used by the
//! third-party client tests under `tests/clients/`).

use liaison_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = SandboxConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--port" => config.port = Some(value()?.parse()?),
            "--seed" => config.seed = value()?.parse()?,
            "--people" => config.people = value()?.parse()?,
            "--time-scale" => config.time_scale = value()?.parse()?,
            "--fault-rate" => config.fault_rate = value()?.parse()?,
            "--auto-approve" => config.auto_approve = true,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let sandbox = Sandbox::start(config).await?;
    println!("{}", serde_json::to_string(sandbox.endpoints())?);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    sandbox.shutdown().await;
    Ok(())
}
