//! Coverage (D32): which outcomes (operation, status, problem code) recorded traffic
//! exercised, from `GET /__admin/coverage` and from `check --coverage`, and gating a CI job
//! on it (`--min-coverage`, `--require`).

mod common;

use common::{JANE, JOHN, Mock, TempDir, start_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gately-mock");

/// The outcome `id` of `coverage`: (seen, forced).
fn counts(coverage: &Value, id: &str) -> (u64, u64) {
    let outcome = coverage["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .chain(coverage["injected"].as_array().unwrap())
        .find(|outcome| outcome["id"] == id)
        .unwrap_or_else(|| panic!("{id} is an outcome of {coverage}"));
    (
        outcome["seen"].as_u64().unwrap(),
        outcome["forced"].as_u64().unwrap(),
    )
}

/// Traffic with two PATCH successes, a taken e-mail, a missing contact, a forced 404 and an
/// invalid body.
async fn some_traffic(mock: &Mock) {
    let jane = format!("/api/v1/contacts/{JANE}");
    for body in [json!({"status": "inactive"}), json!({"notes": "again"})] {
        assert_eq!(mock.patch_contact(JANE, body).await.status, StatusCode::OK);
    }
    let john = mock.get_contact(JOHN).await.body;
    let taken = mock
        .patch_contact(JANE, json!({"email": john["email"]}))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let missing = mock
        .patch_contact(
            "00000000-0000-4000-8000-000000000000",
            json!({"notes": "x"}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let forced = mock
        .send(
            mock.request(Method::PATCH, &jane)
                .header("prefer", "code=404")
                .json(&json!({"notes": "y"})),
        )
        .await;
    assert_eq!(forced.status, StatusCode::NOT_FOUND);
    let invalid = mock.patch_contact(JANE, json!({"statsu": "active"})).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_admin_route_counts_each_outcome_of_the_traffic() {
    let mock = common::start().await;
    some_traffic(&mock).await;
    let coverage = mock.admin_json("/__admin/coverage").await;
    assert_eq!(counts(&coverage, "updateContact:200:ok"), (2, 0));
    assert_eq!(counts(&coverage, "updateContact:409:email_taken"), (1, 0));
    // The real 404 and the forced one; the forced one is marked.
    assert_eq!(
        counts(&coverage, "updateContact:404:contact_not_found"),
        (2, 1)
    );
    assert_eq!(
        counts(&coverage, "updateContact:422:validation_failed"),
        (1, 0)
    );
    assert_eq!(counts(&coverage, "getContact:200:ok"), (1, 0));
    assert_eq!(
        counts(&coverage, "updateContact:403:insufficient_permissions"),
        (0, 0)
    );
    assert_eq!(coverage["covered"], 5);
    let total = coverage["total"].as_u64().unwrap();
    assert_eq!(coverage["outcomes"].as_array().unwrap().len() as u64, total);
    assert_eq!(
        coverage["percent"].as_f64().unwrap(),
        (5000.0 / total as f64).floor() / 10.0
    );
}

#[tokio::test]
async fn each_workspace_has_its_own_coverage_and_injected_answers_are_listed_apart() {
    let mock = common::start().await;
    let made = mock
        .make_workspace(
            json!({"name": "covered", "faults": {"rules": [{"fault": "error", "status": 503}]}}),
        )
        .await;
    let key = made["api_key"].as_str().unwrap();
    let answer = mock
        .http
        .get(mock.url("/api/v1/contacts/tags"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    let own = mock
        .admin_json("/__admin/workspaces/covered/coverage")
        .await;
    assert_eq!(
        own["covered"], 0,
        "an injected 503 is no outcome of the table"
    );
    assert_eq!(counts(&own, "listTags:503:injected_fault"), (1, 1));
    let server = mock.admin_json("/__admin/coverage").await;
    assert_eq!(server["covered"], 0);
    assert!(server["injected"].as_array().unwrap().is_empty());
}

/// `check` of `file` with `args`: its exit code, standard output and standard error.
fn check(file: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(BIN)
        .arg("check")
        .arg(file)
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[tokio::test]
async fn check_gates_a_job_on_coverage_from_a_record_file() {
    let dir = TempDir::new("coverage-check");
    let file = dir.0.join("traffic.jsonl");
    let recorded = file.clone();
    let mock = start_with(|options| options.record(recorded)).await;
    for body in [json!({"status": "inactive"}), json!({"notes": "again"})] {
        mock.patch_contact(JANE, body).await;
    }
    mock.get_contact(JOHN).await;
    drop(mock);

    // The record file has no 409: required, it fails the job, and says which.
    let (code, _, stderr) = check(
        &file,
        &[
            "--require",
            "updateContact:409:email_taken",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("required outcome updateContact:409:email_taken was never seen"),
        "{stderr}"
    );
    let (code, stdout, _) = check(&file, &["--coverage", "--format", "json"]);
    assert_eq!(code, 0, "coverage alone gates nothing");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report["summary"]["exchanges"], 3,
        "the contract report is there too"
    );
    assert_eq!(counts(&report["coverage"], "updateContact:200:ok"), (2, 0));
    assert_eq!(
        counts(&report["coverage"], "updateContact:409:email_taken"),
        (0, 0)
    );
    assert_eq!(report["coverage"]["unmet"], json!([]));

    // What was seen passes; a threshold above the coverage fails.
    let (code, _, _) = check(
        &file,
        &[
            "--require",
            "updateContact:200",
            "--require",
            "getContact:200:ok",
        ],
    );
    assert_eq!(code, 0);
    let (code, stdout, _) = check(&file, &["--min-coverage", "50"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("is below --min-coverage 50"), "{stdout}");
    assert!(stdout.contains("  · 409 email_taken"), "{stdout}");
    assert!(stdout.contains("  ✓ 200 ok"), "{stdout}");

    // A requirement that names no outcome is a usage error.
    let (code, _, stderr) = check(&file, &["--require", "updateContact:418"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("names no outcome"), "{stderr}");
}

#[test]
fn the_junit_report_gains_a_coverage_suite_with_a_skipped_case_per_outcome_never_seen() {
    let har = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/real-api.har");
    let (_, xml, _) = check(&har, &["--coverage", "--format", "junit"]);
    let suite_at = xml
        .find("<testsuite name=\"coverage\"")
        .expect("a coverage suite");
    let suite = &xml[suite_at..xml[suite_at..].find("</testsuite>").unwrap() + suite_at];
    let cases = suite.matches("<testcase ").count();
    let skipped = suite
        .matches("<skipped message=\"never seen in the traffic\"/>")
        .count();
    let header = suite.lines().next().unwrap();
    assert!(header.contains(&format!("tests=\"{cases}\"")), "{header}");
    assert!(
        header.contains(&format!("skipped=\"{skipped}\"")),
        "{header}"
    );
    assert!(skipped < cases && skipped > 0);
    assert!(suite.contains("name=\"updateContact:200:ok\" time=\"0\"/>"));
    // The document's count takes the suite in.
    let total = xml.matches("<testcase ").count();
    assert!(xml.contains(&format!(
        "<testsuites name=\"gately-mock check\" tests=\"{total}\""
    )));
}
