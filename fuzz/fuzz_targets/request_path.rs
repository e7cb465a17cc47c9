//! The whole request path, in process: method, target, headers and body into the router,
//! the handlers, the store and the journal (`internals::fuzz_request` reads the input).
#![no_main]

use std::sync::OnceLock;

use gately_mock::internals::{
    AppState, Options, ServeConfig, Timestamp, fuzz_request, respond,
};
use libfuzzer_sys::fuzz_target;

fn state() -> &'static AppState {
    static STATE: OnceLock<AppState> = OnceLock::new();
    STATE.get_or_init(|| {
        let options = Options {
            journal_limit: 100,
            ..Options::default()
        };
        AppState::new(ServeConfig::load(options).expect("the default configuration loads"))
    })
}

fuzz_target!(|data: &[u8]| {
    let state = state();
    let time = Timestamp::parse("2025-06-15T14:30:00.000Z").expect("a valid timestamp");
    let request = fuzz_request(data, time);
    let mut reply = respond(state, &request);
    assert!(reply.status.as_u16() < 500, "a 5xx for input {data:?}");
    let _ = state.record(request, &mut reply, std::time::Duration::ZERO);
});
