//! Authentication and project resolution (D4): which project a request acts on, and
//! whether its key may write.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use crate::fixture::{Access, ApiKey, FixtureSet};

/// What a route needs from the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    /// Reading.
    Read,
    /// Writing.
    Write,
}

/// Why a request may not act.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum AuthError {
    /// No `Authorization` header.
    #[error("send your API key as `Authorization: Bearer <key>`")]
    Missing,
    /// An `Authorization` header that is not `Bearer <token>`.
    #[error("the Authorization header must be `Bearer <key>`")]
    NotBearer,
    /// A token the mock does not know.
    #[error(
        "this API key is not known to the mock: use one from api-keys.json, or one of a live workspace's (a workspace's keys stop working once it is deleted or ends)"
    )]
    UnknownKey,
    /// An account key without `X-Project-ID`.
    #[error("this API key is not bound to a project: name one with the X-Project-ID header")]
    ProjectRequired,
    /// `X-Project-ID` names a project the fixtures do not know (or is not a UUID).
    #[error("project {project:?} is not known to the mock")]
    UnknownProject {
        /// The header's value.
        project: String,
    },
    /// `X-Project-ID` differs from the project the key is bound to.
    #[error(
        "this API key belongs to project {key_project}, not to {header:?} named by X-Project-ID"
    )]
    ProjectMismatch {
        /// The key's project.
        key_project: Uuid,
        /// The header's value.
        header: String,
    },
    /// A read-only key asked to write.
    #[error("this API key is read-only; use a secret key (gately_sk_…) to write")]
    ReadOnly,
}

impl AuthError {
    /// The header at fault, as a D1 pointer.
    pub(crate) fn pointer(&self) -> &'static str {
        match self {
            AuthError::Missing
            | AuthError::NotBearer
            | AuthError::UnknownKey
            | AuthError::ReadOnly => "/headers/authorization",
            AuthError::ProjectRequired
            | AuthError::UnknownProject { .. }
            | AuthError::ProjectMismatch { .. } => "/headers/x-project-id",
        }
    }
}

/// Every key of the fixtures, and every project they, the tags or the contacts name.
#[derive(Clone, Debug, Default)]
pub(crate) struct Keyring {
    /// By key text. A fixture set holds a handful of keys: comparing a few of them costs
    /// less than hashing the 48-byte key of every request, as a `HashMap` would.
    keys: BTreeMap<String, ApiKey>,
    projects: BTreeSet<Uuid>,
}

impl Keyring {
    /// The keys and projects of `fixtures`.
    pub(crate) fn new(fixtures: &FixtureSet) -> Self {
        let projects = fixtures
            .keys
            .iter()
            .filter_map(|key| key.project_id)
            .chain(fixtures.tags.iter().map(|tag| tag.project_id()))
            .chain(fixtures.contacts().iter().map(|contact| contact.project_id))
            .collect();
        let keys = fixtures
            .keys
            .iter()
            .map(|key| (key.key.clone(), key.clone()))
            .collect();
        Self { keys, projects }
    }

    /// The project a request with key `token` (see [`bearer`]) and these header values
    /// acts on, if its key allows `need`.
    pub(crate) fn resolve(
        &self,
        token: &str,
        project_header: Option<&[u8]>,
        need: Need,
    ) -> Result<Uuid, AuthError> {
        let key = self.keys.get(token).ok_or(AuthError::UnknownKey)?;
        let header = project_header.map(|raw| String::from_utf8_lossy(raw).trim().to_owned());
        let project = match (key.project_id, header) {
            (Some(bound), None) => bound,
            (Some(bound), Some(named)) => {
                if named.parse::<Uuid>().ok() != Some(bound) {
                    return Err(AuthError::ProjectMismatch {
                        key_project: bound,
                        header: named,
                    });
                }
                bound
            }
            (None, None) => return Err(AuthError::ProjectRequired),
            (None, Some(named)) => match named.parse::<Uuid>() {
                Ok(project) if self.projects.contains(&project) => project,
                _ => return Err(AuthError::UnknownProject { project: named }),
            },
        };
        if need == Need::Write && key.access == Access::ReadOnly {
            return Err(AuthError::ReadOnly);
        }
        Ok(project)
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC
/// 6750): what can be told of a key without knowing the keys.
pub(crate) fn bearer(authorization: Option<&[u8]>) -> Result<&str, AuthError> {
    let header = authorization.ok_or(AuthError::Missing)?;
    let text = std::str::from_utf8(header)
        .map_err(|_| AuthError::NotBearer)?
        .trim();
    let (scheme, token) = text.split_once(' ').ok_or(AuthError::NotBearer)?;
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() {
        Ok(token)
    } else {
        Err(AuthError::NotBearer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::FixtureSource;
    use crate::schema::SchemaRegistry;

    const ACME: &str = "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73";
    const GLOBEX: &str = "b7e1d9c4-5a2f-4e8b-8d36-91c0f7a2e5d8";
    const SECRET: &str = "Bearer gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    const ACCOUNT: &str = "Bearer gately_sk_test_0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    const PUBLIC: &str = "Bearer gately_pk_test_5e4d3c2b1a0f9e8d7c6b5a4938271605";

    fn keyring() -> Keyring {
        let schemas = SchemaRegistry::compile().unwrap();
        Keyring::new(&FixtureSet::load(&FixtureSource::Embedded, &schemas).unwrap())
    }

    fn authorize(auth: Option<&str>, project: Option<&str>, need: Need) -> Result<Uuid, AuthError> {
        let token = bearer(auth.map(str::as_bytes))?;
        keyring().resolve(token, project.map(str::as_bytes), need)
    }

    #[test]
    fn a_bound_key_needs_no_project_header() {
        assert_eq!(
            authorize(Some(SECRET), None, Need::Write),
            Ok(ACME.parse().unwrap())
        );
        assert_eq!(
            authorize(Some(SECRET), Some(ACME), Need::Write),
            Ok(ACME.parse().unwrap())
        );
    }

    #[test]
    fn a_bound_key_naming_another_project_is_refused() {
        assert!(matches!(
            authorize(Some(SECRET), Some(GLOBEX), Need::Read),
            Err(AuthError::ProjectMismatch { .. })
        ));
    }

    #[test]
    fn an_account_key_needs_a_known_project() {
        assert_eq!(
            authorize(Some(ACCOUNT), None, Need::Read),
            Err(AuthError::ProjectRequired)
        );
        assert_eq!(
            authorize(Some(ACCOUNT), Some(GLOBEX), Need::Read),
            Ok(GLOBEX.parse().unwrap())
        );
        assert!(matches!(
            authorize(
                Some(ACCOUNT),
                Some("11111111-1111-4111-8111-111111111111"),
                Need::Read
            ),
            Err(AuthError::UnknownProject { .. })
        ));
    }

    #[test]
    fn a_read_only_key_reads_but_does_not_write() {
        assert!(authorize(Some(PUBLIC), None, Need::Read).is_ok());
        assert_eq!(
            authorize(Some(PUBLIC), None, Need::Write),
            Err(AuthError::ReadOnly)
        );
    }

    #[test]
    fn odd_authorization_headers_are_told_apart() {
        assert_eq!(authorize(None, None, Need::Read), Err(AuthError::Missing));
        assert_eq!(
            authorize(Some("Basic abc"), None, Need::Read),
            Err(AuthError::NotBearer)
        );
        assert_eq!(
            authorize(Some("Bearer "), None, Need::Read),
            Err(AuthError::NotBearer)
        );
        assert_eq!(
            authorize(Some("bearer nope"), None, Need::Read),
            Err(AuthError::UnknownKey)
        );
    }
}
