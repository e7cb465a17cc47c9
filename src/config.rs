//! The configuration of a server, in two steps: [`Options`], the typed settings (from
//! `serve`'s flags, or from a [`crate::MockServerBuilder`]), then [`ServeConfig`], the same
//! with every file read and every schema compiled, once, before the first connection.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::ServeArgs;
use crate::clock::{Clock, Timestamp};
use crate::faults::plan::FaultPlan;
use crate::fixture::{FixtureError, FixtureSet, FixtureSource};
use crate::journal::DEFAULT_LIMIT;
use crate::journal::recorder::{Recorder, RecorderError};
use crate::latency::Latency;
use crate::schema::{SchemaError, SchemaRegistry, Strictness};
use crate::upstream::{Upstream, UpstreamError, UpstreamOptions};

/// What slow or greedy clients may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client may take to send a request head.
    pub header_timeout: Duration,
    /// How many connections may be open at once; more are answered 503 and closed.
    pub max_connections: usize,
}

/// What bounds the workspaces (`--max-workspaces`, `--workspace-ttl`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkspaceLimits {
    /// How many may live besides `default`.
    pub max: usize,
    /// How long one may stay unused before it ends.
    pub ttl: Duration,
}

/// The settings of a server, typed. [`Options::default`] is `serve` without flags.
#[derive(Clone, Debug)]
pub struct Options {
    /// Host to bind.
    pub host: String,
    /// Port to bind (0: any free port).
    pub port: u16,
    /// Where the fixtures come from.
    pub fixtures: FixtureSource,
    /// Strict or lenient validation.
    pub strictness: Strictness,
    /// The instant every clock reading is, if frozen.
    pub frozen_time: Option<Timestamp>,
    /// Largest body accepted, in bytes.
    pub max_body: usize,
    /// Most exchanges kept in memory.
    pub journal_limit: usize,
    /// The record file, if any.
    pub record: Option<PathBuf>,
    /// Delay added to API responses.
    pub latency: Option<Latency>,
    /// Whether to print one line per exchange on stderr.
    pub log_requests: bool,
    /// What slow or greedy clients may hold.
    pub limits: ConnectionLimits,
    /// How many workspaces may live, and for how long unused.
    pub workspaces: WorkspaceLimits,
    /// The fault plan file (D30), if any.
    pub faults: Option<PathBuf>,
    /// The upstream that proxy mode forwards to (D31), if any.
    pub upstream: Option<UpstreamOptions>,
    /// Whether proxy mode forwards requests that break the contract.
    pub forward_invalid: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 4010,
            fixtures: FixtureSource::Embedded,
            strictness: Strictness::Strict,
            frozen_time: None,
            max_body: 1_048_576,
            journal_limit: DEFAULT_LIMIT,
            record: None,
            latency: None,
            log_requests: false,
            limits: ConnectionLimits {
                header_timeout: Duration::from_secs(10),
                max_connections: 1024,
            },
            workspaces: WorkspaceLimits {
                max: 1000,
                ttl: Duration::from_secs(3600),
            },
            faults: None,
            upstream: None,
            forward_invalid: false,
        }
    }
}

impl Options {
    /// The settings `serve`'s flags name.
    pub fn from_args(args: &ServeArgs) -> Self {
        Self {
            host: args.host.clone(),
            port: args.port,
            fixtures: args
                .fixtures
                .clone()
                .map_or(FixtureSource::Embedded, FixtureSource::Dir),
            strictness: if args.lenient {
                Strictness::Lenient
            } else {
                Strictness::Strict
            },
            frozen_time: args.frozen_time,
            max_body: usize::try_from(args.max_body).unwrap_or(usize::MAX),
            journal_limit: args.journal_limit,
            record: args.record.clone(),
            latency: args.latency,
            log_requests: args.log_requests,
            limits: ConnectionLimits {
                header_timeout: Duration::from_secs(args.header_timeout),
                max_connections: args.max_connections,
            },
            workspaces: WorkspaceLimits {
                max: args.max_workspaces,
                ttl: Duration::from_secs(args.workspace_ttl),
            },
            faults: args.faults.clone(),
            upstream: args.upstream.clone().map(|url| UpstreamOptions {
                url,
                ca: args.upstream_ca.clone(),
                timeout: args.upstream_timeout,
            }),
            forward_invalid: args.forward_invalid,
        }
    }
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An embedded schema is broken (a bug, caught by the test suite).
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The fixtures are unreadable or break the fixture contract.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// The record file cannot be created.
    #[error(transparent)]
    Record(#[from] RecorderError),
    /// The upstream's URL or CA file is unusable.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The fault plan cannot be read, or is not a plan.
    #[error("--faults {}: {message}", path.display())]
    Faults {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where (`/rules/0/status: …`).
        message: String,
    },
}

/// Everything a server needs, checked.
pub struct ServeConfig {
    /// Host to bind.
    pub host: String,
    /// Port to bind (0: any free port).
    pub port: u16,
    /// The compiled contract.
    pub schemas: SchemaRegistry,
    /// The fixtures, checked.
    pub fixtures: FixtureSet,
    /// Strict or lenient validation.
    pub strictness: Strictness,
    /// System or frozen time.
    pub clock: Clock,
    /// Largest body accepted, in bytes.
    pub max_body: usize,
    /// Most exchanges kept in memory.
    pub journal_limit: usize,
    /// The open record file, if asked for.
    pub recorder: Option<Recorder>,
    /// Delay added to API responses.
    pub latency: Option<Latency>,
    /// Whether to print one line per exchange on stderr.
    pub log_requests: bool,
    /// What slow or greedy clients may hold.
    pub limits: ConnectionLimits,
    /// How many workspaces may live, and for how long unused.
    pub workspaces: WorkspaceLimits,
    /// The fault plan every workspace starts with (D30).
    pub(crate) faults: FaultPlan,
    /// The upstream of proxy mode (D31), if any.
    pub(crate) upstream: Option<Upstream>,
    /// Whether proxy mode forwards requests that break the contract.
    pub(crate) forward_invalid: bool,
}

impl ServeConfig {
    /// Compiles the schemas, loads the fixtures and opens the record file `options` name.
    pub fn load(options: Options) -> Result<Self, ConfigError> {
        let schemas = SchemaRegistry::compile()?;
        let fixtures = FixtureSet::load(&options.fixtures, &schemas)?;
        let faults = match &options.faults {
            None => FaultPlan::none(),
            Some(path) => read_faults(path, &schemas)?,
        };
        let upstream = options.upstream.as_ref().map(Upstream::new).transpose()?;
        let recorder = options
            .record
            .as_deref()
            .map(Recorder::create)
            .transpose()?;
        Ok(Self {
            host: options.host,
            port: options.port,
            schemas,
            fixtures,
            strictness: options.strictness,
            clock: options.frozen_time.map_or(Clock::System, Clock::Frozen),
            max_body: options.max_body,
            journal_limit: options.journal_limit,
            recorder,
            latency: options.latency,
            log_requests: options.log_requests,
            limits: options.limits,
            workspaces: options.workspaces,
            faults,
            upstream,
            forward_invalid: options.forward_invalid,
        })
    }
}

/// The plan in the file at `path`.
fn read_faults(path: &Path, schemas: &SchemaRegistry) -> Result<FaultPlan, ConfigError> {
    let fail = |message: String| ConfigError::Faults {
        path: path.to_owned(),
        message,
    };
    let text =
        std::fs::read_to_string(path).map_err(|err| fail(format!("cannot be read: {err}")))?;
    let plan = serde_json::from_str(&text).map_err(|err| fail(format!("not JSON: {err}")))?;
    FaultPlan::read(plan, &schemas.fault_plan).map_err(|err| fail(err.to_string()))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn serve_without_flags_is_the_default_options() {
        let args = ServeArgs::parse_from(["serve"]);
        let (from_flags, default) = (Options::from_args(&args), Options::default());
        assert_eq!(
            format!("{from_flags:?}"),
            format!("{default:?}"),
            "one set of defaults for the CLI and the library"
        );
    }
}
