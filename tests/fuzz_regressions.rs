//! Every input the fuzz targets keep (the seed corpus under `fuzz/corpus/` and each crash
//! found, kept under `fuzz/regressions/`) replayed through the same code the targets drive,
//! on every test run: see README, "Reliability".

use std::path::Path;

use gately_mock::internals::{
    AppState, ContactPatch, FixtureSet, FixtureSource, InPlace, Options, SchemaRegistry,
    ServeConfig, Timestamp, fuzz_request, respond,
};
use serde_json::Value;
use uuid::Uuid;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut inputs = Vec::new();
    for folder in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder).join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                inputs.push((
                    format!("{folder}/{target}/{name}"),
                    std::fs::read(entry.path()).unwrap(),
                ));
            }
        }
    }
    inputs.sort();
    inputs
}

#[test]
fn every_kept_request_path_input_is_answered_without_a_server_error() {
    let options = Options {
        journal_limit: 100,
        ..Options::default()
    };
    let state = AppState::new(ServeConfig::load(options).unwrap());
    let time = Timestamp::parse("2025-06-15T14:30:00.000Z").unwrap();
    let inputs = inputs("request_path");
    assert!(inputs.len() >= 10, "the seed corpus is there");

    for (name, data) in inputs {
        let request = fuzz_request(&data, time);
        let mut reply = respond(&state, &request);
        assert!(reply.status.as_u16() < 500, "{name}: {}", reply.status);
        let _ = state.record(request, &mut reply, std::time::Duration::ZERO);
    }
}

/// The fuzz target records every answer it gets; an admin answer recorded in the journal
/// would be copied into the next page of the journal (or its stream), doubling it each time
/// (fuzz/regressions/request_path/oom-admin-stream-recorded ran out of memory). The server
/// records API exchanges only, and so does the in-process path.
#[test]
fn in_process_admin_answers_are_not_recorded() {
    let state = AppState::new(ServeConfig::load(Options::default()).unwrap());
    let time = Timestamp::parse("2025-06-15T14:30:00.000Z").unwrap();
    let stream = b"\x00/__admin/requests/stream?verdict=ok\nlast-event-id: 5\n\n";
    let api = b"\x00/api/v1/contacts/tags\nauthorization: Bearer gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0\n\n";
    for data in [&stream[..], &api[..], &stream[..], &stream[..]] {
        let request = fuzz_request(data, time);
        let mut reply = respond(&state, &request);
        let _ = state.record(request, &mut reply, std::time::Duration::ZERO);
    }

    let listing = respond(&state, &fuzz_request(b"\x00/__admin/requests\n\n", time));
    let page: Value = serde_json::from_slice(&listing.body).unwrap();
    let paths: Vec<&str> = page["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|exchange| exchange["request"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/api/v1/contacts/tags"]);
}

#[test]
fn every_kept_patch_applier_input_applies_or_is_refused_without_panicking() {
    let schemas = SchemaRegistry::compile().unwrap();
    let fixtures = FixtureSet::load(&FixtureSource::Embedded, &schemas).unwrap();
    let project: Uuid = "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73".parse().unwrap();
    let jane: Uuid = "a1b2c3d4-e5f6-4789-abcd-ef1234567890".parse().unwrap();
    let now = Timestamp::parse("2025-06-15T14:30:00.000Z").unwrap();
    let inputs = inputs("patch_applier");
    assert!(inputs.len() >= 5, "the seed corpus is there");

    for (_, data) in inputs {
        let Some(body) = std::str::from_utf8(&data)
            .ok()
            .and_then(|text| InPlace::parse(text).ok())
        else {
            continue;
        };
        let Ok(patch) = ContactPatch::from_body(&body) else {
            continue;
        };
        let mut store = fixtures.store();
        if let Ok(view) = store.patch_contact(project, jane, patch, now) {
            let mut written = Vec::new();
            view.write_json(&mut written);
            serde_json::from_slice::<Value>(&written).expect("a contact is written as valid JSON");
        }
    }
}
