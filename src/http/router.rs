//! Which documented route a path names.

use hyper::Method;

/// A route of the mock, with its path parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// `/api/v1/contacts/{contactId}`
    Contact {
        /// The raw `contactId` segment.
        id: &'a str,
    },
}

const CONTACTS: &str = "/api/v1/contacts/";

/// The route of `path`, if the mock serves it.
pub fn route(path: &str) -> Option<Route<'_>> {
    let rest = path.strip_prefix(CONTACTS)?;
    (!rest.is_empty() && !rest.contains('/')).then_some(Route::Contact { id: rest })
}

impl Route<'_> {
    /// The `Allow` header of the route (405, preflight).
    pub fn allow(&self) -> &'static str {
        match self {
            Route::Contact { .. } => "GET, PATCH, OPTIONS",
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
    fn other_paths_are_not_routes() {
        for path in [
            "/",
            "/api/v1/contacts/",
            "/api/v1/contacts/a/b",
            "/api/v2/contacts/a",
        ] {
            assert_eq!(route(path), None, "{path}");
        }
    }
}
