//! The paths of the Contacts API: each route a pattern of segments, matched the same way
//! for a live request and for a captured one.

/// The prefix of every contacts route.
pub(crate) const CONTACTS: &str = "/api/v1/contacts";

/// A path parameter: the UUID of one resource.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PathParameter {
    /// Its name in the route template (`contactId`).
    pub(crate) name: &'static str,
    /// The resource it names, for messages and the OpenAPI document (`contact`).
    pub(crate) resource: &'static str,
    /// The problem code of a segment that is not a UUID.
    pub(crate) invalid_code: &'static str,
}

/// `{contactId}`
pub(crate) const CONTACT_ID: PathParameter = PathParameter {
    name: "contactId",
    resource: "contact",
    invalid_code: "invalid_contact_id",
};
/// `{tagId}`
pub(crate) const TAG_ID: PathParameter = PathParameter {
    name: "tagId",
    resource: "tag",
    invalid_code: "invalid_tag_id",
};
/// `{listId}` (D28)
pub(crate) const LIST_ID: PathParameter = PathParameter {
    name: "listId",
    resource: "contact list",
    invalid_code: "invalid_list_id",
};
/// `{segmentId}` (D29)
pub(crate) const SEGMENT_ID: PathParameter = PathParameter {
    name: "segmentId",
    resource: "segment",
    invalid_code: "invalid_segment_id",
};

/// One segment of a route pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Segment {
    /// This word exactly.
    Word(&'static str),
    /// A path parameter: any non-empty segment that is not a word of another route.
    Param(&'static PathParameter),
}

use Segment::{Param, Word};

/// A route of the Contacts API: a path pattern below [`CONTACTS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RouteId {
    /// `/api/v1/contacts`: list and create.
    Contacts,
    /// `/api/v1/contacts/bulk-import`
    BulkImport,
    /// `/api/v1/contacts/tags`
    Tags,
    /// `/api/v1/contacts/tags/{tagId}`
    Tag,
    /// `/api/v1/contacts/contact-tags`: a tag attached to or detached from a contact.
    ContactTags,
    /// `/api/v1/contacts/{contactId}`
    Contact,
    /// `/api/v1/contacts/{contactId}/unsubscribes` (D21)
    Unsubscribes,
    /// `/api/v1/contacts/{contactId}/custom-fields` (D18, the mock's path)
    CustomFields,
    /// `/api/v1/contacts/lists` (D28)
    Lists,
    /// `/api/v1/contacts/lists/{listId}`
    List,
    /// `/api/v1/contacts/lists/{listId}/members`
    ListMembers,
    /// `/api/v1/contacts/segments` (D29)
    Segments,
    /// `/api/v1/contacts/segments/{segmentId}`
    Segment,
}

impl RouteId {
    /// Every route, in matching order: words before parameters.
    pub(crate) const ALL: [RouteId; 13] = [
        RouteId::Contacts,
        RouteId::BulkImport,
        RouteId::Tags,
        RouteId::Tag,
        RouteId::ContactTags,
        RouteId::Lists,
        RouteId::List,
        RouteId::ListMembers,
        RouteId::Segments,
        RouteId::Segment,
        RouteId::Contact,
        RouteId::Unsubscribes,
        RouteId::CustomFields,
    ];

    /// The segments after `/api/v1/contacts`.
    fn pattern(self) -> &'static [Segment] {
        match self {
            RouteId::Contacts => &[],
            RouteId::BulkImport => &[Word("bulk-import")],
            RouteId::Tags => &[Word("tags")],
            RouteId::Tag => &[Word("tags"), Param(&TAG_ID)],
            RouteId::ContactTags => &[Word("contact-tags")],
            RouteId::Lists => &[Word("lists")],
            RouteId::List => &[Word("lists"), Param(&LIST_ID)],
            RouteId::ListMembers => &[Word("lists"), Param(&LIST_ID), Word("members")],
            RouteId::Segments => &[Word("segments")],
            RouteId::Segment => &[Word("segments"), Param(&SEGMENT_ID)],
            RouteId::Contact => &[Param(&CONTACT_ID)],
            RouteId::Unsubscribes => &[Param(&CONTACT_ID), Word("unsubscribes")],
            RouteId::CustomFields => &[Param(&CONTACT_ID), Word("custom-fields")],
        }
    }

    /// The path template, as reports and the OpenAPI document name it.
    pub(crate) fn template(self) -> &'static str {
        match self {
            RouteId::Contacts => "/api/v1/contacts",
            RouteId::BulkImport => "/api/v1/contacts/bulk-import",
            RouteId::Tags => "/api/v1/contacts/tags",
            RouteId::Tag => "/api/v1/contacts/tags/{tagId}",
            RouteId::ContactTags => "/api/v1/contacts/contact-tags",
            RouteId::Lists => "/api/v1/contacts/lists",
            RouteId::List => "/api/v1/contacts/lists/{listId}",
            RouteId::ListMembers => "/api/v1/contacts/lists/{listId}/members",
            RouteId::Segments => "/api/v1/contacts/segments",
            RouteId::Segment => "/api/v1/contacts/segments/{segmentId}",
            RouteId::Contact => "/api/v1/contacts/{contactId}",
            RouteId::Unsubscribes => "/api/v1/contacts/{contactId}/unsubscribes",
            RouteId::CustomFields => "/api/v1/contacts/{contactId}/custom-fields",
        }
    }

    /// The route's path parameter, if it has one.
    pub(crate) fn parameter(self) -> Option<&'static PathParameter> {
        self.pattern().iter().find_map(|segment| match segment {
            Param(parameter) => Some(*parameter),
            Word(_) => None,
        })
    }

    /// Whether `word`, first after `/api/v1/contacts/`, names a route of its own: such a
    /// segment is never a `contactId`.
    fn is_reserved(word: &str, position: usize) -> bool {
        position == 0 && FIRST_WORDS.contains(&word)
    }
}

/// The words routes start with (`tags`, `lists`, …), each once: looked up for every path
/// with a `contactId`, so gathered from the patterns once.
static FIRST_WORDS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let mut words: Vec<&'static str> = RouteId::ALL
        .iter()
        .filter_map(|route| match route.pattern().first() {
            Some(Word(word)) => Some(*word),
            _ => None,
        })
        .collect();
    words.sort_unstable();
    words.dedup();
    words
});

/// A path matched to its route, with the raw value of its parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Route<'a> {
    /// Which route.
    pub(crate) id: RouteId,
    /// The raw segment of the route's parameter (`contactId`, `tagId`, …), if it has one.
    pub(crate) param: Option<&'a str>,
}

/// The route of `path`, if it is one of the API's. The path is cut into its segments
/// once; each pattern is then held against them.
pub(crate) fn route(path: &str) -> Option<Route<'_>> {
    /// No pattern is longer.
    const LONGEST: usize = 3;
    let rest = path.strip_prefix(CONTACTS)?;
    let mut segments = [""; LONGEST];
    let mut count = 0;
    if !rest.is_empty() {
        for segment in rest.strip_prefix('/')?.split('/') {
            *segments.get_mut(count)? = segment;
            count += 1;
        }
    }
    let segments = &segments[..count];
    RouteId::ALL
        .into_iter()
        .find_map(|id| matches(id, segments).map(|param| Route { id, param }))
}

/// `Some(param)` when `segments` (the path after `/api/v1/contacts/`) have the shape of
/// `id`.
fn matches<'a>(id: RouteId, segments: &[&'a str]) -> Option<Option<&'a str>> {
    let pattern = id.pattern();
    if pattern.len() != segments.len() {
        return None;
    }
    let mut param = None;
    for (position, (expected, segment)) in pattern.iter().zip(segments).enumerate() {
        match expected {
            Word(word) if segment == word => {}
            Param(_) if !segment.is_empty() && !RouteId::is_reserved(segment, position) => {
                param = Some(*segment);
            }
            _ => return None,
        }
    }
    Some(param)
}

/// The routes closest to `path`, best first, for a 404's hint: the path without its
/// trailing slash when that is a route; else the route templates a few edits from the
/// path, its UUID segments read as the parameters they would be.
pub(crate) fn closest(path: &str) -> Vec<String> {
    let trimmed = path.trim_end_matches('/');
    if trimmed != path && route(trimmed).is_some() {
        return vec![trimmed.to_owned()];
    }
    let mut previous = "";
    let shape: Vec<&str> = path
        .split('/')
        .map(|segment| {
            let parameter = match previous {
                "tags" => "{tagId}",
                "lists" => "{listId}",
                "segments" => "{segmentId}",
                _ => "{contactId}",
            };
            previous = segment;
            if uuid::Uuid::try_parse(segment).is_ok() {
                parameter
            } else {
                segment
            }
        })
        .collect();
    let shape = shape.join("/");
    // A few edits away, and not much further than the closest.
    let mut scored: Vec<(usize, &str)> = RouteId::ALL
        .iter()
        .map(|route| {
            (
                strsim::levenshtein(&shape, route.template()),
                route.template(),
            )
        })
        .filter(|(edits, _)| *edits <= 5)
        .collect();
    scored.sort_unstable();
    let best = scored.first().map_or(0, |(edits, _)| *edits);
    scored
        .into_iter()
        .take_while(|(edits, _)| *edits <= best + 1)
        .take(3)
        .map(|(_, template)| template.to_owned())
        .collect()
}

/// Where the mock's own routes live (`/__admin/…`), beside the API.
pub(crate) const ADMIN: &str = "/__admin/";

/// Whether `path` is `/__admin` or under it (served or not): such traffic is the mock's
/// own, and is not recorded.
pub(crate) fn is_admin(path: &str) -> bool {
    path.starts_with(ADMIN) || path == ADMIN.trim_end_matches('/')
}

/// Whether `path` is under `/api/v1/`, where every path is the API's, served or not.
pub(crate) fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/v1/")
}

/// Whether `path` is under `/api/v1/contacts` (the API's paths, served or not).
pub(crate) fn is_contacts_path(path: &str) -> bool {
    path.strip_prefix(CONTACTS)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(path: &str) -> Option<(RouteId, Option<&str>)> {
        route(path).map(|route| (route.id, route.param))
    }

    #[test]
    fn a_contact_path_names_its_id() {
        assert_eq!(
            of("/api/v1/contacts/abc"),
            Some((RouteId::Contact, Some("abc")))
        );
    }

    #[test]
    fn words_win_over_a_contact_id() {
        assert_eq!(of("/api/v1/contacts/tags"), Some((RouteId::Tags, None)));
        assert_eq!(
            of("/api/v1/contacts/tags/t1"),
            Some((RouteId::Tag, Some("t1")))
        );
        assert_eq!(
            of("/api/v1/contacts/contact-tags"),
            Some((RouteId::ContactTags, None))
        );
        assert_eq!(
            of("/api/v1/contacts/bulk-import"),
            Some((RouteId::BulkImport, None))
        );
        assert_eq!(of("/api/v1/contacts/contact-tags/unsubscribes"), None);
    }

    #[test]
    fn sub_resources_name_their_contact() {
        assert_eq!(
            of("/api/v1/contacts/x/unsubscribes"),
            Some((RouteId::Unsubscribes, Some("x")))
        );
        assert_eq!(
            of("/api/v1/contacts/x/custom-fields"),
            Some((RouteId::CustomFields, Some("x")))
        );
        assert_eq!(of("/api/v1/contacts/x/lists"), None);
    }

    #[test]
    fn the_collection_is_a_route_of_its_own() {
        assert_eq!(of("/api/v1/contacts"), Some((RouteId::Contacts, None)));
    }

    #[test]
    fn other_paths_are_not_routes() {
        for path in [
            "/",
            "/api/v1/contacts/",
            "/api/v1/contacts//unsubscribes",
            "/api/v1/contacts/a/b",
            "/api/v2/contacts/a",
            "/api/v1/contacts/bulk-import/x",
            "/api/v1/contacts/lists/l1/members/x",
            "/api/v1/contacts/lists/l1/contacts",
            "/api/v1/contacts/segments/s1/members",
            "/api/v1/contacts/tags/a/b",
            "/api/v1/contactsx",
        ] {
            assert_eq!(of(path), None, "{path}");
        }
    }

    #[test]
    fn an_unknown_path_is_told_the_routes_closest_to_it() {
        assert_eq!(closest("/api/v1/contacts/"), ["/api/v1/contacts"]);
        assert_eq!(
            closest("/api/v1/contacts/a1b2c3d4-e5f6-4789-abcd-ef1234567890/unsubscribe"),
            ["/api/v1/contacts/{contactId}/unsubscribes"]
        );
        assert_eq!(
            closest("/api/v1/contact/a1b2c3d4-e5f6-4789-abcd-ef1234567890")[0],
            "/api/v1/contacts/{contactId}"
        );
        assert_eq!(closest("/api/v1/contacts/tag")[0], "/api/v1/contacts/tags");
        assert!(closest("/favicon.ico").is_empty());
    }

    #[test]
    fn lists_and_segments_are_words_not_contact_ids() {
        assert_eq!(of("/api/v1/contacts/lists"), Some((RouteId::Lists, None)));
        assert_eq!(
            of("/api/v1/contacts/lists/l1/members"),
            Some((RouteId::ListMembers, Some("l1")))
        );
        assert_eq!(
            of("/api/v1/contacts/segments/s1"),
            Some((RouteId::Segment, Some("s1")))
        );
        assert_eq!(
            of("/api/v1/contacts/lists/unsubscribes"),
            Some((RouteId::List, Some("unsubscribes")))
        );
        assert_eq!(of("/api/v1/contacts/segments/s1/unsubscribes"), None);
        assert!(is_contacts_path("/api/v1/contacts/"));
        assert!(!is_contacts_path("/api/v1/contactsx"));
    }
}
