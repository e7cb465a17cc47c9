//! The verdicts of `check`, and their three renderings.
//!
//! # Formats
//!
//! - `human`: grouped by route (or by workspace, `--group-by workspace`); each exchange with a violation or warning on its own line
//!   (`✗ traffic.jsonl seq 3  PATCH /api/v1/contacts/… → 422`) followed by one line per
//!   finding (`request /statsu: unknown field "statsu": did you mean "status"? [additionalProperties]`),
//!   then one summary line (`12 exchanges, 2 with violations, …`). Colour only on a terminal.
//! - `json`: `{"summary": {...}, "exchanges": [CheckedExchange...]}`, every exchange listed.
//! - `junit`: JUnit XML; one `<testsuite>` per route (or workspace), one `<testcase>` per exchange, a
//!   `<failure>` carrying every violation, `<skipped>` for routes not checked yet.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::contract::capture::Observed;
use crate::schema::Violation;

/// Which half of the exchange a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The request (its body, headers or path).
    Request,
    /// The response (its status or body).
    Response,
}

/// One violation or warning, on one side of an exchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Request or response.
    pub side: Side,
    /// JSON pointer into that side's body, or `/headers/…`, `/path/…`; `""` for the whole.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// The rule broken.
    pub keyword: String,
}

impl Finding {
    /// `request /statsu: unknown field "statsu" [additionalProperties]`
    pub fn line(&self) -> String {
        let side = match self.side {
            Side::Request => "request",
            Side::Response => "response",
        };
        let pointer = if self.pointer.is_empty() {
            "(whole)"
        } else {
            &self.pointer
        };
        format!("{side} {pointer}: {} [{}]", self.message, self.keyword)
    }

    /// `violation`, on `side`.
    pub fn new(side: Side, violation: Violation) -> Self {
        Self {
            side,
            pointer: violation.pointer,
            message: violation.message,
            keyword: violation.keyword,
        }
    }
}

/// The verdict on one exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Both directions keep the contract.
    Ok,
    /// Kept, with warnings.
    Warning,
    /// At least one violation.
    Violation,
}

/// One checked exchange.
#[derive(Clone, Debug, Serialize)]
pub struct CheckedExchange {
    /// Where it is in the capture.
    pub origin: String,
    /// The workspace it happened in (D26), when the capture says; `None`: `default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// `PATCH /api/v1/contacts/{contactId}`
    pub route: String,
    /// The request method.
    pub method: String,
    /// The request path.
    pub path: String,
    /// The response status.
    pub status: u16,
    /// Which contract the response was held to: `mock` or `documented` (D25).
    pub contract: &'static str,
    /// The verdict.
    pub outcome: Outcome,
    /// Every violation.
    pub violations: Vec<Finding>,
    /// Every warning.
    pub warnings: Vec<Finding>,
}

impl CheckedExchange {
    /// An exchange not judged yet.
    pub fn new(observed: &Observed) -> Self {
        Self {
            origin: observed.origin.clone(),
            workspace: observed.workspace.clone(),
            route: String::new(),
            method: observed.method.clone(),
            path: observed.path.clone(),
            status: observed.status,
            contract: if observed.from_mock {
                "mock"
            } else {
                "documented"
            },
            outcome: Outcome::Ok,
            violations: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Sets the outcome from the findings.
    pub fn settle(&mut self) {
        self.outcome = if !self.violations.is_empty() {
            Outcome::Violation
        } else if !self.warnings.is_empty() {
            Outcome::Warning
        } else {
            Outcome::Ok
        };
    }
}

/// Counts over a report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Exchanges on Gately routes.
    pub exchanges: usize,
    /// Of those, with at least one violation.
    pub with_violations: usize,
    /// Of those, with warnings only.
    pub with_warnings: usize,
    /// Exchanges not on Gately routes (assets, other APIs), left out.
    pub skipped: usize,
}

/// How the `human` and `junit` formats group exchanges.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GroupBy {
    /// By route (`PATCH /api/v1/contacts/{contactId}`), routes in name order.
    #[default]
    Route,
    /// By workspace (D26): `workspace default`, then the others by id.
    Workspace,
}

/// Everything `check` found.
#[derive(Clone, Debug, Default)]
pub struct ContractReport {
    /// The exchanges on Gately routes, in capture order.
    pub exchanges: Vec<CheckedExchange>,
    /// How many exchanges were not on Gately routes.
    pub skipped: usize,
    /// How the `human` and `junit` formats group exchanges.
    pub group_by: GroupBy,
}

impl ContractReport {
    /// Whether any exchange broke the contract.
    pub fn has_violations(&self) -> bool {
        self.exchanges
            .iter()
            .any(|e| e.outcome == Outcome::Violation)
    }

    /// The counts.
    pub fn summary(&self) -> Summary {
        let count = |outcome| {
            self.exchanges
                .iter()
                .filter(|e| e.outcome == outcome)
                .count()
        };
        Summary {
            exchanges: self.exchanges.len(),
            with_violations: count(Outcome::Violation),
            with_warnings: count(Outcome::Warning),
            skipped: self.skipped,
        }
    }

    /// The exchanges in their groups (see [`GroupBy`]), groups in name order.
    fn groups(&self) -> BTreeMap<String, Vec<&CheckedExchange>> {
        let mut groups: BTreeMap<String, Vec<&CheckedExchange>> = BTreeMap::new();
        for exchange in &self.exchanges {
            let group = match self.group_by {
                GroupBy::Route => exchange.route.clone(),
                GroupBy::Workspace => format!(
                    "workspace {}",
                    exchange.workspace.as_deref().unwrap_or("default")
                ),
            };
            groups.entry(group).or_default().push(exchange);
        }
        groups
    }

    /// The `human` format; `colour` adds ANSI colours.
    pub fn to_human(&self, colour: bool) -> String {
        let paint = |style: Style, text: &str| {
            if colour {
                format!("{style}{text}{style:#}")
            } else {
                text.to_owned()
            }
        };
        let red = AnsiColor::Red.on_default().bold();
        let yellow = AnsiColor::Yellow.on_default();
        let bold = Style::new().bold();
        let mut out = String::new();
        for (group, exchanges) in self.groups() {
            let failing = exchanges
                .iter()
                .filter(|e| e.outcome == Outcome::Violation)
                .count();
            let tally = format!(
                "{}, {failing} with violations",
                exchanges_count(exchanges.len())
            );
            let _ = writeln!(out, "{} ({tally})", paint(bold, &group));
            for exchange in exchanges {
                let (mark, style) = match exchange.outcome {
                    Outcome::Violation => ("✗", red),
                    Outcome::Warning => ("!", yellow),
                    Outcome::Ok => continue,
                };
                let _ = writeln!(
                    out,
                    "  {} {}  {} {} → {}",
                    paint(style, mark),
                    exchange.origin,
                    exchange.method,
                    exchange.path,
                    exchange.status
                );
                for (finding, label) in exchange
                    .violations
                    .iter()
                    .map(|f| (f, ""))
                    .chain(exchange.warnings.iter().map(|f| (f, "warning: ")))
                {
                    let _ = writeln!(out, "      {label}{}", finding.line());
                }
            }
        }
        let s = self.summary();
        let line = format!(
            "{}, {} with violations, {} with warnings; {} not on Gately routes",
            exchanges_count(s.exchanges),
            s.with_violations,
            s.with_warnings,
            s.skipped
        );
        let _ = writeln!(
            out,
            "{}",
            if s.with_violations > 0 {
                paint(red, &line)
            } else {
                line
            }
        );
        out
    }

    /// The `json` format.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Document<'a> {
            summary: Summary,
            exchanges: &'a [CheckedExchange],
        }
        let document = Document {
            summary: self.summary(),
            exchanges: &self.exchanges,
        };
        let mut text = serde_json::to_string_pretty(&document)
            .expect("the report serialises: strings and numbers");
        text.push('\n');
        text
    }

    /// The `junit` format.
    pub fn to_junit(&self) -> String {
        let s = self.summary();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            // junit-10.xsd (Jenkins, Surefire, pytest) has no `skipped` on <testsuites>: the
            // skipped count is on each <testsuite>.
            "<testsuites name=\"gately-mock check\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"0\">",
            s.exchanges, s.with_violations
        );
        for (group, exchanges) in self.groups() {
            let failures = exchanges
                .iter()
                .filter(|e| e.outcome == Outcome::Violation)
                .count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\">",
                xml(&group),
                exchanges.len()
            );
            for exchange in exchanges {
                let name = format!(
                    "{}: {} {} → {}",
                    exchange.origin, exchange.method, exchange.path, exchange.status
                );
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                    xml(&group),
                    xml(&name)
                );
                let lines = |findings: &[Finding]| -> String {
                    findings
                        .iter()
                        .map(Finding::line)
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                match exchange.outcome {
                    Outcome::Ok => out.push_str("/>\n"),
                    Outcome::Warning => {
                        let _ = write!(
                            out,
                            ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                            xml(&lines(&exchange.warnings))
                        );
                    }
                    Outcome::Violation => {
                        let count = exchange.violations.len();
                        let _ = write!(
                            out,
                            ">\n      <failure message=\"{count} contract violation{}\" type=\"contract\">{}</failure>\n",
                            if count == 1 { "" } else { "s" },
                            xml(&lines(&exchange.violations))
                        );
                        if !exchange.warnings.is_empty() {
                            let _ = writeln!(
                                out,
                                "      <system-out>{}</system-out>",
                                xml(&lines(&exchange.warnings))
                            );
                        }
                        out.push_str("    </testcase>\n");
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

/// "1 exchange", "12 exchanges".
fn exchanges_count(count: usize) -> String {
    if count == 1 {
        "1 exchange".to_owned()
    } else {
        format!("{count} exchanges")
    }
}

/// Text made safe for XML content and attributes; characters XML 1.0 forbids become U+FFFD.
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(
            xml("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\u{FFFD}"
        );
    }
}
