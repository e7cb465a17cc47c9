//! A fault plan (D30), read: `schemas/fault-plan.json` checks its shape, this module what
//! a schema cannot say (a route of the table, a method the route has, a range whose end
//! comes after its start) and turns each rule into what the runtime draws from.

use std::time::Duration;

use hyper::{Method, StatusCode};
use rand_distr::LogNormal;
use serde_json::Value;

use crate::api::operation::{self, Operation};
use crate::api::route::RouteId;
use crate::schema::{Schema, Violation};

/// A plan, checked.
#[derive(Debug, Clone)]
pub(crate) struct FaultPlan {
    /// Where every draw starts.
    pub(crate) seed: u64,
    /// The rules, in the order they are tried.
    pub(crate) rules: Vec<Rule>,
    /// The plan as it was given, for `GET /__admin/faults`.
    pub(crate) text: Value,
}

/// One rule of a plan.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// Its name, if it has one.
    pub(crate) name: Option<String>,
    method: Option<Method>,
    route: Option<RouteId>,
    /// The share of matching requests it fires on (a rate limit fires when its bucket is
    /// empty, and has none).
    pub(crate) probability: f64,
    /// What it does.
    pub(crate) action: Action,
}

/// What a rule does when it fires.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// `limit` requests per key per `window_ms`, as a token bucket; then 429.
    RateLimit {
        /// The bucket's size.
        limit: u32,
        /// The time it takes to refill.
        window_ms: u64,
    },
    /// An error answer in place of the operation's.
    Error {
        /// 500, 502, 503 or 504.
        status: StatusCode,
        /// The `Retry-After` it carries, if any.
        retry_after_s: Option<u64>,
    },
    /// A delay before the answer.
    Latency(Delay),
    /// The connection closed without an answer.
    Reset,
    /// No answer for this long, then the connection closed.
    Hang(Duration),
    /// The answer sent in chunks of `chunk_bytes`, spread over `over`.
    Dribble {
        /// Bytes per chunk.
        chunk_bytes: usize,
        /// The time the whole body takes.
        over: Duration,
    },
}

/// How long a latency rule waits.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Delay {
    /// Always this long (ms).
    Fixed(u64),
    /// Evenly from `min` to `max` ms.
    Uniform {
        /// The shortest.
        min: u64,
        /// The longest.
        max: u64,
    },
    /// Log-normal around a median, cut at `max` ms.
    LogNormal {
        /// The distribution, in ms.
        distribution: LogNormal<f64>,
        /// The longest.
        max: u64,
    },
}

/// The longest any delay of a plan lasts, in ms: a lognormal without `max_ms` stops here.
pub(crate) const MAX_DELAY_MS: u64 = 600_000;

/// Why a plan cannot be used: every fault, each with the pointer of its member.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", describe(.violations))]
pub(crate) struct PlanError {
    /// What is wrong, and where.
    pub(crate) violations: Vec<Violation>,
}

fn describe(violations: &[Violation]) -> String {
    let Some(first) = violations.first() else {
        return "the fault plan is not valid".to_owned();
    };
    let at = if first.pointer.is_empty() {
        "the plan".to_owned()
    } else {
        first.pointer.clone()
    };
    match violations.len() {
        1 => format!("{at}: {}", first.message),
        n => format!("{at}: {} (and {} more)", first.message, n - 1),
    }
}

impl FaultPlan {
    /// No rules: nothing goes wrong.
    pub(crate) fn none() -> Self {
        Self {
            seed: 0,
            rules: Vec::new(),
            text: serde_json::json!({ "seed": 0, "rules": [] }),
        }
    }

    /// Reads `plan`, which `schema` (`fault-plan.json`) holds to its shape first.
    pub(crate) fn read(plan: Value, schema: &Schema) -> Result<Self, PlanError> {
        let violations = schema.violations(&plan);
        if !violations.is_empty() {
            return Err(PlanError {
                violations: explained(violations, &plan, schema.document()),
            });
        }
        let mut violations = Vec::new();
        let seed = plan.get("seed").and_then(Value::as_u64).unwrap_or(0);
        let mut rules = Vec::new();
        for (index, rule) in plan["rules"].as_array().into_iter().flatten().enumerate() {
            match read_rule(rule, &format!("/rules/{index}")) {
                Ok(rule) => rules.push(rule),
                Err(violation) => violations.push(violation),
            }
        }
        if !violations.is_empty() {
            return Err(PlanError { violations });
        }
        Ok(Self {
            seed,
            rules,
            text: plan,
        })
    }

    /// Whether the plan has no rules.
    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

impl Rule {
    /// Whether the rule applies to `operation`.
    pub(crate) fn matches(&self, operation: &Operation) -> bool {
        self.method
            .as_ref()
            .is_none_or(|method| *method == operation.method)
            && self.route.is_none_or(|route| route == operation.route)
    }
}

/// The schema's violations, sorted, with a member another kind of rule takes named as such:
/// the schema says only that a rule has members it did not evaluate, and says it again
/// beside the member's own fault.
fn explained(mut violations: Vec<Violation>, plan: &Value, schema: &Value) -> Vec<Violation> {
    let others: Vec<String> = violations
        .iter()
        .filter(|violation| violation.keyword != "unevaluatedProperties")
        .map(|violation| violation.pointer.clone())
        .collect();
    violations.retain(|violation| {
        violation.keyword != "unevaluatedProperties"
            || !others
                .iter()
                .any(|other| other.starts_with(&format!("{}/", violation.pointer)))
    });
    for violation in &mut violations {
        if violation.keyword != "unevaluatedProperties" {
            continue;
        }
        let Some(rule) = plan.pointer(&violation.pointer).and_then(Value::as_object) else {
            continue;
        };
        let kind = rule
            .get("fault")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let takes = members_of(schema, kind);
        if let Some(extra) = rule.keys().find(|name| !takes.contains(&name.as_str())) {
            violation.pointer = format!("{}/{extra}", violation.pointer);
            violation.message = format!(
                "{} {kind} rule takes {}, not {extra}",
                article(kind),
                takes.join(", ")
            );
        }
    }
    violations.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    violations
}

/// `a` or `an`, for a kind of rule.
fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The members a rule of `kind` takes, as `fault-plan.json` lists them.
fn members_of<'a>(schema: &'a Value, kind: &str) -> Vec<&'a str> {
    let rule = &schema["$defs"]["rule"];
    let own = rule["allOf"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|branch| {
            branch
                .pointer("/if/properties/fault/const")
                .and_then(Value::as_str)
                == Some(kind)
        })
        .and_then(|branch| branch.pointer("/then/properties"))
        .and_then(Value::as_object);
    rule["properties"]
        .as_object()
        .into_iter()
        .chain(own)
        .flat_map(|properties| properties.keys().map(String::as_str))
        .collect()
}

/// One rule, its members as the schema let them through.
fn read_rule(rule: &Value, at: &str) -> Result<Rule, Violation> {
    let member = |name: &str| rule.get(name);
    let number = |name: &str| member(name).and_then(Value::as_u64);
    let invalid =
        |name: &str, message: String| Violation::new(format!("{at}/{name}"), message, "fault");
    let route = match member("route").and_then(Value::as_str) {
        None => None,
        Some(text) => Some(
            RouteId::ALL
                .into_iter()
                .find(|route| route.template() == text)
                .ok_or_else(|| {
                    let known: Vec<&str> = RouteId::ALL.iter().map(|r| r.template()).collect();
                    invalid(
                        "route",
                        format!(
                            "{text:?} is not a route of the API; use one of {}",
                            known.join(", ")
                        ),
                    )
                })?,
        ),
    };
    let method = member("method")
        .and_then(Value::as_str)
        .and_then(|text| Method::from_bytes(text.as_bytes()).ok());
    if let (Some(route), Some(method)) = (route, &method) {
        if operation::find(route, method).is_none() {
            return Err(invalid(
                "method",
                format!(
                    "{method} is not an operation of {}; it has {}",
                    route.template(),
                    route.allow().trim_end_matches(", OPTIONS")
                ),
            ));
        }
    }
    let action = match member("fault").and_then(Value::as_str) {
        Some("rate_limit") => Action::RateLimit {
            limit: u32::try_from(number("limit").unwrap_or(1)).unwrap_or(u32::MAX),
            window_ms: number("window_ms").unwrap_or(1),
        },
        Some("error") => Action::Error {
            status: number("status")
                .and_then(|status| u16::try_from(status).ok())
                .and_then(|status| StatusCode::from_u16(status).ok())
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            retry_after_s: number("retry_after_s"),
        },
        Some("latency") => Action::Latency(read_delay(rule, at)?),
        Some("reset") => Action::Reset,
        Some("hang") => Action::Hang(Duration::from_millis(number("ms").unwrap_or(0))),
        Some("dribble") => Action::Dribble {
            chunk_bytes: number("chunk_bytes")
                .and_then(|bytes| usize::try_from(bytes).ok())
                .unwrap_or(16),
            over: Duration::from_millis(number("over_ms").unwrap_or(0)),
        },
        other => {
            return Err(invalid(
                "fault",
                format!("the schema let the fault {other:?} through"),
            ));
        }
    };
    Ok(Rule {
        name: member("name").and_then(Value::as_str).map(str::to_owned),
        method,
        route,
        probability: member("probability").and_then(Value::as_f64).unwrap_or(1.0),
        action,
    })
}

/// A latency rule's delay: the members its distribution needs, and none of the others.
fn read_delay(rule: &Value, at: &str) -> Result<Delay, Violation> {
    let distribution = rule
        .get("distribution")
        .and_then(Value::as_str)
        .unwrap_or("fixed");
    let (needs, refuses): (&[&str], &[&str]) = match distribution {
        "uniform" => (&["min_ms", "max_ms"], &["ms", "median_ms", "sigma"]),
        "lognormal" => (&["median_ms", "sigma"], &["ms", "min_ms"]),
        _ => (&["ms"], &["min_ms", "max_ms", "median_ms", "sigma"]),
    };
    let wants = needs.join(" and ");
    let hint = match distribution {
        "fixed" if rule.get("min_ms").is_some() || rule.get("max_ms").is_some() => {
            " (for min_ms and max_ms, add \"distribution\": \"uniform\")"
        }
        "fixed" if rule.get("median_ms").is_some() || rule.get("sigma").is_some() => {
            " (for median_ms and sigma, add \"distribution\": \"lognormal\")"
        }
        _ => "",
    };
    for name in needs {
        if rule.get(*name).is_none() {
            return Err(Violation::new(
                format!("{at}/{name}"),
                format!("a {distribution} latency needs {wants}{hint}"),
                "required",
            ));
        }
    }
    if let Some(name) = refuses.iter().find(|name| rule.get(**name).is_some()) {
        return Err(Violation::new(
            format!("{at}/{name}"),
            format!("a {distribution} latency takes {wants}, not {name}"),
            "fault",
        ));
    }
    let ms = |name: &str| rule.get(name).and_then(Value::as_u64).unwrap_or(0);
    let float = |name: &str| rule.get(name).and_then(Value::as_f64).unwrap_or(0.0);
    Ok(match distribution {
        "uniform" => {
            let (min, max) = (ms("min_ms"), ms("max_ms"));
            if max < min {
                return Err(Violation::new(
                    format!("{at}/max_ms"),
                    format!("max_ms ({max}) comes before min_ms ({min})"),
                    "range",
                ));
            }
            Delay::Uniform { min, max }
        }
        "lognormal" => {
            let median = float("median_ms");
            let distribution = LogNormal::new(median.ln(), float("sigma")).map_err(|err| {
                Violation::new(
                    format!("{at}/sigma"),
                    format!("not a log-normal distribution: {err}"),
                    "range",
                )
            })?;
            let max = rule
                .get("max_ms")
                .and_then(Value::as_u64)
                .unwrap_or(MAX_DELAY_MS);
            Delay::LogNormal { distribution, max }
        }
        _ => Delay::Fixed(ms("ms")),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::SchemaRegistry;

    fn read(plan: Value) -> Result<FaultPlan, PlanError> {
        let schemas = SchemaRegistry::compile().unwrap();
        FaultPlan::read(plan, &schemas.fault_plan)
    }

    fn pointers(plan: Value) -> Vec<String> {
        read(plan)
            .unwrap_err()
            .violations
            .into_iter()
            .map(|violation| violation.pointer)
            .collect()
    }

    #[test]
    fn a_plan_of_every_kind_reads() {
        let plan = read(json!({"seed": 7, "rules": [
            {"fault": "rate_limit", "limit": 5, "window_ms": 1000, "method": "PATCH", "route": "/api/v1/contacts/{contactId}"},
            {"fault": "error", "status": 503, "probability": 0.25, "retry_after_s": 2},
            {"fault": "latency", "ms": 200},
            {"fault": "latency", "distribution": "uniform", "min_ms": 100, "max_ms": 300},
            {"fault": "latency", "distribution": "lognormal", "median_ms": 800, "sigma": 0.5, "max_ms": 3000},
            {"fault": "reset", "probability": 0.1, "name": "flaky"},
            {"fault": "hang", "ms": 2000},
            {"fault": "dribble", "over_ms": 1000, "chunk_bytes": 8}
        ]}))
        .unwrap();
        assert_eq!(plan.seed, 7);
        assert_eq!(plan.rules.len(), 8);
        assert!(matches!(
            plan.rules[0].action,
            Action::RateLimit {
                limit: 5,
                window_ms: 1000
            }
        ));
        assert_eq!(plan.rules[1].probability, 0.25);
        assert_eq!(plan.rules[5].name.as_deref(), Some("flaky"));
    }

    #[test]
    fn a_rule_matches_its_method_and_route_and_any_when_left_out() {
        let plan = read(json!({"rules": [
            {"fault": "reset", "route": "/api/v1/contacts/{contactId}"},
            {"fault": "reset", "method": "POST"},
            {"fault": "reset"}
        ]}))
        .unwrap();
        let patch = operation::find(RouteId::Contact, &Method::PATCH).unwrap();
        let create = operation::find(RouteId::Contacts, &Method::POST).unwrap();
        let matched = |operation| -> Vec<bool> {
            plan.rules
                .iter()
                .map(|rule| rule.matches(operation))
                .collect()
        };
        assert_eq!(matched(patch), [true, false, true]);
        assert_eq!(matched(create), [false, true, true]);
    }

    #[test]
    fn each_mistake_is_named_by_its_pointer() {
        assert_eq!(
            pointers(json!({"rules": [{"fault": "error", "status": 418}]})),
            ["/rules/0/status"]
        );
        assert_eq!(
            pointers(json!({"rules": [{"fault": "reset", "route": "/api/v1/contact"}]})),
            ["/rules/0/route"]
        );
        assert_eq!(
            pointers(
                json!({"rules": [{"fault": "reset", "route": "/api/v1/contacts/tags", "method": "PATCH"}]})
            ),
            ["/rules/0/method"]
        );
        assert_eq!(
            pointers(
                json!({"rules": [{"fault": "latency", "distribution": "uniform", "min_ms": 5, "max_ms": 1}]})
            ),
            ["/rules/0/max_ms"]
        );
        assert_eq!(
            pointers(json!({"rules": [{"fault": "latency", "distribution": "uniform", "ms": 5}]})),
            ["/rules/0/min_ms"]
        );
        assert_eq!(
            pointers(json!({"rules": [{"fault": "rate_limit", "limit": 5}]})),
            ["/rules/0/window_ms"]
        );
    }

    #[test]
    fn a_member_of_another_kind_is_refused() {
        let refused = read(json!({"rules": [{"fault": "reset", "status": 503}]})).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "/rules/0/status: a reset rule takes name, method, route, fault, probability, not status"
        );
        let error =
            read(json!({"rules": [{"fault": "error", "status": 503, "ms": 5}]})).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("/rules/0/ms: an error rule takes"),
            "{error}"
        );
        let uniform =
            read(json!({"rules": [{"fault": "latency", "min_ms": 5, "max_ms": 9}]})).unwrap_err();
        assert_eq!(
            uniform.to_string(),
            "/rules/0/ms: a fixed latency needs ms (for min_ms and max_ms, add \"distribution\": \"uniform\")"
        );
        let wrong_value = read(json!({"rules": [{"fault": "error", "status": 418}]})).unwrap_err();
        assert_eq!(wrong_value.violations.len(), 1, "{wrong_value}");
    }

    #[test]
    fn the_message_is_one_line_naming_the_first_pointer() {
        let refused = read(json!({"rules": [
            {"fault": "error", "status": 418},
            {"fault": "reset", "probability": 2}
        ]}))
        .unwrap_err();
        let message = refused.to_string();
        assert!(message.starts_with("/rules/0/status: "), "{message}");
        assert!(message.ends_with("(and 1 more)"), "{message}");
        assert!(!message.contains('\n'));
    }
}
