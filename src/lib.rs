//! gately-mock: a strict, stateful mock server and contract-testing harness for the Gately
//! CRM Contacts API.
//!
//! The server validates each request against JSON Schemas written from the public docs
//! (`schemas/`), applies it to in-memory fixtures, and answers as the contract says. The
//! binary's `serve` command is the usual front door; [`ServerHandle`] starts the same server
//! inside a test.
//!
//! ```no_run
//! use clap::Parser;
//! use gately_mock::{AppState, ServeArgs, ServeConfig, ServerHandle};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let args = ServeArgs::parse_from(["serve", "--port", "0"]);
//! let config = ServeConfig::from_args(&args)?;
//! let server = ServerHandle::start(("127.0.0.1", 0), AppState::new(config)).await?;
//! println!("mock at {}", server.base_url());
//! server.shutdown().await;
//! # Ok(()) }
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
pub use http::ServerHandle;
pub use journal::exchange::{RequestRecord, ResponseRecord};
pub use journal::{Exchange, Verdict};
pub use schema::{SchemaRegistry, Violation};
