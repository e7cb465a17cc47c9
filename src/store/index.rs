//! The contacts of every project, with what a list of them is read from: each project's
//! contacts in D19's order (newest first, then by id), and beside each place in the order
//! the little the list's filters test (status, tags, the searched text), one column each,
//! and its e-mails. Any page of 100 000 contacts is then a slice of the order instead of a
//! sort of them all, a status or tag filter a pass over a column of bytes or words instead
//! of over the contacts, and an e-mail check (D10) one lookup instead of a pass.
//!
//! Every change of a contact goes through [`ContactTable::modify`], which brings the
//! contact's place and columns up to date, so the index is never stale.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use smallvec::SmallVec;
use uuid::Uuid;

use crate::parallel;

use crate::store::contact::{Contact, Status, StoredContact};
use crate::store::search_texts::{Lowered, SearchTexts, Text};
use crate::store::tag::{Tag, TagTable};

/// Where a contact stands in its project's order, read from the end: the order is kept
/// oldest first (then by id, backwards) so that a new contact, the newest, is pushed on.
type OrderKey = (i64, Reverse<Uuid>);

fn tag_bits(contact: &Contact) -> u64 {
    contact.tags.iter().fold(0, |bits, id| bits | tag_bit(*id))
}

/// What a list's filters ask of a place's columns (status, tag bits, searched text), typed
/// so that a test of the status and tag columns alone is a count the compiler vectorises:
/// at 100 000 contacts the same test as a closure over zipped columns was 86 % of a
/// filtered list's time.
#[derive(Clone, Copy)]
pub(crate) struct ColumnTest<'a> {
    /// The status asked for, if any.
    pub(crate) status: Option<Status>,
    /// The tags asked for (their bits are tested here; the contact's own tags, where the
    /// bits cannot tell, by the caller's slower test).
    pub(crate) tags: &'a TagFilter,
    /// The lower-cased searched text, if any.
    pub(crate) finder: Option<&'a memchr::memmem::Finder<'a>>,
}

impl ColumnTest<'_> {
    /// Whether a place with these columns passes.
    fn passes(&self, status: Status, tag_bits: u64, text: Text<'_>) -> bool {
        self.status.is_none_or(|asked| asked == status)
            && self.tags.mask().is_none_or(|mask| tag_bits & mask != 0)
            && self.finder.is_none_or(|finder| text.finds(finder))
    }

    /// How many places of `project` pass, when the status and tag columns alone tell: one
    /// pass down one or two columns of plain values, no text read.
    fn count(&self, project: &Project) -> Option<usize> {
        if self.finder.is_some() {
            return None;
        }
        let (statuses, tag_bits) = (&project.statuses, &project.tag_bits);
        Some(match (self.status, self.tags.mask()) {
            (None, None) => project.len(),
            (Some(status), None) => statuses.iter().filter(|s| **s == status).count(),
            (None, Some(mask)) => tag_bits.iter().filter(|bits| **bits & mask != 0).count(),
            (Some(status), Some(mask)) => (statuses.iter().zip(tag_bits))
                .filter(|(s, bits)| **s == status && **bits & mask != 0)
                .count(),
        })
    }
}

/// The bit of tag `id` among a contact's tag bits: two tags may share one, so a bit that is set
/// says "maybe", and only when no other tag of the project shares the asked tags' bits
/// does it say "yes".
pub(crate) fn tag_bit(id: Uuid) -> u64 {
    let (high, low) = id.as_u64_pair();
    1 << ((high ^ low) % 64)
}

/// The tags a list asks for (D19: any of these names), as the index tests them.
pub(crate) struct TagFilter {
    /// No tag asked for: every contact passes.
    any: bool,
    /// The project's tags of those names.
    wanted: Vec<Uuid>,
    /// Their bits.
    bits: u64,
    /// Whether no other tag of the project has one of `bits`: a contact with one of them
    /// then has one of the tags, without a look at its tags.
    exact: bool,
}

impl TagFilter {
    /// The tags of `project` named `names` (none: no filter).
    pub(crate) fn new(tags: &TagTable, project: Uuid, names: &[String]) -> Self {
        let of_project = || tags.values().filter(move |tag| tag.project_id() == project);
        let (wanted, others): (Vec<&Tag>, Vec<&Tag>) =
            of_project().partition(|tag| names.iter().any(|name| name == tag.name()));
        let bits = wanted.iter().fold(0, |bits, tag| bits | tag_bit(tag.id()));
        Self {
            any: names.is_empty(),
            wanted: wanted.iter().map(|tag| tag.id()).collect(),
            bits,
            exact: others.iter().all(|tag| tag_bit(tag.id()) & bits == 0),
        }
    }

    /// The bits a contact's tag bits must share for it to have one of the tags (if it shares
    /// none, it has none); `None`: no tag asked for.
    fn mask(&self) -> Option<u64> {
        (!self.any).then_some(self.bits)
    }

    /// Whether the tag bits alone say it: no contact need be read.
    pub(crate) fn is_exact(&self) -> bool {
        self.any || self.exact
    }

    /// Whether `contact`, whose tag bits let it through, has one of the tags.
    pub(crate) fn holds(&self, contact: &Contact) -> bool {
        self.is_exact() || contact.tags.iter().any(|id| self.wanted.contains(id))
    }
}

/// A fixed hasher: e-mails are keyed by their hash, and the index is rebuilt the same on
/// every run. foldhash, not SipHash: 280 instructions an e-mail were 1.4 % of a PATCH.
type EmailHasher = foldhash::fast::FixedState;

/// One project's order, its columns, and its e-mails.
#[derive(Clone, Debug, Default)]
struct Project {
    /// Sorted; the other columns hold, at each place, what its contact's filters test.
    order: Vec<OrderKey>,
    statuses: Vec<Status>,
    tag_bits: Vec<u64>,
    texts: SearchTexts,
    /// The hash of each place's e-mail, by which `emails` holds it: a change that leaves
    /// the searched fields alone (most PATCHes) neither hashes nor moves it.
    email_hashes: Vec<u64>,
    emails: Emails,
}

/// Hash of the lower-cased e-mail → the contacts whose e-mail may be the one asked.
type Emails = HashMap<u64, SmallVec<[Uuid; 1]>>;

impl Project {
    /// A project of `size` places, `places` in order, its texts' column left empty and its
    /// e-mails' map `emails`: the caller builds those apart and sets the column.
    fn of_places<'p>(places: impl Iterator<Item = &'p Place>, size: usize, emails: Emails) -> Self {
        let mut project = Self {
            order: Vec::with_capacity(size),
            statuses: Vec::with_capacity(size),
            tag_bits: Vec::with_capacity(size),
            texts: SearchTexts::default(),
            email_hashes: Vec::with_capacity(size),
            emails,
        };
        for place in places {
            project.order.push(place.key);
            project.statuses.push(place.status);
            project.tag_bits.push(place.tag_bits);
            project.email_hashes.push(place.email);
        }
        project
    }

    fn len(&self) -> usize {
        self.order.len()
    }

    /// The id at place `at` counted from the newest.
    fn id_at(&self, at: usize) -> Uuid {
        self.order[self.len() - 1 - at].1.0
    }

    /// Takes `place` at `at` of the order, in every column but the texts'.
    fn insert_at(&mut self, at: usize, place: &Place) {
        self.order.insert(at, place.key);
        self.statuses.insert(at, place.status);
        self.tag_bits.insert(at, place.tag_bits);
        self.email_hashes.insert(at, place.email);
        self.add_email(place.email, place.key.1.0);
    }

    fn add_email(&mut self, hash: u64, id: Uuid) {
        self.emails.entry(hash).or_default().push(id);
    }

    fn remove_email(&mut self, hash: u64, id: Uuid) {
        if let Some(ids) = self.emails.get_mut(&hash) {
            ids.retain(|other| *other != id);
            if ids.is_empty() {
                self.emails.remove(&hash);
            }
        }
    }

    /// Adds `contact` at its place: at the end for a contact made now, the common case.
    fn insert(&mut self, contact: &Contact) {
        let place = Place::of(contact);
        let at = self.order.partition_point(|key| *key < place.key);
        self.insert_at(at, &place);
        self.texts.insert(at, contact);
    }

    fn remove(&mut self, key: OrderKey) {
        if let Ok(place) = self.order.binary_search(&key) {
            self.order.remove(place);
            self.statuses.remove(place);
            self.tag_bits.remove(place);
            self.texts.remove(place);
            let email = self.email_hashes.remove(place);
            self.remove_email(email, key.1.0);
        }
    }

    /// Brings the place of `contact`, once at `key`, up to date.
    fn refresh(&mut self, key: OrderKey, contact: &Contact) {
        match self.order.binary_search(&key) {
            Ok(place) if order_key(contact) == key => {
                self.statuses[place] = contact.status;
                self.tag_bits[place] = tag_bits(contact);
                let text_changed = self.texts.refresh(place, contact);
                // An ASCII e-mail whose text is the same hashes the same; another may not
                // (the text lower-cases a final sigma apart, the hash does not).
                if text_changed || !contact.email.is_ascii() {
                    let (was, now) = (self.email_hashes[place], email_hash(&contact.email));
                    if was != now {
                        self.email_hashes[place] = now;
                        self.remove_email(was, contact.id);
                        self.add_email(now, contact.id);
                    }
                }
            }
            _ => {
                self.remove(key);
                self.insert(contact);
            }
        }
    }
}

/// The contacts of every project, by id, and each project's index.
#[derive(Clone, Debug, Default)]
pub(crate) struct ContactTable {
    contacts: BTreeMap<Uuid, StoredContact>,
    projects: HashMap<Uuid, Project>,
}

fn order_key(contact: &Contact) -> OrderKey {
    (contact.created_at.unix_ms(), Reverse(contact.id))
}

/// The hash of `email` lower-cased, without making the lower-cased copy: its lower-cased
/// bytes, fed to the hasher a block at a time (a character at a time cost 1 500 instructions
/// of each PATCH).
pub(crate) fn email_hash(email: &str) -> u64 {
    let mut hasher = EmailHasher::default().build_hasher();
    if email.is_ascii() {
        for block in email.as_bytes().chunks(64) {
            let mut lower = [0; 64];
            let lower = &mut lower[..block.len()];
            lower.copy_from_slice(block);
            lower.make_ascii_lowercase();
            hasher.write(lower);
        }
    } else {
        for c in email.chars().flat_map(char::to_lowercase) {
            hasher.write(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }
    hasher.finish()
}

impl ContactTable {
    /// The contact `id`, of any project.
    pub(crate) fn get(&self, id: &Uuid) -> Option<&StoredContact> {
        self.contacts.get(id)
    }

    /// Whether any project has a contact `id`.
    pub(crate) fn contains_key(&self, id: &Uuid) -> bool {
        self.contacts.contains_key(id)
    }

    /// Every contact, by id.
    pub(crate) fn values(&self) -> impl Iterator<Item = &StoredContact> {
        self.contacts.values()
    }

    /// Adds `stored` (its id is new) and returns it.
    pub(crate) fn insert(&mut self, stored: StoredContact) -> &StoredContact {
        let contact = stored.contact();
        self.projects
            .entry(contact.project_id)
            .or_default()
            .insert(contact);
        self.contacts.entry(contact.id).or_insert(stored)
    }

    /// Removes the contact `id`.
    pub(crate) fn remove(&mut self, id: &Uuid) -> Option<StoredContact> {
        let stored = self.contacts.remove(id)?;
        let contact = stored.contact();
        if let Some(project) = self.projects.get_mut(&contact.project_id) {
            project.remove(order_key(contact));
        }
        Some(stored)
    }

    /// Changes the contact `id` through `change`, and brings its place up to date.
    pub(crate) fn modify<R>(
        &mut self,
        id: &Uuid,
        change: impl FnOnce(&mut StoredContact) -> R,
    ) -> Option<R> {
        let stored = self.contacts.get_mut(id)?;
        let key = order_key(stored.contact());
        let result = change(stored);
        let contact = stored.contact();
        self.projects
            .entry(contact.project_id)
            .or_default()
            .refresh(key, contact);
        Some(result)
    }

    /// Changes, through `change`, every contact `select` picks.
    pub(crate) fn modify_where(
        &mut self,
        select: impl Fn(&Contact) -> bool,
        change: impl Fn(&mut StoredContact),
    ) {
        let ids: Vec<Uuid> = self
            .contacts
            .values()
            .map(StoredContact::contact)
            .filter(|contact| select(contact))
            .map(|contact| contact.id)
            .collect();
        for id in ids {
            self.modify(&id, &change);
        }
    }

    /// The contact of `project` other than `except` whose e-mail is `email` regardless of
    /// case (D10), if any.
    pub(crate) fn with_email(&self, project: Uuid, email: &str, except: Uuid) -> Option<Uuid> {
        let candidates = self
            .projects
            .get(&project)?
            .emails
            .get(&email_hash(email))?;
        candidates
            .iter()
            .copied()
            .filter(|id| *id != except)
            .find(|id| {
                self.contacts
                    .get(id)
                    .is_some_and(|stored| eq_ignoring_case(&stored.contact().email, email))
            })
    }

    /// The contacts of `project` from `skip` on, newest first, at most `take` of them, and
    /// how many it has: no pass over them.
    pub(crate) fn page(
        &self,
        project: Uuid,
        skip: usize,
        take: usize,
    ) -> (Vec<&StoredContact>, usize) {
        let Some(project) = self.projects.get(&project) else {
            return (Vec::new(), 0);
        };
        let page = (skip.min(project.len())..project.len())
            .take(take)
            .map(|at| &self.contacts[&project.id_at(at)])
            .collect();
        (page, project.len())
    }

    /// The contacts of `project` that `test` (on the columns) and then `slow`, if any (on
    /// the contact), pick, newest first: those from `skip` on, at most `take` of them, and
    /// how many are picked in all. Without `slow` no contact is read but the page's.
    pub(crate) fn select(
        &self,
        project: Uuid,
        test: ColumnTest<'_>,
        slow: Option<&dyn Fn(&Contact) -> bool>,
        skip: usize,
        take: usize,
    ) -> (Vec<&StoredContact>, usize) {
        let Some(index) = self.projects.get(&project) else {
            return (Vec::new(), 0);
        };
        // The columns side by side, newest first: the places that pass, each with where it
        // is counted from the oldest.
        let passing = (index.statuses.iter().zip(&index.tag_bits))
            .zip(index.texts.iter())
            .enumerate()
            .rev()
            .filter(|(_, ((status, tag_bits), text))| test.passes(**status, **tag_bits, *text))
            .map(|(at, _)| at);
        let contact_at = |at: usize| &self.contacts[&index.order[at].1.0];
        match slow {
            None => {
                if let Some(total) = test.count(index) {
                    // The total counted on the columns, the page a scan that stops once it
                    // is full.
                    let page = passing.skip(skip).take(take).map(contact_at).collect();
                    return (page, total);
                }
            }
            // Many places pass the columns: every contact read in one walk is cheaper than
            // a lookup of each.
            Some(slow)
                if passing.clone().count().saturating_mul(LOOKUP_IN_STEPS)
                    > self.contacts.len() =>
            {
                return self.select_reading_each(project, index, test, slow, skip, take);
            }
            Some(_) => {}
        }
        let mut page = Vec::with_capacity(take.min(index.len()));
        let mut total = 0;
        for at in passing {
            // A contact is looked up only when it is read or sent.
            if slow.is_some_and(|slow| !slow(contact_at(at).contact())) {
                continue;
            }
            if total >= skip && page.len() < take {
                page.push(contact_at(at));
            }
            total += 1;
        }
        (page, total)
    }

    /// [`Self::select`] where the contacts of many places must be read (a segment, tags
    /// that share a bit): the contacts walked in the by-id tree's order, one pass, and only
    /// those that pass `slow` placed, by their order key, for the columns' test. Looking
    /// each place's contact up instead was a walk down the tree per contact: a page of a
    /// segment's members at 100 000 contacts took 43–64 ms, the segment's count 9–21.
    fn select_reading_each(
        &self,
        project: Uuid,
        index: &Project,
        test: ColumnTest<'_>,
        slow: &dyn Fn(&Contact) -> bool,
        skip: usize,
        take: usize,
    ) -> (Vec<&StoredContact>, usize) {
        let mut passing: Vec<(usize, &StoredContact)> = (self.contacts.values())
            .filter(|stored| {
                let contact = stored.contact();
                contact.project_id == project && slow(contact)
            })
            .filter_map(|stored| {
                let at = index.order.binary_search(&order_key(stored.contact()));
                debug_assert!(at.is_ok(), "every stored contact has its place");
                let at = at.ok()?;
                let text = index.texts.get(at);
                test.passes(index.statuses[at], index.tag_bits[at], text)
                    .then_some((at, stored))
            })
            .collect();
        // Newest first.
        passing.sort_unstable_by_key(|(at, _)| Reverse(*at));
        let total = passing.len();
        let page = passing
            .into_iter()
            .skip(skip)
            .take(take)
            .map(|(_, stored)| stored)
            .collect();
        (page, total)
    }
}

/// What one place of the order holds, worked out before the place is taken.
struct Place {
    project: Uuid,
    key: OrderKey,
    status: Status,
    tag_bits: u64,
    email: u64,
}

impl Place {
    fn of(contact: &Contact) -> Self {
        Self {
            project: contact.project_id,
            key: order_key(contact),
            status: contact.status,
            tag_bits: tag_bits(contact),
            email: email_hash(&contact.email),
        }
    }
}

/// What looking one contact up by id costs (a walk down the by-id tree, ~400 ns at 100 000
/// contacts), in steps of a walk of every contact (~80 ns each).
const LOOKUP_IN_STEPS: usize = 5;

/// Fewer contacts than this per core are placed, indexed or copied on the calling thread.
const PER_THREAD: usize = 8192;

/// A contact with its place in the index worked out. Fixtures are placed on the thread
/// that built each contact, while it is still in that core's cache: a later pass over
/// 100 000 built contacts waits on memory for each one.
pub(crate) struct Placed {
    contact: Arc<Contact>,
    place: Place,
    text: Lowered,
}

impl Placed {
    pub(crate) fn new(contact: Arc<Contact>) -> Self {
        let place = Place::of(&contact);
        let text = Lowered::of(&contact);
        Self {
            contact,
            place,
            text,
        }
    }

    /// `contacts` placed, in order, on every core: a `Vec` of each core's.
    pub(crate) fn all(contacts: &[Arc<Contact>]) -> Vec<Vec<Self>> {
        parallel::chunks(contacts, PER_THREAD, |_, part| {
            part.iter()
                .map(|contact| Placed::new(Arc::clone(contact)))
                .collect()
        })
    }

    pub(crate) fn contact(&self) -> &Arc<Contact> {
        &self.contact
    }
}

/// Contacts by id and each project's index, as a fixture set keeps them: built once
/// however many stores are made of the set (a reset, a workspace), each of which takes a
/// copy as its own table.
#[derive(Clone, Debug)]
pub(crate) struct IndexedContacts {
    /// Sorted by id.
    by_id: Vec<(Uuid, Arc<Contact>)>,
    projects: HashMap<Uuid, Project>,
}

impl IndexedContacts {
    /// `contacts` (their ids unique) indexed, placed on every core.
    pub(crate) fn of(contacts: &[Arc<Contact>]) -> Self {
        Self::of_placed(&Placed::all(contacts)).0
    }

    /// The contact `id`, of any project.
    pub(crate) fn get(&self, id: &Uuid) -> Option<&Arc<Contact>> {
        let at = self.by_id.binary_search_by_key(id, |(id, _)| *id).ok()?;
        Some(&self.by_id[at].1)
    }

    /// A table of these contacts, for a store of its own: the by-id tree and the copy of
    /// the projects' index made at once.
    pub(crate) fn table(&self) -> ContactTable {
        let (contacts, projects) = parallel::join(
            self.by_id.len(),
            PER_THREAD,
            || {
                self.by_id
                    .iter()
                    .map(|(id, contact)| (*id, StoredContact::new(Arc::clone(contact))))
                    .collect()
            },
            || self.projects.clone(),
        );
        ContactTable { contacts, projects }
    }

    /// Many contacts at once (a fixture set), placed in parts (each core's, in order): the
    /// places sorted once, by project and then by order, not kept sorted through each
    /// insertion (100 000 contacts: 270 ms one by one), while the contacts are sorted by
    /// id. What is sorted is each place's key and where it is (48 bytes), not the place
    /// with its text (three times as many), and each is then copied once into its column
    /// from where it was built: moving and sorting them was 40 of 55 ms at 100 000.
    ///
    /// With the index, whether two of the contacts may be one: the same id, or e-mails in a
    /// project that hash alike (equal regardless of case, D10, or a rare collision). The
    /// fixture set's check, which reads them again to tell which, runs only then.
    pub(crate) fn of_placed(parts: &[Vec<Placed>]) -> (Self, bool) {
        let placed: Vec<&Placed> = parts.iter().flatten().collect();
        let count = placed.len();
        let ((by_id, mut emails), order) = parallel::join(
            count,
            PER_THREAD,
            || {
                let mut by_id: Vec<_> = (placed.iter())
                    .map(|p| (p.place.key.1.0, Arc::clone(&p.contact)))
                    .collect();
                by_id.sort_unstable_by_key(|(id, _)| *id);
                (by_id, emails_of(&placed))
            },
            || {
                let mut order: Vec<_> = (placed.iter().enumerate())
                    .map(|(at, p)| (p.place.project, p.place.key, at))
                    .collect();
                order.sort_unstable_by_key(|(project, key, _)| (*project, *key));
                order
            },
        );
        let may_repeat = by_id.windows(2).any(|pair| pair[0].0 == pair[1].0)
            || emails.values().any(|(_, shared)| *shared);
        let runs: Vec<&[(Uuid, OrderKey, usize)]> = order.chunk_by(|a, b| a.0 == b.0).collect();
        // The texts, copied into their columns, on a core of their own.
        let (projects, columns) = parallel::join(
            count,
            PER_THREAD,
            || {
                (runs.iter())
                    .map(|run| {
                        let places = run.iter().map(|(_, _, at)| &placed[*at].place);
                        let (emails, _) = emails.remove(&run[0].0).unwrap_or_default();
                        Project::of_places(places, run.len(), emails)
                    })
                    .collect::<Vec<_>>()
            },
            || {
                (runs.iter())
                    .map(|run| SearchTexts::of(run.iter().map(|(_, _, at)| &placed[*at].text)))
                    .collect::<Vec<_>>()
            },
        );
        let projects = (runs.iter().zip(projects).zip(columns))
            .map(|((run, mut project), texts)| {
                debug_assert_eq!(project.len(), texts.iter().len());
                project.texts = texts;
                (run[0].0, project)
            })
            .collect();
        (Self { by_id, projects }, may_repeat)
    }
}

/// Each project's e-mails, by hash, read in the order the contacts were placed (one pass
/// along them, rather than one read of each in the order's), and whether two of a project
/// hash alike.
fn emails_of(placed: &[&Placed]) -> HashMap<Uuid, (Emails, bool)> {
    let mut sizes: HashMap<Uuid, usize> = HashMap::new();
    for p in placed {
        *sizes.entry(p.place.project).or_default() += 1;
    }
    let mut emails: HashMap<Uuid, (Emails, bool)> = (sizes.into_iter())
        .map(|(project, size)| (project, (HashMap::with_capacity(size), false)))
        .collect();
    for p in placed {
        let (project, shared) = emails.get_mut(&p.place.project).expect("counted above");
        let ids = project.entry(p.place.email).or_default();
        *shared |= !ids.is_empty();
        ids.push(p.place.key.1.0);
    }
    emails
}

/// Unicode case-insensitive equality, without allocating.
pub(crate) fn eq_ignoring_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_may_repeat_only_when_an_id_or_a_project_s_e_mail_is_seen_twice() {
        let contact = |id: u128, project: u128, email: &str| {
            let (id, project) = (Uuid::from_u128(id), Uuid::from_u128(project));
            Arc::new(Contact::for_test(id, project, "A", email))
        };
        let may_repeat =
            |contacts: &[Arc<Contact>]| IndexedContacts::of_placed(&Placed::all(contacts)).1;
        let distinct = [contact(1, 7, "a@x.io"), contact(2, 7, "b@x.io")];
        assert!(!may_repeat(&distinct));
        assert!(!may_repeat(&[
            contact(1, 7, "a@x.io"),
            contact(2, 8, "a@x.io")
        ]));
        assert!(may_repeat(&[
            contact(1, 7, "a@x.io"),
            contact(2, 7, "A@X.io")
        ]));
        assert!(may_repeat(&[
            contact(1, 7, "a@x.io"),
            contact(1, 8, "b@x.io")
        ]));
    }

    #[test]
    fn an_e_mail_hashes_as_its_lower_cased_characters_whatever_its_length_or_script() {
        let long = "A".repeat(150) + "@Example.COM";
        assert_eq!(email_hash(&long), email_hash(&long.to_lowercase()));
        assert_eq!(email_hash("ÜLI@x.io"), email_hash("üli@x.io"));
        assert_eq!(email_hash("Ab@x.io"), email_hash("ab@X.IO"));
        assert_ne!(email_hash("ab@x.io"), email_hash("ac@x.io"));
    }
}
