//! The contract as a tool: `validate`, `check`, `schema` and `openapi`, run as a user runs
//! them, on traffic recorded by the server itself and on a hand-made HAR of real traffic.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{JANE, JOHN, Mock, TempDir, start_with};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gately-mock");
const REAL_HAR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/real-api.har");

/// Runs the binary in `dir` with `stdin`.
fn run_in(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Each exchange's outcome and violations in `check --format json`'s report on standard
/// output.
fn verdicts(output: &Output) -> Vec<(Value, Value)> {
    let report: Value = serde_json::from_str(&stdout(output)).unwrap();
    report["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["outcome"].clone(), e["violations"].clone()))
        .collect()
}

// ---- validate -------------------------------------------------------------------------

#[test]
fn validate_accepts_the_seed_body_with_exit_0() {
    let dir = TempDir::new("validate-ok");
    std::fs::write(
        dir.0.join("body.json"),
        r#"{"status": "inactive", "notes": "Churned after trial"}"#,
    )
    .unwrap();

    let output = run_in(&dir.0, &["validate", "body.json"], "");

    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "body.json: valid\n");
}

#[test]
fn validate_lists_every_violation_with_pointer_and_hint_and_exits_1() {
    let body = r#"{"statsu": "active", "status": "actve", "email": "jane@", "tags": ["VIP", "VIP"], "external_id": "x", "phone": null}"#;

    let output = run_in(Path::new("."), &["validate", "-"], body);

    assert_eq!(output.status.code(), Some(1));
    snapshot_text!("validate_violations", stdout(&output));
}

#[test]
fn validate_lenient_turns_harmless_input_into_warnings() {
    let output = run_in(
        Path::new("."),
        &["validate", "--lenient"],
        r#"{"phone": null, "favourite": 1}"#,
    );
    assert_eq!(output.status.code(), Some(0));
    snapshot_text!("validate_lenient", stdout(&output));
}

#[test]
fn validate_gives_the_warnings_the_server_gives() {
    let output = run_in(Path::new("."), &["validate"], r#"{"unsubscribed": true}"#);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "stdin: valid\n  warning: /unsubscribed: unsubscribed was changed through PATCH, which keeps no audit record; the docs advise POST or DELETE /api/v1/contacts/{contactId}/unsubscribes [unsubscribed]\n"
    );
}

#[test]
fn validate_exits_2_on_input_it_cannot_read() {
    let malformed = run_in(Path::new("."), &["validate", "-"], r#"{"status": "#);
    let missing = run_in(Path::new("."), &["validate", "/nonexistent/body.json"], "");
    assert_eq!(malformed.status.code(), Some(2));
    assert_eq!(
        stderr(&malformed),
        "gately-mock: stdin: invalid JSON: EOF while parsing a value at line 1 column 11\n"
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).starts_with("gately-mock: /nonexistent/body.json: cannot be read"));
}

#[test]
fn validate_reports_a_non_object_body_as_a_violation() {
    let output = run_in(Path::new("."), &["validate"], "[1, 2]");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "stdin: 1 violation\n  (body): expected object, found array [type]\n"
    );
}

// ---- check on the server's own record file -------------------------------------------

/// A session with reads, writes, refusals and a warning, recorded to `dir/traffic.jsonl`.
async fn record_session(dir: &Path, clean: bool) -> Mock {
    let record = dir.join("traffic.jsonl");
    let mock = start_with(|o| o.record(&record)).await;
    mock.get_contact(JANE).await;
    mock.patch_contact(
        JANE,
        json!({"status": "inactive", "notes": "Churned after trial"}),
    )
    .await;
    if !clean {
        mock.patch_contact(JANE, json!({"statsu": "active", "email": "jane@"}))
            .await;
        mock.patch_contact(JOHN, json!({"unsubscribed": true}))
            .await;
        mock.send(mock.http.get(mock.url(&format!("/api/v1/contacts/{JANE}"))))
            .await;
    }
    mock.get_contact("00000000-0000-4000-8000-000000000000")
        .await;
    mock
}

#[tokio::test]
async fn a_junit_report_names_its_cases_the_same_however_the_file_is_spelled() {
    let dir = TempDir::new("junit-spelling");
    std::fs::create_dir_all(dir.0.join("sub")).unwrap();
    let _mock = record_session(&dir.0, false).await;

    let reports: Vec<String> = ["traffic.jsonl", "./traffic.jsonl", "sub/../traffic.jsonl"]
        .iter()
        .map(|spelling| {
            stdout(&run_in(
                &dir.0,
                &["check", spelling, "--format", "junit"],
                "",
            ))
        })
        .collect();

    assert_eq!(reports[0], reports[1]);
    assert_eq!(reports[0], reports[2]);
    assert!(reports[0].contains("name=\"traffic.jsonl seq 1: GET"));
    let testsuites = reports[0].lines().nth(1).unwrap();
    assert!(
        testsuites.starts_with("<testsuites ") && !testsuites.contains("skipped="),
        "junit-10.xsd allows no skipped attribute on <testsuites>: {testsuites}"
    );
}

#[tokio::test]
async fn check_understands_list_create_and_delete() {
    let dir = TempDir::new("check-collection");
    let record = dir.0.join("traffic.jsonl");
    let mock = start_with(|o| o.record(&record)).await;
    let send = |method: reqwest::Method, path: &str| mock.request(method, path);
    mock.send(send(
        reqwest::Method::GET,
        "/api/v1/contacts?status=active&limit=2",
    ))
    .await;
    let created = mock
        .send(
            send(reqwest::Method::POST, "/api/v1/contacts")
                .json(&json!({"name": "Ada", "email": "ada@example.com"})),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    mock.send(send(
        reqwest::Method::DELETE,
        &format!("/api/v1/contacts/{id}"),
    ))
    .await;

    let clean = run_in(&dir.0, &["check", "traffic.jsonl", "--format", "json"], "");
    mock.send(send(reqwest::Method::GET, "/api/v1/contacts?limit=500"))
        .await;
    mock.send(send(reqwest::Method::POST, "/api/v1/contacts").json(&json!({"name": "No e-mail"})))
        .await;
    let broken = run_in(&dir.0, &["check", "traffic.jsonl", "--format", "json"], "");

    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    let report: Value = serde_json::from_str(&stdout(&broken)).unwrap();
    assert_eq!(broken.status.code(), Some(1));
    let routes: Vec<&str> = report["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["route"].as_str().unwrap())
        .collect();
    assert_eq!(
        routes,
        [
            "GET /api/v1/contacts",
            "POST /api/v1/contacts",
            "DELETE /api/v1/contacts/{contactId}",
            "GET /api/v1/contacts",
            "POST /api/v1/contacts"
        ]
    );
    let pointers: Vec<&str> = report["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["violations"].as_array().unwrap())
        .map(|v| v["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/query/limit", "/email"]);
}

#[tokio::test]
async fn check_of_a_clean_recording_exits_0() {
    let dir = TempDir::new("check-clean");
    let _mock = record_session(&dir.0, true).await;

    let output = run_in(&dir.0, &["check", "traffic.jsonl"], "");

    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(
        stdout(&output).lines().last().unwrap(),
        "3 exchanges, 0 with violations, 0 with warnings; 0 not on Gately routes"
    );
}

#[tokio::test]
async fn check_reports_the_violations_of_a_recording_in_every_format() {
    let dir = TempDir::new("check-recorded");
    let _mock = record_session(&dir.0, false).await;

    let human = run_in(&dir.0, &["check", "traffic.jsonl"], "");
    let json_report = run_in(&dir.0, &["check", "traffic.jsonl", "--format", "json"], "");
    let junit = run_in(
        &dir.0,
        &[
            "check",
            "traffic.jsonl",
            "--format",
            "junit",
            "--output",
            "report.xml",
        ],
        "",
    );

    for output in [&human, &json_report, &junit] {
        assert_eq!(output.status.code(), Some(1));
    }
    snapshot_text!("check_recorded_human", stdout(&human));
    let report: Value = serde_json::from_str(&stdout(&json_report)).unwrap();
    snapshot!("check_recorded_json", report);
    assert_eq!(stdout(&junit), "", "--output writes the file, not stdout");
    snapshot_text!(
        "check_recorded_junit",
        std::fs::read_to_string(dir.0.join("report.xml")).unwrap()
    );
}

#[tokio::test]
async fn check_reads_the_mocks_own_har_export_as_mock_traffic() {
    let dir = TempDir::new("check-own-har");
    let mock = record_session(&dir.0, false).await;
    let har = mock.admin_text("/__admin/requests.har").await;
    std::fs::write(dir.0.join("session.har"), har).unwrap();

    let output = run_in(&dir.0, &["check", "session.har", "--format", "json"], "");

    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(report["summary"]["exchanges"], 6);
    assert_eq!(report["summary"]["with_violations"], 2);
    assert!(
        report["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["contract"] == "mock")
    );
}

#[tokio::test]
async fn check_reads_a_saved_journal_document_as_the_record_file() {
    let dir = TempDir::new("check-journal");
    let mock = record_session(&dir.0, false).await;
    // A body with a key twice: the journal's text keeps it, and so must check's reading.
    mock.send(
        mock.request(reqwest::Method::PATCH, &format!("/api/v1/contacts/{JANE}"))
            .header("content-type", "application/json")
            .body(r#"{"status":"active","status":"inactive"}"#),
    )
    .await;
    let journal = mock.admin_text("/__admin/requests").await;
    std::fs::write(dir.0.join("journal.json"), journal).unwrap();

    let from_journal = run_in(&dir.0, &["check", "journal.json", "--format", "json"], "");
    let from_record = run_in(&dir.0, &["check", "traffic.jsonl", "--format", "json"], "");

    assert_eq!(from_journal.status.code(), Some(1));
    let report: Value = serde_json::from_str(&stdout(&from_journal)).unwrap();
    assert_eq!(report["exchanges"][0]["origin"], "journal.json seq 1");
    assert_eq!(
        report["exchanges"][6]["violations"][0]["keyword"],
        "duplicateKey"
    );
    assert_eq!(verdicts(&from_journal).len(), 7);
    assert_eq!(verdicts(&from_journal), verdicts(&from_record));
}

#[tokio::test]
async fn check_reads_a_record_file_or_a_har_from_a_pipe() {
    let dir = TempDir::new("check-pipe");
    let mock = record_session(&dir.0, false).await;
    let har = mock.admin_text("/__admin/requests.har").await;
    std::fs::write(dir.0.join("session.har"), &har).unwrap();
    let record = std::fs::read_to_string(dir.0.join("traffic.jsonl")).unwrap();
    let json = ["check", "/dev/stdin", "--format", "json"];

    // A pipe can be read once: what tells a HAR from a record file is read only once.
    let piped_record = run_in(&dir.0, &json, &record);
    let piped_har = run_in(&dir.0, &json, &har);
    let from_file = run_in(&dir.0, &["check", "traffic.jsonl", "--format", "json"], "");
    let har_from_file = run_in(&dir.0, &["check", "session.har", "--format", "json"], "");

    assert_eq!(verdicts(&from_file).len(), 6);
    assert_eq!(verdicts(&piped_record), verdicts(&from_file));
    assert_eq!(verdicts(&piped_har), verdicts(&har_from_file));
    assert_eq!(piped_record.status.code(), Some(1));
}

// ---- check on real traffic (documented contract, D25) ---------------------------------

#[test]
fn check_of_a_real_har_finds_request_and_response_violations() {
    let dir = TempDir::new("check-real");
    std::fs::copy(REAL_HAR, dir.0.join("real-api.har")).unwrap();

    let human = run_in(&dir.0, &["check", "real-api.har"], "");
    let json_report = run_in(&dir.0, &["check", "real-api.har", "--format", "json"], "");
    let junit = run_in(&dir.0, &["check", "real-api.har", "--format", "junit"], "");

    assert_eq!(human.status.code(), Some(1));
    snapshot_text!("check_real_human", stdout(&human));
    snapshot!(
        "check_real_json",
        serde_json::from_str::<Value>(&stdout(&json_report)).unwrap()
    );
    snapshot_text!("check_real_junit", stdout(&junit));
}

#[test]
fn check_exits_2_on_captures_it_cannot_read() {
    let dir = TempDir::new("check-unreadable");
    std::fs::write(dir.0.join("broken.jsonl"), "{\"seq\": 1}\n").unwrap();
    std::fs::write(
        dir.0.join("broken.har"),
        r#"{"log": {"entries": [{"request": {}}]}}"#,
    )
    .unwrap();

    let missing = run_in(&dir.0, &["check", "nope.jsonl"], "");
    let broken_line = run_in(&dir.0, &["check", "broken.jsonl"], "");
    let broken_har = run_in(&dir.0, &["check", "broken.har"], "");
    let no_file = run_in(&dir.0, &["check"], "");

    for output in [&missing, &broken_line, &broken_har, &no_file] {
        assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    }
    assert_eq!(
        stderr(&missing),
        "gately-mock: nope.jsonl: cannot be read: No such file or directory (os error 2)\n"
    );
    assert!(
        stderr(&broken_line)
            .starts_with("gately-mock: broken.jsonl: line 1: not a recorded exchange")
    );
    assert_eq!(
        stderr(&broken_har),
        "gately-mock: broken.har: /log/entries/0/request/method: missing\n"
    );
}

// ---- schema and openapi ---------------------------------------------------------------

#[test]
fn schema_prints_each_schema_file_as_it_is() {
    let names = [
        ("request", "contact-patch.json"),
        ("create", "contact-create.json"),
        ("message", "message.json"),
        ("response", "contact.json"),
        ("documented", "contact.documented.json"),
        ("problem", "problem.json"),
        ("fixtures", "fixtures.json"),
        ("exchange", "exchange.json"),
        ("tag", "tag.json"),
        ("tag-create", "tag-create.json"),
        ("tag-update", "tag-update.json"),
        ("contact-tag", "contact-tag.json"),
        ("unsubscribe", "unsubscribe.json"),
        ("unsubscribe-record", "unsubscribe-record.json"),
        ("custom-fields", "custom-fields.json"),
        ("bulk-import", "bulk-import.json"),
        ("bulk-import-result", "bulk-import-result.json"),
        ("workspace-create", "workspace-create.json"),
        ("clock-change", "clock-change.json"),
        ("fault-plan", "fault-plan.json"),
        ("list", "list.json"),
        ("list-create", "list-create.json"),
        ("list-member-add", "list-member-add.json"),
        ("segment-rule", "segment-rule.json"),
        ("segment", "segment.json"),
        ("segment-create", "segment-create.json"),
    ];
    let mut files: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
    files.sort();
    let mut named: Vec<String> = names.iter().map(|(_, file)| file.to_string()).collect();
    named.sort();
    assert_eq!(named, files, "every schema file has a name");
    for (name, file) in names {
        let output = run_in(Path::new("."), &["schema", name], "");
        let expected = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("schemas")
                .join(file),
        )
        .unwrap();
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(stdout(&output), expected, "{name}");
    }
}

#[tokio::test]
async fn openapi_is_the_same_document_the_server_serves_and_covers_every_route() {
    let mock = start_with(|o| o).await;
    let served = mock.admin_json("/__admin/openapi.json").await;

    let printed: Value =
        serde_json::from_str(&stdout(&run_in(Path::new("."), &["openapi"], ""))).unwrap();

    assert_eq!(printed, served);
    assert_eq!(printed["openapi"], "3.1.0");
    let paths: Vec<&str> = printed["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        paths,
        [
            "/api/v1/contacts",
            "/api/v1/contacts/bulk-import",
            "/api/v1/contacts/tags",
            "/api/v1/contacts/tags/{tagId}",
            "/api/v1/contacts/contact-tags",
            "/api/v1/contacts/lists",
            "/api/v1/contacts/lists/{listId}",
            "/api/v1/contacts/lists/{listId}/members",
            "/api/v1/contacts/segments",
            "/api/v1/contacts/segments/{segmentId}",
            "/api/v1/contacts/{contactId}",
            "/api/v1/contacts/{contactId}/unsubscribes",
            "/api/v1/contacts/{contactId}/custom-fields",
            "/__admin/requests",
            "/__admin/requests.har",
            "/__admin/reset",
            "/__admin/state",
            "/__admin/clock",
            "/__admin/faults",
            "/__admin/provider-states",
            "/__admin/coverage",
            "/__admin/workspaces/{workspaceId}/requests",
            "/__admin/workspaces/{workspaceId}/requests.har",
            "/__admin/workspaces/{workspaceId}/reset",
            "/__admin/workspaces/{workspaceId}/state",
            "/__admin/workspaces/{workspaceId}/clock",
            "/__admin/workspaces/{workspaceId}/faults",
            "/__admin/workspaces/{workspaceId}/provider-states",
            "/__admin/workspaces/{workspaceId}/coverage",
            "/__admin/health",
            "/__admin/openapi.json",
            "/__admin/workspaces",
            "/__admin/workspaces/{workspaceId}"
        ]
    );
    // Every admin path of the document is served, with the methods it documents.
    for path in paths.iter().filter(|path| path.starts_with("/__admin/")) {
        let served = path.replace("{workspaceId}", "default");
        let preflight = mock
            .http
            .request(reqwest::Method::OPTIONS, mock.url(&served))
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), 204, "{path}");
        let allow = preflight.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .to_owned();
        for method in printed["paths"][*path].as_object().unwrap().keys() {
            if method != "parameters" {
                assert!(
                    allow.contains(&method.to_uppercase()),
                    "{path}: {method} in {allow}"
                );
            }
        }
    }
    let patch = &printed["paths"]["/api/v1/contacts/{contactId}"]["patch"];
    assert_eq!(
        patch["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ContactPatch"
    );
    let statuses: Vec<&str> = patch["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        statuses,
        [
            "200", "400", "401", "403", "404", "409", "413", "415", "422"
        ]
    );
}

#[tokio::test]
async fn a_clean_recording_of_every_route_checks_clean_and_nothing_is_unchecked() {
    use reqwest::Method;
    let dir = TempDir::new("check-every-route");
    let record = dir.0.join("traffic.jsonl");
    let mock = start_with(|o| o.record(&record)).await;
    let call = |method: Method, path: &str, body: Option<Value>| {
        let request = mock.request(method, path);
        match body {
            Some(body) => request.json(&body),
            None => request,
        }
    };
    let jane = format!("/api/v1/contacts/{JANE}");
    mock.send(call(Method::GET, "/api/v1/contacts?tags=VIP", None))
        .await;
    mock.send(call(Method::GET, &jane, None)).await;
    mock.send(call(Method::PATCH, &jane, Some(json!({"notes": "x"}))))
        .await;
    mock.send(call(
        Method::POST,
        "/api/v1/contacts/bulk-import",
        Some(json!({"contacts": [{"name": "A", "email": "a@example.com"}]})),
    ))
    .await;
    mock.send(call(Method::GET, "/api/v1/contacts/tags", None))
        .await;
    let tag = mock
        .send(call(
            Method::POST,
            "/api/v1/contacts/tags",
            Some(json!({"name": "T"})),
        ))
        .await;
    let tag_id = tag.body["id"].as_str().unwrap();
    let tag_path = format!("/api/v1/contacts/tags/{tag_id}");
    mock.send(call(
        Method::PUT,
        &tag_path,
        Some(json!({"color": "#123456"})),
    ))
    .await;
    mock.send(call(
        Method::POST,
        "/api/v1/contacts/contact-tags",
        Some(json!({"contact_id": JANE, "tag_id": tag_id})),
    ))
    .await;
    mock.send(call(
        Method::DELETE,
        &format!("/api/v1/contacts/contact-tags?contact_id={JANE}&tag_id={tag_id}"),
        None,
    ))
    .await;
    mock.send(call(Method::DELETE, &tag_path, None)).await;
    mock.send(call(
        Method::POST,
        &format!("{jane}/unsubscribes"),
        Some(json!({"reason": "r"})),
    ))
    .await;
    mock.send(call(Method::GET, &format!("{jane}/unsubscribes"), None))
        .await;
    mock.send(call(Method::DELETE, &format!("{jane}/unsubscribes"), None))
        .await;
    mock.send(call(Method::GET, &format!("{jane}/custom-fields"), None))
        .await;
    mock.send(call(
        Method::PATCH,
        &format!("{jane}/custom-fields"),
        Some(json!({"plan": null})),
    ))
    .await;
    mock.send(call(Method::DELETE, &jane, None)).await;

    let output = run_in(&dir.0, &["check", "traffic.jsonl", "--format", "json"], "");

    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(
        report["summary"],
        json!({"exchanges": 16, "with_violations": 0, "with_warnings": 0, "skipped": 0})
    );
}
