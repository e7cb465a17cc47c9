//! The Gately Contacts API as the mock knows it: the one place that says what the API is.
//!
//! - `route`: the path patterns, matched the same way for live and captured requests;
//! - `operation`: the operation table, one row per operation (method, route, query, body
//!   schema, success statuses and schemas, what the docs promise, whether it writes, the
//!   refusals it can answer), from which the documented statuses and outcomes follow;
//! - `input`: what each operation's handler gets, read from a checked query or body;
//! - `query`: the rules of the query strings; `prefer`: `Prefer: code=` (D15);
//! - `error`: every refusal, with its status and problem code (D1, D2).
//!
//! Nothing here knows about sockets or the store's locks: the server (`http`), the contract
//! check (`contract`) and the OpenAPI document (`openapi`) read it; it reads none of them.

pub(crate) mod error;
pub(crate) mod input;
pub(crate) mod operation;
pub(crate) mod prefer;
pub(crate) mod query;
pub(crate) mod route;

pub(crate) use error::ApiError;
pub(crate) use operation::{Documented, Operation, OperationId};
pub(crate) use route::Route;

use hyper::header::HeaderName;

/// The header that names the project for account keys (D4).
pub(crate) const PROJECT_HEADER: HeaderName = HeaderName::from_static("x-project-id");
/// The header of D15 (`Prefer: code=…`).
pub(crate) const PREFER: HeaderName = HeaderName::from_static("prefer");
