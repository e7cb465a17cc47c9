//! `gately-mock`: parse the command line, run the command, exit 0 (ok), 1 (contract
//! violated) or 2 (usage or start-up error).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use gately_mock::{AppState, Cli, Command, ServeConfig, ServerHandle};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("gately-mock: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            let config = ServeConfig::from_args(&args)?;
            let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
            runtime.block_on(serve(config))
        }
        Command::Validate(args) => Ok(gately_mock::validate(&args)?),
        Command::Check(args) => Ok(gately_mock::check(&args)?),
        Command::Schema(args) => Ok(gately_mock::schema(&args)),
        Command::Openapi => Ok(gately_mock::openapi()?),
    }
}

async fn serve(config: ServeConfig) -> anyhow::Result<ExitCode> {
    let (host, port) = (config.host.clone(), config.port);
    let server = ServerHandle::start((host.as_str(), port), Arc::new(AppState::new(config)))
        .await
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    if !server.addr().ip().is_loopback() {
        eprintln!(
            "gately-mock: warning: listening on {}, reachable from other machines; the fixture keys are public",
            server.addr()
        );
    }
    println!("listening on {}", server.base_url());
    stop_signal().await;
    server.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM where there is one.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
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
