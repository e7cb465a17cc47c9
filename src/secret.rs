//! Keeping API keys out of everything the mock writes (D17).

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

#[cfg(test)]
mod tests {
    use super::mask_authorization;

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
}
