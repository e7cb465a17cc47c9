//! gately-mock: a strict, stateful mock server and contract-testing harness for the Gately
//! CRM Contacts API.
//!
//! The server validates each request against JSON Schemas written from the public docs
//! (`schemas/`), applies it to in-memory fixtures, and answers as the contract says. The
//! binary's `serve` command is one front door; [`MockServer`] starts the same server inside a
//! test, on a free port, and lets the test assert on what it saw.
//!
//! ```
//! use gately_mock::MockServer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = MockServer::builder().frozen_time("2025-06-15T14:30:00.000Z").start().await;
//! let jane = &server.contact_ids()[0];
//! let contact: serde_json::Value = reqwest::Client::new()
//!     .get(format!("{}/api/v1/contacts/{jane}", server.uri()))
//!     .bearer_auth(server.api_key())
//!     .send()
//!     .await
//!     .unwrap()
//!     .json()
//!     .await
//!     .unwrap();
//! assert_eq!(contact["name"], "Jane Smith");
//! # }
//! ```

/// The README's Rust examples, compiled (and run, where they have no `#[test]`) by
/// `cargo test`, so that they cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

mod api;
mod auth;
mod cli;
mod clock;
mod commands;
mod config;
mod contract;
mod faults;
mod fixture;
mod http;
mod ids;
mod journal;
mod json;
mod latency;
mod mock_server;
mod openapi;
mod parallel;
mod replay;
mod schema;
mod secret;
mod store;
mod suggest;
mod upstream;

pub use contract::coverage::{CoverageReport, OutcomeCount, UnknownOutcome};
pub use contract::report::{
    CheckedExchange, ContractReport, Finding, GroupBy, Outcome, Side, Summary,
};
pub use journal::exchange::{BodyEncoding, Origin, RequestRecord, ResponseRecord};
pub use journal::{Exchange, Verdict};
pub use mock_server::{MockServer, MockServerBuilder, StartError, Workspace, WorkspaceBuilder};
pub use schema::Violation;

/// The pieces behind the facade, for the binary, `benches/`, fuzz targets and the tests
/// that drive the request path in process. Not a stable API.
#[doc(hidden)]
pub mod internals {
    use bytes::Bytes;
    use hyper::Method;
    use hyper::header::{HeaderMap, HeaderName, HeaderValue};

    pub use crate::cli::{Cli, Command, FixturesCommand, ServeArgs, usage_error};
    pub use crate::clock::Timestamp;
    pub use crate::commands::{
        CommandError, check, generate_fixtures, openapi, pact, schema, validate,
    };
    pub use crate::config::{ConfigError, Options, ServeConfig};
    pub use crate::fixture::{FixtureSet, FixtureSource};
    pub use crate::http::{AppState, Body, RecordedRequest, Reply, ServerHandle, respond};
    pub use crate::replay::{ReplayError, replay};
    pub use crate::schema::{InPlace, SchemaRegistry, Strictness};
    pub use crate::store::Store;
    pub use crate::store::patch::ContactPatch;
    pub use crate::upstream::{UpstreamError, UpstreamOptions};

    /// The request a fuzz input describes: the first byte picks the method, then the
    /// target up to a newline, then `name: value` header lines up to an empty line, then
    /// the body. Lines that are not valid headers are skipped, so every input is a request.
    pub fn fuzz_request(data: &[u8], time: Timestamp) -> RecordedRequest {
        const METHODS: [Method; 7] = [
            Method::GET,
            Method::PATCH,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
            Method::HEAD,
        ];
        let Some((first, rest)) = data.split_first() else {
            return RecordedRequest::new(Method::GET, "/", HeaderMap::new(), Bytes::new(), time);
        };
        let method = METHODS[usize::from(*first) % METHODS.len()].clone();
        let (target, mut rest) = split_line(rest);
        let mut headers = HeaderMap::new();
        loop {
            let (line, after) = split_line(rest);
            rest = after;
            if line.is_empty() {
                break;
            }
            let Some(colon) = line.iter().position(|b| *b == b':') else {
                continue;
            };
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(&line[..colon]),
                HeaderValue::from_bytes(line[colon + 1..].trim_ascii()),
            ) {
                headers.append(name, value);
            }
        }
        let target = String::from_utf8_lossy(target);
        let target = if target.starts_with('/') {
            target.into_owned()
        } else {
            format!("/{target}")
        };
        RecordedRequest::new(method, &target, headers, Bytes::copy_from_slice(rest), time)
    }

    fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
        match data.iter().position(|b| *b == b'\n') {
            Some(at) => (&data[..at], &data[at + 1..]),
            None => (data, &[]),
        }
    }
}
