//! Properties of the PATCH path, driven in process through `respond` (the same code the
//! server runs): a valid body changes exactly its fields (D8, D9), a refused body changes
//! nothing (D11), and no JSON makes validation panic.

use bytes::Bytes;
use gately_mock::internals::{
    AppState, Options, RecordedRequest, SchemaRegistry, ServeConfig, Strictness, Timestamp, respond,
};
use hyper::Method;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const JANE: &str = "a1b2c3d4-e5f6-4789-abcd-ef1234567890";
const NOW: &str = "2030-01-01T00:00:00.000Z";

fn state() -> AppState {
    let options = Options {
        frozen_time: Some(Timestamp::parse(NOW).unwrap()),
        ..Options::default()
    };
    AppState::new(ServeConfig::load(options).unwrap())
}

fn request(method: Method, body: &[u8]) -> RecordedRequest {
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_static("Bearer gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
    );
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    RecordedRequest::new(
        method,
        &format!("/api/v1/contacts/{JANE}"),
        headers,
        Bytes::copy_from_slice(body),
        Timestamp::parse(NOW).unwrap(),
    )
}

fn jane(state: &AppState) -> Value {
    serde_json::from_slice(&respond(state, &request(Method::GET, b"")).body).unwrap()
}

const STRINGS: [&str; 12] = [
    "phone",
    "mobile",
    "company",
    "notes",
    "first_name",
    "last_name",
    "city",
    "state",
    "zip",
    "country",
    "name",
    "email",
];

/// Valid PATCH bodies: any subset of the documented fields, each with a valid value.
fn valid_body() -> impl Strategy<Value = Map<String, Value>> {
    let text = "[a-zA-Z0-9 ]{1,12}";
    (
        proptest::collection::btree_map(proptest::sample::select(&STRINGS[..10]), text, 0..5),
        proptest::option::of(proptest::sample::select(vec![
            "new", "active", "inactive", "archived",
        ])),
        proptest::option::of(text),
        proptest::option::of("[a-z]{1,8}"),
        proptest::option::of(any::<bool>()),
        proptest::option::of(proptest::collection::btree_map("[a-z]{1,6}", text, 0..3)),
    )
        .prop_map(|(strings, status, name, email, unsubscribed, custom)| {
            let mut body = Map::new();
            for (field, value) in strings {
                body.insert(field.to_owned(), json!(value));
            }
            if let Some(status) = status {
                body.insert("status".into(), json!(status));
            }
            if let Some(name) = name {
                body.insert("name".into(), json!(name));
            }
            if let Some(local) = email {
                body.insert("email".into(), json!(format!("{local}@fresh.example")));
            }
            if let Some(flag) = unsubscribed {
                body.insert("unsubscribed".into(), json!(flag));
            }
            if let Some(custom) = custom {
                body.insert("custom_fields".into(), json!(custom));
            }
            body
        })
}

/// Arbitrary JSON, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    ".{0,8}".boxed(),
                    proptest::sample::select(STRINGS.to_vec())
                        .prop_map(str::to_owned)
                        .boxed()
                ],
                inner,
                0..6
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_valid_patch_changes_exactly_the_fields_sent(body in valid_body()) {
        let state = state();
        let before = jane(&state);

        let reply = respond(&state, &request(Method::PATCH, serde_json::to_string(&body).unwrap().as_bytes()));

        prop_assert_eq!(reply.status.as_u16(), 200);
        let after: Value = serde_json::from_slice(&reply.body).unwrap();
        let mut expected = before.clone();
        for (field, value) in &body {
            expected[field] = value.clone();
        }
        if !body.is_empty() {
            expected["updated_at"] = json!(NOW);
        }
        prop_assert_eq!(&after, &expected);
        prop_assert_eq!(&jane(&state), &after);
    }

    #[test]
    fn a_refused_body_changes_nothing(body in any_json()) {
        let state = state();
        let before = jane(&state);

        let reply = respond(&state, &request(Method::PATCH, serde_json::to_string(&body).unwrap().as_bytes()));

        if reply.status.as_u16() != 200 {
            prop_assert!(reply.status.is_client_error(), "{} for {}", reply.status, body);
            prop_assert_eq!(jane(&state), before);
        }
    }

    #[test]
    fn validation_never_panics(body in any_json()) {
        let schemas = SchemaRegistry::compile().unwrap();
        for strictness in [Strictness::Strict, Strictness::Lenient] {
            let _ = schemas.contact_patch.check(&body, strictness);
            let _ = schemas.contact_create.check(&body, strictness);
        }
    }
}
