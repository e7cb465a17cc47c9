//! The bare baseline of the load benchmark (`benches/load.sh`): hyper 1.x, the body parsed
//! to a `serde_json::Value`, a small JSON contact answered. Nothing else: no routing, no
//! validation, no state, no journal. What gately-mock is measured against.
//!
//! `cargo run --release --example baseline -- [PORT]` prints `listening on http://…`.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const CONTACT: &[u8] = br#"{"id":"a1b2c3d4-e5f6-4789-abcd-ef1234567890","name":"Jane Smith","email":"jane@example.com","status":"inactive","notes":"Churned after trial","last_contacted_at":"2025-06-15T14:30:00.000Z","updated_at":"2025-06-15T14:30:00.000Z"}"#;

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&body);
    let status = if parsed.is_ok() || body.is_empty() {
        200
    } else {
        400
    };
    let mut response = Response::new(Full::new(Bytes::from_static(CONTACT)));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(answer))
                .await;
        });
    }
}
