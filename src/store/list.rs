//! Contact lists (D28): named, static sets of a project's contacts, members added by hand.

use serde_json::Value;
use uuid::Uuid;

use crate::clock::Timestamp;

/// One contact list of one project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactList {
    /// Its UUID.
    pub id: Uuid,
    /// The project it belongs to.
    pub project_id: Uuid,
    /// Its name, unique within the project (compared exactly).
    pub name: String,
    /// What it is for, if said.
    pub description: Option<String>,
    /// Its members, oldest first.
    pub members: Vec<Member>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When its name or description last changed.
    pub updated_at: Timestamp,
}

/// A contact's membership of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// The contact.
    pub contact_id: Uuid,
    /// When it was added.
    pub added_at: Timestamp,
}

impl ContactList {
    /// The list as the API answers it (D28).
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "project_id": self.project_id,
            "name": self.name,
            "description": self.description,
            "member_count": self.members.len(),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }

    /// Whether contact `id` is a member.
    pub fn has(&self, id: Uuid) -> bool {
        self.members.iter().any(|member| member.contact_id == id)
    }
}
