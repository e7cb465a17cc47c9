//! The built binary, as a user runs it: start-up line, environment variables, clean stop,
//! and one-line start-up errors with exit code 2.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_gately-mock");
const KEY: &str = "gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const JANE: &str = "a1b2c3d4-e5f6-4789-abcd-ef1234567890";

/// Starts `gately-mock serve` with `args` and `env`, and waits for its `listening on` line.
async fn serve(args: &[&str], env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("a start-up line within 10 s")
        .unwrap()
        .expect("a line on stdout");
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected start-up line {line:?}"))
        .to_owned();
    (child, url)
}

/// Runs the binary to completion.
async fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .await
        .expect("the binary runs")
}

fn terminate(child: &Child) {
    let pid = child.id().expect("still running").to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn port_zero_prints_the_real_port_and_sigterm_stops_with_exit_0() {
    let (mut child, url) = serve(&["--port", "0"], &[]).await;

    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    let status = reqwest::Client::new()
        .get(format!("{url}/api/v1/contacts/{JANE}"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);

    terminate(&child);
    let exit = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(exit.code(), Some(0));
}

#[tokio::test]
async fn sigterm_as_soon_as_listening_on_is_printed_still_stops_with_exit_0() {
    for _ in 0..10 {
        let (mut child, _url) = serve(&["--port", "0"], &[]).await;

        terminate(&child);
        let exit = tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .unwrap()
            .unwrap();

        assert_eq!(exit.code(), Some(0), "{exit}");
    }
}

#[tokio::test]
async fn every_flag_can_come_from_the_environment() {
    let (_child, url) = serve(
        &[],
        &[
            ("GATELY_MOCK_PORT", "0"),
            ("GATELY_MOCK_FROZEN_TIME", "2030-01-02T03:04:05.678Z"),
            ("GATELY_MOCK_LENIENT", "true"),
        ],
    )
    .await;

    let body: serde_json::Value = reqwest::Client::new()
        .patch(format!("{url}/api/v1/contacts/{JANE}"))
        .bearer_auth(KEY)
        .json(&serde_json::json!({"notes": "x", "unknown": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["updated_at"], "2030-01-02T03:04:05.678Z",
        "frozen time from the environment"
    );
    assert_eq!(
        body["notes"], "x",
        "lenient from the environment let the unknown field through"
    );
}

#[tokio::test]
async fn a_switch_from_the_environment_takes_1_yes_and_on_as_well_as_true() {
    for (spelling, mode) in [
        ("1", "lenient"),
        ("yes", "lenient"),
        ("on", "lenient"),
        ("off", "strict"),
    ] {
        let (child, url) = serve(&["--port", "0"], &[("GATELY_MOCK_LENIENT", spelling)]).await;
        let health: serde_json::Value = reqwest::get(format!("{url}/__admin/health"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["mode"], mode, "GATELY_MOCK_LENIENT={spelling}");
        terminate(&child);
    }
}

fn fixture_dir(name: &str, contacts: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gately-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for file in ["api-keys.json", "tags.json"] {
        std::fs::copy(root.join(file), dir.join(file)).unwrap();
    }
    std::fs::write(dir.join("contacts.json"), contacts).unwrap();
    dir
}

fn one_line(output: &Output) -> String {
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "exactly one line: {stderr:?}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"));
    stderr.trim_end().to_owned()
}

#[tokio::test]
async fn a_bad_fixture_stops_start_up_with_one_line_naming_file_and_pointer() {
    let contacts = r#"[{"id":"a1b2c3d4-e5f6-4789-abcd-ef1234567890","project_id":"3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73","name":"A","email":"a@example.com","status":"actve","created_at":"2025-01-01T00:00:00.000Z"}]"#;
    let dir = fixture_dir("bad-status", contacts);

    let output = run(&["serve", "--port", "0", "--fixtures", dir.to_str().unwrap()]).await;

    assert_eq!(output.status.code(), Some(2));
    let expected = format!(
        "gately-mock: {}: /0/status: \"actve\" is not one of new, active, inactive, archived: did you mean \"active\"?",
        dir.join("contacts.json").display()
    );
    assert_eq!(one_line(&output), expected);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn fixture_files_that_are_not_json_or_missing_stop_start_up_with_exit_2() {
    let dir = fixture_dir("not-json", "[{\"id\": ");

    let not_json = run(&["serve", "--port", "0", "--fixtures", dir.to_str().unwrap()]).await;
    let missing = run(&[
        "serve",
        "--port",
        "0",
        "--fixtures",
        "/nonexistent/fixtures",
    ])
    .await;

    assert_eq!(not_json.status.code(), Some(2));
    let line = one_line(&not_json);
    assert!(
        line.contains("contacts.json: invalid JSON: EOF while parsing"),
        "{line}"
    );
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        one_line(&missing),
        "gately-mock: /nonexistent/fixtures/api-keys.json: cannot be read: No such file or directory (os error 2)"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The contacts of the Acme project in `dir`'s `contacts.json`.
fn acme_contacts(dir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("contacts.json")).unwrap();
    let contacts: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let acme = "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73";
    contacts
        .into_iter()
        .filter(|c| c["project_id"] == acme)
        .collect()
}

#[tokio::test]
async fn a_generated_fixture_set_serves_its_contacts_paged_filtered_and_searched_as_written() {
    let dir = std::env::temp_dir().join(format!("gately-cli-generated-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.to_str().unwrap();
    let generate = [
        "fixtures",
        "generate",
        "--contacts",
        "3000",
        "--seed",
        "5",
        "--out",
        out,
    ];
    let output = run(&generate).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let said = String::from_utf8(output.stdout).unwrap();
    assert!(said.starts_with("wrote 3014 contacts to "), "{said}");
    // Never over a set already there: one line, exit 2, the files as they were.
    let again = run(&generate).await;
    assert_eq!(again.status.code(), Some(2));
    assert!(
        one_line(&again)
            .ends_with("api-keys.json: already exists; give --out a new or empty directory")
    );

    let acme = acme_contacts(&dir);
    let (child, url) = serve(&["--port", "0", "--fixtures", out], &[]).await;
    let http = reqwest::Client::new();
    let list = |query: &'static str| {
        let request = http
            .get(format!("{url}/api/v1/contacts?{query}"))
            .bearer_auth(KEY);
        async move {
            request
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    // Newest first, then by id (D19): the last page holds the oldest.
    let mut newest: Vec<(&str, &str)> = acme
        .iter()
        .map(|c| (c["created_at"].as_str().unwrap(), c["id"].as_str().unwrap()))
        .collect();
    newest.sort_by(|a, b| b.0.cmp(a.0).then(a.1.cmp(b.1)));
    let last = list("limit=200&page=16").await;
    let ids: Vec<&str> = last["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = newest[3000..].iter().map(|(_, id)| *id).collect();
    assert_eq!(ids, expected);
    assert_eq!(last["pagination"]["total"], acme.len());

    let count = |keep: &dyn Fn(&serde_json::Value) -> bool| acme.iter().filter(|c| keep(c)).count();
    let active = list("status=active&limit=1").await;
    assert_eq!(
        active["pagination"]["total"],
        count(&|c| c["status"] == "active")
    );
    let tagged = list("tags=Trial,Partner&limit=1").await;
    let trial_or_partner = |c: &serde_json::Value| {
        c["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "Trial" || t == "Partner"))
    };
    assert_eq!(tagged["pagination"]["total"], count(&trial_or_partner));
    let searched = list("search=HANSEN&limit=1").await;
    let hansen = |c: &serde_json::Value| {
        ["name", "email", "company"].iter().any(|f| {
            c[*f]
                .as_str()
                .is_some_and(|v| v.to_lowercase().contains("hansen"))
        })
    };
    assert!(count(&hansen) > 0);
    assert_eq!(searched["pagination"]["total"], count(&hansen));
    terminate(&child);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_port_in_use_stops_start_up_with_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();

    let output = run(&["serve", "--port", &port]).await;

    assert_eq!(output.status.code(), Some(2));
    assert!(
        one_line(&output).starts_with(&format!("gately-mock: cannot listen on 127.0.0.1:{port}"))
    );
}

#[tokio::test]
async fn bad_flags_exit_2() {
    for args in [
        &["serve", "--port", "eighty"][..],
        &["serve", "--frozen-time", "yesterday"],
        &["serve", "--max-body", "0"],
        &["serve", "--nope"],
        &["launch"],
    ] {
        let output = run(args).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(stderr.lines().count(), 1, "one line for {args:?}: {stderr}");
        assert!(stderr.starts_with("gately-mock: "), "{args:?}: {stderr}");
        assert!(
            stderr.trim_end().ends_with("see gately-mock --help"),
            "{stderr}"
        );
    }
}

#[tokio::test]
async fn a_bad_value_from_the_environment_names_the_variable() {
    let output = tokio::process::Command::new(BIN)
        .arg("serve")
        .env("GATELY_MOCK_PORT", "eighty")
        .output()
        .await
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "gately-mock: invalid value 'eighty' for '--port <PORT>': invalid digit found in string (from the environment variable GATELY_MOCK_PORT); see gately-mock --help\n"
    );
}

/// Sends the same little session to `url`: reads, writes, refusals.
async fn session(url: &str) -> usize {
    let http = reqwest::Client::new();
    let contact = format!("{url}/api/v1/contacts/{JANE}");
    let bodies = [
        serde_json::json!({"status": "inactive", "notes": "Churned after trial"}),
        serde_json::json!({"tags": ["Brand new tag", "VIP"]}),
        serde_json::json!({"statsu": "active"}),
        serde_json::json!({"email": "john.doe@example.com"}),
    ];
    let mut sent = 0;
    for body in &bodies {
        http.patch(&contact)
            .bearer_auth(KEY)
            .json(body)
            .send()
            .await
            .unwrap();
        http.get(&contact).bearer_auth(KEY).send().await.unwrap();
        sent += 2;
    }
    sent
}

fn temp_file(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("gately-cli-{name}-{}.jsonl", std::process::id()))
}

#[tokio::test]
async fn the_record_file_of_a_sigtermed_server_holds_every_answered_request() {
    let record = temp_file("sigterm");
    let (mut child, url) = serve(&["--port", "0", "--record", record.to_str().unwrap()], &[]).await;

    let sent = session(&url).await;
    terminate(&child);
    let exit = child.wait().await.unwrap();

    assert_eq!(exit.code(), Some(0));
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr)
        .await
        .unwrap();
    assert!(!stderr.contains(&KEY[15..]), "no key in the logs: {stderr}");
    let file = std::fs::read_to_string(&record).unwrap();
    let seqs: Vec<u64> = file
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, (1..=sent as u64).collect::<Vec<_>>());
    std::fs::remove_file(record).unwrap();
}

#[tokio::test]
async fn two_frozen_time_runs_record_byte_identical_files() {
    let mut files = Vec::new();
    for run in ["first", "second"] {
        let record = temp_file(run);
        let (mut child, url) = serve(
            &[
                "--port",
                "0",
                "--frozen-time",
                "2025-06-15T14:30:00.000Z",
                "--record",
                record.to_str().unwrap(),
            ],
            &[],
        )
        .await;
        session(&url).await;
        terminate(&child);
        child.wait().await.unwrap();
        files.push(std::fs::read(&record).unwrap());
        std::fs::remove_file(record).unwrap();
    }
    assert!(!files[0].is_empty());
    assert_eq!(
        String::from_utf8_lossy(&files[0]),
        String::from_utf8_lossy(&files[1])
    );
}

#[tokio::test]
async fn an_unwritable_record_file_stops_start_up_with_one_line() {
    let output = run(&[
        "serve",
        "--port",
        "0",
        "--record",
        "/nonexistent/dir/traffic.jsonl",
    ])
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        one_line(&output),
        "gately-mock: /nonexistent/dir/traffic.jsonl: cannot create the record file: No such file or directory (os error 2)"
    );
}

#[tokio::test]
async fn log_requests_prints_one_line_per_exchange_without_the_key() {
    let (mut child, url) = serve(&["--port", "0", "--log-requests"], &[]).await;

    reqwest::Client::new()
        .get(format!("{url}/api/v1/contacts/{JANE}"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    reqwest::Client::new()
        .get(format!("{url}/__admin/health"))
        .send()
        .await
        .unwrap();
    terminate(&child);
    child.wait().await.unwrap();
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr)
        .await
        .unwrap();

    assert_eq!(
        stderr,
        format!("gately-mock: #1 GET /api/v1/contacts/{JANE} → 200 ok\n")
    );
}

#[tokio::test]
async fn binding_beyond_loopback_prints_a_warning() {
    let (mut child, url) = serve(&["--host", "0.0.0.0", "--port", "0"], &[]).await;
    terminate(&child);
    child.wait().await.unwrap();
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr)
        .await
        .unwrap();
    assert!(url.starts_with("http://0.0.0.0:"), "{url}");
    assert!(
        stderr.starts_with("gately-mock: warning: listening on 0.0.0.0:"),
        "{stderr}"
    );
}

/// The README's "A CI recipe" block, as it stands there.
/// The first `sh` block after the README heading that starts with `heading`.
fn readme_block(heading: &str) -> String {
    let readme = include_str!("../README.md");
    let section = &readme[readme
        .find(heading)
        .unwrap_or_else(|| panic!("the README has {heading:?}"))..];
    let start = section.find("```sh\n").expect("a sh block") + "```sh\n".len();
    section[start..start + section[start..].find("```").unwrap()].to_owned()
}

/// Runs the CI recipe in a fresh directory with `gately-mock` on the PATH and a stand-in
/// `npm` whose `test` is `client_tests` (bash), with `env` added.
async fn run_ci_recipe(name: &str, client_tests: &str, env: &[(&str, &str)]) -> (Output, String) {
    run_recipe(&readme_block("### A CI recipe"), name, client_tests, env).await
}

/// Runs `recipe` as [`run_ci_recipe`] does; answers its output and its `contract.xml`.
async fn run_recipe(
    recipe: &str,
    name: &str,
    client_tests: &str,
    env: &[(&str, &str)],
) -> (Output, String) {
    let dir = std::env::temp_dir().join(format!("gately-ci-recipe-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(dir.join("recipe.sh"), recipe).unwrap();
    let npm = dir.join("bin/npm");
    std::fs::write(&npm, format!("#!/usr/bin/env bash\n{client_tests}\n")).unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&npm)
        .status()
        .unwrap();
    let binary_dir = std::path::Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}:{}",
        dir.join("bin").display(),
        binary_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        Command::new("bash")
            .arg("recipe.sh")
            .current_dir(&dir)
            .env("PATH", path)
            .envs(env.iter().copied())
            .output(),
    )
    .await
    .expect("the recipe ends by itself")
    .unwrap();
    let report = std::fs::read_to_string(dir.join("contract.xml")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    (output, report)
}

#[tokio::test]
async fn the_readme_parallel_jobs_recipe_gives_each_job_its_own_workspace_and_report() {
    let (_child, url) = serve(&["--port", "0"], &[]).await;
    let recipe = readme_block("### A CI recipe: parallel jobs");
    // A client test that PATCHes Jane with the job's own key: `$1` is the body.
    let patch = |body: &str| {
        format!(
            "curl -sf -o /dev/null -X PATCH \"$GATELY_API_URL/api/v1/contacts/{JANE}\" \
             -H \"Authorization: Bearer $GATELY_API_KEY\" -H 'Content-Type: application/json' -d '{body}' || true"
        )
    };
    let clean = patch(r#"{"status":"active"}"#);
    let broken = patch(r#"{"statsu":"active"}"#);
    let job = |name: &'static str, tests: String| {
        let (recipe, url) = (recipe.clone(), url.clone());
        async move {
            let id = name.to_owned();
            run_recipe(
                &recipe,
                name,
                &tests,
                &[("GATELY_MOCK", &url), ("CI_JOB_ID", &id)],
            )
            .await
        }
    };
    let ((one, one_report), (two, two_report), (three, three_report)) =
        tokio::join!(job("1", clean.clone()), job("2", clean), job("3", broken),);
    for (output, report, name) in [(&one, &one_report, "1"), (&two, &two_report, "2")] {
        assert_eq!(
            output.status.code(),
            Some(0),
            "job {name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            report.contains(&format!(
                "<testsuite name=\"workspace job-{name}\" tests=\"1\" failures=\"0\""
            )),
            "job {name}'s own traffic only: {report}"
        );
    }
    assert_eq!(three.status.code(), Some(1), "the broken job fails");
    assert!(
        three_report.contains("<testsuite name=\"workspace job-3\" tests=\"1\" failures=\"1\""),
        "{three_report}"
    );
    let listed = reqwest::get(format!("{url}/__admin/workspaces"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !listed.contains("job-"),
        "each job removed its workspace: {listed}"
    );
}

#[tokio::test]
async fn the_readme_ci_recipe_passes_clean_traffic_and_fails_everything_else() {
    // A client test that sends one request with bash alone: `$1` is the body.
    let send = |body: &str| {
        format!(
            "url=${{GATELY_API_URL#http://}}; exec 3<>/dev/tcp/${{url%:*}}/${{url##*:}}\n\
             printf 'PATCH /api/v1/contacts/{JANE} HTTP/1.1\\r\\nhost: x\\r\\nauthorization: Bearer {KEY}\\r\\ncontent-type: application/json\\r\\ncontent-length: {}\\r\\nconnection: close\\r\\n\\r\\n%s' '{body}' >&3\n\
             cat <&3 >/dev/null",
            body.len()
        )
    };

    let (clean, report) = run_ci_recipe("clean", &send(r#"{"status":"active"}"#), &[]).await;
    let (broken, broken_report) =
        run_ci_recipe("broken", &send(r#"{"statsu":"active"}"#), &[]).await;
    let (failing, _) = run_ci_recipe("failing", "exit 3", &[]).await;
    let (unstartable, _) = run_ci_recipe(
        "unstartable",
        "exit 0",
        &[("GATELY_MOCK_FIXTURES", "/nonexistent")],
    )
    .await;

    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    assert!(report.contains("tests=\"1\" failures=\"0\""), "{report}");
    assert_eq!(broken.status.code(), Some(1));
    assert!(broken_report.contains("failures=\"1\""), "{broken_report}");
    assert_eq!(
        failing.status.code(),
        Some(3),
        "the client's own failure is the job's"
    );
    assert_eq!(unstartable.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unstartable.stdout).starts_with("gately-mock: /nonexistent/"),
        "the mock's one line: {}",
        String::from_utf8_lossy(&unstartable.stdout)
    );
}

/// The `curl` commands of the README's routes table, in order, and the variables its "Try
/// it" block sets.
fn readme_routes_examples() -> (Vec<String>, Vec<String>) {
    let readme = include_str!("../README.md");
    let try_it = &readme[readme.find("```sh\nKEY=").expect("the Try it block")..];
    let variables = try_it
        .lines()
        .skip(1)
        .take_while(|line| line.contains('='))
        .map(str::to_owned)
        .collect();
    let routes = &readme[readme.find("## Routes").unwrap()..readme.find("## Flags").unwrap()];
    let commands = routes
        .lines()
        .filter_map(|row| {
            let cell = row.rsplit(" | ").next()?.trim_end_matches(" |");
            let command = cell.strip_prefix("`curl ")?.strip_suffix('`')?;
            Some(format!("curl {command}"))
        })
        .collect();
    (variables, commands)
}

#[tokio::test]
async fn the_readme_routes_table_runs_top_to_bottom_without_a_refusal() {
    let (variables, commands) = readme_routes_examples();
    // Every operation but the PATCH, whose example is the "Try it" block, the segment's
    // members listed, then the state, the clock, a workspace made, the coverage, a fault
    // plan put and the workspace read.
    assert_eq!(
        commands.len(),
        36,
        "every route has its example: {commands:?}"
    );
    let (_child, url) = serve(&["--port", "0"], &[]).await;

    for (at, command) in commands.iter().enumerate() {
        let script = format!(
            "{}\n{}",
            variables.join("\n"),
            command.replace("http://127.0.0.1:4010", &url)
        );
        let output = Command::new("bash")
            .args(["-c", &script])
            .output()
            .await
            .unwrap();
        let answer = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "row {at}: {command}");
        assert!(
            !answer.is_empty() && !answer.contains("urn:gately-mock:problem:"),
            "row {at} was refused: {command}\n{answer}"
        );
    }
}

#[tokio::test]
async fn serve_upstream_forwards_to_a_second_mock_records_origin_and_check_agrees() {
    let (_upstream, upstream_url) = serve(&["--port", "0"], &[]).await;
    let record = temp_file("proxy");
    let (proxy, url) = serve(
        &[
            "--port",
            "0",
            "--upstream",
            &upstream_url,
            "--record",
            record.to_str().unwrap(),
        ],
        &[],
    )
    .await;

    let client = reqwest::Client::new();
    let patched = client
        .patch(format!("{url}/api/v1/contacts/{JANE}"))
        .bearer_auth(KEY)
        .json(&serde_json::json!({"status": "inactive"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    // Held to the documented contract (D25), where the mock's own `null`s are warnings.
    assert_eq!(patched.headers()["x-gately-mock-verdict"], "warning");
    // The change happened upstream: the upstream itself now shows it.
    let upstream_view: serde_json::Value = client
        .get(format!("{upstream_url}/api/v1/contacts/{JANE}"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(upstream_view["status"], "inactive");
    let refused = client
        .patch(format!("{url}/api/v1/contacts/{JANE}"))
        .bearer_auth(KEY)
        .json(&serde_json::json!({"statsu": "active"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    drop(proxy);

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&record)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let origins: Vec<_> = lines.iter().map(|line| line["origin"].clone()).collect();
    assert_eq!(
        origins,
        ["upstream", "mock"],
        "the refusal never left the proxy"
    );
    assert_eq!(lines[0]["verdict"], "warning");
    assert_eq!(lines[0]["violations"], serde_json::json!([]));
    assert!(
        lines[0]["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|warning| warning["pointer"] == "/response/body/mobile"),
        "{}",
        lines[0]["warnings"]
    );
    assert_eq!(
        lines[0]["request"]["headers"]["authorization"],
        "Bearer gately_sk_test_…"
    );
    let checked = run(&["check", record.to_str().unwrap()]).await;
    assert_eq!(
        checked.status.code(),
        Some(1),
        "the refused PATCH is the one violation: {}",
        String::from_utf8_lossy(&checked.stdout)
    );
    let human = String::from_utf8(checked.stdout).unwrap();
    assert!(human.contains("/statsu"), "{human}");
    assert!(
        human.contains("2 exchanges, 1 with violations, 1 with warnings"),
        "{human}"
    );
    std::fs::remove_file(record).unwrap();
}

#[tokio::test]
async fn bad_proxy_flags_stop_start_up_with_one_line_naming_the_flag() {
    let not_pem = temp_file("not-pem");
    std::fs::write(&not_pem, "junk").unwrap();
    for (args, expected) in [
        (
            &["serve", "--upstream", "ftp://staging.example"][..],
            "gately-mock: --upstream ftp://staging.example: the scheme is neither http nor https; give an absolute http:// or https:// URL, e.g. https://staging.gately.example",
        ),
        (
            &[
                "serve",
                "--upstream",
                "https://x.example",
                "--upstream-ca",
                "/nonexistent/ca.pem",
            ],
            "gately-mock: --upstream-ca /nonexistent/ca.pem: cannot be read: No such file or directory (os error 2)",
        ),
        (
            &[
                "serve",
                "--upstream",
                "https://x.example",
                "--upstream-ca",
                not_pem.to_str().unwrap(),
            ],
            &format!(
                "gately-mock: --upstream-ca {}: holds no PEM certificate",
                not_pem.display()
            ),
        ),
        (
            &[
                "serve",
                "--upstream",
                "https://x.example",
                "--upstream-timeout",
                "0",
            ],
            "gately-mock: invalid value '0' for '--upstream-timeout <SECS>': \"0\" is not a positive number of seconds; see gately-mock --help",
        ),
        (
            &["serve", "--forward-invalid"],
            "gately-mock: the following required arguments were not provided: --upstream <URL>; see gately-mock --help",
        ),
    ] {
        let output = run(args).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(one_line(&output), expected, "{args:?}");
    }
    std::fs::remove_file(not_pem).unwrap();
}
