//! `kwrunner scan` with the real `policy.wasm`: the manifests in
//! `test_data/scan/`, one row per situation, through the library (what the
//! command and kwbench run) and through the binary (exit statuses, stdin,
//! output formats).

mod common;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use kwrunner::manifests;
use kwrunner::scan::{Outcome, Report, Scanner, SetupError};
use kwrunner::{settings, Policy, Settings};
use rstest::rstest;

/// The built policy, compiled once for every row.
fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let path = policy_path();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; build it first with `make policy.wasm`",
                path.display()
            )
        });
        Policy::from_bytes(&bytes).expect("policy.wasm loads")
    })
}

fn policy_path() -> PathBuf {
    common::workspace_root().join("policy.wasm")
}

fn root_path(relative: &str) -> String {
    common::workspace_root()
        .join(relative)
        .display()
        .to_string()
}

fn example_settings() -> Settings {
    settings::from_path(&common::workspace_root().join("examples/settings.yaml"))
        .expect("example settings")
}

fn mirror_settings() -> Settings {
    settings::from_path(&common::workspace_root().join("test_data/scan/mirror-settings.yaml"))
        .expect("mirror settings")
}

/// Scans files (relative to the workspace) with the given settings.
fn scan(inputs: &[&str], settings: Settings) -> Report {
    let inputs: Vec<String> = inputs.iter().map(|i| root_path(i)).collect();
    let sources = manifests::read_inputs(&inputs, &mut std::io::empty());
    let Ok(mut scanner) = Scanner::new(policy(), settings, "default") else {
        panic!("settings refused");
    };
    scanner.scan(&sources)
}

/// Every entry as `file-name:line subject => verdict`, the verdict being
/// `admitted`, `refused: <message>`, `mutated: <from -> to, ...>` or `error`.
fn lines(report: &Report) -> Vec<String> {
    let prefix = format!("{}/", common::workspace_root().display());
    report
        .entries
        .iter()
        .map(|entry| {
            let verdict = match &entry.outcome {
                Outcome::Admitted => "admitted".to_owned(),
                Outcome::Refused(message) => format!("refused: {message}"),
                Outcome::Mutated(changes) => format!(
                    "mutated: {}",
                    changes
                        .iter()
                        .map(|c| format!(
                            "{} {} -> {}",
                            c.path,
                            c.from.as_ref().and_then(|v| v.as_str()).unwrap_or("?"),
                            c.to.as_ref().and_then(|v| v.as_str()).unwrap_or("?")
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Outcome::Error(_) => "error".to_owned(),
            };
            format!(
                "{} {} => {verdict}",
                entry.location().replace(&prefix, ""),
                entry.subject().unwrap_or_default()
            )
        })
        .collect()
}

const EVIL_BUSYBOX: &str = "container \"shell\" image \"docker.io.evil.example/library/busybox:1.36\": registries not allowed: docker.io.evil.example";

#[rstest]
#[case::multi_document_helm_output(
    &["test_data/scan/app.yaml"],
    vec![
        "test_data/scan/app.yaml:5 Deployment shop/web => admitted".to_owned(),
        "test_data/scan/app.yaml:27 Service shop/web => admitted".to_owned(),
        format!("test_data/scan/app.yaml:39 Pod default/debug => refused: {EVIL_BUSYBOX}"),
    ]
)]
#[case::list_items(
    &["test_data/scan/list.yaml"],
    vec![
        "test_data/scan/list.yaml:2 Deployment shop/api (items[0]) => admitted".to_owned(),
        "test_data/scan/list.yaml:2 Pod shop/scratch (items[1]) => refused: container \"scratch\" image \"busybox\": tags not allowed: latest".to_owned(),
    ]
)]
#[case::directory_recursively_in_name_order(
    &["test_data/scan/dir"],
    vec![
        "test_data/scan/dir/configmap.yml:1 ConfigMap default/settings => admitted".to_owned(),
        "test_data/scan/dir/nested/cronjob.json:1 CronJob ops/report => refused: container \"report\" image \"quay.io/acme/report:1.0\": registries not allowed: quay.io".to_owned(),
        "test_data/scan/dir/statefulset.yaml:1 StatefulSet default/db => admitted".to_owned(),
    ]
)]
#[case::input_errors_do_not_stop_the_scan(
    &["test_data/scan/broken.yaml"],
    vec![
        "test_data/scan/broken.yaml:1 Pod default/first => admitted".to_owned(),
        "test_data/scan/broken.yaml:14  => error".to_owned(),
        "test_data/scan/broken.yaml:17  => error".to_owned(),
        "test_data/scan/broken.yaml:20 Pod default/last => refused: container \"app\" image \"evil.example/app:1\": registries not allowed: evil.example".to_owned(),
    ]
)]
#[case::missing_file(
    &["test_data/scan/missing.yaml", "test_data/scan/app.yaml"],
    vec![
        "test_data/scan/missing.yaml  => error".to_owned(),
        "test_data/scan/app.yaml:5 Deployment shop/web => admitted".to_owned(),
        "test_data/scan/app.yaml:27 Service shop/web => admitted".to_owned(),
        format!("test_data/scan/app.yaml:39 Pod default/debug => refused: {EVIL_BUSYBOX}"),
    ]
)]
fn scans_with_the_example_settings(#[case] inputs: &[&str], #[case] expected: Vec<String>) {
    assert_eq!(lines(&scan(inputs, example_settings())), expected);
}

#[test]
fn a_mirror_rewrite_is_reported_as_mutated() {
    assert_eq!(
        lines(&scan(&["test_data/scan/app.yaml"], mirror_settings())),
        vec![
            "test_data/scan/app.yaml:5 Deployment shop/web => mutated: /spec/template/spec/containers/0/image nginx:1.27.0 -> harbor.corp.example/dockerhub/library/nginx:1.27.0".to_owned(),
            "test_data/scan/app.yaml:27 Service shop/web => admitted".to_owned(),
            "test_data/scan/app.yaml:39 Pod default/debug => refused: container \"shell\" image \"docker.io.evil.example/library/busybox:1.36\": registries not allowed: docker.io.evil.example".to_owned(),
        ]
    );
}

#[test]
fn invalid_settings_stop_before_any_object() {
    let settings = settings::from_json(r#"{"registry": ["docker.io"]}"#).expect("json");
    match Scanner::new(policy(), settings, "default") {
        Err(SetupError::InvalidSettings(message)) => {
            assert!(message.contains("registry"), "{message}")
        }
        Err(SetupError::Other(e)) => panic!("unexpected setup error: {e:#}"),
        Ok(_) => panic!("settings accepted"),
    }
}

#[test]
fn a_workload_without_namespace_is_judged_in_the_namespace_given() {
    let sources = vec![manifests::Source::named(
        "inline",
        Ok("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: evil.example/a:1}]\n".to_owned()),
    )];
    let Ok(mut scanner) = Scanner::new(policy(), example_settings(), "team-a") else {
        panic!("settings refused");
    };
    let report = scanner.scan(&sources);
    assert_eq!(
        lines(&report),
        vec!["inline:1 Pod team-a/p => refused: container \"a\" image \"evil.example/a:1\": registries not allowed: evil.example"]
    );
}

/// Runs `kwrunner scan ARGS` in the workspace, feeding `stdin`.
fn kwrunner_scan(args: &[&str], stdin: &str) -> common::Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kwrunner"))
        .arg("scan")
        .args(args)
        .current_dir(common::workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kwrunner runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("kwrunner ends");
    common::Run {
        status: output.status.code().expect("exited"),
        stdout: String::from_utf8(output.stdout).expect("utf-8"),
        stderr: String::from_utf8(output.stderr).expect("utf-8"),
    }
}

const SETTINGS: [&str; 2] = ["--settings-path", "examples/settings.yaml"];

#[rstest]
#[case::nothing_refused(&["-f", "test_data/scan/dir/configmap.yml"], "", 0, "scanned 1 object: 1 admitted, 0 refused, 0 mutated\n")]
#[case::refused(&["-f", "test_data/scan/app.yaml"], "", 1, &format!("test_data/scan/app.yaml:39: Pod default/debug: {EVIL_BUSYBOX}\nscanned 3 objects: 2 admitted, 1 refused, 0 mutated\n"))]
#[case::stdin(&["-f", "-"], "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  containers: [{name: a, image: nginx}]\n", 1, "<stdin>:1: Pod n/p: container \"a\" image \"nginx\": tags not allowed: latest\nscanned 1 object: 0 admitted, 1 refused, 0 mutated\n")]
#[case::empty_stdin(&["-f", "-"], "", 0, "scanned 0 objects: 0 admitted, 0 refused, 0 mutated\n")]
#[case::namespace_flag(&["-n", "ci", "-f", "-"], "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx}]\n", 1, "<stdin>:1: Pod ci/p: container \"a\" image \"nginx\": tags not allowed: latest\nscanned 1 object: 0 admitted, 1 refused, 0 mutated\n")]
#[case::several_inputs(&["-f", "test_data/scan/dir/configmap.yml", "-f", "-"], "{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"s\"}}", 0, "scanned 2 objects: 2 admitted, 0 refused, 0 mutated\n")]
fn exit_status_and_text(
    #[case] args: &[&str],
    #[case] stdin: &str,
    #[case] status: i32,
    #[case] stdout: &str,
) {
    let run = kwrunner_scan(
        &[
            &SETTINGS[..],
            args,
            &[policy_path().to_str().expect("utf-8 path")],
        ]
        .concat(),
        stdin,
    );
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (status, stdout),
        "{run:?}"
    );
}

#[test]
fn input_errors_exit_2_after_reporting_everything() {
    let run = kwrunner_scan(
        &[
            &SETTINGS[..],
            &[
                "-f",
                "test_data/scan/broken.yaml",
                policy_path().to_str().expect("utf-8"),
            ],
        ]
        .concat(),
        "",
    );
    assert_eq!(run.status, 2, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{run:?}");
    assert!(
        lines[0].starts_with("test_data/scan/broken.yaml:14: error: YAML syntax error: "),
        "{run:?}"
    );
    assert_eq!(
        lines[1],
        "test_data/scan/broken.yaml:17: error: no apiVersion: not a Kubernetes object"
    );
    assert!(
        lines[2].starts_with("test_data/scan/broken.yaml:20: Pod default/last: "),
        "{run:?}"
    );
    assert_eq!(
        lines[3],
        "scanned 2 objects: 1 admitted, 1 refused, 0 mutated, 2 errors"
    );
}

/// `POLICY` in the arguments stands for the built policy.wasm.
#[rstest]
#[case::invalid_settings(&["--settings-json", r#"{"registry": ["docker.io"]}"#, "-f", "test_data/scan/app.yaml", "POLICY"], "Error: Provided settings are not valid: ")]
#[case::unreadable_settings(&["--settings-path", "test_data/scan/missing.yaml", "-f", "test_data/scan/app.yaml", "POLICY"], "Error: Cannot open settings file test_data/scan/missing.yaml")]
#[case::missing_module(&["--settings-path", "examples/settings.yaml", "-f", "test_data/scan/app.yaml", "missing.wasm"], "Error: Cannot read policy module missing.wasm")]
#[case::no_filename(&["--settings-path", "examples/settings.yaml", "POLICY"], "--filename <PATH>")]
fn setup_errors_exit_2_with_nothing_on_stdout(#[case] args: &[&str], #[case] stderr: &str) {
    let policy = policy_path();
    let policy = policy.to_str().expect("utf-8");
    let args: Vec<&str> = args
        .iter()
        .map(|a| if *a == "POLICY" { policy } else { a })
        .collect();
    let run = kwrunner_scan(&args, "");
    assert_eq!((run.status, run.stdout.as_str()), (2, ""), "{run:?}");
    assert!(run.stderr.contains(stderr), "{run:?}");
}

#[test]
fn json_output_has_one_record_per_object() {
    let run = kwrunner_scan(
        &[
            &SETTINGS[..],
            &[
                "-o",
                "json",
                "-f",
                "test_data/scan/app.yaml",
                policy_path().to_str().expect("utf-8"),
            ],
        ]
        .concat(),
        "",
    );
    assert_eq!(run.status, 1, "{run:?}");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        value["summary"],
        serde_json::json!({"scanned": 3, "admitted": 2, "refused": 1, "mutated": 0, "errors": 0})
    );
    assert_eq!(
        value["results"][2],
        serde_json::json!({
            "file": "test_data/scan/app.yaml", "line": 39, "apiVersion": "v1", "kind": "Pod",
            "namespace": "default", "name": "debug", "result": "refused", "message": EVIL_BUSYBOX
        })
    );
}

const PIN: &str = r#"{"registries": {"allow": ["docker.io/library"]}, "pinDigests": true}"#;

/// Host capabilities as `run` serves them: granted or not, live or replayed.
#[rstest]
#[case::replayed_digest_pins_the_image(
    &["--replay-host-capabilities-interactions", "test_data/scan/pin-session.yml"],
    0,
    "test_data/scan/dir/statefulset.yaml:1: StatefulSet default/db: mutated: postgres:16.4 -> postgres:16.4@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa\nscanned 1 object: 0 admitted, 0 refused, 1 mutated\n"
)]
#[case::capability_not_granted(
    &["--allowed-host-capabilities", "kubernetes/*"],
    1,
    "test_data/scan/dir/statefulset.yaml:1: StatefulSet default/db: container \"postgres\" image \"postgres:16.4\": digest lookup failed: Policy has not been granted access to the 'oci/v1/manifest_digest' host capability. The violation has been reported.\nscanned 1 object: 0 admitted, 1 refused, 0 mutated\n"
)]
fn host_capability_flags_as_run(#[case] flags: &[&str], #[case] status: i32, #[case] stdout: &str) {
    let policy = policy_path();
    let run = kwrunner_scan(
        &[
            &[
                "--settings-json",
                PIN,
                "-f",
                "test_data/scan/dir/statefulset.yaml",
            ][..],
            flags,
            &[policy.to_str().expect("utf-8 path")],
        ]
        .concat(),
        "",
    );
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (status, stdout),
        "{run:?}"
    );
}
