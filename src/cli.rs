//! The command line, as clap parses it. Only parsing lives here; the `config` module turns
//! the raw arguments into a checked configuration.

use std::path::PathBuf;
use std::time::Duration;

use std::ffi::OsString;

use clap::builder::BoolishValueParser;
use clap::error::{ContextKind, ContextValue};
use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::clock::Timestamp;
use crate::journal::DEFAULT_LIMIT;
use crate::latency::Latency;

/// A strict, stateful mock of the Gately CRM Contacts API.
#[derive(Debug, Parser)]
#[command(name = "gately-mock", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands. Exit codes (D24): 0 clean, 1 contract violations found, 2 input that
/// could not be read or bad flags.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the mock server.
    Serve(ServeArgs),
    /// Check one PATCH body against the contract.
    Validate(ValidateArgs),
    /// Check recorded traffic (a record file or a HAR) against the contract, both directions.
    Check(CheckArgs),
    /// Print one of the contract's JSON Schemas.
    Schema(SchemaArgs),
    /// Print the OpenAPI 3.1 document of every route the mock serves.
    Openapi,
    /// Write a Pact v3 consumer contract from recorded traffic, for the provider's tools.
    Pact(PactArgs),
    /// Re-send the requests of recorded traffic to a live API and report how its answers
    /// drifted from the recorded ones (D31).
    Replay(ReplayArgs),
    /// Work with fixture directories.
    #[command(subcommand)]
    Fixtures(FixturesCommand),
}

/// `gately-mock fixtures …`
#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// Write a fixture directory: the built-in set plus N generated contacts in the default
    /// key's project, the same for the same seed (for `serve --fixtures DIR`).
    Generate(GenerateArgs),
}

/// `gately-mock fixtures generate`
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many contacts to add to the built-in ones.
    #[arg(long, value_name = "N")]
    pub contacts: usize,
    /// The seed the contacts are drawn from.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// The directory to write (made if missing; it must not hold fixture files yet).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `gately-mock pact`
#[derive(Debug, Args)]
pub struct PactArgs {
    /// Record files (`serve --record`) or HAR 1.2 archives of the mock's traffic.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The consumer's name (the app whose traffic it was).
    #[arg(long, value_name = "NAME")]
    pub consumer: String,
    /// The provider's name.
    #[arg(long, value_name = "NAME", default_value = "gately-api")]
    pub provider: String,
    /// Write the contract to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `gately-mock replay`
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Record files (`serve --record`), saved `/__admin/requests` documents or HAR 1.2
    /// archives, replayed in order.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The live API's base URL (http:// or https://): staging, or another mock.
    #[arg(long, value_name = "URL")]
    pub against: String,
    /// The key sent as `Authorization: Bearer KEY` in place of each recorded (masked) one
    /// of its kind; repeat it to give a read-only `gately_pk_` key too.
    #[arg(
        long = "key",
        env = "GATELY_MOCK_REPLAY_KEY",
        value_name = "KEY",
        required = true,
        hide_env_values = true
    )]
    pub keys: Vec<String>,
    /// The project sent as `X-Project-ID` in place of the recorded one, where there is one
    /// (the fixtures' project is not the live API's).
    #[arg(long, value_name = "ID")]
    pub project: Option<String>,
    /// Trust the certificates in this PEM file besides the system's (a private CA).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Seconds each answer may take, connecting included; past it the replay stops (exit 2).
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_seconds)]
    pub timeout: Duration,
    /// How to write the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `gately-mock serve`. Every flag can also be set by its `GATELY_MOCK_*` variable.
#[derive(Debug, Parser)]
#[command(name = "serve")]
pub struct ServeArgs {
    /// Address to listen on. Anything but loopback exposes the mock to the network.
    #[arg(long, env = "GATELY_MOCK_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on; 0 lets the system pick a free one (printed at start-up).
    #[arg(long, env = "GATELY_MOCK_PORT", default_value_t = 4010)]
    pub port: u16,
    /// Directory with api-keys.json, tags.json, contacts.json, and optionally lists.json and segments.json [default: the built-in fixtures].
    #[arg(long, env = "GATELY_MOCK_FIXTURES", value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// Accept harmless undocumented input (unknown fields, null on optional strings) with a
    /// warning instead of refusing it.
    #[arg(long, env = "GATELY_MOCK_LENIENT", value_parser = BoolishValueParser::new(),
          action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value = "false", default_missing_value = "true")]
    pub lenient: bool,
    /// Freeze the clock at this instant, e.g. 2025-06-15T14:30:00.000Z.
    #[arg(long, env = "GATELY_MOCK_FROZEN_TIME", value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub frozen_time: Option<Timestamp>,
    /// Largest request body accepted, in bytes; larger bodies get 413.
    #[arg(long, env = "GATELY_MOCK_MAX_BODY", value_name = "BYTES", default_value_t = 1_048_576,
          value_parser = clap::value_parser!(u64).range(1..=1_073_741_824))]
    pub max_body: u64,
    /// Most exchanges kept in memory; the oldest are dropped first (and counted).
    #[arg(long, env = "GATELY_MOCK_JOURNAL_LIMIT", value_name = "N", default_value_t = DEFAULT_LIMIT)]
    pub journal_limit: usize,
    /// Also write every exchange to FILE, one JSON line each (the file is emptied first).
    #[arg(long, env = "GATELY_MOCK_RECORD", value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Delay every API response by MS milliseconds, or by MIN..MAX.
    #[arg(long, env = "GATELY_MOCK_LATENCY", value_name = "MS|MIN..MAX")]
    pub latency: Option<Latency>,
    /// Print one line per exchange on stderr (`#3 PATCH /api/v1/contacts/… → 422 violation`).
    #[arg(long, env = "GATELY_MOCK_LOG_REQUESTS", value_parser = BoolishValueParser::new(),
          action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value = "false", default_missing_value = "true")]
    pub log_requests: bool,
    /// Seconds a client may take to send a request head, or leave a keep-alive connection
    /// idle, before the connection is closed.
    #[arg(long, env = "GATELY_MOCK_HEADER_TIMEOUT", value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Connections open at once; more are answered 503 `too_many_connections` and closed.
    #[arg(long, env = "GATELY_MOCK_MAX_CONNECTIONS", value_name = "N", default_value_t = 1024,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_connections: usize,
    /// Workspaces that may live at once besides `default`; one more is answered 429
    /// `too_many_workspaces`.
    #[arg(long, env = "GATELY_MOCK_MAX_WORKSPACES", value_name = "N", default_value_t = 1000,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1_000_000))]
    pub max_workspaces: usize,
    /// Seconds a workspace may go unused before it ends (its keys then get 401).
    #[arg(long, env = "GATELY_MOCK_WORKSPACE_TTL", value_name = "SECS", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub workspace_ttl: u64,
    /// Inject faults as the plan in FILE says (D30): rate limits, 5xx, latency, resets,
    /// hangs, dribbled answers; see schemas/fault-plan.json.
    #[arg(long, env = "GATELY_MOCK_FAULTS", value_name = "FILE")]
    pub faults: Option<PathBuf>,
    /// Proxy mode (D31): forward every API request to URL (http:// or https://) and answer
    /// with its answer, both directions judged by the documented contract and recorded.
    #[arg(long, env = "GATELY_MOCK_UPSTREAM", value_name = "URL")]
    pub upstream: Option<String>,
    /// Trust the certificates in this PEM file besides the system's (a private CA).
    #[arg(
        long,
        env = "GATELY_MOCK_UPSTREAM_CA",
        value_name = "FILE",
        requires = "upstream"
    )]
    pub upstream_ca: Option<PathBuf>,
    /// Seconds the upstream may take to answer, connecting included (e.g. 0.5); past it, 504
    /// `upstream_timeout`.
    #[arg(long, env = "GATELY_MOCK_UPSTREAM_TIMEOUT", value_name = "SECS", default_value = "30",
          value_parser = parse_seconds)]
    pub upstream_timeout: Duration,
    /// In proxy mode, forward requests that break the contract too (their verdict is still
    /// recorded) instead of refusing them as the mock does.
    #[arg(long, env = "GATELY_MOCK_FORWARD_INVALID", value_parser = BoolishValueParser::new(),
          action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value = "false", default_missing_value = "true", requires = "upstream")]
    pub forward_invalid: bool,
}

/// A positive number of seconds, fractions allowed: `30`, `0.5`.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|seconds| *seconds > 0.0)
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| format!("{text:?} is not a positive number of seconds"))
}

/// `gately-mock validate`
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The body to check: a file, or - for standard input.
    #[arg(value_name = "FILE|-", default_value = "-")]
    pub input: PathBuf,
    /// Judge as `serve --lenient` does: harmless undocumented input is a warning.
    #[arg(long)]
    pub lenient: bool,
}

/// `gately-mock check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Record files (`serve --record`), saved `/__admin/requests` documents or HAR 1.2
    /// archives.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// How to write the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Judge request bodies as `serve --lenient` does.
    #[arg(long)]
    pub lenient: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Group the human and JUnit reports by route, or by workspace (one test suite per CI
    /// job sharing the mock).
    #[arg(long, value_enum, default_value_t = Grouping::Route)]
    pub group_by: Grouping,
    /// Also report which outcomes (operation, status, problem code) the traffic exercised
    /// and which it never did (D32): a table, a `coverage` member, or a `coverage` suite.
    #[arg(long)]
    pub coverage: bool,
    /// Exit 1 when fewer than PCT percent of the outcomes were seen (implies --coverage).
    #[arg(long, value_name = "PCT", value_parser = percent)]
    pub min_coverage: Option<f64>,
    /// Exit 1 unless this outcome was seen: OPERATION:STATUS:CODE
    /// (updateContact:409:email_taken), or OPERATION:STATUS for any code of the status;
    /// repeatable (implies --coverage).
    #[arg(long, value_name = "OUTCOME")]
    pub require: Vec<String>,
}

/// A percentage from 0 to 100.
fn percent(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(value) if (0.0..=100.0).contains(&value) => Ok(value),
        _ => Err("expected a percentage from 0 to 100".to_owned()),
    }
}

/// How `check` groups its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Grouping {
    /// One group per route.
    Route,
    /// One group per workspace (D26).
    Workspace,
}

/// The formats of `check`'s report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Grouped by route, for people; colour on a terminal.
    Human,
    /// Every exchange with its findings, for programs.
    Json,
    /// JUnit XML, for CI test reports.
    Junit,
}

/// `gately-mock schema`
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum)]
    pub name: SchemaName,
}

/// The schemas `gately-mock schema` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaName {
    /// The PATCH request body.
    Request,
    /// The create (POST) request body.
    Create,
    /// `{ "message": … }` bodies.
    Message,
    /// The contact object the mock answers with.
    Response,
    /// The contact object as the docs promise it (applied to real traffic).
    Documented,
    /// Problem details (every error body).
    Problem,
    /// A fixtures directory.
    Fixtures,
    /// A recorded exchange (journal, record file).
    Exchange,
    /// A tag, as the tag routes answer it.
    Tag,
    /// The tag create (POST) request body.
    TagCreate,
    /// The tag update (PUT) request body.
    TagUpdate,
    /// The body that attaches a tag to a contact (POST contact-tags).
    ContactTag,
    /// The unsubscribe (POST) request body.
    Unsubscribe,
    /// An unsubscribe record.
    UnsubscribeRecord,
    /// A contact's custom fields, and their merge patch.
    CustomFields,
    /// The bulk import request body.
    BulkImport,
    /// The bulk import's answer.
    BulkImportResult,
    /// The body that creates a workspace (`POST /__admin/workspaces`).
    WorkspaceCreate,
    /// The body that moves a clock (`POST /__admin/clock`).
    ClockChange,
    /// A fault plan (`--faults`, `PUT /__admin/faults`, D30).
    FaultPlan,
    /// A contact list, as the list routes answer it (D28).
    List,
    /// The contact list create (POST) request body; PATCH takes any of its fields.
    ListCreate,
    /// The body that adds a contact to a list (POST …/members).
    ListMemberAdd,
    /// One rule of a segment (D29).
    SegmentRule,
    /// A segment, as the segment routes answer it.
    Segment,
    /// The segment create (POST) request body; PATCH takes any of its fields.
    SegmentCreate,
}

/// A usage error in one line, as the README promises: clap's first line without its
/// `error: ` prefix, the environment variable named when the bad value came from one (its
/// flag is not among `argv`), and where to look for the usage.
pub fn usage_error(err: &clap::Error, argv: impl IntoIterator<Item = OsString>) -> String {
    let rendered = err.render().to_string();
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or_default();
    let mut line = first.strip_prefix("error: ").unwrap_or(first).to_owned();
    // "… not provided:" is followed by what was not, one indented line each.
    if line.ends_with(':') {
        let listed: Vec<&str> = lines
            .take_while(|listed| listed.starts_with("  "))
            .map(str::trim)
            .collect();
        line.push(' ');
        line.push_str(&listed.join(", "));
    }
    if let Some(env) = env_of_invalid_value(err, argv) {
        line.push_str(&format!(" (from the environment variable {env})"));
    }
    line.push_str("; see gately-mock --help");
    line
}

/// The environment variable that gave the value `err` refuses, if it did.
fn env_of_invalid_value(
    err: &clap::Error,
    argv: impl IntoIterator<Item = OsString>,
) -> Option<String> {
    let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = arg.strip_prefix("--")?.split([' ', '=']).next()?;
    let flag = format!("--{long}");
    let on_command_line = argv.into_iter().any(|given| {
        given
            .to_str()
            .is_some_and(|given| given == flag || given.starts_with(&format!("{flag}=")))
    });
    if on_command_line {
        return None;
    }
    let command = Cli::command();
    let env = command
        .get_subcommands()
        .flat_map(|sub| sub.get_arguments())
        .find(|argument| argument.get_long() == Some(long))?
        .get_env()?
        .to_string_lossy()
        .into_owned();
    std::env::var_os(&env).is_some().then_some(env)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_needs_no_flags() {
        let cli = Cli::try_parse_from(["gately-mock", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve parses as serve")
        };
        assert_eq!((args.host.as_str(), args.port), ("127.0.0.1", 4010));
        assert!(args.fixtures.is_none() && !args.lenient);
    }

    #[test]
    fn a_bad_frozen_time_is_a_usage_error() {
        let err = Cli::try_parse_from(["gately-mock", "serve", "--frozen-time", "yesterday"])
            .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
    }

    #[test]
    fn a_usage_error_is_one_line() {
        let argv = ["gately-mock", "serve", "--port", "eighty"];
        let err = Cli::try_parse_from(argv).unwrap_err();
        let line = usage_error(&err, argv.map(OsString::from));
        assert_eq!(
            line,
            "invalid value 'eighty' for '--port <PORT>': invalid digit found in string; see gately-mock --help"
        );
        let argv = ["gately-mock", "serve", "--nope"];
        let err = Cli::try_parse_from(argv).unwrap_err();
        assert_eq!(
            usage_error(&err, argv.map(OsString::from)),
            "unexpected argument '--nope' found; see gately-mock --help"
        );
        let argv = ["gately-mock", "serve", "--forward-invalid"];
        let err = Cli::try_parse_from(argv).unwrap_err();
        assert_eq!(
            usage_error(&err, argv.map(OsString::from)),
            "the following required arguments were not provided: --upstream <URL>; see gately-mock --help"
        );
    }

    #[test]
    fn a_switch_takes_the_usual_spellings_of_yes_and_no() {
        let lenient = |argv: &[&str]| {
            let cli = Cli::try_parse_from(argv).unwrap();
            let Command::Serve(args) = cli.command else {
                panic!("serve parses as serve")
            };
            args.lenient
        };
        assert!(lenient(&["gately-mock", "serve", "--lenient"]));
        assert!(!lenient(&["gately-mock", "serve"]));
        for (spelling, meant) in [
            ("1", true),
            ("0", false),
            ("true", true),
            ("false", false),
            ("yes", true),
            ("no", false),
            ("on", true),
            ("off", false),
        ] {
            let flag = format!("--lenient={spelling}");
            assert_eq!(
                lenient(&["gately-mock", "serve", &flag]),
                meant,
                "{spelling}"
            );
        }
    }
}
