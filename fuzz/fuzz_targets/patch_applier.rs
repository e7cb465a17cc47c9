//! The patch applier on its own: any JSON document read in place, read as a patch (no schema in front of
//! it) and applied to Jane Smith, must not panic; what the reader refuses is refused.
#![no_main]

use gately_mock::internals::{
    ContactPatch, FixtureSet, FixtureSource, InPlace, SchemaRegistry, Timestamp,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use uuid::Uuid;

fuzz_target!(|data: &[u8]| {
    let Some(body) = std::str::from_utf8(data).ok().and_then(|text| InPlace::parse(text).ok()) else { return };
    let Ok(patch) = ContactPatch::from_body(&body) else { return };
    let schemas = SchemaRegistry::compile().expect("the embedded schemas compile");
    let fixtures = FixtureSet::load(&FixtureSource::Embedded, &schemas).expect("the embedded fixtures load");
    let mut store = fixtures.store();
    let project: Uuid = "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73".parse().expect("a UUID");
    let jane: Uuid = "a1b2c3d4-e5f6-4789-abcd-ef1234567890".parse().expect("a UUID");
    let now = Timestamp::parse("2025-06-15T14:30:00.000Z").expect("a valid timestamp");
    if let Ok(view) = store.patch_contact(project, jane, patch, now) {
        let mut written = Vec::new();
        view.write_json(&mut written);
        serde_json::from_slice::<Value>(&written).expect("a contact is written as valid JSON");
    }
});
