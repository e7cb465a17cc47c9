//! The HTTP front of the mock. A request travels top to bottom through these modules:
//!
//! 1. `server` accepts connections (hyper 1.x, HTTP/1.1), each under a `head_deadline`, and
//!    hands each request to `handle`; a head hyper cannot parse is answered by hyper, given
//!    a problem body by `head_error`;
//! 2. `request` reads the body once, within `--max-body`, into a `RecordedRequest`;
//! 3. `router` finds the `Route` of the path, and `handlers` the function for the method;
//! 4. the handler authorises (`crate::auth`), validates (`crate::schema`; `query` for the
//!    list's parameters), honours `prefer` and acts on the store, answering a `Reply` or an
//!    `ApiError`; `admin` serves
//!    `/__admin/…` (the journal, its HAR export, reset, health);
//! 5. `error` turns an `ApiError` into its problem body (D1, the one place that picks a
//!    status), and `cors` adds the browser headers to whatever is sent (D14);
//! 6. `server` records the exchange (API routes only, `crate::journal`) and answers.

mod admin;
mod cors;
pub(crate) mod error;
mod handlers;
mod head_deadline;
mod head_error;
mod prefer;
pub(crate) mod query;
mod reply;
mod request;
pub(crate) mod router;
mod server;

pub use error::ApiError;
pub use handlers::respond;
pub use reply::Reply;
pub use request::{Body, RecordedRequest};
pub use server::ServerHandle;
