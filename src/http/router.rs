//! Which documented route a path names.

use hyper::Method;

/// A route of the mock, with its path parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// `/api/v1/contacts`: list and create.
    Contacts,
    /// `/api/v1/contacts/{contactId}`
    Contact {
        /// The raw `contactId` segment.
        id: &'a str,
    },
    /// `/api/v1/contacts/bulk-import`
    BulkImport,
    /// `/api/v1/contacts/tags`
    Tags,
    /// `/api/v1/contacts/tags/{tagId}`
    Tag {
        /// The raw `tagId` segment.
        id: &'a str,
    },
    /// `/api/v1/contacts/contact-tags`: a tag attached to (POST) or detached from (DELETE)
    /// a contact.
    ContactTags,
    /// `/api/v1/contacts/{contactId}/unsubscribes` (D21)
    Unsubscribes {
        /// The raw `contactId` segment.
        id: &'a str,
    },
    /// `/api/v1/contacts/{contactId}/custom-fields` (D18, the mock's path)
    CustomFields {
        /// The raw `contactId` segment.
        id: &'a str,
    },
    /// `/__admin/requests`: the journal.
    AdminRequests,
    /// `/__admin/requests.har`: the journal as HAR 1.2.
    AdminRequestsHar,
    /// `/__admin/reset`: back to the fixtures.
    AdminReset,
    /// `/__admin/health`
    AdminHealth,
    /// `/__admin/openapi.json`
    AdminOpenapi,
}

/// The prefix of every contacts route.
pub const CONTACTS: &str = "/api/v1/contacts";
/// Words under `/api/v1/contacts/` that name documented routes, never a contact (the
/// mock does not serve them yet: they are not taken for a `contactId`).
pub const STATIC_WORDS: [&str; 2] = ["lists", "segments"];
/// The prefix of the admin routes: never recorded, no key needed.
pub const ADMIN: &str = "/__admin/";

/// The route of `path`, if the mock serves it.
pub fn route(path: &str) -> Option<Route<'_>> {
    if let Some(admin) = path.strip_prefix(ADMIN) {
        return match admin {
            "requests" => Some(Route::AdminRequests),
            "requests.har" => Some(Route::AdminRequestsHar),
            "reset" => Some(Route::AdminReset),
            "health" => Some(Route::AdminHealth),
            "openapi.json" => Some(Route::AdminOpenapi),
            _ => None,
        };
    }
    let rest = path.strip_prefix(CONTACTS)?;
    if rest.is_empty() {
        return Some(Route::Contacts);
    }
    let rest = rest.strip_prefix('/')?;
    let (id, sub) = match rest.split_once('/') {
        Some((id, sub)) => (id, Some(sub)),
        None => (rest, None),
    };
    match (id, sub) {
        ("bulk-import", None) => return Some(Route::BulkImport),
        ("contact-tags", None) => return Some(Route::ContactTags),
        ("contact-tags", Some(_)) => return None,
        _ => {}
    }
    if id == "tags" {
        return match sub {
            None => Some(Route::Tags),
            Some(tag) if !tag.is_empty() && !tag.contains('/') => Some(Route::Tag { id: tag }),
            Some(_) => None,
        };
    }
    if id.is_empty() || STATIC_WORDS.contains(&id) {
        return None;
    }
    match sub {
        None => Some(Route::Contact { id }),
        Some("unsubscribes") => Some(Route::Unsubscribes { id }),
        Some("custom-fields") => Some(Route::CustomFields { id }),
        Some(_) => None,
    }
}

/// Whether `path` is under `/__admin/` (served or not): such traffic is not recorded.
pub fn is_admin(path: &str) -> bool {
    path.starts_with(ADMIN)
}

impl Route<'_> {
    /// The route's path template, as reports name it.
    pub fn template(&self) -> &'static str {
        match self {
            Route::Contacts => "/api/v1/contacts",
            Route::Contact { .. } => "/api/v1/contacts/{contactId}",
            Route::Unsubscribes { .. } => "/api/v1/contacts/{contactId}/unsubscribes",
            Route::CustomFields { .. } => "/api/v1/contacts/{contactId}/custom-fields",
            Route::BulkImport => "/api/v1/contacts/bulk-import",
            Route::Tags => "/api/v1/contacts/tags",
            Route::Tag { .. } => "/api/v1/contacts/tags/{tagId}",
            Route::ContactTags => "/api/v1/contacts/contact-tags",
            Route::AdminRequests => "/__admin/requests",
            Route::AdminRequestsHar => "/__admin/requests.har",
            Route::AdminReset => "/__admin/reset",
            Route::AdminHealth => "/__admin/health",
            Route::AdminOpenapi => "/__admin/openapi.json",
        }
    }

    /// The `Allow` header of the route (405, preflight).
    pub fn allow(&self) -> &'static str {
        match self {
            Route::Contacts => "GET, POST, OPTIONS",
            Route::Contact { .. } => "GET, PATCH, DELETE, OPTIONS",
            Route::Unsubscribes { .. } => "GET, POST, DELETE, OPTIONS",
            Route::CustomFields { .. } => "GET, PATCH, OPTIONS",
            Route::Tags => "GET, POST, OPTIONS",
            Route::BulkImport => "POST, OPTIONS",
            Route::Tag { .. } => "PUT, DELETE, OPTIONS",
            Route::ContactTags => "POST, DELETE, OPTIONS",
            Route::AdminRequests => "GET, DELETE, OPTIONS",
            Route::AdminRequestsHar | Route::AdminHealth | Route::AdminOpenapi => "GET, OPTIONS",
            Route::AdminReset => "POST, OPTIONS",
        }
    }

    /// The statuses the contract documents for `method` on this route: the ones
    /// `Prefer: code=` may ask for (D15).
    pub fn documented_statuses(&self, method: &Method) -> &'static [u16] {
        match (self, method) {
            (Route::Contact { .. }, &Method::PATCH) => {
                &[200, 400, 401, 403, 404, 409, 413, 415, 422]
            }
            (Route::Contact { .. }, _) => &[200, 400, 401, 403, 404],
            (Route::Contacts, &Method::POST) => &[201, 400, 401, 403, 409, 413, 415, 422],
            (Route::Contacts, _) => &[200, 400, 401, 403, 422],
            (Route::Unsubscribes { .. }, &Method::POST) => {
                &[201, 400, 401, 403, 404, 413, 415, 422]
            }
            (Route::CustomFields { .. }, &Method::PATCH) => {
                &[200, 400, 401, 403, 404, 413, 415, 422]
            }
            (Route::Unsubscribes { .. } | Route::CustomFields { .. }, _) => {
                &[200, 400, 401, 403, 404]
            }
            (Route::BulkImport, _) => &[200, 400, 401, 403, 413, 415, 422],
            (Route::Tags, &Method::POST) => &[201, 400, 401, 403, 409, 413, 415, 422],
            (Route::Tags, _) => &[200, 400, 401, 403],
            (Route::Tag { .. }, &Method::PUT) => &[200, 400, 401, 403, 404, 409, 413, 415, 422],
            (Route::Tag { .. }, _) => &[200, 400, 401, 403, 404],
            (Route::ContactTags, &Method::POST) => &[200, 201, 400, 401, 403, 404, 413, 415, 422],
            (Route::ContactTags, _) => &[200, 400, 401, 403, 404],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_path_names_its_id() {
        assert_eq!(
            route("/api/v1/contacts/abc"),
            Some(Route::Contact { id: "abc" })
        );
    }

    #[test]
    fn tags_win_over_a_contact_id() {
        assert_eq!(route("/api/v1/contacts/tags"), Some(Route::Tags));
        assert_eq!(
            route("/api/v1/contacts/tags/t1"),
            Some(Route::Tag { id: "t1" })
        );
        assert_eq!(
            route("/api/v1/contacts/contact-tags"),
            Some(Route::ContactTags)
        );
        assert_eq!(route("/api/v1/contacts/contact-tags/unsubscribes"), None);
    }

    #[test]
    fn sub_resources_name_their_contact() {
        assert_eq!(
            route("/api/v1/contacts/x/unsubscribes"),
            Some(Route::Unsubscribes { id: "x" })
        );
        assert_eq!(
            route("/api/v1/contacts/x/custom-fields"),
            Some(Route::CustomFields { id: "x" })
        );
        assert_eq!(route("/api/v1/contacts/x/lists"), None);
    }

    #[test]
    fn the_collection_is_a_route_of_its_own() {
        assert_eq!(route("/api/v1/contacts"), Some(Route::Contacts));
    }

    #[test]
    fn admin_paths_are_routes_of_their_own() {
        assert_eq!(route("/__admin/requests"), Some(Route::AdminRequests));
        assert_eq!(
            route("/__admin/requests.har"),
            Some(Route::AdminRequestsHar)
        );
        assert_eq!(route("/__admin/nope"), None);
        assert!(is_admin("/__admin/nope"));
    }

    #[test]
    fn other_paths_are_not_routes() {
        for path in [
            "/",
            "/api/v1/contacts/",
            "/api/v1/contacts/a/b",
            "/api/v2/contacts/a",
            "/api/v1/contacts/bulk-import/x",
            "/api/v1/contacts/lists",
            "/api/v1/contacts/tags/a/b",
            "/api/v1/contactsx",
        ] {
            assert_eq!(route(path), None, "{path}");
        }
    }
}
