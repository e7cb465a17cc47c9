//! The checked configuration of `serve`: every file read and every value validated once,
//! before the first connection.

use std::time::Duration;

use crate::cli::ServeArgs;
use crate::clock::Clock;
use crate::fixture::{FixtureError, FixtureSet, FixtureSource};
use crate::journal::recorder::{Recorder, RecorderError};
use crate::latency::Latency;
use crate::schema::{SchemaError, SchemaRegistry, Strictness};

/// What slow or greedy clients may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client may take to send a request head.
    pub header_timeout: Duration,
    /// How many connections may be open at once; more are answered 503 and closed.
    pub max_connections: usize,
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
}

/// Everything `serve` needs, checked.
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
}

impl ServeConfig {
    /// Compiles the schemas and loads the fixtures named by `args`.
    pub fn from_args(args: &ServeArgs) -> Result<Self, ConfigError> {
        let schemas = SchemaRegistry::compile()?;
        let fixture_source = match &args.fixtures {
            Some(dir) => FixtureSource::Dir(dir.clone()),
            None => FixtureSource::Embedded,
        };
        let fixtures = FixtureSet::load(&fixture_source, &schemas.fixtures)?;
        let recorder = args.record.as_deref().map(Recorder::create).transpose()?;
        Ok(Self {
            host: args.host.clone(),
            port: args.port,
            schemas,
            fixtures,
            strictness: if args.lenient {
                Strictness::Lenient
            } else {
                Strictness::Strict
            },
            clock: args.frozen_time.map_or(Clock::System, Clock::Frozen),
            max_body: usize::try_from(args.max_body).unwrap_or(usize::MAX),
            journal_limit: args.journal_limit,
            recorder,
            latency: args.latency,
            log_requests: args.log_requests,
            limits: ConnectionLimits {
                header_timeout: Duration::from_secs(args.header_timeout),
                max_connections: args.max_connections,
            },
        })
    }
}
