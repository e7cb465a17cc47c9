//! Micro-benchmarks of the request path's pieces (divan): `cargo bench --bench request_path`.
//! The seed's PATCH on Jane Smith throughout; see BENCHMARKS.md for figures.

use bytes::Bytes;
use divan::Bencher;
use gately_mock::internals::{
    AppState, ContactPatch, FixtureSet, FixtureSource, InPlace, Options, RecordedRequest,
    SchemaRegistry, ServeConfig, Strictness, Timestamp, respond,
};
use hyper::Method;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::Value;
use uuid::Uuid;

const SEED_BODY: &[u8] = br#"{"status":"inactive","notes":"Churned after trial"}"#;
const INVALID_BODY: &[u8] = br#"{"statsu":"inactive","email":"jane@","tags":["VIP","VIP"]}"#;
const JANE: &str = "a1b2c3d4-e5f6-4789-abcd-ef1234567890";
const ACME: &str = "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73";

fn main() {
    divan::main();
}

fn state() -> AppState {
    let options = Options {
        frozen_time: Some(Timestamp::parse("2025-06-15T14:30:00.000Z").expect("a valid instant")),
        ..Options::default()
    };
    AppState::new(ServeConfig::load(options).expect("the default configuration loads"))
}

fn seed_patch() -> RecordedRequest {
    seed_patch_with("gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0")
}

/// The seed's PATCH, with `key`.
fn seed_patch_with(key: &str) -> RecordedRequest {
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {key}")).expect("a key is ASCII"),
    );
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    RecordedRequest::new(
        Method::PATCH,
        &format!("/api/v1/contacts/{JANE}"),
        headers,
        Bytes::from_static(SEED_BODY),
        Timestamp::parse("2025-06-15T14:30:00.000Z").expect("a valid timestamp"),
    )
}

/// Parsing the body and checking it against `schemas/contact-patch.json`.
#[divan::bench(args = [SEED_BODY, INVALID_BODY])]
fn validate(bencher: Bencher, body: &[u8]) {
    let schemas = SchemaRegistry::compile().unwrap();
    bencher.bench(|| {
        let value: Value = serde_json::from_slice(divan::black_box(body)).unwrap();
        schemas.contact_patch.check(&value, Strictness::Strict)
    });
}

/// Applying a checked patch to the store (no serialisation).
#[divan::bench]
fn apply(bencher: Bencher) {
    let schemas = SchemaRegistry::compile().unwrap();
    let fixtures = FixtureSet::load(&FixtureSource::Embedded, &schemas).unwrap();
    let mut store = fixtures.store();
    let body = InPlace::parse(std::str::from_utf8(SEED_BODY).unwrap()).unwrap();
    let (project, id): (Uuid, Uuid) = (ACME.parse().unwrap(), JANE.parse().unwrap());
    let now = Timestamp::parse("2025-06-15T14:30:00.000Z").unwrap();
    bencher
        .with_inputs(|| ContactPatch::from_body(&body).unwrap())
        .bench_local_values(|patch| store.patch_contact(project, id, patch, now).is_ok());
}

/// Writing the contact as the response body, as most answers do: unchanged since it was
/// last sent, so copied from the JSON kept with it.
#[divan::bench]
fn serialise(bencher: Bencher) {
    let schemas = SchemaRegistry::compile().unwrap();
    let fixtures = FixtureSet::load(&FixtureSource::Embedded, &schemas).unwrap();
    let store = fixtures.store();
    let (project, id): (Uuid, Uuid) = (ACME.parse().unwrap(), JANE.parse().unwrap());
    bencher.bench_local(|| {
        let mut body = Vec::with_capacity(1024);
        store.contact(project, id).unwrap().write_json(&mut body);
        body
    });
}

/// Writing the contact as the response body the first time after a change: written field
/// by field, and kept.
#[divan::bench]
fn serialise_changed(bencher: Bencher) {
    let schemas = SchemaRegistry::compile().unwrap();
    let fixtures = FixtureSet::load(&FixtureSource::Embedded, &schemas).unwrap();
    let (project, id): (Uuid, Uuid) = (ACME.parse().unwrap(), JANE.parse().unwrap());
    bencher
        .with_inputs(|| fixtures.store())
        .bench_local_values(|store| {
            let mut body = Vec::with_capacity(1024);
            store.contact(project, id).unwrap().write_json(&mut body);
            (body, store)
        });
}

/// Recording an answered exchange in the journal (its JSON written once).
#[divan::bench]
fn record(bencher: Bencher) {
    let state = state();
    let request = seed_patch();
    let reply = respond(&state, &request);
    bencher
        .with_inputs(|| (request.clone(), reply.clone()))
        .bench_local_values(|(request, mut reply)| {
            let _ = state.record(request, &mut reply, std::time::Duration::ZERO);
        });
}

/// The whole synchronous path: dispatch, validate, apply, serialise, then record.
#[divan::bench]
fn whole_request(bencher: Bencher) {
    let state = state();
    bencher
        .with_inputs(seed_patch)
        .bench_local_values(|request| {
            let mut reply = respond(&state, &request);
            let _ = state.record(request, &mut reply, std::time::Duration::ZERO);
        });
}

/// An admin request, in process.
fn admin(method: Method, path: &str, state: &AppState) -> Value {
    let request = RecordedRequest::new(
        method,
        path,
        HeaderMap::new(),
        Bytes::new(),
        Timestamp::parse("2025-06-15T14:30:00.000Z").expect("a valid timestamp"),
    );
    serde_json::from_slice(&respond(state, &request).body).expect("admin answers are JSON")
}

/// Making a workspace of the built-in fixtures (`POST /__admin/workspaces`, in process),
/// then ending it (`DELETE`): an upper bound of what making one costs.
#[divan::bench]
fn create_and_delete_workspace(bencher: Bencher) {
    let state = state();
    bencher.bench_local(|| {
        let made = admin(Method::POST, "/__admin/workspaces", &state);
        let id = made["id"].as_str().expect("a workspace has an id");
        admin(Method::DELETE, &format!("/__admin/workspaces/{id}"), &state)
    });
}

/// The whole synchronous path, as `whole_request`, spread round robin over `live`
/// workspaces' keys (0: the fixture key, no workspace made). No journal drops an entry in
/// the 20 000 iterations, so that each variant does the same work.
#[divan::bench(args = [0, 1, 100], sample_count = 1000, sample_size = 20)]
fn whole_request_in_workspaces(bencher: Bencher, live: usize) {
    let options = Options {
        frozen_time: Some(Timestamp::parse("2025-06-15T14:30:00.000Z").expect("a valid instant")),
        journal_limit: 100_000,
        ..Options::default()
    };
    let state = AppState::new(ServeConfig::load(options).expect("the configuration loads"));
    let keys: Vec<String> = (0..live)
        .map(|_| {
            let made = admin(Method::POST, "/__admin/workspaces", &state);
            made["api_key"]
                .as_str()
                .expect("a workspace has a key")
                .to_owned()
        })
        .collect();
    let mut next = 0;
    bencher
        .with_inputs(|| {
            next += 1;
            match keys.len() {
                0 => seed_patch(),
                count => seed_patch_with(&keys[next % count]),
            }
        })
        .bench_local_values(|request| {
            let mut reply = respond(&state, &request);
            let _ = state.record(request, &mut reply, std::time::Duration::ZERO);
        });
}

/// The whole synchronous path, as `whole_request`, under a fault plan: none, a rate limit
/// the seed PATCH never exhausts (a bucket per key, `X-RateLimit-*` on every answer), and a
/// latency rule drawn on every request (in process the delay is drawn, not waited).
#[divan::bench(args = ["none", "rate_limit", "latency"])]
fn whole_request_with_faults(bencher: Bencher, plan: &str) {
    let state = state();
    let rules = match plan {
        "rate_limit" => r#"[{"fault":"rate_limit","limit":1000000,"window_ms":1}]"#,
        "latency" => r#"[{"fault":"latency","distribution":"uniform","min_ms":1,"max_ms":9}]"#,
        _ => "[]",
    };
    let put = RecordedRequest::new(
        Method::PUT,
        "/__admin/faults",
        HeaderMap::new(),
        Bytes::from(format!(r#"{{"seed":1,"rules":{rules}}}"#)),
        Timestamp::parse("2025-06-15T14:30:00.000Z").expect("a valid timestamp"),
    );
    assert_eq!(
        respond(&state, &put).status.as_u16(),
        200,
        "the plan is taken"
    );
    bencher
        .with_inputs(seed_patch)
        .bench_local_values(|request| {
            let mut reply = respond(&state, &request);
            let _ = state.record(request, &mut reply, std::time::Duration::ZERO);
        });
}
