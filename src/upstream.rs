//! The real Gately API behind the mock in proxy mode (`serve --upstream`, D31) and the
//! target of `replay`: one HTTP client, plain or TLS (rustls, the system's roots plus
//! `--upstream-ca`), that sends a request as it came and gives back the whole answer, or
//! says why there is none ([`SendError`]). It never waits longer than its timeout.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{ACCEPT_ENCODING, CONTENT_LENGTH, HOST, HeaderMap, HeaderName};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::api::ApiError;

/// How long one exchange with the upstream may take unless told (`--upstream-timeout`).
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest answer taken from the upstream: a larger one is a 502.
const MAX_ANSWER: usize = 64 << 20;

/// How the upstream is reached, typed (`--upstream`, `--upstream-ca`, `--upstream-timeout`).
#[derive(Clone, Debug, PartialEq)]
pub struct UpstreamOptions {
    /// The base URL: `https://staging.gately.example`, optionally with a path prefix.
    pub url: String,
    /// A PEM file of certificates to trust besides the system's (a private CA).
    pub ca: Option<PathBuf>,
    /// How long one exchange with the upstream may take, connecting included.
    pub timeout: Duration,
}

/// Why the upstream cannot be used: start-up stops with this line.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The URL is not an absolute `http://` or `https://` URL.
    #[error(
        "--upstream {url}: {reason}; give an absolute http:// or https:// URL, e.g. https://staging.gately.example"
    )]
    Url {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The CA file cannot be read or holds no certificate.
    #[error("--upstream-ca {}: {reason}", path.display())]
    Ca {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// Why the upstream gave no answer.
#[derive(Debug)]
pub(crate) enum SendError {
    /// It cannot be reached, or its answer broke off.
    Unreachable {
        /// The upstream's base URL.
        upstream: String,
        /// Why, as the connection said.
        reason: String,
    },
    /// It did not answer within the timeout.
    Timeout {
        /// The upstream's base URL.
        upstream: String,
        /// The timeout.
        timeout: Duration,
    },
}

/// Proxy mode answers a failed send with its problem: 502 or 504 (D31).
impl From<SendError> for ApiError {
    fn from(failure: SendError) -> Self {
        match failure {
            SendError::Unreachable { upstream, reason } => {
                ApiError::UpstreamUnreachable { upstream, reason }
            }
            SendError::Timeout { upstream, timeout } => ApiError::UpstreamTimeout {
                upstream,
                timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
            },
        }
    }
}

/// A request on its way to the upstream.
#[derive(Debug)]
pub(crate) struct Outgoing {
    /// The method.
    pub(crate) method: Method,
    /// The path, from `/api/…`.
    pub(crate) path: String,
    /// The raw query string, if any.
    pub(crate) query: Option<String>,
    /// The client's headers; those of its connection are left out when it is sent.
    pub(crate) headers: HeaderMap,
    /// The body.
    pub(crate) body: Bytes,
}

/// An answer of the upstream, read whole.
#[derive(Debug)]
pub(crate) struct Answered {
    /// Its status.
    pub(crate) status: StatusCode,
    /// Its headers, less those of the connection (`Connection`, `Transfer-Encoding`, …).
    pub(crate) headers: HeaderMap,
    /// Its body.
    pub(crate) body: Bytes,
}

/// The upstream: its base URL and a client that keeps connections to it open.
#[derive(Debug)]
pub(crate) struct Upstream {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    /// `https://host:port`, as given.
    origin: String,
    /// The path prefix, without a trailing `/` (often empty).
    prefix: String,
    timeout: Duration,
}

impl Upstream {
    /// A client for the upstream `options` names; it connects on the first request.
    pub(crate) fn new(options: &UpstreamOptions) -> Result<Self, UpstreamError> {
        let bad = |reason: &str| UpstreamError::Url {
            url: options.url.clone(),
            reason: reason.to_owned(),
        };
        let uri: Uri = options.url.parse().map_err(|_| bad("not a URL"))?;
        let scheme = uri.scheme_str().ok_or_else(|| bad("no scheme"))?;
        if scheme != "http" && scheme != "https" {
            return Err(bad("the scheme is neither http nor https"));
        }
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        // Credentials in the URL would be printed in every message that names it.
        if authority.as_str().contains('@') {
            return Err(bad(
                "a user name or password in the URL is not taken; the API's key goes in its requests",
            ));
        }
        if uri.query().is_some() {
            return Err(bad("a base URL takes no query"));
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config(options.ca.as_deref())?)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            origin: format!("{scheme}://{authority}"),
            prefix: uri.path().trim_end_matches('/').to_owned(),
            timeout: options.timeout,
        })
    }

    /// The base URL, for messages.
    pub(crate) fn url(&self) -> String {
        format!("{}{}", self.origin, self.prefix)
    }

    /// Sends `outgoing` to the upstream and reads its answer whole; fails when it cannot
    /// be reached or breaks off, or when the whole exchange takes longer than the timeout.
    pub(crate) async fn send(&self, outgoing: Outgoing) -> Result<Answered, SendError> {
        let Outgoing {
            method,
            path,
            query,
            headers,
            body,
        } = outgoing;
        let target = match query {
            Some(query) => format!("{}{}{path}?{query}", self.origin, self.prefix),
            None => format!("{}{}{path}", self.origin, self.prefix),
        };
        let unreachable = |reason: String| SendError::Unreachable {
            upstream: self.url(),
            reason,
        };
        let mut request = Request::builder()
            .method(method)
            .uri(target)
            .body(Full::new(body))
            .map_err(|err| unreachable(format!("the request cannot be sent on: {err}")))?;
        *request.headers_mut() = forwarded(headers);
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|err| unreachable(reasons(&err)))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_ANSWER)
                .collect()
                .await
                .map_err(|err| unreachable(format!("its answer broke off: {}", reasons(&*err))))?
                .to_bytes();
            Ok(Answered {
                status: parts.status,
                headers: without_hop_by_hop(parts.headers),
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(SendError::Timeout {
                    upstream: self.url(),
                    timeout: self.timeout,
                })
            })
    }
}

/// The TLS settings: the system's roots, and those of `ca`.
fn tls_config(ca: Option<&Path>) -> Result<rustls::ClientConfig, UpstreamError> {
    let mut roots = rustls::RootCertStore::empty();
    // A system without a certificate store still reaches an upstream of `--upstream-ca`.
    let (_, _) = roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = ca {
        let fail = |reason: String| UpstreamError::Ca {
            path: path.to_owned(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|err| fail(format!("cannot be read: {err}")))?;
        let certificates = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| fail(format!("not PEM: {err}")))?;
        if certificates.is_empty() {
            return Err(fail("holds no PEM certificate".to_owned()));
        }
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|err| fail(format!("a certificate cannot be used: {err}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// The headers of a connection, not of a message (RFC 9110 §7.6.1), and the length, which
/// the client sets from the body it sends.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// `headers` without those of the connection.
fn without_hop_by_hop(mut headers: HeaderMap) -> HeaderMap {
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    headers
}

/// What goes to the upstream of a client's `headers`: the message's own, without `Host`
/// (the upstream's is set from its URL) and without `Accept-Encoding`, so that answers
/// come uncompressed and can be judged.
fn forwarded(headers: HeaderMap) -> HeaderMap {
    let mut headers = without_hop_by_hop(headers);
    for name in [HOST, ACCEPT_ENCODING, CONTENT_LENGTH] {
        headers.remove::<HeaderName>(name);
    }
    headers
}

/// `err` and its causes, outermost first: "client error (Connect): tcp connect error:
/// Connection refused (os error 111)".
fn reasons(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(url: &str) -> UpstreamOptions {
        UpstreamOptions {
            url: url.to_owned(),
            ca: None,
            timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn a_base_url_keeps_its_path_prefix_without_the_trailing_slash() {
        let upstream = Upstream::new(&options("https://staging.example:8443/gately/")).unwrap();
        assert_eq!(upstream.url(), "https://staging.example:8443/gately");
    }

    #[test]
    fn a_url_that_is_not_http_is_refused_naming_the_flag() {
        for url in [
            "staging.example",
            "ftp://staging.example",
            "https://h/?x=1",
            "https://user:secret@staging.example",
            "",
        ] {
            let err = Upstream::new(&options(url)).unwrap_err().to_string();
            assert!(err.starts_with(&format!("--upstream {url}: ")), "{err}");
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "not a certificate\n").unwrap();
        let err = Upstream::new(&UpstreamOptions {
            ca: Some(file.path().to_owned()),
            ..options("https://staging.example")
        })
        .unwrap_err()
        .to_string();
        assert!(err.ends_with("holds no PEM certificate"), "{err}");
    }

    #[test]
    fn connection_headers_and_compression_are_not_forwarded() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("connection", "keep-alive"),
            ("host", "127.0.0.1:4010"),
            ("accept-encoding", "gzip"),
            ("content-length", "3"),
            ("authorization", "Bearer k"),
        ] {
            headers.insert(
                HeaderName::from_static(name),
                value.parse().expect("a header value"),
            );
        }
        let sent = forwarded(headers);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent["authorization"], "Bearer k");
    }
}
