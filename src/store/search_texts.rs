//! The searched text of each place of a project's order (name, e-mail and company, each
//! lower-cased), side by side in one buffer, in the order's order.
//!
//! A `search=` reads every place's text. Kept one allocation each, the texts lay wherever
//! their contacts were built (a fixture file's order is not the list's), and a search at
//! 100 000 contacts waited on memory for each of them: 10 ms, 84 % of it on the first load
//! of each text. In one buffer in the order's order, the search reads memory in turn.
//!
//! A change writes the contact's new text at the end of the buffer; what no place points
//! at any more is counted, and the buffer is written afresh, in order, once that is half
//! of it. The buffer is shared by the copies of a column (every store made of a fixture
//! set) until one of them writes.

use std::borrow::Cow;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::store::contact::{Contact, OptionalField};

/// The searched fields of `contact`: name, e-mail, company.
fn searched(contact: &Contact) -> [&str; 3] {
    let company = contact.get(OptionalField::Company).unwrap_or("");
    [&contact.name, &contact.email, company]
}

/// `field` lower-cased as the query's search text is (`str::to_lowercase`, which knows a
/// final sigma), copied only when it is not ASCII.
fn lowered(field: &str) -> Cow<'_, str> {
    if field.is_ascii() {
        Cow::Borrowed(field)
    } else {
        Cow::Owned(field.to_lowercase())
    }
}

/// Appends the searched text of `contact` to `out`; where its name and e-mail end, from
/// the start of the text.
fn write<B>(out: &mut B, contact: &Contact) -> [u32; 2]
where
    B: Extend<u8> + std::ops::DerefMut<Target = [u8]>,
{
    let start = out.len();
    let mut ends = [0; 2];
    for (n, field) in searched(contact).into_iter().enumerate() {
        let at = out.len();
        out.extend(lowered(field).bytes());
        out[at..].make_ascii_lowercase();
        if let Some(end) = ends.get_mut(n) {
            *end = u32::try_from(out.len() - start).unwrap_or(u32::MAX);
        }
    }
    ends
}

/// One contact's searched text, worked out away from any column: a fixture contact's is
/// written on the thread that built the contact, while it is in that core's cache. Inline
/// rather than a `String`: a `String` each, freed once copied into the column, left 6 MiB
/// of holes among the kept contacts; 99 % of 100 000 generated contacts' texts fit in 64
/// bytes.
pub(crate) struct Lowered {
    text: SmallVec<[u8; 64]>,
    ends: [u32; 2],
}

impl Lowered {
    pub(crate) fn of(contact: &Contact) -> Self {
        let mut text = SmallVec::new();
        let ends = write(&mut text, contact);
        Self { text, ends }
    }
}

/// Where one place's text is in the buffer.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    /// Where the name, the e-mail and the company end, from `start`.
    ends: [u32; 3],
}

impl Span {
    fn len(self) -> usize {
        self.ends[2] as usize
    }
}

/// The searched texts of a project's places, in the order's order.
#[derive(Clone, Debug, Default)]
pub(crate) struct SearchTexts {
    buffer: Arc<Vec<u8>>,
    spans: Vec<Span>,
    /// Bytes of `buffer` no span points at any more.
    unused: usize,
}

impl SearchTexts {
    /// The column of places whose texts are `texts`, in order.
    pub(crate) fn of<'t>(texts: impl Iterator<Item = &'t Lowered> + Clone) -> Self {
        let mut buffer = Vec::with_capacity(texts.clone().map(|t| t.text.len()).sum());
        let spans = texts
            .map(|lowered| {
                let start = buffer.len();
                buffer.extend_from_slice(&lowered.text);
                let [name, email] = lowered.ends;
                let end = u32::try_from(lowered.text.len()).unwrap_or(u32::MAX);
                Span {
                    start,
                    ends: [name, email, end],
                }
            })
            .collect();
        Self {
            buffer: Arc::new(buffer),
            spans,
            unused: 0,
        }
    }

    /// Takes the text of `contact` at place `at`.
    pub(crate) fn insert(&mut self, at: usize, contact: &Contact) {
        let span = self.write(contact);
        self.spans.insert(at, span);
    }

    /// Forgets the text at place `at`.
    pub(crate) fn remove(&mut self, at: usize) {
        let span = self.spans.remove(at);
        self.forget(span);
    }

    /// Brings the text at place `at` up to `contact`'s; whether it changed. Compared
    /// without a copy of an ASCII field: a PATCH of the status alone writes nothing.
    pub(crate) fn refresh(&mut self, at: usize, contact: &Contact) -> bool {
        if self.get(at).is_of(contact) {
            return false;
        }
        let span = self.write(contact);
        let was = std::mem::replace(&mut self.spans[at], span);
        self.forget(was);
        true
    }

    /// The text at place `at`.
    pub(crate) fn get(&self, at: usize) -> Text<'_> {
        self.text(self.spans[at])
    }

    /// Every place's text, oldest first.
    pub(crate) fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = Text<'_>> + ExactSizeIterator + Clone {
        self.spans.iter().map(|span| self.text(*span))
    }

    fn text(&self, span: Span) -> Text<'_> {
        let [name, email, end] = span.ends.map(|end| end as usize);
        Text {
            text: &self.buffer[span.start..span.start + end],
            ends: [name, email],
        }
    }

    /// Writes `contact`'s text at the end of the buffer. A buffer still shared is written
    /// afresh first, with room to spare: `Arc::make_mut` would copy its unused bytes too,
    /// and the append then grow the copy again.
    fn write(&mut self, contact: &Contact) -> Span {
        if Arc::get_mut(&mut self.buffer).is_none() {
            self.write_afresh(self.buffer.len() / 8 + 256);
        }
        let buffer = Arc::make_mut(&mut self.buffer);
        let start = buffer.len();
        let [name, email] = write(buffer, contact);
        let end = u32::try_from(buffer.len() - start).unwrap_or(u32::MAX);
        Span {
            start,
            ends: [name, email, end],
        }
    }

    /// Counts `span` as unused, and writes the buffer afresh once half of it is.
    fn forget(&mut self, span: Span) {
        self.unused += span.len();
        if self.unused * 2 > self.buffer.len() {
            self.write_afresh(0);
        }
    }

    /// A buffer of the places' texts alone, in their order, with `room` bytes to spare.
    fn write_afresh(&mut self, room: usize) {
        let mut buffer = Vec::with_capacity(self.buffer.len() - self.unused + room);
        for span in &mut self.spans {
            let start = buffer.len();
            buffer.extend_from_slice(&self.buffer[span.start..span.start + span.len()]);
            span.start = start;
        }
        self.buffer = Arc::new(buffer);
        self.unused = 0;
    }
}

/// One place's searched text.
#[derive(Clone, Copy)]
pub(crate) struct Text<'a> {
    text: &'a [u8],
    /// Where the name and the e-mail end.
    ends: [usize; 2],
}

impl Text<'_> {
    /// Whether this is `contact`'s text.
    fn is_of(self, contact: &Contact) -> bool {
        let [name_end, email_end] = self.ends;
        let kept = [
            &self.text[..name_end],
            &self.text[name_end..email_end],
            &self.text[email_end..],
        ];
        kept.into_iter()
            .zip(searched(contact))
            .all(|(kept, field)| {
                let field = lowered(field);
                kept.len() == field.len()
                    && kept
                        .iter()
                        .zip(field.bytes())
                        .all(|(k, f)| *k == f.to_ascii_lowercase())
            })
    }

    /// Whether the lower-cased `needle` is in the name, the e-mail or the company (each on
    /// its own: a match across two of them does not count).
    pub(crate) fn finds(self, needle: &memchr::memmem::Finder<'_>) -> bool {
        let [name_end, email_end] = self.ends;
        let length = needle.needle().len();
        let within_a_field = |start: usize| {
            let end = start + length;
            end <= name_end || (start >= name_end && end <= email_end) || start >= email_end
        };
        // One search over the whole text (most hold no match); after a match across two
        // fields the next search starts one byte on, so that an overlapping match inside a
        // field is not skipped.
        let mut from = 0;
        while let Some(found) = self.text.get(from..).and_then(|rest| needle.find(rest)) {
            if within_a_field(from + found) {
                return true;
            }
            from += found + 1;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn contact(name: &str, email: &str, company: Option<&str>) -> Contact {
        let mut contact = Contact::for_test(Uuid::nil(), Uuid::nil(), name, email);
        contact.optional[OptionalField::Company as usize] = company.map(Box::from);
        contact
    }

    fn column(contacts: &[Contact]) -> SearchTexts {
        let texts: Vec<Lowered> = contacts.iter().map(Lowered::of).collect();
        SearchTexts::of(texts.iter())
    }

    fn finds(text: Text<'_>, needle: &str) -> bool {
        text.finds(&memchr::memmem::Finder::new(&needle.to_lowercase()))
    }

    /// Which places of `texts` hold `needle`.
    fn found(texts: &SearchTexts, needle: &str) -> Vec<usize> {
        (texts.iter().enumerate())
            .filter(|(_, text)| finds(*text, needle))
            .map(|(at, _)| at)
            .collect()
    }

    #[test]
    fn a_match_in_one_field_is_found_even_after_one_across_two() {
        // "han" + "ana@…": the first "ana" runs across the name's end, the e-mail's own
        // begins inside it.
        let texts = column(&[
            contact("Han", "ana@x.io", None),
            contact("Anna", "nana@x.io", Some("Umbrella")),
            contact("Ann", "b@x.io", Some("Corp")),
        ]);
        assert_eq!(found(&texts, "ana"), [0, 1]);
        assert_eq!(
            found(&texts, "nan"),
            [1],
            "across the name and the e-mail only"
        );
        assert_eq!(found(&texts, "iocorp"), Vec::<usize>::new());
    }

    #[test]
    fn fields_are_lower_cased_as_the_searched_text_is_with_a_final_sigma() {
        let texts = column(&[
            contact("ΟΔΟΣ", "o@x.io", None),
            contact("ÜLI", "u@x.io", Some("ÜBER Corp")),
        ]);
        assert_eq!(found(&texts, "ΟΔΟΣ"), [0]);
        assert_eq!(found(&texts, "Οδος"), [0]);
        assert_eq!(found(&texts, "über"), [1]);
    }

    #[test]
    fn a_text_written_again_is_found_as_it_is_now_and_not_as_it_was() {
        let mut texts = column(&[
            contact("Ann", "a@x.io", None),
            contact("Bo", "b@x.io", None),
        ]);
        assert!(
            !texts.refresh(0, &contact("ANN", "A@X.io", None)),
            "the same text"
        );
        assert!(texts.refresh(0, &contact("Cy", "a@x.io", None)));
        assert_eq!(found(&texts, "ann"), Vec::<usize>::new());
        assert_eq!(found(&texts, "cy"), [0]);
        texts.insert(1, &contact("Di", "d@x.io", Some("Ann Corp")));
        assert_eq!(found(&texts, "ann"), [1]);
        texts.remove(0);
        assert_eq!(found(&texts, "cy"), Vec::<usize>::new());
        assert_eq!(found(&texts, "bo"), [1]);
    }

    /// What `texts` holds, as its spans say, and whether its buffer holds nothing else but
    /// what it counts as unused.
    fn held(texts: &SearchTexts) -> Vec<Vec<u8>> {
        let spans: usize = texts.spans.iter().map(|span| span.len()).sum();
        assert_eq!(
            texts.buffer.len(),
            spans + texts.unused,
            "every byte counted"
        );
        texts.iter().map(|text| text.text.to_vec()).collect()
    }

    #[test]
    fn the_buffer_is_written_afresh_in_order_once_half_of_it_is_unused() {
        let mut texts = column(&[
            contact("Ann", "a@x.io", None),
            contact("Bo", "b@x.io", None),
        ]);
        let starts = |texts: &SearchTexts| texts.spans.iter().map(|s| s.start).collect::<Vec<_>>();
        let mut written_afresh = 0;
        for round in 0..40 {
            // Place 1, then place 0: each written at the end, out of the order's order.
            texts.refresh(
                1 - round % 2,
                &contact(&format!("N{round}"), "n@x.io", None),
            );
            held(&texts);
            assert!(
                texts.unused * 2 <= texts.buffer.len(),
                "at most half unused"
            );
            if texts.unused == 0 {
                written_afresh += 1;
                assert!(
                    starts(&texts).is_sorted(),
                    "in the order's order once written afresh"
                );
            } else if round % 2 == 1 {
                assert!(!starts(&texts).is_sorted(), "place 0 written after place 1");
            }
        }
        assert!(
            written_afresh > 5,
            "written afresh {written_afresh} times in 40 changes"
        );
        assert_eq!(found(&texts, "n39"), [0]);
        assert_eq!(found(&texts, "n38"), [1]);
    }

    #[test]
    fn places_removed_are_let_go_and_the_rest_found_as_they_were() {
        let names = ["Ann", "Bo", "Cy", "Di", "Ed", "Flo"];
        let contacts: Vec<Contact> = (names.iter())
            .map(|name| contact(name, &format!("{name}@x.io"), None))
            .collect();
        let mut texts = column(&contacts);
        for _ in 0..4 {
            texts.remove(0);
            held(&texts);
        }
        assert_eq!(
            texts.unused, 0,
            "written afresh once more than half was let go"
        );
        assert_eq!(found(&texts, "ed"), [0]);
        assert_eq!(found(&texts, "flo"), [1]);
        assert_eq!(found(&texts, "ann"), Vec::<usize>::new());
    }

    #[test]
    fn copies_of_a_column_share_its_buffer_until_each_writes_its_own() {
        let mut texts = column(&[
            contact("Ann", "a@x.io", None),
            contact("Bo", "b@x.io", None),
        ]);
        texts.refresh(1, &contact("Bea", "b@x.io", None));
        let mut shared = texts.clone();
        assert!(Arc::ptr_eq(&texts.buffer, &shared.buffer));
        texts.refresh(0, &contact("Cy", "c@x.io", None));
        assert!(!Arc::ptr_eq(&texts.buffer, &shared.buffer));
        // Written afresh, not copied with the text it no longer used ("bob@x.io").
        assert_eq!(texts.unused, "anna@x.io".len());
        shared.refresh(1, &contact("Di", "d@x.io", None));
        assert_eq!(held(&texts), [b"cyc@x.io".to_vec(), b"beab@x.io".to_vec()]);
        assert_eq!(held(&shared), [b"anna@x.io".to_vec(), b"did@x.io".to_vec()]);
    }
}
