//! "Did you mean" (D3): the documented name closest to a name the contract does not know.

/// The known name a person most likely meant by `unknown`, if any is close enough: the same
/// name in another case or separator style (`firstName` → `first_name`), the same letters in
/// another order (`stauts` → `status`), or at most two edits away (`statsu` → `status`).
pub(crate) fn closest<'a>(
    unknown: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let unknown_folded = fold(unknown, String::new());
    let unknown_length = unknown_folded.chars().count();
    let unknown_letters = sorted_letters(&unknown_folded);
    // One buffer for every candidate's folded name: a refused request's hint is sought among
    // a schema's ~20 names, and `check` seeks it for each refused exchange of a capture.
    let mut folded = String::new();
    known
        .into_iter()
        .filter_map(|candidate| {
            folded = fold(candidate, std::mem::take(&mut folded));
            let length = folded.chars().count();
            let score = if folded == unknown_folded {
                0
            } else if length.abs_diff(unknown_length) > 2 {
                // Each edit changes the length by one at most: more than two edits away.
                return None;
            } else if length == unknown_length && sorted_letters(&folded) == unknown_letters {
                1
            } else {
                let distance = strsim::osa_distance(&unknown_folded, &folded);
                if distance > 2 || distance >= unknown_length {
                    return None;
                }
                distance
            };
            Some((score, candidate))
        })
        .min_by_key(|(score, _)| *score)
        .map(|(_, candidate)| candidate)
}

/// Lower case, without the separators people swap between naming styles, written into
/// `buffer`.
fn fold(name: &str, mut buffer: String) -> String {
    buffer.clear();
    buffer.extend(
        name.chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_lowercase),
    );
    buffer
}

fn sorted_letters(folded: &str) -> Vec<char> {
    let mut letters: Vec<char> = folded.chars().collect();
    letters.sort_unstable();
    letters
}

#[cfg(test)]
mod tests {
    use super::closest;

    const FIELDS: [&str; 5] = ["name", "email", "status", "first_name", "zip"];

    #[test]
    fn a_transposed_name_points_to_the_documented_one() {
        assert_eq!(closest("statsu", FIELDS), Some("status"));
        assert_eq!(closest("stauts", FIELDS), Some("status"));
    }

    #[test]
    fn another_naming_style_points_to_the_documented_one() {
        assert_eq!(closest("firstName", FIELDS), Some("first_name"));
        assert_eq!(closest("E-Mail", FIELDS), Some("email"));
    }

    #[test]
    fn a_name_two_edits_away_still_gets_its_hint_and_three_do_not() {
        assert_eq!(closest("stat", FIELDS), Some("status"), "two letters short");
        assert_eq!(
            closest("statusxy", FIELDS),
            Some("status"),
            "two letters long"
        );
        assert_eq!(closest("statusxyz", FIELDS), None, "three letters long");
        assert_eq!(closest("zp", FIELDS), Some("zip"));
        assert_eq!(
            closest("zz", FIELDS),
            None,
            "two edits, but as many as its letters"
        );
        assert_eq!(closest("NAME", FIELDS), Some("name"));
    }

    #[test]
    fn a_name_far_from_every_field_gets_no_hint() {
        assert_eq!(closest("favourite_colour", FIELDS), None);
        assert_eq!(closest("x", FIELDS), None);
    }
}
