//! The HTTP front of the mock: the server, which owns the state it serves and records
//! what it answered. A request travels top to bottom through these modules:
//!
//! 1. `server` accepts connections (hyper 1.x, HTTP/1.1), each under a `head_deadline`, and
//!    hands each request to `handle`; a head hyper cannot parse is answered by hyper, given
//!    a problem body by `head_error`;
//! 2. `request` reads the body once, within `--max-body`, into a `RecordedRequest`;
//! 3. `dispatch` sends `/__admin/…` to `admin`, and every other request to the judge
//!    (`crate::contract::judge`: route, method, key, path id, query, body, schema,
//!    `Prefer`), then draws the workspace's faults (`crate::faults`), then hands the
//!    accepted operation to its handler (`handlers`) unless a fault answers instead;
//! 4. `reply` turns a refusal into its problem body; `cors` adds the browser headers to
//!    whatever is sent (D14); `dribble` sends a body slowly, when a fault says so;
//!    In proxy mode (`--upstream`), `proxy` takes the judge's place for API routes: it
//!    forwards what the judge accepts to `crate::upstream` and judges the answer as `check`
//!    would (D31);
//! 5. `state` holds the server's settings, its `workspace`s (each with its own store,
//!    journal and clock) and the record file, and records the exchange (API routes only)
//!    in the workspace the request's key opened before `server` answers.

mod admin;
mod cors;
mod dispatch;
mod dribble;
mod handlers;
mod head_deadline;
mod head_error;
mod provider_state;
mod proxy;
mod reply;
mod request;
mod server;
mod state;
pub(crate) mod workspace;

pub use dispatch::respond;
pub use reply::Reply;
pub use request::{Body, RecordedRequest};
pub use server::ServerHandle;
pub use state::AppState;
