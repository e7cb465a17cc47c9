//! The state every connection shares, behind one `Arc`.

use std::sync::Mutex;

use crate::auth::Keyring;
use crate::clock::Clock;
use crate::config::ServeConfig;
use crate::schema::{SchemaRegistry, Strictness};
use crate::store::Store;

/// What a request handler can see. The store lock is held only for the in-memory work of
/// one request, never across an `.await`.
pub struct AppState {
    /// The compiled contract.
    pub schemas: SchemaRegistry,
    /// Keys and projects.
    pub keyring: Keyring,
    /// Contacts and tags.
    pub store: Mutex<Store>,
    /// Where `now` comes from.
    pub clock: Clock,
    /// Strict or lenient validation.
    pub strictness: Strictness,
    /// Largest body accepted, in bytes.
    pub max_body: usize,
}

impl AppState {
    /// The state of a fresh server for `config`.
    pub fn new(config: ServeConfig) -> Self {
        Self {
            keyring: Keyring::new(&config.fixtures),
            store: Mutex::new(Store::new(&config.fixtures)),
            schemas: config.schemas,
            clock: config.clock,
            strictness: config.strictness,
            max_body: config.max_body,
        }
    }
}
