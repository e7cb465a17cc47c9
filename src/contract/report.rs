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
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::cli::ReportFormat;
use crate::contract::capture::Observed;
use crate::contract::coverage::CoverageReport;
use crate::contract::xml;
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
    /// The decision (`D2`) a drifted live answer contradicts (`replay`); `None` elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<&'static str>,
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
        match self.decision {
            Some(decision) => format!(
                "{side} {pointer}: {} [{}; contradicts {decision}]",
                self.message, self.keyword
            ),
            None => format!("{side} {pointer}: {} [{}]", self.message, self.keyword),
        }
    }

    /// `violation`, on `side`.
    pub fn new(side: Side, violation: Violation) -> Self {
        Self {
            side,
            pointer: violation.pointer,
            message: violation.message,
            keyword: violation.keyword,
            decision: None,
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

    /// The report in `format`, as `gately-mock check` writes it without coverage.
    fn rendered(&self, format: Format) -> String {
        let mut rendering = Rendering::new(format, self.group_by);
        let mut out = Vec::new();
        let written = self
            .exchanges
            .iter()
            .try_for_each(|exchange| rendering.add(exchange))
            .and_then(|()| rendering.finish(self.skipped, None, &mut out));
        written.expect("a report held in memory is written to memory");
        String::from_utf8(out).expect("the report is text")
    }

    /// The `human` format; `colour` adds ANSI colours.
    pub fn to_human(&self, colour: bool) -> String {
        self.rendered(Format::Human { colour })
    }

    /// The `json` format.
    pub fn to_json(&self) -> String {
        self.rendered(Format::Json)
    }

    /// The `junit` format.
    pub fn to_junit(&self) -> String {
        self.rendered(Format::Junit)
    }
}

/// The rendering of `format`: human text in colour only on a terminal (no `output`).
pub(crate) fn report_format(format: ReportFormat, output: Option<&Path>) -> Format {
    match format {
        ReportFormat::Human => Format::Human {
            colour: output.is_none() && std::io::stdout().is_terminal(),
        },
        ReportFormat::Json => Format::Json,
        ReportFormat::Junit => Format::Junit,
    }
}

/// Writes a report with `write` to `output`, or to standard output (`check`, `pact`,
/// `replay`).
pub(crate) fn write_report(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    match output {
        Some(path) => {
            let failed = |source| WriteError {
                path: path.to_owned(),
                source,
            };
            let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(failed)?);
            write(&mut out).and_then(|()| out.flush()).map_err(failed)
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`check … | head`) is not the check's failure.
            let _ = write(&mut out).and_then(|()| out.flush());
            Ok(())
        }
    }
}

/// A report file that cannot be written.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot write the report", path.display())]
pub struct WriteError {
    /// The output file.
    pub path: PathBuf,
    /// The I/O error.
    #[source]
    pub source: std::io::Error,
}

/// The three renderings of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// Text for a person; `colour` adds ANSI colours.
    Human {
        /// Whether to colour it.
        colour: bool,
    },
    /// One JSON document.
    Json,
    /// JUnit XML.
    Junit,
}

/// What `--coverage` adds to a report: the coverage, and each threshold it does not meet.
pub(crate) struct CoverageSection<'a> {
    /// The outcomes seen and never seen.
    pub(crate) coverage: &'a CoverageReport,
    /// `--min-coverage` and `--require` reasons not met.
    pub(crate) unmet: &'a [String],
}

/// A report written as its exchanges are checked, so that a long capture's report is never
/// held whole: each exchange's entry is rendered as it comes, into its group's text (a
/// report lists its groups in name order, each headed by counts known only at the end), and
/// the groups' texts go to an unnamed temporary file whenever together they pass
/// [`Rendering::HELD`]. [`Rendering::finish`] writes the document: summary, groups, and
/// what was spooled read back in order.
pub(crate) struct Rendering {
    /// The JUnit document's name: the command that wrote it.
    title: &'static str,
    format: Format,
    group_by: GroupBy,
    summary: Summary,
    groups: BTreeMap<String, Group>,
    /// The bytes held in the groups' texts.
    held: usize,
    /// Where held texts go when they grow too long, and how long it is.
    spool: Option<(std::fs::File, u64)>,
}

/// One group of a report being written.
#[derive(Default)]
struct Group {
    exchanges: usize,
    failing: usize,
    /// The group's entries in the spool, in order: offset and length.
    spooled: Vec<(u64, usize)>,
    /// Its entries since.
    text: Vec<u8>,
}

impl Rendering {
    /// Entries held in memory up to this many bytes; more go to the spool.
    const HELD: usize = 2 << 20;

    /// A report in `format` with no exchange yet; `group_by` groups `human` and `junit`.
    pub(crate) fn new(format: Format, group_by: GroupBy) -> Self {
        Self {
            title: "gately-mock check",
            format,
            group_by,
            summary: Summary::default(),
            groups: BTreeMap::new(),
            held: 0,
            spool: None,
        }
    }

    /// The same report, named after `title`, the command writing it (`gately-mock replay`).
    pub(crate) fn titled(self, title: &'static str) -> Self {
        Self { title, ..self }
    }

    /// Whether an exchange added so far broke the contract.
    pub(crate) fn has_violations(&self) -> bool {
        self.summary.with_violations > 0
    }

    /// Adds `exchange`, the one after those added so far. Fails only when the spool cannot
    /// be written.
    pub(crate) fn add(&mut self, exchange: &CheckedExchange) -> std::io::Result<()> {
        self.summary.exchanges += 1;
        match exchange.outcome {
            Outcome::Violation => self.summary.with_violations += 1,
            Outcome::Warning => self.summary.with_warnings += 1,
            Outcome::Ok => {}
        }
        // JSON lists every exchange in capture order, whatever the grouping.
        let name = match (self.format, self.group_by) {
            (Format::Json, _) => String::new(),
            (_, GroupBy::Route) => exchange.route.clone(),
            (_, GroupBy::Workspace) => format!(
                "workspace {}",
                exchange.workspace.as_deref().unwrap_or("default")
            ),
        };
        if !self.groups.contains_key(&name) {
            self.groups.insert(name.clone(), Group::default());
        }
        let group = self.groups.get_mut(&name).expect("the group is there");
        group.exchanges += 1;
        if exchange.outcome == Outcome::Violation {
            group.failing += 1;
        }
        let before = group.text.len();
        match self.format {
            Format::Human { colour } => human_entry(&mut group.text, exchange, colour),
            Format::Json => json_entry(&mut group.text, exchange, group.exchanges == 1),
            Format::Junit => junit_entry(&mut group.text, exchange, &name),
        }
        self.held += group.text.len() - before;
        if self.held > Self::HELD {
            self.spill()?;
        }
        Ok(())
    }

    /// Moves every group's held text to the spool.
    fn spill(&mut self) -> std::io::Result<()> {
        let (file, length) = match &mut self.spool {
            Some(spool) => spool,
            None => self.spool.insert((tempfile::tempfile()?, 0)),
        };
        for group in self
            .groups
            .values_mut()
            .filter(|group| !group.text.is_empty())
        {
            file.write_all(&group.text)?;
            group.spooled.push((*length, group.text.len()));
            *length += group.text.len() as u64;
            group.text.clear();
        }
        self.held = 0;
        Ok(())
    }

    /// Writes the whole report to `out`, with `coverage` when `--coverage` asked for it;
    /// `skipped` exchanges were not on Gately routes.
    pub(crate) fn finish(
        mut self,
        skipped: usize,
        coverage: Option<CoverageSection<'_>>,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        self.summary.skipped = skipped;
        let s = self.summary.clone();
        match self.format {
            Format::Human { colour } => {
                let paint = Paint(colour);
                for (name, group) in &mut self.groups {
                    let tally = format!(
                        "{}, {} with violations",
                        exchanges_count(group.exchanges),
                        group.failing
                    );
                    writeln!(out, "{} ({tally})", paint.apply(Style::new().bold(), name))?;
                    group.copy(&mut self.spool, out)?;
                }
                let line = format!(
                    "{}, {} with violations, {} with warnings; {} not on Gately routes",
                    exchanges_count(s.exchanges),
                    s.with_violations,
                    s.with_warnings,
                    s.skipped
                );
                if s.with_violations > 0 {
                    writeln!(out, "{}", paint.apply(RED, &line))?;
                } else {
                    writeln!(out, "{line}")?;
                }
                if let Some(CoverageSection { coverage, unmet }) = coverage {
                    writeln!(out)?;
                    out.write_all(coverage.to_human().as_bytes())?;
                    for reason in unmet {
                        writeln!(out, "✗ {reason}")?;
                    }
                }
            }
            Format::Json => {
                let summary = indented(&pretty(&s), "  ");
                write!(out, "{{\n  \"summary\": {summary},\n  \"exchanges\": [")?;
                match self.groups.values_mut().next() {
                    Some(group) => {
                        out.write_all(b"\n")?;
                        group.copy(&mut self.spool, out)?;
                        out.write_all(b"\n  ]")?;
                    }
                    None => out.write_all(b"]")?,
                }
                if let Some(CoverageSection { coverage, unmet }) = coverage {
                    let mut member = coverage.to_json_value();
                    member["unmet"] = serde_json::json!(unmet);
                    write!(out, ",\n  \"coverage\": {}", pretty(&member))?;
                }
                out.write_all(b"\n}\n")?;
            }
            Format::Junit => {
                let coverage_tests = coverage.as_ref().map_or(0, |c| c.coverage.total);
                writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
                writeln!(
                    out,
                    // junit-10.xsd (Jenkins, Surefire, pytest) has no `skipped` on <testsuites>:
                    // the skipped count is on each <testsuite>.
                    "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"0\">",
                    self.title,
                    s.exchanges + coverage_tests,
                    s.with_violations
                )?;
                for (name, group) in &mut self.groups {
                    writeln!(
                        out,
                        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"0\">",
                        xml::escaped(name),
                        group.exchanges,
                        group.failing
                    )?;
                    group.copy(&mut self.spool, out)?;
                    out.write_all(b"  </testsuite>\n")?;
                }
                if let Some(section) = coverage {
                    out.write_all(section.coverage.to_junit_suite().as_bytes())?;
                }
                out.write_all(b"</testsuites>\n")?;
            }
        }
        Ok(())
    }
}

impl Group {
    /// Writes the group's entries to `out`: those spooled, then those held.
    fn copy(
        &mut self,
        spool: &mut Option<(std::fs::File, u64)>,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        if let Some((file, _)) = spool {
            let mut buffer = Vec::new();
            for &(offset, length) in &self.spooled {
                buffer.resize(length, 0);
                file.seek(SeekFrom::Start(offset))?;
                file.read_exact(&mut buffer)?;
                out.write_all(&buffer)?;
            }
        }
        out.write_all(&self.text)
    }
}

/// Bold red: violations.
const RED: Style = AnsiColor::Red.on_default().bold();

/// ANSI colours, or none.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn apply(self, style: Style, text: &str) -> String {
        if self.0 {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

/// A `human` entry: nothing for a clean exchange; else its line and one per finding.
fn human_entry(out: &mut Vec<u8>, exchange: &CheckedExchange, colour: bool) {
    let (mark, style) = match exchange.outcome {
        Outcome::Violation => ("✗", RED),
        Outcome::Warning => ("!", AnsiColor::Yellow.on_default()),
        Outcome::Ok => return,
    };
    let _ = writeln!(
        out,
        "  {} {}  {} {} → {}",
        Paint(colour).apply(style, mark),
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

/// A `json` entry: the exchange as a member of the `exchanges` array, after a comma unless
/// it is the `first`.
fn json_entry(out: &mut Vec<u8>, exchange: &CheckedExchange, first: bool) {
    if !first {
        out.extend_from_slice(b",\n");
    }
    out.extend_from_slice(b"    ");
    let mut entry = serde_json::Serializer::with_formatter(out, Nested::at(2));
    exchange
        .serialize(&mut entry)
        .expect("the report serialises to memory");
}

/// serde_json's pretty layout (two spaces a level), `depth` levels in: a JSON entry is written
/// straight into its group's buffer at the report's indentation. It was pretty-printed into a
/// string and copied with its line breaks indented (two copies an exchange), then written
/// through a writer that indented after each break it was handed (which scanned every byte:
/// 3 % of `check`'s CPU).
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn at(depth: usize) -> Self {
        Self {
            depth,
            has_value: false,
        }
    }

    /// A line break and the indentation of the current depth.
    fn break_line<W: ?Sized + Write>(&self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(b"\n")?;
        (0..self.depth).try_for_each(|_| writer.write_all(b"  "))
    }

    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.break_line(writer)?;
        }
        writer.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&self, writer: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            writer.write_all(b",")?;
        }
        self.break_line(writer)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// A `junit` entry: the exchange's `<testcase>` in the suite `group`.
fn junit_entry(out: &mut Vec<u8>, exchange: &CheckedExchange, group: &str) {
    let name = format!(
        "{}: {} {} → {}",
        exchange.origin, exchange.method, exchange.path, exchange.status
    );
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
        xml::escaped(group),
        xml::escaped(&name)
    );
    let lines = |findings: &[Finding]| -> String {
        findings
            .iter()
            .map(Finding::line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    match exchange.outcome {
        Outcome::Ok => out.extend_from_slice(b"/>\n"),
        Outcome::Warning => {
            let _ = write!(
                out,
                ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                xml::escaped(&lines(&exchange.warnings))
            );
        }
        Outcome::Violation => {
            let count = exchange.violations.len();
            let _ = write!(
                out,
                ">\n      <failure message=\"{count} contract violation{}\" type=\"contract\">{}</failure>\n",
                if count == 1 { "" } else { "s" },
                xml::escaped(&lines(&exchange.violations))
            );
            if !exchange.warnings.is_empty() {
                let _ = writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    xml::escaped(&lines(&exchange.warnings))
                );
            }
            out.extend_from_slice(b"    </testcase>\n");
        }
    }
}

/// `value` as pretty JSON (two spaces a level).
fn pretty(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("the report serialises: strings and numbers")
}

/// `text` with `indent` after each line break: pretty JSON nested a level deeper (its
/// strings hold no raw line break).
fn indented(text: &str, indent: &str) -> String {
    text.replace('\n', &format!("\n{indent}"))
}

/// "1 exchange", "12 exchanges".
fn exchanges_count(count: usize) -> String {
    if count == 1 {
        "1 exchange".to_owned()
    } else {
        format!("{count} exchanges")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An exchange on `route` with a violation when `failing`, named `seq N` after `seq`.
    fn checked(route: &str, seq: usize, failing: bool) -> CheckedExchange {
        let mut exchange = CheckedExchange::new(&Observed::answered(
            "GET",
            "/api/v1/contacts",
            serde_json::Value::Null,
            200,
            serde_json::json!({}),
        ));
        exchange.origin = format!("traffic.jsonl seq {seq}");
        exchange.route = route.to_owned();
        if failing {
            exchange.violations.push(Finding {
                side: Side::Response,
                pointer: "/status".to_owned(),
                message: "wrong".to_owned(),
                keyword: "enum".to_owned(),
                decision: None,
            });
        }
        exchange.settle();
        exchange
    }

    #[test]
    fn a_report_longer_than_memory_holds_comes_back_from_its_spool_in_order() {
        let routes = ["GET /b", "GET /a", "GET /c"];
        // Enough test cases to pass the held limit several times over.
        let count = Rendering::HELD / 100;
        let mut rendering = Rendering::new(Format::Junit, GroupBy::Route);
        for seq in 0..count {
            let exchange = checked(routes[seq % 3], seq, seq % 7 == 0);
            rendering.add(&exchange).expect("the spool is written");
        }
        assert!(rendering.spool.is_some(), "the report was spooled");
        let mut out = Vec::new();
        rendering.finish(0, None, &mut out).expect("written");
        let text = String::from_utf8(out).expect("text");
        let mut suites = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("  <testsuite name=\"") {
                suites.push((rest.split('"').next().unwrap_or("").to_owned(), Vec::new()));
            } else if let Some(rest) = line.split("seq ").nth(1) {
                let seq: usize = rest.split(':').next().unwrap_or("").parse().expect("a seq");
                suites.last_mut().expect("inside a suite").1.push(seq);
            }
        }
        let names: Vec<_> = suites.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["GET /a", "GET /b", "GET /c"]);
        for (name, seqs) in &suites {
            let at = routes
                .iter()
                .position(|route| route == name)
                .expect("a route");
            let expected: Vec<usize> = (at..count).step_by(3).collect();
            assert_eq!(
                seqs, &expected,
                "{name}: every exchange once, in capture order"
            );
        }
        let failures = (0..count).filter(|seq| seq % 7 == 0).count();
        assert!(text.contains(&format!("tests=\"{count}\" failures=\"{failures}\"")));
    }

    #[test]
    fn an_empty_report_is_a_whole_json_document() {
        let rendering = Rendering::new(Format::Json, GroupBy::Route);
        let mut out = Vec::new();
        rendering.finish(2, None, &mut out).expect("written");
        let document: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(document["exchanges"], serde_json::json!([]));
        assert_eq!(document["summary"]["skipped"], 2);
    }
}
