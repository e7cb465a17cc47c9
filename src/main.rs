//! `gately-mock`: parse the command line, run the command, exit 0 (ok), 1 (contract
//! violated) or 2 (usage or start-up error).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use clap::error::ErrorKind;
use gately_mock::internals::{
    self, AppState, Cli, Command, FixturesCommand, Options, ServeConfig, ServerHandle, usage_error,
};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            err.exit()
        }
        Err(err) => {
            eprintln!("gately-mock: {}", usage_error(&err, std::env::args_os()));
            return ExitCode::from(2);
        }
    };
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
            let config = ServeConfig::load(Options::from_args(&args))?;
            let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
            runtime.block_on(serve(config))
        }
        Command::Validate(args) => Ok(internals::validate(&args)?),
        Command::Check(args) => Ok(internals::check(&args)?),
        Command::Schema(args) => Ok(internals::schema(&args)),
        Command::Openapi => Ok(internals::openapi()?),
        Command::Pact(args) => Ok(internals::pact(&args)?),
        Command::Replay(args) => Ok(internals::replay(&args)?),
        Command::Fixtures(FixturesCommand::Generate(args)) => {
            Ok(internals::generate_fixtures(&args)?)
        }
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
    let stop = StopSignal::listen().context("cannot listen for Ctrl-C and SIGTERM")?;
    println!("listening on {}", server.base_url());
    stop.received().await;
    server.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM where there is one, listened for from before `listening on` is
/// printed: a supervisor that signals as soon as it reads that line still gets a clean
/// stop and exit 0, not the default action of a signal nobody was listening for.
struct StopSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(not(unix))]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl StopSignal {
    fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {
                ctrl_c: tokio::signal::windows::ctrl_c()?,
            })
        }
    }

    async fn received(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        self.ctrl_c.recv().await;
    }
}
