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

mod app;
mod auth;
mod cli;
mod clock;
mod commands;
mod config;
mod contract;
mod fixture;
mod http;
mod ids;
mod journal;
mod latency;
mod mock_server;
mod openapi;
mod schema;
mod secret;
mod store;
mod suggest;

pub use app::AppState;
pub use cli::{
    CheckArgs, Cli, Command, ReportFormat, SchemaArgs, SchemaName, ServeArgs, ValidateArgs,
};
pub use clock::Timestamp;
pub use commands::{CommandError, check, openapi, schema, validate};
pub use config::{ConfigError, ServeConfig};
pub use contract::report::{CheckedExchange, ContractReport, Finding, Outcome, Side, Summary};
pub use http::{Body, RecordedRequest, Reply, ServerHandle, respond};
pub use journal::exchange::{RequestRecord, ResponseRecord};
pub use journal::{Exchange, Verdict};
pub use mock_server::{MockServer, MockServerBuilder, StartError};
pub use schema::Strictness;
pub use schema::{SchemaRegistry, Violation};

/// The pieces of the request path, for `benches/` and fuzz targets. Not a stable API.
#[doc(hidden)]
pub mod internals {
    pub use crate::fixture::{FixtureSet, FixtureSource};
    pub use crate::store::Store;
    pub use crate::store::patch::ContactPatch;
}
