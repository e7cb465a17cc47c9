//! Keeping API keys out of everything the mock writes (D17).

/// `value` of an `Authorization` header with the secret masked: the scheme and the key's
/// public prefix stay, so a reader still sees which kind of key was used
/// (`Bearer gately_sk_test_…`), and nothing else.
pub fn mask_authorization(value: &str) -> String {
    let value = value.trim();
    let Some((scheme, credentials)) = value.split_once(' ') else {
        return if value.is_empty() {
            String::new()
        } else {
            "…".to_owned()
        };
    };
    let prefix = key_prefix(credentials.trim());
    let mut masked = String::with_capacity(scheme.len() + prefix.len() + 4);
    masked.push_str(scheme);
    masked.push(' ');
    masked.push_str(prefix);
    masked.push('…');
    masked
}

/// `gately_sk_test_` of `gately_sk_test_<id>`; empty for anything else.
fn key_prefix(token: &str) -> &str {
    const PREFIXES: [&str; 4] = [
        "gately_sk_test_",
        "gately_sk_live_",
        "gately_pk_test_",
        "gately_pk_live_",
    ];
    PREFIXES
        .into_iter()
        .find(|prefix| token.starts_with(prefix))
        .map_or("", |prefix| &token[..prefix.len()])
}

#[cfg(test)]
mod tests {
    use super::mask_authorization;

    #[test]
    fn a_gately_key_keeps_only_its_prefix() {
        assert_eq!(
            mask_authorization("Bearer gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
            "Bearer gately_sk_test_…"
        );
        assert_eq!(
            mask_authorization("Bearer gately_pk_live_abc"),
            "Bearer gately_pk_live_…"
        );
        assert_eq!(
            mask_authorization("Bearer gately_sk_live_abc_def"),
            "Bearer gately_sk_live_…",
            "nothing of the id is kept, even where it has an underscore"
        );
    }

    #[test]
    fn anything_else_keeps_only_its_scheme() {
        assert_eq!(mask_authorization("Basic Zm9vOmJhcg=="), "Basic …");
        assert_eq!(mask_authorization("Bearer eyJhbGciOi.x.y"), "Bearer …");
        assert_eq!(mask_authorization("rawtoken"), "…");
        assert_eq!(mask_authorization(""), "");
    }
}
