//! The bare baseline of the load benchmark (`benches/load.sh`): hyper 1.x, the body parsed
//! to a `serde_json::Value`, a small JSON contact answered. Nothing else: no routing, no
//! validation, no state, no journal. What gately-mock is measured against.
//!
//! The contact is the seed PATCH's answer as gately-mock sends it (809 bytes, the D12
//! shape; `snapshots/patch__seed_example_response.snap`), so that both servers send the
//! same bytes and the comparison measures what the mock does, not what the contract asks
//! it to send.
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

const CONTACT: &[u8] = br##"{"id":"a1b2c3d4-e5f6-4789-abcd-ef1234567890","project_id":"3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73","name":"Jane Smith","email":"jane@example.com","phone":"+1 415 555 0101","mobile":null,"company":"Acme Corp","status":"inactive","notes":"Churned after trial","first_name":"Jane","last_name":"Smith","city":"San Francisco","state":"CA","zip":"94107","country":"US","custom_fields":{"plan":"pro","source":"webinar"},"tags":[{"id":"e62e5128-b863-4b24-b098-1853dbe6ccc9","name":"VIP","color":"#ff6600","created_at":"2025-01-10T09:00:00.000Z"},{"id":"5d9e5080-6a91-462b-8a91-e13bb106a302","name":"Newsletter","color":"#0066ff","created_at":"2025-01-10T09:00:00.000Z"}],"unsubscribed":false,"last_contacted_at":"2025-06-15T14:30:00.000Z","created_at":"2025-03-02T10:15:00.000Z","updated_at":"2025-06-15T14:30:00.000Z"}"##;

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
