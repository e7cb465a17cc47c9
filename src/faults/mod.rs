//! Injected faults (D30): what a workspace's fault plan, or a request's `Prefer: fault=` and
//! `latency=`, does to an API request the contract accepted. The plan is tried before the
//! operation's handler, so that an injected error or a closed connection changes nothing;
//! the server then waits, closes or dribbles as the [`Effect`] says, and the journal
//! records each fault that fired.
//!
//! Every random choice comes from a seeded generator per rule and key, drawn in the order
//! that key's matching requests arrive: the same plan, seed and order of requests give the
//! same faults, whatever other keys send meanwhile.

pub(crate) mod bucket;
pub(crate) mod plan;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hyper::StatusCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::Distribution;
use serde::Serialize;

use crate::api::operation::Operation;
use crate::api::prefer::{Preferences, PreferredFault};
use bucket::TokenBucket;
use plan::{Action, Delay, FaultPlan};

/// How long `Prefer: fault=hang` holds the answer back before closing.
pub(crate) const PREFER_HANG: Duration = Duration::from_secs(10);
/// How long `Prefer: fault=dribble` takes to send the answer.
pub(crate) const PREFER_DRIBBLE: Duration = Duration::from_secs(2);
/// The chunk size of `Prefer: fault=dribble`, and of a dribble rule that names none.
pub(crate) const DRIBBLE_CHUNK: usize = 16;

/// A workspace's plan and what it has drawn so far.
#[derive(Debug)]
pub(crate) struct Faults {
    /// Whether the plan has rules: requests of a workspace without a plan take no lock.
    active: AtomicBool,
    running: Mutex<Running>,
}

#[derive(Debug)]
struct Running {
    plan: Arc<FaultPlan>,
    rules: Vec<RuleState>,
}

/// One rule's draws and buckets, one of each per key. A key's stream starts from its
/// client's identity (the key as recordings keep it), so that it is the same in every run
/// even for a workspace's keys, which are new each run.
#[derive(Debug, Default)]
struct RuleState {
    streams: HashMap<Box<str>, StdRng>,
    buckets: HashMap<Box<str>, TokenBucket>,
}

impl Running {
    fn new(plan: Arc<FaultPlan>) -> Self {
        let rules = plan.rules.iter().map(|_| RuleState::default()).collect();
        Self { plan, rules }
    }
}

/// What faults do to one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Effect {
    /// Each fault that fired, in the order tried (the exchange's `faults`).
    pub(crate) fired: Vec<Fired>,
    /// An answer in place of the operation's.
    pub(crate) answer: Option<Injected>,
    /// Waited before the answer.
    pub(crate) delay: Duration,
    /// How the answer leaves.
    pub(crate) delivery: Delivery,
    /// The rate limit a request passed, for its `X-RateLimit-*` headers.
    pub(crate) passed: Option<RateHeaders>,
}

/// An answer a fault gives in place of the operation's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injected {
    /// 429: the key's bucket is empty.
    RateLimited(RateHeaders),
    /// A 5xx.
    Error {
        /// Its status.
        status: StatusCode,
        /// Its `Retry-After`, if any.
        retry_after_s: Option<u64>,
    },
}

/// What the `X-RateLimit-*` headers (and a 429's `Retry-After`) say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateHeaders {
    /// `X-RateLimit-Limit`.
    pub(crate) limit: u32,
    /// `X-RateLimit-Remaining`.
    pub(crate) remaining: u32,
    /// `X-RateLimit-Reset`: seconds until the bucket is full.
    pub(crate) reset_s: u64,
    /// `Retry-After` of a 429.
    pub(crate) retry_after_s: u64,
}

/// How an answer leaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// At once, whole.
    #[default]
    Whole,
    /// In chunks of `chunk_bytes`, spread over `over`.
    Dribble {
        /// Bytes per chunk.
        chunk_bytes: usize,
        /// The time the body takes.
        over: Duration,
    },
    /// Not at all: the connection is closed.
    Reset,
    /// Not at all: nothing for this long, then the connection is closed.
    Hang(Duration),
}

impl Delivery {
    /// Whether the client gets no answer.
    pub(crate) fn is_none(self) -> bool {
        matches!(self, Delivery::Reset | Delivery::Hang(_))
    }
}

/// One fault that fired, as the journal records it: `{"kind": "error", "rule": 1, "name":
/// "flaky creates"}`, or `{"kind": "reset", "rule": "prefer"}` for one a request asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Fired {
    /// `rate_limit`, `error`, `latency`, `reset`, `hang` or `dribble`.
    pub(crate) kind: &'static str,
    /// The rule's index in the plan, or `"prefer"`.
    pub(crate) rule: RuleRef,
    /// The rule's name, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    /// The time it added or held back (latency, hang, dribble), in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) ms: Option<u64>,
}

/// Which rule fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum RuleRef {
    /// The plan's rule at this index.
    Plan(usize),
    /// The request's `Prefer` header.
    Prefer(PreferTag),
}

/// Serialises as `"prefer"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PreferTag {
    /// The `Prefer` header.
    Prefer,
}

impl Fired {
    /// The rule as a problem's detail names it: `"flaky creates"`, `/rules/2` (its pointer
    /// in the plan), or `Prefer`.
    pub(crate) fn label(&self) -> String {
        match (&self.rule, &self.name) {
            (_, Some(name)) => format!("{name:?}"),
            (RuleRef::Plan(index), None) => format!("/rules/{index}"),
            (RuleRef::Prefer(_), None) => "Prefer".to_owned(),
        }
    }
}

impl Faults {
    /// A workspace's faults, starting from `plan`.
    pub(crate) fn new(plan: Arc<FaultPlan>) -> Self {
        Self {
            active: AtomicBool::new(!plan.is_empty()),
            running: Mutex::new(Running::new(plan)),
        }
    }

    fn running(&self) -> MutexGuard<'_, Running> {
        self.running
            .lock()
            .expect("the fault plan's lock is never poisoned")
    }

    /// The plan in force.
    pub(crate) fn plan(&self) -> Arc<FaultPlan> {
        Arc::clone(&self.running().plan)
    }

    /// Puts `plan` in force, its draws and buckets from the start (a `PUT`, or a reset).
    pub(crate) fn replace(&self, plan: Arc<FaultPlan>) {
        let mut running = self.running();
        self.active.store(!plan.is_empty(), Ordering::Release);
        *running = Running::new(plan);
    }

    /// Whether a fault may fire on a request that asks for `prefer`: the plan has rules, or
    /// the request asks for one. Else [`Faults::draw`] need not be called.
    pub(crate) fn may_fire(&self, prefer: &Preferences) -> bool {
        prefer.fault.is_some() || prefer.latency_ms.is_some() || self.active.load(Ordering::Acquire)
    }

    /// What faults do to a request for `operation` on `key`, from `client` (the key as
    /// recordings keep it, [`crate::contract::client::client_of`]; asked for only when a
    /// key's first draw needs a seed), arriving at `now_ms` on the workspace's clock:
    /// `None` when nothing is done to it. A request that asks for
    /// a fault (`Prefer: fault=`) gets that one, and the plan is not tried; one that asks
    /// for a latency gets it in place of the plan's.
    pub(crate) fn draw(
        &self,
        operation: &Operation,
        key: &str,
        client: impl Fn() -> String,
        now_ms: i64,
        prefer: &Preferences,
    ) -> Option<Box<Effect>> {
        let mut effect = if prefer.fault.is_some() || !self.active.load(Ordering::Acquire) {
            Effect::default()
        } else {
            self.planned(operation, key, client, now_ms)
        };
        preferred(prefer, &mut effect);
        (!effect.fired.is_empty() || effect.passed.is_some()).then(|| Box::new(effect))
    }

    /// What the plan does. Rules are tried in order; each matching rule draws from its
    /// key's stream when it is tried, whether it fires or not, so that a key's faults
    /// depend on the plan, the seed and that key's requests alone. The first rate limit,
    /// error, reset or hang that fires ends the try.
    fn planned(
        &self,
        operation: &Operation,
        key: &str,
        client: impl Fn() -> String,
        now_ms: i64,
    ) -> Effect {
        let mut running = self.running();
        let Running { plan, rules } = &mut *running;
        let mut effect = Effect::default();
        for (index, (rule, state)) in plan.rules.iter().zip(rules.iter_mut()).enumerate() {
            if !rule.matches(operation) {
                continue;
            }
            let fired = |kind, ms| Fired {
                kind,
                rule: RuleRef::Plan(index),
                name: rule.name.clone(),
                ms,
            };
            let seed = plan.seed;
            match &rule.action {
                Action::RateLimit { limit, window_ms } => {
                    let (limit, window_ms) = (*limit, *window_ms);
                    if !state.buckets.contains_key(key) {
                        let full = TokenBucket::full(limit, now_ms);
                        state.buckets.insert(key.into(), full);
                    }
                    let Some(bucket) = state.buckets.get_mut(key) else {
                        continue;
                    };
                    match bucket.take(limit, window_ms, now_ms) {
                        Ok(passed) => {
                            effect.passed.get_or_insert(RateHeaders {
                                limit,
                                remaining: passed.remaining,
                                reset_s: passed.reset_s,
                                retry_after_s: 0,
                            });
                        }
                        Err(empty) => {
                            effect.fired.push(fired("rate_limit", None));
                            effect.answer = Some(Injected::RateLimited(RateHeaders {
                                limit,
                                remaining: 0,
                                reset_s: empty.reset_s,
                                retry_after_s: empty.retry_after_s,
                            }));
                            break;
                        }
                    }
                }
                Action::Latency(delay) => {
                    if let Some(rng) = state.fires(seed, index, key, &client, rule.probability) {
                        let ms = delay_ms(delay, rng);
                        if effect.delay.is_zero() {
                            effect.delay = Duration::from_millis(ms);
                            effect.fired.push(fired("latency", Some(ms)));
                        }
                    }
                }
                Action::Dribble { chunk_bytes, over } => {
                    if state
                        .fires(seed, index, key, &client, rule.probability)
                        .is_some()
                        && effect.delivery == Delivery::Whole
                    {
                        effect.delivery = Delivery::Dribble {
                            chunk_bytes: *chunk_bytes,
                            over: *over,
                        };
                        effect.fired.push(fired("dribble", Some(millis(*over))));
                    }
                }
                Action::Error {
                    status,
                    retry_after_s,
                } => {
                    if state
                        .fires(seed, index, key, &client, rule.probability)
                        .is_some()
                    {
                        effect.fired.push(fired("error", None));
                        effect.answer = Some(Injected::Error {
                            status: *status,
                            retry_after_s: *retry_after_s,
                        });
                        break;
                    }
                }
                Action::Reset => {
                    if state
                        .fires(seed, index, key, &client, rule.probability)
                        .is_some()
                    {
                        effect.fired.push(fired("reset", None));
                        effect.delivery = Delivery::Reset;
                        break;
                    }
                }
                Action::Hang(time) => {
                    if state
                        .fires(seed, index, key, &client, rule.probability)
                        .is_some()
                    {
                        effect.fired.push(fired("hang", Some(millis(*time))));
                        effect.delivery = Delivery::Hang(*time);
                        break;
                    }
                }
            }
        }
        effect
    }
}

impl RuleState {
    /// Whether the rule (`index` of a plan seeded with `seed`) fires on a request with
    /// `key`, drawn from that key's stream (started from `client`, asked for only then);
    /// the stream, for what else it draws, when it does.
    fn fires(
        &mut self,
        seed: u64,
        index: usize,
        key: &str,
        client: impl FnOnce() -> String,
        probability: f64,
    ) -> Option<&mut StdRng> {
        if !self.streams.contains_key(key) {
            let stream = StdRng::seed_from_u64(stream_seed(seed, index, &client()));
            self.streams.insert(key.into(), stream);
        }
        let rng = self.streams.get_mut(key)?;
        (rng.random::<f64>() < probability).then_some(rng)
    }
}

/// Where `client`'s stream of rule `index` starts: the plan's seed, the rule and the
/// client, mixed by a hasher with fixed keys (the same in every run of a build).
fn stream_seed(seed: u64, index: usize, client: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    (seed, index, client).hash(&mut hasher);
    hasher.finish()
}

/// What a request's `Prefer: fault=` and `latency=` ask for, over what the plan drew: a
/// latency in place of the plan's, a fault in place of everything (the plan was not tried).
fn preferred(prefer: &Preferences, effect: &mut Effect) {
    let fired = |kind, ms| Fired {
        kind,
        rule: RuleRef::Prefer(PreferTag::Prefer),
        name: None,
        ms,
    };
    if let Some(ms) = prefer.latency_ms {
        effect.fired.retain(|fired| fired.kind != "latency");
        effect.delay = Duration::from_millis(ms);
        effect.fired.insert(0, fired("latency", Some(ms)));
    }
    match prefer.fault {
        None => {}
        Some(PreferredFault::Reset) => {
            effect.delivery = Delivery::Reset;
            effect.fired.push(fired("reset", None));
        }
        Some(PreferredFault::Hang) => {
            effect.delivery = Delivery::Hang(PREFER_HANG);
            effect.fired.push(fired("hang", Some(millis(PREFER_HANG))));
        }
        Some(PreferredFault::Dribble) => {
            effect.delivery = Delivery::Dribble {
                chunk_bytes: DRIBBLE_CHUNK,
                over: PREFER_DRIBBLE,
            };
            effect
                .fired
                .push(fired("dribble", Some(millis(PREFER_DRIBBLE))));
        }
    }
}

/// A delay drawn from `delay`, in ms.
fn delay_ms(delay: &Delay, rng: &mut StdRng) -> u64 {
    match *delay {
        Delay::Fixed(ms) => ms,
        Delay::Uniform { min, max } => rng.random_range(min..=max),
        Delay::LogNormal { distribution, max } => {
            let drawn = distribution.sample(rng);
            (drawn.round() as u64).min(max)
        }
    }
}

fn millis(time: Duration) -> u64 {
    u64::try_from(time.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use hyper::Method;
    use serde_json::{Value, json};

    use super::*;
    use crate::api::operation;
    use crate::api::route::RouteId;
    use crate::schema::SchemaRegistry;

    fn faults(plan: Value) -> Faults {
        let schemas = SchemaRegistry::compile().unwrap();
        Faults::new(Arc::new(
            FaultPlan::read(plan, &schemas.fault_plan).unwrap(),
        ))
    }

    fn patch() -> &'static Operation {
        operation::find(RouteId::Contact, &Method::PATCH).unwrap()
    }

    fn kinds(faults: &Faults, requests: usize) -> Vec<&'static str> {
        (0..requests)
            .map(|_| {
                faults
                    .draw(
                        patch(),
                        "key",
                        || "key".to_owned(),
                        0,
                        &Preferences::default(),
                    )
                    .and_then(|effect| effect.fired.first().map(|fired| fired.kind))
                    .unwrap_or("-")
            })
            .collect()
    }

    #[test]
    fn a_seeded_plan_draws_the_same_faults_on_every_run() {
        let plan = json!({"seed": 42, "rules": [
            {"fault": "error", "status": 503, "probability": 0.3},
            {"fault": "reset", "probability": 0.2}
        ]});
        let first = kinds(&faults(plan.clone()), 200);
        assert_eq!(first, kinds(&faults(plan.clone()), 200));
        let errors = first.iter().filter(|kind| **kind == "error").count();
        assert!((40..=80).contains(&errors), "{errors} errors of 200");
        assert!(first.contains(&"reset") && first.contains(&"-"));
        let mut other = plan;
        other["seed"] = json!(43);
        assert_ne!(first, kinds(&faults(other), 200));
    }

    #[test]
    fn each_client_draws_the_same_faults_whatever_others_send_meanwhile() {
        let plan =
            json!({"seed": 9, "rules": [{"fault": "error", "status": 503, "probability": 0.5}]});
        let prefer = Preferences::default();
        let drawn = |faults: &Faults, client: &str| {
            faults
                .draw(patch(), client, || client.to_owned(), 0, &prefer)
                .is_some()
        };
        let alone = faults(plan.clone());
        let a_alone: Vec<bool> = (0..40).map(|_| drawn(&alone, "a")).collect();
        let mixed = faults(plan);
        let a_mixed: Vec<bool> = (0..40)
            .map(|at| {
                for _ in 0..at % 3 {
                    drawn(&mixed, "b");
                }
                drawn(&mixed, "a")
            })
            .collect();
        assert_eq!(a_alone, a_mixed);
    }

    #[test]
    fn a_prefer_latency_takes_the_place_of_the_plans_and_the_plan_still_applies() {
        let faults = faults(json!({"rules": [
            {"fault": "latency", "ms": 900},
            {"fault": "error", "status": 502}
        ]}));
        let prefer = Preferences {
            fault: None,
            latency_ms: Some(5),
        };
        let effect = faults
            .draw(patch(), "k", || "k".to_owned(), 0, &prefer)
            .unwrap();
        assert_eq!(effect.delay, Duration::from_millis(5));
        let fired: Vec<&str> = effect.fired.iter().map(|fired| fired.kind).collect();
        assert_eq!(fired, ["latency", "error"]);
        assert_eq!(effect.fired[0].rule, RuleRef::Prefer(PreferTag::Prefer));
    }

    #[test]
    fn a_replaced_plan_starts_its_draws_again() {
        let plan =
            json!({"seed": 1, "rules": [{"fault": "error", "status": 500, "probability": 0.5}]});
        let faults = faults(plan.clone());
        let first = kinds(&faults, 50);
        let schemas = SchemaRegistry::compile().unwrap();
        faults.replace(Arc::new(
            FaultPlan::read(plan, &schemas.fault_plan).unwrap(),
        ));
        assert_eq!(first, kinds(&faults, 50));
    }

    #[test]
    fn a_rate_limit_answers_429_once_the_key_has_used_its_bucket() {
        let faults = faults(json!({"rules": [
            {"fault": "rate_limit", "limit": 2, "window_ms": 1000}
        ]}));
        let prefer = Preferences::default();
        let first = faults
            .draw(patch(), "a", || "a".to_owned(), 0, &prefer)
            .unwrap();
        assert_eq!(first.passed.unwrap().remaining, 1);
        assert!(first.answer.is_none() && first.fired.is_empty());
        faults
            .draw(patch(), "a", || "a".to_owned(), 0, &prefer)
            .unwrap();
        let third = faults
            .draw(patch(), "a", || "a".to_owned(), 0, &prefer)
            .unwrap();
        let Some(Injected::RateLimited(headers)) = third.answer else {
            panic!("{third:?}")
        };
        assert_eq!((headers.limit, headers.retry_after_s), (2, 1));
        assert!(
            faults
                .draw(patch(), "b", || "b".to_owned(), 0, &prefer)
                .unwrap()
                .answer
                .is_none(),
            "another key has its own bucket"
        );
        assert!(
            faults
                .draw(patch(), "a", || "a".to_owned(), 500, &prefer)
                .unwrap()
                .answer
                .is_none()
        );
    }

    #[test]
    fn latency_and_dribble_apply_to_the_answer_a_later_rule_gives() {
        let faults = faults(json!({"rules": [
            {"fault": "latency", "ms": 250},
            {"fault": "dribble", "over_ms": 1000},
            {"fault": "error", "status": 502},
            {"fault": "reset"}
        ]}));
        let effect = faults
            .draw(patch(), "k", || "k".to_owned(), 0, &Preferences::default())
            .unwrap();
        let fired: Vec<&str> = effect.fired.iter().map(|fired| fired.kind).collect();
        assert_eq!(fired, ["latency", "dribble", "error"]);
        assert_eq!(effect.delay, Duration::from_millis(250));
        assert!(matches!(effect.delivery, Delivery::Dribble { .. }));
        assert!(matches!(effect.answer, Some(Injected::Error { .. })));
    }

    #[test]
    fn a_rule_for_another_operation_does_not_fire() {
        let faults = faults(json!({"rules": [{"fault": "reset", "method": "POST"}]}));
        assert!(
            faults
                .draw(patch(), "k", || "k".to_owned(), 0, &Preferences::default())
                .is_none()
        );
    }

    #[test]
    fn delays_stay_in_their_range() {
        let mut rng = StdRng::seed_from_u64(3);
        let uniform = Delay::Uniform { min: 100, max: 120 };
        assert!((0..100).all(|_| (100..=120).contains(&delay_ms(&uniform, &mut rng))));
        let lognormal = Delay::LogNormal {
            distribution: rand_distr::LogNormal::new(1000f64.ln(), 0.5).unwrap(),
            max: 3000,
        };
        let drawn: Vec<u64> = (0..1000).map(|_| delay_ms(&lognormal, &mut rng)).collect();
        assert!(drawn.iter().all(|ms| *ms <= 3000));
        let below = drawn.iter().filter(|ms| **ms < 1000).count();
        assert!(
            (400..=600).contains(&below),
            "the median is 1000 ms: {below}"
        );
    }
}
