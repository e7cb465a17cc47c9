//! Keeping API keys out of everything the mock writes (D17), wherever a client put them:
//! the `Authorization` header, a header or query parameter meant for keys, or a key's text
//! anywhere in a recorded header or query.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// `value` of an `Authorization` header with the secret masked: the scheme and the key's
/// public prefix stay, so a reader still sees which kind of key was used
/// (`Bearer gately_sk_test_…`), and nothing else. The value is bytes, as a header's is; only
/// the scheme is read as text (lossily), since the rest is dropped or a known ASCII prefix.
pub(crate) fn mask_authorization(value: &[u8]) -> String {
    let value = value.trim_ascii();
    let Some(space) = value.iter().position(|&byte| byte == b' ') else {
        return if value.is_empty() {
            String::new()
        } else {
            "…".to_owned()
        };
    };
    let (scheme, credentials) = (&value[..space], &value[space + 1..]);
    let scheme = String::from_utf8_lossy(scheme);
    let prefix = key_prefix(credentials.trim_ascii());
    let mut masked = String::with_capacity(scheme.len() + prefix.len() + 4);
    masked.push_str(&scheme);
    masked.push(' ');
    masked.push_str(prefix);
    masked.push('…');
    masked
}

/// `gately_sk_test_` of `gately_sk_test_<id>`; empty for anything else.
fn key_prefix(token: &[u8]) -> &'static str {
    const PREFIXES: [&str; 4] = [
        "gately_sk_test_",
        "gately_sk_live_",
        "gately_pk_test_",
        "gately_pk_live_",
    ];
    PREFIXES
        .into_iter()
        .find(|prefix| token.starts_with(prefix.as_bytes()))
        .unwrap_or("")
}

/// Header names that carry a key as their whole value (besides `Authorization`).
const KEY_HEADERS: [&str; 4] = ["x-api-key", "api-key", "x-auth-token", "x-gately-key"];
/// Whether header `name` (lower case) carries a key as its whole value, besides
/// `Authorization`: what is recorded of it is only a mask.
pub(crate) fn carries_key(name: &str) -> bool {
    KEY_HEADERS.contains(&name)
}

/// Query parameters that carry a key as their whole value.
const KEY_PARAMETERS: [&str; 5] = ["api_key", "apikey", "key", "token", "access_token"];

/// `value` of header `name` with any key in it masked: the whole value of a header that
/// carries keys (`X-Api-Key`), and every `gately_(pk|sk)_(live|test)_…` key anywhere else.
/// `Authorization` is [`mask_authorization`]'s.
pub(crate) fn mask_header(name: &str, value: &str) -> String {
    if KEY_HEADERS.contains(&name) {
        return mask_token(value);
    }
    mask_keys_in(value).into_owned()
}

/// The raw query `query` with any key in it masked: the value of a parameter that carries
/// keys (`api_key`, `token`, …), and every Gately key anywhere else. The parameters are
/// kept as they were sent otherwise, byte for byte.
pub(crate) fn mask_query(query: &str) -> Cow<'_, str> {
    let carries_key = |pair: &str| {
        let name = pair.split('=').next().unwrap_or_default();
        KEY_PARAMETERS
            .iter()
            .any(|key| name.eq_ignore_ascii_case(key))
            && pair.contains('=')
    };
    if !query.split('&').any(carries_key) {
        return mask_keys_in(query);
    }
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if carries_key(pair) => format!("{name}={}", mask_token(value)),
            _ => mask_keys_in(pair).into_owned(),
        })
        .collect();
    Cow::Owned(masked.join("&"))
}

/// A token on its own: a Gately key keeps its public prefix, anything else becomes `…`.
fn mask_token(token: &str) -> String {
    match key_prefix(token.trim().as_bytes()) {
        "" if token.is_empty() => String::new(),
        prefix => format!("{prefix}…"),
    }
}

/// `text` with every Gately key in it cut to its public prefix: for anything recorded that
/// may quote what a client sent (a path, a message quoting a value).
pub(crate) fn mask_keys_in(text: &str) -> Cow<'_, str> {
    static KEY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(gately_(?:pk|sk)_(?:live|test)_)[A-Za-z0-9_]+")
            .expect("the key pattern is a valid regular expression")
    });
    if !text.contains("gately_") {
        return Cow::Borrowed(text);
    }
    KEY.replace_all(text, "${1}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gately_key_keeps_only_its_prefix() {
        assert_eq!(
            mask_authorization(b"Bearer gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
            "Bearer gately_sk_test_…"
        );
        assert_eq!(
            mask_authorization(b"Bearer gately_pk_live_abc"),
            "Bearer gately_pk_live_…"
        );
        assert_eq!(
            mask_authorization(b"Bearer gately_sk_live_abc_def"),
            "Bearer gately_sk_live_…",
            "nothing of the id is kept, even where it has an underscore"
        );
    }

    #[test]
    fn anything_else_keeps_only_its_scheme() {
        assert_eq!(mask_authorization(b"Basic Zm9vOmJhcg=="), "Basic …");
        assert_eq!(mask_authorization(b"Bearer eyJhbGciOi.x.y"), "Bearer …");
        assert_eq!(mask_authorization(b"rawtoken"), "…");
        assert_eq!(mask_authorization(b""), "");
    }

    #[test]
    fn a_scheme_that_is_not_utf8_is_read_lossily_and_the_rest_still_masked() {
        assert_eq!(
            mask_authorization(b"Be\xffrer gately_sk_test_\xff\xfe"),
            "Be\u{fffd}rer gately_sk_test_…"
        );
    }

    #[test]
    fn a_key_is_masked_wherever_it_is_in_a_header_or_the_query() {
        let key = "gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
        assert_eq!(mask_header("x-api-key", key), "gately_sk_test_…");
        assert_eq!(mask_header("x-api-key", "opaque"), "…");
        assert_eq!(
            mask_header("x-debug", &format!("sent {key}, twice: {key}")),
            "sent gately_sk_test_…, twice: gately_sk_test_…"
        );
        assert_eq!(mask_header("accept", "*/*"), "*/*");
        assert_eq!(
            mask_query(&format!("page=2&api_key={key}&Token=abc&q=x")),
            "page=2&api_key=gately_sk_test_…&Token=…&q=x"
        );
        assert_eq!(
            mask_query(&format!("search={key}")),
            "search=gately_sk_test_…"
        );
        assert_eq!(mask_query("page=2&limit=5"), "page=2&limit=5");
    }
}
