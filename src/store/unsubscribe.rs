//! Unsubscribe records (D21): the audit trail the dedicated endpoint keeps.

use serde::Serialize;
use uuid::Uuid;

use crate::clock::Timestamp;

/// One unsubscribe of one contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnsubscribeRecord {
    /// Its UUID.
    pub id: Uuid,
    /// The contact.
    pub contact_id: Uuid,
    /// The contact's project.
    pub project_id: Uuid,
    /// Always `all`: the only type the docs show.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Why, as the caller said.
    pub reason: Option<String>,
    /// Where it came from, as the caller said.
    pub source: Option<String>,
    /// When.
    pub unsubscribed_at: Timestamp,
}
