//! Workspaces (D26): isolated copies of the mock's state in one process, so that parallel
//! CI jobs and tests share a server without sharing contacts.
//!
//! A [`WorkspaceState`] holds everything a request can change or read back: contacts, tags and
//! unsubscribe records (its store), its journal and `seq`, its id stream, its clock, its
//! fault plan and what it remembers of its clients' failures. Its
//! own keys open it: the server's state is the workspace `default`, opened by the fixtures'
//! keys; every other workspace gets a freshly minted twin of each fixture key. A request's
//! key picks its workspace before anything else happens ([`Workspaces::for_headers`]); a key
//! no workspace holds falls to `default`, whose keyring then refuses it.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use hyper::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::{Map, Value, json};

use crate::api::ApiError;
use crate::auth::{self, Keyring};
use crate::clock::{Clock, SharedClock, Timestamp};
use crate::config::WorkspaceLimits;
use crate::contract::client::{ClientWatch, Seen};
use crate::faults::Faults;
use crate::faults::plan::FaultPlan;
use crate::fixture::{Access, ApiKey, FixtureSet};
use crate::journal::{Journal, Sequence};
use crate::schema::{Findings, Strictness};
use crate::store::Store;

/// The id of the workspace the server starts with.
pub(crate) const DEFAULT: &str = "default";

/// How a new workspace starts (the body of `POST /__admin/workspaces`, checked); the
/// default is as the server started.
#[derive(Debug, Default)]
pub(crate) struct Blueprint {
    /// Its name, which is also its id; `None`: the mock names it `ws-<n>`.
    pub(crate) name: Option<String>,
    /// Its clock; `None`: the server's.
    pub(crate) clock: Option<Clock>,
    /// The seed of its id stream; `None`: the server's.
    pub(crate) seed: Option<u64>,
    /// Its validation; `None`: the server's.
    pub(crate) strictness: Option<Strictness>,
    /// Its fixtures, keys not yet twinned; `None`: the server's.
    pub(crate) fixtures: Option<FixtureSet>,
    /// Its fault plan; `None`: the server's.
    pub(crate) faults: Option<FaultPlan>,
}

/// One isolated state.
pub(crate) struct WorkspaceState {
    id: Box<str>,
    /// Whether a test named it (its id is then its name).
    named: bool,
    /// When it was made, by the machine's clock.
    created: Timestamp,
    /// When an API request last used it (or it was made), in ms since the registry's
    /// epoch; 0 for `default`, which never ends.
    last_used: AtomicU64,
    /// Its keys, which no other workspace has.
    pub(crate) keyring: Keyring,
    /// Strict or lenient validation.
    pub(crate) strictness: Strictness,
    /// Where `now` comes from.
    pub(crate) clock: SharedClock,
    /// Where `seq` comes from.
    pub(crate) sequence: Sequence,
    /// What goes wrong, and when (D30).
    pub(crate) faults: Faults,
    /// How its clients cope with failure (D30).
    client: Mutex<ClientWatch>,
    /// Whether the watch remembers anything: until then, ordinary answers skip its lock.
    watching: AtomicBool,
    /// What a reset restores: its fixtures (with its own keys), its seed, its clock and its
    /// fault plan.
    baseline: Mutex<Baseline>,
    store: Mutex<Store>,
    journal: Mutex<Journal>,
}

/// What a workspace starts from, and returns to on reset.
struct Baseline {
    fixtures: Arc<FixtureSet>,
    seed: u64,
    clock: Clock,
    faults: Arc<FaultPlan>,
}

impl WorkspaceState {
    fn new(
        id: Box<str>,
        named: bool,
        baseline: Baseline,
        strictness: Strictness,
        journal_limit: usize,
    ) -> Self {
        Self {
            id,
            named,
            created: Clock::System.now(),
            last_used: AtomicU64::new(0),
            keyring: Keyring::new(&baseline.fixtures),
            strictness,
            clock: SharedClock::new(baseline.clock),
            sequence: Sequence::default(),
            store: Mutex::new(baseline.fixtures.store_seeded(baseline.seed)),
            journal: Mutex::new(Journal::new(journal_limit)),
            faults: Faults::new(Arc::clone(&baseline.faults)),
            client: Mutex::default(),
            watching: AtomicBool::new(false),
            baseline: Mutex::new(baseline),
        }
    }

    /// Its id: `default`, the name it was given, or `ws-<n>`.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Whether this is the state the server started with.
    pub(crate) fn is_default(&self) -> bool {
        &*self.id == DEFAULT
    }

    /// The store, locked.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().expect("the store lock is never poisoned")
    }

    /// The journal, locked.
    pub(crate) fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal
            .lock()
            .expect("the journal lock is never poisoned")
    }

    fn baseline(&self) -> MutexGuard<'_, Baseline> {
        self.baseline
            .lock()
            .expect("the baseline lock is never poisoned")
    }

    /// Its fixtures: its keys, and the contacts and tags a reset restores.
    pub(crate) fn fixtures(&self) -> Arc<FixtureSet> {
        Arc::clone(&self.baseline().fixtures)
    }

    /// Fixtures restored, journal emptied, ids and `seq` restarted, clock as it started,
    /// the fault plan's draws and buckets from the start: the isolation step between two
    /// tests.
    pub(crate) fn reset(&self) {
        let mut store = self.store();
        let baseline = self.baseline();
        *store = baseline.fixtures.store_seeded(baseline.seed);
        self.clock.restore(baseline.clock);
        self.faults.replace(Arc::clone(&baseline.faults));
        *self.client_watch() = ClientWatch::default();
        self.watching.store(false, Ordering::Relaxed);
        self.journal().clear();
        self.sequence.restart();
    }

    /// Puts `plan` in force, from its first draw, and makes it what a reset restores
    /// (`PUT …/faults`).
    pub(crate) fn replace_faults(&self, plan: FaultPlan) {
        let plan = Arc::new(plan);
        let mut baseline = self.baseline();
        self.faults.replace(Arc::clone(&plan));
        baseline.faults = plan;
    }

    /// Whether the client watch remembers anything: until then, an answer it would not
    /// remember ([`Seen::may_matter`]) need not be shown to it, and takes no lock.
    pub(crate) fn is_watching(&self) -> bool {
        self.watching.load(Ordering::Relaxed)
    }

    /// What `seen` tells of how the client copes with failure (D30).
    pub(crate) fn watch_client(&self, seen: &Seen<'_>) -> Findings {
        let mut watch = self.client_watch();
        let findings = watch.observe(seen);
        self.watching.store(!watch.is_empty(), Ordering::Relaxed);
        findings
    }

    fn client_watch(&self) -> MutexGuard<'_, ClientWatch> {
        self.client
            .lock()
            .expect("the client watch's lock is never poisoned")
    }

    /// Replaces its data with `fixtures` (its keys), but not what a reset restores: a
    /// provider state set up for one interaction.
    pub(crate) fn load(&self, fixtures: FixtureSet) {
        let seed = self.baseline().seed;
        *self.store() = fixtures.store_seeded(seed);
    }

    /// Its data now, with its keys, as a fixture set.
    pub(crate) fn current(&self) -> FixtureSet {
        let store = self.store();
        let keys = self.baseline().fixtures.keys.clone();
        FixtureSet::of_store(&store, keys)
    }

    /// Its data now, in the fixtures layout (`GET …/state`).
    pub(crate) fn state(&self) -> Map<String, Value> {
        self.current().layout()
    }

    /// Replaces its data with `fixtures`, which also become what a reset restores
    /// (`PUT …/state`). Its keys are fixed when it is made: `fixtures` must have them.
    pub(crate) fn replace_state(&self, fixtures: FixtureSet) -> Result<(), ApiError> {
        let mut store = self.store();
        let mut baseline = self.baseline();
        if fixtures.keys != baseline.fixtures.keys {
            return Err(ApiError::KeysFixed);
        }
        *store = fixtures.store_seeded(baseline.seed);
        baseline.fixtures = Arc::new(fixtures);
        Ok(())
    }

    /// The key [`crate::MockServer::api_key`] names: the first read-write key bound to a
    /// project.
    pub(crate) fn main_key(&self) -> Option<ApiKey> {
        self.baseline()
            .fixtures
            .keys
            .iter()
            .find(|key| key.access == Access::ReadWrite && key.project_id.is_some())
            .cloned()
    }

    /// The ids of the fixture contacts of [`WorkspaceState::main_key`]'s project, in
    /// fixture order.
    pub(crate) fn contact_ids(&self) -> Vec<String> {
        let project = self.main_key().and_then(|key| key.project_id);
        self.fixtures()
            .contacts()
            .iter()
            .filter(|contact| Some(contact.project_id) == project)
            .map(|contact| contact.id.to_string())
            .collect()
    }

    /// What `POST /__admin/workspaces` answers, and `GET …/{id}`: how to use it.
    pub(crate) fn describe(&self, base_url: &str, epoch: Instant) -> Value {
        let fixtures = self.fixtures();
        let main = self.main_key();
        let project = main.as_ref().and_then(|key| key.project_id);
        let contact_ids = self.contact_ids();
        let clock = self.clock.get();
        let mut description = self.summary(epoch);
        let fields = description.as_object_mut().expect("a summary is an object");
        fields.extend([
            ("api_key".to_owned(), json!(main.map(|key| key.key))),
            ("project_id".to_owned(), json!(project)),
            ("contact_ids".to_owned(), json!(contact_ids)),
            ("base_url".to_owned(), json!(base_url)),
            (
                "admin_url".to_owned(),
                json!(format!("{base_url}/__admin/workspaces/{}", self.id)),
            ),
            ("api_keys".to_owned(), json!(fixtures.keys)),
            (
                "frozen_time".to_owned(),
                json!(clock.is_frozen().then(|| clock.now().to_string())),
            ),
            ("mode".to_owned(), json!(self.strictness.name())),
        ]);
        description
    }

    /// One line of `GET /__admin/workspaces`.
    pub(crate) fn summary(&self, epoch: Instant) -> Value {
        let journal = self.journal();
        let last_used = match self.last_used.load(Ordering::Relaxed) {
            0 => None,
            since_epoch => {
                let idle = epoch
                    .elapsed()
                    .saturating_sub(Duration::from_millis(since_epoch));
                Clock::Shifted(-i64::try_from(idle.as_millis()).unwrap_or(i64::MAX))
                    .now()
                    .to_string()
                    .into()
            }
        };
        json!({
            "id": self.id,
            "name": self.named.then_some(&*self.id),
            "created": self.created.to_string(),
            "last_used": last_used,
            "journal": journal.summary(),
        })
    }

    /// Marks it used at `since_epoch` ms (never 0). Written only when the millisecond
    /// changed: every request of a busy workspace would otherwise write the same cache line
    /// from every core.
    fn touch(&self, since_epoch: u64) {
        let at = since_epoch.max(1);
        if self.last_used.load(Ordering::Relaxed) != at {
            self.last_used.store(at, Ordering::Relaxed);
        }
    }

    /// Whether it has been idle longer than `ttl` at `since_epoch` ms.
    fn expired(&self, since_epoch: u64, ttl: Duration) -> bool {
        let last = self.last_used.load(Ordering::Relaxed);
        since_epoch.saturating_sub(last) > u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX)
    }
}

/// How the server's workspaces are made.
pub(crate) struct Template {
    /// The server's fixtures.
    pub(crate) fixtures: Arc<FixtureSet>,
    /// The server's clock.
    pub(crate) clock: Clock,
    /// The server's validation.
    pub(crate) strictness: Strictness,
    /// Each workspace's journal bound.
    pub(crate) journal_limit: usize,
    /// The server's fault plan (`--faults`).
    pub(crate) faults: Arc<FaultPlan>,
}

/// Every workspace of a server: `default`, and those tests made.
pub(crate) struct Workspaces {
    default: WorkspaceState,
    others: RwLock<Others>,
    /// How many others live: the request path looks no further while it is 0.
    live: AtomicUsize,
    limits: WorkspaceLimits,
    template: Template,
    /// What `last_used` counts from.
    epoch: Instant,
    /// Where twin keys come from: a random hasher of a count of keys minted.
    keys: RandomState,
    minted: AtomicU64,
    /// The `<n>` of the last `ws-<n>` named.
    named: AtomicU64,
}

#[derive(Default)]
struct Others {
    by_id: BTreeMap<Box<str>, Arc<WorkspaceState>>,
    by_key: HashMap<String, Arc<WorkspaceState>>,
}

impl Others {
    /// Takes `workspace` and its keys out, and ends its streams.
    fn remove(&mut self, workspace: &WorkspaceState) {
        workspace.journal().close_streams();
        self.by_id.remove(workspace.id());
        for key in &workspace.fixtures().keys {
            self.by_key.remove(&key.key);
        }
    }
}

/// The workspace a request acts on.
pub(crate) enum Scope<'a> {
    /// The server's state.
    Default(&'a WorkspaceState),
    /// A workspace a test made.
    Other(Arc<WorkspaceState>),
}

impl std::ops::Deref for Scope<'_> {
    type Target = WorkspaceState;

    fn deref(&self) -> &WorkspaceState {
        match self {
            Scope::Default(workspace) => workspace,
            Scope::Other(workspace) => workspace,
        }
    }
}

impl Workspaces {
    /// The workspaces of a fresh server: `default` alone.
    pub(crate) fn new(template: Template, limits: WorkspaceLimits) -> Self {
        let default = WorkspaceState::new(
            DEFAULT.into(),
            false,
            Baseline {
                fixtures: Arc::clone(&template.fixtures),
                seed: crate::ids::DEFAULT_SEED,
                clock: template.clock,
                faults: Arc::clone(&template.faults),
            },
            template.strictness,
            template.journal_limit,
        );
        Self {
            default,
            others: RwLock::default(),
            live: AtomicUsize::new(0),
            limits,
            template,
            epoch: Instant::now(),
            keys: RandomState::new(),
            minted: AtomicU64::new(0),
            named: AtomicU64::new(0),
        }
    }

    /// The server's own state.
    pub(crate) fn default_workspace(&self) -> &WorkspaceState {
        &self.default
    }

    /// The server's fixtures, which a workspace starts from unless given its own.
    pub(crate) fn template_fixtures(&self) -> Arc<FixtureSet> {
        Arc::clone(&self.template.fixtures)
    }

    /// What `last_used` counts from.
    pub(crate) fn epoch(&self) -> Instant {
        self.epoch
    }

    fn since_epoch(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn others(&self) -> RwLockReadGuard<'_, Others> {
        self.others
            .read()
            .expect("the workspaces lock is never poisoned")
    }

    fn others_mut(&self) -> RwLockWriteGuard<'_, Others> {
        self.others
            .write()
            .expect("the workspaces lock is never poisoned")
    }

    /// The workspace the key in `headers`' `Authorization` opens; `default` for any other
    /// request, whose keyring then judges the key.
    pub(crate) fn for_headers(&self, headers: &HeaderMap) -> Scope<'_> {
        self.for_key(headers.get(AUTHORIZATION).map(HeaderValue::as_bytes))
    }

    fn for_key(&self, authorization: Option<&[u8]>) -> Scope<'_> {
        let fallback = Scope::Default(&self.default);
        if self.live.load(Ordering::Relaxed) == 0 {
            return fallback;
        }
        let Ok(token) = auth::bearer(authorization) else {
            return fallback;
        };
        let others = self.others();
        let Some(workspace) = others.by_key.get(token) else {
            return fallback;
        };
        let now = self.since_epoch();
        if workspace.expired(now, self.limits.ttl) {
            return fallback;
        }
        workspace.touch(now);
        Scope::Other(Arc::clone(workspace))
    }

    /// The workspace `id` (`default` included).
    pub(crate) fn get(&self, id: &str) -> Result<Scope<'_>, ApiError> {
        if id == DEFAULT {
            return Ok(Scope::Default(&self.default));
        }
        self.sweep();
        self.others()
            .by_id
            .get(id)
            .map(|workspace| Scope::Other(Arc::clone(workspace)))
            .ok_or_else(|| ApiError::WorkspaceNotFound { id: id.to_owned() })
    }

    /// Every live workspace, `default` first, then by id.
    pub(crate) fn list(&self) -> Vec<Scope<'_>> {
        self.sweep();
        let others = self.others();
        std::iter::once(Scope::Default(&self.default))
            .chain(
                others
                    .by_id
                    .values()
                    .map(|workspace| Scope::Other(Arc::clone(workspace))),
            )
            .collect()
    }

    /// Makes a workspace from `blueprint`. It is built before the registry is locked, so
    /// that requests of other workspaces do not wait for a large inline fixture set.
    pub(crate) fn create(&self, blueprint: Blueprint) -> Result<Arc<WorkspaceState>, ApiError> {
        self.sweep();
        let named = blueprint.name.is_some();
        let id: Box<str> = match blueprint.name {
            Some(name) if name == DEFAULT || self.others().by_id.contains_key(name.as_str()) => {
                return Err(ApiError::WorkspaceExists { id: name });
            }
            Some(name) => name.into(),
            None => format!("ws-{}", self.named.fetch_add(1, Ordering::Relaxed) + 1).into(),
        };
        self.check_room(&self.others())?;
        let source = blueprint
            .fixtures
            .map_or_else(|| Arc::clone(&self.template.fixtures), Arc::new);
        let mut fixtures = FixtureSet::clone(&source);
        for key in &mut fixtures.keys {
            key.key = self.twin(&key.key);
            key.description = Some(match key.description.take() {
                Some(description) => format!("workspace {id}: {description}"),
                None => format!("workspace {id}"),
            });
        }
        let workspace = Arc::new(WorkspaceState::new(
            id,
            named,
            Baseline {
                fixtures: Arc::new(fixtures),
                seed: blueprint.seed.unwrap_or(crate::ids::DEFAULT_SEED),
                clock: blueprint.clock.unwrap_or(self.template.clock),
                faults: blueprint
                    .faults
                    .map_or_else(|| Arc::clone(&self.template.faults), Arc::new),
            },
            blueprint.strictness.unwrap_or(self.template.strictness),
            self.template.journal_limit,
        ));
        workspace.touch(self.since_epoch());
        let mut others = self.others_mut();
        // Checked again: another creation may have come first.
        self.check_room(&others)?;
        if others.by_id.contains_key(workspace.id()) {
            return Err(ApiError::WorkspaceExists {
                id: workspace.id().to_owned(),
            });
        }
        for key in &workspace.fixtures().keys {
            others
                .by_key
                .insert(key.key.clone(), Arc::clone(&workspace));
        }
        others
            .by_id
            .insert(workspace.id.clone(), Arc::clone(&workspace));
        self.live.store(others.by_id.len(), Ordering::Relaxed);
        Ok(workspace)
    }

    fn check_room(&self, others: &Others) -> Result<(), ApiError> {
        if others.by_id.len() >= self.limits.max {
            return Err(ApiError::TooManyWorkspaces {
                limit: self.limits.max,
            });
        }
        Ok(())
    }

    /// Ends the workspace `id`: its keys stop working at once.
    pub(crate) fn delete(&self, id: &str) -> Result<(), ApiError> {
        if id == DEFAULT {
            return Err(ApiError::DefaultWorkspace);
        }
        self.sweep();
        let mut others = self.others_mut();
        let workspace = others
            .by_id
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::WorkspaceNotFound { id: id.to_owned() })?;
        others.remove(&workspace);
        self.live.store(others.by_id.len(), Ordering::Relaxed);
        Ok(())
    }

    /// Ends `workspace` if it still lives; not another that took its name since (the
    /// harness ends its own workspace when dropped).
    pub(crate) fn end(&self, workspace: &Arc<WorkspaceState>) {
        let mut others = self.others_mut();
        if others
            .by_id
            .get(workspace.id())
            .is_some_and(|live| Arc::ptr_eq(live, workspace))
        {
            others.remove(workspace);
            self.live.store(others.by_id.len(), Ordering::Relaxed);
        }
    }

    /// Ends the event streams of every workspace (the server is stopping).
    pub(crate) fn close_streams(&self) {
        self.default.journal().close_streams();
        for workspace in self.others().by_id.values() {
            workspace.journal().close_streams();
        }
    }

    /// Ends every workspace idle past the TTL, under one lock.
    fn sweep(&self) {
        let now = self.since_epoch();
        let idle = |workspace: &WorkspaceState| workspace.expired(now, self.limits.ttl);
        if !self
            .others()
            .by_id
            .values()
            .any(|workspace| idle(workspace))
        {
            return;
        }
        let mut others = self.others_mut();
        let expired: Vec<Arc<WorkspaceState>> = others
            .by_id
            .values()
            .filter(|workspace| idle(workspace))
            .cloned()
            .collect();
        for workspace in &expired {
            others.remove(workspace);
        }
        self.live.store(others.by_id.len(), Ordering::Relaxed);
    }

    /// A key like `key` (same kind, same prefix) that no one has: the prefix, then 32
    /// random hexadecimal digits.
    fn twin(&self, key: &str) -> String {
        let prefix = key.rfind('_').map_or("gately_sk_test_", |at| &key[..=at]);
        let minted = self.minted.fetch_add(1, Ordering::Relaxed);
        let random = |salt: u64| self.keys.hash_one((minted, salt, self.epoch.elapsed()));
        format!("{prefix}{:016x}{:016x}", random(1), random(2))
    }
}
