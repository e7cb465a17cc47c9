//! Coverage (D32): which of the outcomes the mock can produce a capture exercised. An
//! outcome is an operation with one of its documented statuses and, for an error, the
//! problem's `code` (`updateContact:409:email_taken`); the operation table lists them all
//! (`Operation::outcomes`). Each exchange of the capture counts for the outcome it had:
//! - a success counts for its status (code `ok`);
//! - a refusal for its status and the `code` of its problem body;
//! - an answer `Prefer: code=` forced counts, marked forced, for every outcome of its
//!   status: the client saw the status, not a particular cause;
//! - an answer a fault injected (D30: 429 `rate_limited`, 5xx `injected_fault`, no answer)
//!   is listed apart, marked forced: the mock produces it only under a fault plan, so it is
//!   never missing.
//!
//! Renderings: `human` (a table grouped by operation), `json`, and JUnit (a test suite
//! `coverage`, a skipped case per outcome never seen).

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::api::operation::{OPERATIONS, Operation};
use crate::contract::capture::Observed;
use crate::contract::xml;

/// Every outcome, and how often a capture had it.
#[derive(Clone, Debug, Serialize)]
pub struct CoverageReport {
    /// Outcomes seen (forced ones included), of `total`.
    pub covered: usize,
    /// Outcomes the mock can produce.
    pub total: usize,
    /// `covered` of `total`, in percent (one decimal).
    pub percent: f64,
    /// Every outcome, in the operation table's order.
    pub outcomes: Vec<OutcomeCount>,
    /// Answers faults injected (D30), which no outcome of the table is.
    pub injected: Vec<OutcomeCount>,
}

/// One outcome and its counts.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct OutcomeCount {
    /// `updateContact:409:email_taken`: what `--require` takes.
    pub id: String,
    /// The operation's id (`updateContact`).
    pub operation: &'static str,
    /// `PATCH /api/v1/contacts/{contactId}`.
    pub route: String,
    /// The status (0: no answer, an injected reset or hang).
    pub status: u16,
    /// The problem's `code`, or `ok`.
    pub code: String,
    /// Exchanges that had it.
    pub seen: usize,
    /// Forced ones (`Prefer: code=`, faults), counted apart.
    pub forced: usize,
}

/// A `--require` that names no outcome.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "--require {0:?} names no outcome; outcomes are OPERATION:STATUS:CODE (updateContact:409:email_taken) or OPERATION:STATUS, with the operation ids of the OpenAPI document, as the coverage report lists them"
)]
pub struct UnknownOutcome(pub String);

impl OutcomeCount {
    fn new(operation: &'static Operation, status: u16, code: &str) -> Self {
        Self {
            id: format!("{}:{status}:{code}", operation.name),
            operation: operation.name,
            route: format!("{} {}", operation.method, operation.route.template()),
            status,
            code: code.to_owned(),
            seen: 0,
            forced: 0,
        }
    }

    /// Whether a capture had it, forced or not.
    pub fn is_seen(&self) -> bool {
        self.seen > 0
    }
}

/// Coverage counted one exchange at a time, for a capture read as it streams by.
pub(crate) struct Tally {
    outcomes: Vec<OutcomeCount>,
    injected: Vec<OutcomeCount>,
}

impl Tally {
    /// Every outcome of the operation table, none seen yet.
    pub(crate) fn new() -> Self {
        let outcomes: Vec<OutcomeCount> = OPERATIONS
            .iter()
            .flat_map(|operation| {
                let mut listed: Vec<(u16, &str)> = Vec::new();
                for outcome in operation.outcomes() {
                    if !listed.contains(&outcome) {
                        listed.push(outcome);
                    }
                }
                listed
                    .into_iter()
                    .map(move |(status, code)| OutcomeCount::new(operation, status, code))
            })
            .collect();
        Self {
            outcomes,
            injected: Vec::new(),
        }
    }

    /// Counts `observed`.
    pub(crate) fn add(&mut self, observed: &Observed) {
        let Some((operation, _)) = observed.operation() else {
            return;
        };
        let replaced = observed
            .faults
            .iter()
            .any(|kind| matches!(kind.as_str(), "rate_limit" | "error" | "reset" | "hang"));
        let code = code_of(observed);
        if replaced {
            let id = format!("{}:{}:{code}", operation.name, observed.status);
            let at = match self.injected.iter().position(|outcome| outcome.id == id) {
                Some(at) => at,
                None => {
                    self.injected
                        .push(OutcomeCount::new(operation, observed.status, &code));
                    self.injected.len() - 1
                }
            };
            self.injected[at].seen += 1;
            self.injected[at].forced += 1;
            return;
        }
        let forced = observed.forced && observed.faults.is_empty();
        for outcome in self.outcomes.iter_mut().filter(|outcome| {
            outcome.operation == operation.name
                && outcome.status == observed.status
                && (forced || outcome.code == code)
        }) {
            outcome.seen += 1;
            if forced {
                outcome.forced += 1;
            }
        }
    }

    /// The coverage of what was counted.
    pub(crate) fn report(self) -> CoverageReport {
        let Self { outcomes, injected } = self;
        let covered = outcomes.iter().filter(|outcome| outcome.is_seen()).count();
        let total = outcomes.len();
        let percent = if total == 0 {
            100.0
        } else {
            (covered as f64 * 1000.0 / total as f64).floor() / 10.0
        };
        CoverageReport {
            covered,
            total,
            percent,
            outcomes,
            injected,
        }
    }
}

impl CoverageReport {
    /// The coverage of `captured`.
    pub(crate) fn of(captured: &[Observed]) -> Self {
        let mut tally = Tally::new();
        for observed in captured {
            tally.add(observed);
        }
        tally.report()
    }
    /// What keeps the coverage from passing: below `min_percent`, or a required outcome
    /// never seen (`OPERATION:STATUS:CODE`, or `OPERATION:STATUS` for any code of it).
    pub fn unmet(
        &self,
        min_percent: Option<f64>,
        required: &[String],
    ) -> Result<Vec<String>, UnknownOutcome> {
        let mut unmet = Vec::new();
        let exact = if self.total == 0 {
            100.0
        } else {
            self.covered as f64 * 100.0 / self.total as f64
        };
        if let Some(min) = min_percent.filter(|min| exact < *min) {
            unmet.push(format!(
                "coverage {:.1} % ({} of {} outcomes) is below --min-coverage {min}",
                self.percent, self.covered, self.total
            ));
        }
        for wanted in required {
            let wanted = wanted.trim();
            let named = |outcome: &&OutcomeCount| {
                outcome.id == wanted
                    || format!("{}:{}", outcome.operation, outcome.status) == wanted
            };
            let seen = self
                .outcomes
                .iter()
                .chain(&self.injected)
                .filter(named)
                .any(OutcomeCount::is_seen);
            let known =
                self.outcomes.iter().any(|outcome| named(&outcome)) || is_injectable(wanted);
            if !known {
                return Err(UnknownOutcome(wanted.to_owned()));
            }
            if !seen {
                unmet.push(format!("required outcome {wanted} was never seen"));
            }
        }
        Ok(unmet)
    }

    /// The `human` rendering: a table per operation, never-seen outcomes marked.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        let mut operation = "";
        for outcome in &self.outcomes {
            if outcome.operation != operation {
                operation = outcome.operation;
                let _ = writeln!(out, "{} ({})", outcome.operation, outcome.route);
            }
            let _ = writeln!(
                out,
                "  {} {} {:<26} {}",
                if outcome.is_seen() { "✓" } else { "·" },
                outcome.status,
                outcome.code,
                counts(outcome)
            );
        }
        if !self.injected.is_empty() {
            let _ = writeln!(out, "injected by faults (D30)");
            for outcome in &self.injected {
                let _ = writeln!(
                    out,
                    "  ✓ {} {} {} {}",
                    outcome.operation,
                    outcome.status,
                    outcome.code,
                    counts(outcome)
                );
            }
        }
        let _ = writeln!(
            out,
            "coverage: {} of {} outcomes ({:.1} %); {} never seen",
            self.covered,
            self.total,
            self.percent,
            self.total - self.covered
        );
        out
    }

    /// The `json` rendering.
    pub fn to_json_value(&self) -> Value {
        serde_json::to_value(self).expect("the coverage serialises: strings and numbers")
    }

    /// The JUnit test suite `coverage`: a case per outcome, skipped when never seen.
    pub fn to_junit_suite(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "  <testsuite name=\"coverage\" tests=\"{}\" failures=\"0\" errors=\"0\" skipped=\"{}\" time=\"0\">",
            self.total,
            self.total - self.covered
        );
        for outcome in &self.outcomes {
            let _ = write!(
                out,
                "    <testcase classname=\"coverage.{}\" name=\"{}\" time=\"0\"",
                xml::escaped(outcome.operation),
                xml::escaped(&outcome.id)
            );
            if outcome.is_seen() {
                out.push_str("/>\n");
            } else {
                out.push_str(
                    ">\n      <skipped message=\"never seen in the traffic\"/>\n    </testcase>\n",
                );
            }
        }
        out.push_str("  </testsuite>\n");
        out
    }
}

/// Whether `id` is an answer a fault plan can inject into an operation (D30):
/// `OPERATION:429:rate_limited`, `OPERATION:5xx:injected_fault`, `OPERATION:0:no_answer`,
/// or the status alone.
fn is_injectable(id: &str) -> bool {
    let mut parts = id.split(':');
    let (Some(operation), Some(status)) = (parts.next(), parts.next()) else {
        return false;
    };
    let code = parts.next();
    OPERATIONS.iter().any(|known| known.name == operation)
        && parts.next().is_none()
        && match status {
            "429" => code.is_none_or(|code| code == "rate_limited"),
            "500" | "502" | "503" | "504" => code.is_none_or(|code| code == "injected_fault"),
            "0" => code.is_none_or(|code| code == "no_answer"),
            _ => false,
        }
}

/// `3 exchanges (1 forced)`, `never seen`.
fn counts(outcome: &OutcomeCount) -> String {
    match (outcome.seen, outcome.forced) {
        (0, _) => "never seen".to_owned(),
        (1, 0) => "1 exchange".to_owned(),
        (seen, 0) => format!("{seen} exchanges"),
        (seen, forced) => format!(
            "{seen} exchange{} ({forced} forced)",
            if seen == 1 { "" } else { "s" }
        ),
    }
}

/// The outcome's code of an answer: `ok` for a success, the problem's `code` otherwise.
fn code_of(observed: &Observed) -> String {
    if (200..300).contains(&observed.status) {
        return "ok".to_owned();
    }
    observed
        .response_body
        .as_ref()
        .and_then(|body| body.text_of("code"))
        .unwrap_or_else(|| {
            if observed.status == 0 {
                "no_answer"
            } else {
                "unknown"
            }
            .to_owned()
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn exchange(method: &str, path: &str, status: u16, body: Value) -> Observed {
        Observed::answered(method, path, Value::Null, status, body)
    }

    const JANE: &str = "/api/v1/contacts/a1b2c3d4-e5f6-4789-abcd-ef1234567890";

    fn outcome<'a>(report: &'a CoverageReport, id: &str) -> &'a OutcomeCount {
        report
            .outcomes
            .iter()
            .chain(&report.injected)
            .find(|outcome| outcome.id == id)
            .unwrap_or_else(|| panic!("{id} is an outcome"))
    }

    #[test]
    fn each_exchange_counts_for_its_status_and_code() {
        let report = CoverageReport::of(&[
            exchange("PATCH", JANE, 200, json!({})),
            exchange("PATCH", JANE, 200, json!({})),
            exchange("PATCH", JANE, 409, json!({"code": "email_taken"})),
            exchange(
                "GET",
                "/api/v1/nothing",
                404,
                json!({"code": "route_not_found"}),
            ),
        ]);
        assert_eq!(outcome(&report, "updateContact:200:ok").seen, 2);
        assert_eq!(outcome(&report, "updateContact:409:email_taken").seen, 1);
        assert_eq!(
            outcome(&report, "updateContact:404:contact_not_found").seen,
            0
        );
        assert_eq!(report.covered, 2);
        assert!(
            report.total > 100,
            "every operation's outcomes: {}",
            report.total
        );
        let mut ids: Vec<&str> = report.outcomes.iter().map(|o| o.id.as_str()).collect();
        let listed = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), listed, "each outcome once");
    }

    #[test]
    fn a_forced_answer_counts_for_every_outcome_of_its_status_marked_forced() {
        let mut forced = exchange("PATCH", JANE, 404, json!({"code": "not_found"}));
        forced.forced = true;
        let report = CoverageReport::of(&[forced]);
        let found = outcome(&report, "updateContact:404:contact_not_found");
        assert_eq!((found.seen, found.forced), (1, 1));
    }

    #[test]
    fn an_injected_answer_is_listed_apart_and_never_missing() {
        let mut limited = exchange("PATCH", JANE, 429, json!({"code": "rate_limited"}));
        limited.forced = true;
        limited.faults = vec!["rate_limit".to_owned()];
        let mut reset = exchange("PATCH", JANE, 0, Value::Null);
        reset.forced = true;
        reset.faults = vec!["reset".to_owned()];
        let report = CoverageReport::of(&[limited, reset]);
        assert_eq!(report.covered, 0);
        let required = [
            "updateContact:429:rate_limited".to_owned(),
            "updateContact:0".to_owned(),
        ];
        assert_eq!(report.unmet(None, &required), Ok(Vec::new()));
        let unseen = ["getContact:503:injected_fault".to_owned()];
        assert_eq!(report.unmet(None, &unseen).unwrap().len(), 1);
        assert!(
            report
                .unmet(None, &["getContact:503:oops".to_owned()])
                .is_err()
        );
        assert_eq!(outcome(&report, "updateContact:429:rate_limited").forced, 1);
        assert_eq!(outcome(&report, "updateContact:0:no_answer").seen, 1);
    }

    #[test]
    fn requirements_and_a_threshold_say_what_is_missing() {
        let report = CoverageReport::of(&[exchange("PATCH", JANE, 200, json!({}))]);
        let unmet = report
            .unmet(
                Some(50.0),
                &[
                    "updateContact:200:ok".to_owned(),
                    "updateContact:409:email_taken".to_owned(),
                    "updateContact:422".to_owned(),
                ],
            )
            .unwrap();
        assert_eq!(unmet.len(), 3, "{unmet:?}");
        assert!(unmet[0].contains("below --min-coverage 50"));
        assert!(unmet[1].contains("updateContact:409:email_taken"));
        assert!(unmet[2].contains("updateContact:422"));
        assert_eq!(
            report.unmet(None, &["updateContact:418".to_owned()]),
            Err(UnknownOutcome("updateContact:418".to_owned()))
        );
        // 1 of every outcome, exactly, not as the one decimal shown.
        let exact = 100.0 / report.total as f64;
        assert!(report.unmet(Some(exact), &[]).unwrap().is_empty());
        assert_eq!(report.unmet(Some(exact * 1.001), &[]).unwrap().len(), 1);
    }
}
