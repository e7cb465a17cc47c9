//! Upstreams for proxy and replay tests: a small fake that answers drifted bodies, over
//! plain HTTP or HTTPS with a self-signed certificate made in the test.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::TempDir;

const JANE: &str = "a1b2c3d4-e5f6-4789-abcd-ef1234567890";

/// What the drifting fake answers: a contact whose `status` is not one of the documented
/// values and whose tags are strings, and a 400 for any PATCH.
pub fn drifted(method: &str, path: &str) -> (u16, Value) {
    match (method, path) {
        ("PATCH", _) => (400, json!({"error": "bad request"})),
        (_, path) if path.starts_with("/api/v1/contacts/") => (
            200,
            json!({"id": JANE, "name": "Jane Smith", "email": "jane@example.com", "status": "deleted", "tags": ["VIP"]}),
        ),
        _ => (404, json!({"error": "not found"})),
    }
}

/// A fake upstream on a free port answering as `answer` says: plain HTTP, or HTTPS with
/// `tls`. Answers `http://127.0.0.1:PORT` or `https://localhost:PORT`.
pub async fn fake_upstream(
    answer: fn(&str, &str) -> (u16, Value),
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = match tls {
        Some(_) => format!("https://localhost:{port}"),
        None => format!("http://127.0.0.1:{port}"),
    };
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let tls = tls.clone();
            tokio::spawn(async move {
                let service = service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| async move {
                        let (status, body) =
                            answer(request.method().as_str(), request.uri().path());
                        let saw_encoding = request
                            .headers()
                            .get("accept-encoding")
                            .map_or("none", |value| value.to_str().unwrap_or("?"))
                            .to_owned();
                        // A real API's CORS names its own origins.
                        hyper::Response::builder()
                            .status(status)
                            .header("content-type", "application/json")
                            .header("access-control-allow-origin", "https://app.gately.example")
                            .header("vary", "Origin")
                            .header("x-saw-accept-encoding", saw_encoding)
                            .body(Full::new(Bytes::from(body.to_string())))
                    },
                );
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                    }
                    None => {
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                }
            });
        }
    });
    url
}

/// A self-signed certificate for `localhost`: the acceptor that serves with it, and its
/// PEM file.
pub fn self_signed(dir: &TempDir) -> (tokio_rustls::TlsAcceptor, std::path::PathBuf) {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key)
    .unwrap();
    let pem = dir.0.join("upstream-ca.pem");
    std::fs::write(&pem, certified.cert.pem()).unwrap();
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), pem)
}
