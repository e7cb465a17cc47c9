//! Tags: named, coloured labels that belong to a project.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use crate::clock::Timestamp;

/// One tag of one project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// Its UUID.
    pub id: Uuid,
    /// The project it belongs to.
    pub project_id: Uuid,
    /// Its name, unique within the project (compared exactly).
    pub name: String,
    /// A `#rrggbb` colour, or none.
    pub color: Option<String>,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A tag as it appears inside a contact (D12).
#[derive(Serialize)]
pub struct TagSummary<'a> {
    id: Uuid,
    name: &'a str,
    color: Option<&'a str>,
    created_at: Timestamp,
}

impl Tag {
    /// The tag as it appears inside a contact.
    pub fn summary(&self) -> TagSummary<'_> {
        TagSummary {
            id: self.id,
            name: &self.name,
            color: self.color.as_deref(),
            created_at: self.created_at,
        }
    }
}

/// A tag as the tag routes answer it: every field.
#[derive(Serialize)]
pub struct TagView<'a> {
    id: Uuid,
    project_id: Uuid,
    name: &'a str,
    color: Option<&'a str>,
    created_at: Timestamp,
}

impl Tag {
    /// The tag as the tag routes answer it.
    pub fn view(&self) -> TagView<'_> {
        TagView {
            id: self.id,
            project_id: self.project_id,
            name: &self.name,
            color: self.color.as_deref(),
            created_at: self.created_at,
        }
    }
}

/// Every tag of every project, by id.
pub type TagTable = BTreeMap<Uuid, Tag>;

/// The id of the tag of `project` named `name`.
pub fn find_by_name(tags: &TagTable, project: Uuid, name: &str) -> Option<Uuid> {
    tags.values()
        .find(|tag| tag.project_id == project && tag.name == name)
        .map(|tag| tag.id)
}
