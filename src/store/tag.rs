//! Tags: named, coloured labels that belong to a project.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::json::{put_opt_str, put_str, put_uuid};

/// One tag of one project. Its fields change only through its methods, so that the JSON it
/// shows inside contacts, written when it is made or changed, is never stale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    id: Uuid,
    project_id: Uuid,
    /// Unique within the project (compared exactly).
    name: String,
    /// A `#rrggbb` colour, or none.
    color: Option<String>,
    created_at: Timestamp,
    /// The tag as it appears inside a contact: written into every contact that has it, on
    /// every answer, so written once here (two tags were 1 050 of the seed PATCH's 37 000
    /// instructions).
    summary: Box<[u8]>,
}

impl Tag {
    /// A tag of `project_id`.
    pub fn new(
        id: Uuid,
        project_id: Uuid,
        name: String,
        color: Option<String>,
        created_at: Timestamp,
    ) -> Self {
        let mut tag = Self {
            id,
            project_id,
            name,
            color,
            created_at,
            summary: Box::default(),
        };
        tag.summarise();
        tag
    }

    /// Its UUID.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The project it belongs to.
    pub fn project_id(&self) -> Uuid {
        self.project_id
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// When it was created.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// Renames it.
    pub fn rename(&mut self, name: String) {
        self.name = name;
        self.summarise();
    }

    /// Its colour, if any.
    pub fn color(&self) -> Option<&str> {
        self.color.as_deref()
    }

    /// Sets or clears its colour.
    pub fn recolor(&mut self, color: Option<String>) {
        self.color = color;
        self.summarise();
    }

    /// Appends the tag as it appears inside a contact (D12): `id`, `name`, `color`,
    /// `created_at`.
    pub fn write_summary_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.summary);
    }

    fn summarise(&mut self) {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(b"{\"id\":");
        put_uuid(&mut out, &self.id);
        out.extend_from_slice(b",\"name\":");
        put_str(&mut out, &self.name);
        out.extend_from_slice(b",\"color\":");
        put_opt_str(&mut out, self.color.as_deref());
        out.extend_from_slice(b",\"created_at\":");
        self.created_at.write_json(&mut out);
        out.push(b'}');
        self.summary = out.into_boxed_slice();
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
pub(crate) type TagTable = BTreeMap<Uuid, Tag>;

/// The id of the tag of `project` named `name`.
pub(crate) fn find_by_name(tags: &TagTable, project: Uuid, name: &str) -> Option<Uuid> {
    tags.values()
        .find(|tag| tag.project_id == project && tag.name == name)
        .map(|tag| tag.id)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn summary(tag: &Tag) -> Value {
        let mut out = Vec::new();
        tag.write_summary_json(&mut out);
        serde_json::from_slice(&out).expect("valid JSON")
    }

    #[test]
    fn the_summary_follows_every_change_of_the_tag() {
        let mut tag = Tag::new(
            "5d9e5080-6a91-462b-8a91-e13bb106a302".parse().unwrap(),
            "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73".parse().unwrap(),
            "VIP".to_owned(),
            Some("#ff6600".to_owned()),
            Timestamp::parse("2025-01-10T09:00:00Z").unwrap(),
        );
        let shown = |name: &str, color: Value| {
            json!({
                "id": "5d9e5080-6a91-462b-8a91-e13bb106a302",
                "name": name,
                "color": color,
                "created_at": "2025-01-10T09:00:00.000Z",
            })
        };
        assert_eq!(summary(&tag), shown("VIP", json!("#ff6600")));

        tag.rename("Say \"hi\"".to_owned());
        assert_eq!(summary(&tag), shown("Say \"hi\"", json!("#ff6600")));

        tag.recolor(None);
        assert_eq!(summary(&tag), shown("Say \"hi\"", Value::Null));
    }
}
