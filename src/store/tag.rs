//! Tags: named, coloured labels that belong to a project.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::json::{put_opt_str, put_str, put_uuid};

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

impl Tag {
    /// Appends the tag as it appears inside a contact (D12): `id`, `name`, `color`,
    /// `created_at`.
    pub fn write_summary_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        put_uuid(out, &self.id);
        out.extend_from_slice(b",\"name\":");
        put_str(out, &self.name);
        out.extend_from_slice(b",\"color\":");
        put_opt_str(out, self.color.as_deref());
        out.extend_from_slice(b",\"created_at\":");
        self.created_at.write_json(out);
        out.push(b'}');
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
