//! `kwrunner scan` with the real `policy.wasm`: the manifests in
//! `test_data/scan/`, one row per situation, through the library (what the
//! command and kwbench run) and through the binary (exit statuses, stdin,
//! output formats).

mod common;
// The generated input shapes kwbench reads, for the linear-time rows.
#[allow(dead_code)]
#[path = "../src/bench/scan_input.rs"]
mod scan_input;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use kwrunner::scan::manifests;
use kwrunner::scan::{Outcome, Report, Scanner, SetupError};
use kwrunner::{kube::settings, Policy, Settings};
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
                Outcome::Skipped(why) => format!("skipped: {why}"),
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
#[case::repository_directory_skips_what_is_no_object(
    &["test_data/scan/repo"],
    vec![
        "test_data/scan/repo/chart/Chart.yaml  => skipped: a Helm chart's Chart.yaml, not a manifest".to_owned(),
        "test_data/scan/repo/chart/values-prod.yaml  => skipped: Helm values, not a manifest".to_owned(),
        "test_data/scan/repo/chart/values.yaml  => skipped: Helm values, not a manifest".to_owned(),
        "test_data/scan/repo/kustomization.yaml  => skipped: a Kustomize kustomization, not a manifest".to_owned(),
        "test_data/scan/repo/rendered.yaml:2 Deployment shop/web => admitted".to_owned(),
        "test_data/scan/repo/rendered.yaml:19  => skipped: not a Kubernetes object".to_owned(),
        "test_data/scan/repo/rendered.yaml:22 Pod shop/debug => refused: container \"shell\" image \"docker.io.evil.example/library/busybox:1.36\": registries not allowed: docker.io.evil.example".to_owned(),
        "test_data/scan/repo/settings.yaml:2  => skipped: not a Kubernetes object".to_owned(),
    ]
)]
#[case::named_files_stay_strict(
    &["test_data/scan/repo/settings.yaml", "test_data/scan/repo/chart/values.yaml"],
    vec![
        "test_data/scan/repo/settings.yaml:2  => error".to_owned(),
        "test_data/scan/repo/chart/values.yaml:1  => error".to_owned(),
    ]
)]
#[case::unrendered_chart_templates_are_errors(
    &["test_data/scan/chart"],
    vec![
        "test_data/scan/chart/Chart.yaml  => skipped: a Helm chart's Chart.yaml, not a manifest".to_owned(),
        "test_data/scan/chart/templates/deployment.yaml:4  => error".to_owned(),
        "test_data/scan/chart/templates/service.yaml:1  => error".to_owned(),
        "test_data/scan/chart/values.yaml  => skipped: Helm values, not a manifest".to_owned(),
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
        serde_json::json!({"scanned": 3, "admitted": 2, "refused": 1, "mutated": 0, "warned": 0, "skipped": 0, "errors": 0})
    );
    assert_eq!(
        value["results"][2],
        serde_json::json!({
            "file": "test_data/scan/app.yaml", "line": 39, "apiVersion": "v1", "kind": "Pod",
            "namespace": "default", "name": "debug", "result": "refused", "message": EVIL_BUSYBOX,
            "warnings": []
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

/// `kwrunner scan ARGS... policy.wasm` with the example settings.
fn scan_with_example_settings(args: &[&str], stdin: &str) -> common::Run {
    let policy = policy_path();
    kwrunner_scan(
        &[&SETTINGS[..], args, &[policy.to_str().expect("utf-8 path")]].concat(),
        stdin,
    )
}

#[test]
fn a_repository_directory_gets_the_exit_code_of_its_manifests_alone() {
    let run = scan_with_example_settings(&["-f", "test_data/scan/repo"], "");
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (
            1,
            "test_data/scan/repo/chart/Chart.yaml: skipped: a Helm chart's Chart.yaml, not a manifest\n\
             test_data/scan/repo/chart/values-prod.yaml: skipped: Helm values, not a manifest\n\
             test_data/scan/repo/chart/values.yaml: skipped: Helm values, not a manifest\n\
             test_data/scan/repo/kustomization.yaml: skipped: a Kustomize kustomization, not a manifest\n\
             test_data/scan/repo/rendered.yaml:19: skipped: not a Kubernetes object\n\
             test_data/scan/repo/rendered.yaml:22: Pod shop/debug: container \"shell\" image \"docker.io.evil.example/library/busybox:1.36\": registries not allowed: docker.io.evil.example\n\
             test_data/scan/repo/settings.yaml:2: skipped: not a Kubernetes object\n\
             scanned 2 objects: 1 admitted, 1 refused, 0 mutated, 6 skipped\n"
        ),
        "{run:?}"
    );
}

/// The README's own example: scanning `examples/` judges its manifests
/// and skips its settings file, whatever else the directory holds.
#[test]
fn scanning_the_examples_directory_is_no_input_error() {
    let run = scan_with_example_settings(&["-f", "examples"], "");
    assert!(matches!(run.status, 0 | 1), "{run:?}");
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("examples/settings.yaml:")
                && l.ends_with(": skipped: not a Kubernetes object")),
        "{run:?}"
    );
}

#[rstest]
#[case::template_file(&["-f", "test_data/scan/chart/templates/deployment.yaml"], "", "test_data/scan/chart/templates/deployment.yaml:4: error: looks like an unrendered Helm or Go template ({{ at line 4): render it first, e.g. `helm template ... | kwrunner scan -f -`\n")]
#[case::template_on_stdin(&["-f", "-"], "{{- if .Values.on }}\napiVersion: v1\nkind: Pod\n{{- end }}\n", "<stdin>:1: error: looks like an unrendered Helm or Go template ({{ at line 1): render it first, e.g. `helm template ... | kwrunner scan -f -`\n")]
#[case::deep_flow_nesting_on_stdin(&["-f", "-"], &format!("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)), "<stdin>:4: error: YAML nested deeper than 128 levels at line 4: not read\n")]
#[case::deep_block_nesting_on_stdin(&["-f", "-"], &format!("apiVersion: v1\nkind: ConfigMap\nx:\n{}x\n", "- ".repeat(100_000)), "<stdin>:4: error: YAML nested deeper than 128 levels at line 4: not read\n")]
fn input_errors_name_file_and_line(
    #[case] args: &[&str],
    #[case] stdin: &str,
    #[case] first: &str,
) {
    let clock = Instant::now();
    let run = scan_with_example_settings(args, stdin);
    let elapsed = clock.elapsed();
    assert_eq!(run.status, 2, "{run:?}");
    assert!(run.stdout.starts_with(first), "{run:?}");
    // The whole run, policy compilation included; the reading itself takes
    // milliseconds (it took minutes for 100,000 brackets before the pre-pass).
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

/// Every shape kwbench reads, at two sizes eight times apart: the larger
/// must not cost much more than eight times the smaller (a quadratic
/// reader would cost 64 times), and reads the same way.
#[test]
fn every_input_shape_is_read_in_linear_time() {
    const SMALL: usize = 64 << 10;
    let time = |text: &str| {
        let mut best = Duration::MAX;
        let mut outcome = (0, 0);
        for _ in 0..3 {
            let clock = Instant::now();
            let docs = manifests::documents(text);
            best = best.min(clock.elapsed());
            outcome = (
                docs.iter().filter(|d| d.value.is_ok()).count(),
                docs.iter().filter(|d| d.value.is_err()).count(),
            );
        }
        (best, outcome)
    };
    let small = scan_input::shapes(SMALL);
    let large = scan_input::shapes(8 * SMALL);
    for ((name, small), (_, large)) in small.iter().zip(&large) {
        let (t_small, read_small) = time(small);
        let (t_large, read_large) = time(large);
        let per_mib =
            |t: Duration, text: &str| t.as_secs_f64() / (text.len() as f64 / (1 << 20) as f64);
        assert!(
            per_mib(t_large, large) < 3.0 * per_mib(t_small, small) + 0.05,
            "{name}: {t_small:?} for {} bytes, {t_large:?} for {} bytes",
            small.len(),
            large.len()
        );
        // Same kind of outcome at both sizes: all read, or all refused.
        assert_eq!(
            (read_small.0 == 0, read_small.1 == 0),
            (read_large.0 == 0, read_large.1 == 0),
            "{name}: {read_small:?} {read_large:?}"
        );
    }
}

#[test]
fn an_alias_bomb_is_refused_at_once() {
    let mut text =
        String::from("apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        text.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
    }
    let clock = Instant::now();
    let docs = manifests::documents(&text);
    assert!(clock.elapsed() < Duration::from_secs(1));
    let error = docs[0].value.as_ref().expect_err("refused");
    assert!(
        error.message.contains("repetition limit exceeded"),
        "{error:?}"
    );
}

/// Settings that pin digests and admit an image whose lookup fails, with a
/// warning: the lookup capability is not granted, so every lookup fails.
const PIN_OR_WARN: &str = r#"{"registries": {"allow": ["docker.io/library"]}, "pinDigests": true, "onPinFailure": "admit"}"#;
const POSTGRES_WARNING: &str = "container \"postgres\" image \"postgres:16.4\": admitted unpinned, digest lookup failed: Policy has not been granted access to the 'oci/v1/manifest_digest' host capability. The violation has been reported.";

fn scan_warned(output: &str, extra: &[&str]) -> common::Run {
    let policy = policy_path();
    kwrunner_scan(
        &[
            &[
                "--settings-json",
                PIN_OR_WARN,
                "--allowed-host-capabilities",
                "kubernetes/*",
                "-o",
                output,
                "-f",
                "test_data/scan/dir/statefulset.yaml",
                "-f",
                "test_data/scan/dir/configmap.yml",
            ][..],
            extra,
            &[policy.to_str().expect("utf-8 path")],
        ]
        .concat(),
        "",
    )
}

#[rstest]
#[case::exit_0_by_default(&[], 0)]
#[case::exit_1_with_fail_on_warnings(&["--fail-on-warnings"], 1)]
fn warnings_in_text(#[case] extra: &[&str], #[case] status: i32) {
    let run = scan_warned("text", extra);
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (
            status,
            format!("test_data/scan/dir/statefulset.yaml:1: StatefulSet default/db: warning: {POSTGRES_WARNING}\nscanned 2 objects: 1 admitted, 0 refused, 0 mutated, 1 warned\n").as_str()
        ),
        "{run:?}"
    );
}

#[test]
fn warnings_in_json() {
    let run = scan_warned("json", &["--fail-on-warnings"]);
    assert_eq!(run.status, 1, "{run:?}");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        value["summary"],
        serde_json::json!({"scanned": 2, "admitted": 1, "refused": 0, "mutated": 0, "warned": 1, "skipped": 0, "errors": 0})
    );
    assert_eq!(
        value["results"],
        serde_json::json!([
            {"file": "test_data/scan/dir/statefulset.yaml", "line": 1, "apiVersion": "apps/v1", "kind": "StatefulSet",
             "namespace": "default", "name": "db", "result": "warned", "warnings": [POSTGRES_WARNING]},
            {"file": "test_data/scan/dir/configmap.yml", "line": 1, "apiVersion": "v1", "kind": "ConfigMap",
             "namespace": "default", "name": "settings", "result": "admitted", "warnings": []}
        ])
    );
}

#[test]
fn warnings_in_junit_pass_with_their_text_and_every_case_has_a_time() {
    let run = scan_warned("junit", &[]);
    assert_eq!(run.status, 0, "{run:?}");
    let xml = &run.stdout;
    assert!(
        xml.contains("failures=\"0\" errors=\"0\" skipped=\"0\" time=\""),
        "{xml}"
    );
    let warned = "<testcase classname=\"test_data/scan/dir/statefulset.yaml\" name=\"line 1: StatefulSet default/db\" file=\"test_data/scan/dir/statefulset.yaml\" line=\"1\" time=\"";
    let at = xml.find(warned).expect("warned test case");
    assert!(
        xml[at..].contains("\">\n      <system-out>warning: container &quot;postgres&quot; image &quot;postgres:16.4&quot;: admitted unpinned, digest lookup failed: "),
        "{xml}"
    );
    assert!(!xml.contains("<failure"), "{xml}");
    // Every test case and suite has a time in seconds, a decimal number.
    let times: Vec<&str> = xml
        .split(" time=\"")
        .skip(1)
        .map(|t| &t[..t.find('"').expect("closing quote")])
        .collect();
    assert_eq!(times.len(), 1 + 2 + 2, "{xml}");
    for time in times {
        let seconds: f64 = time.parse().expect("seconds");
        assert!((0.0..60.0).contains(&seconds), "{time}");
    }
}

#[test]
fn junit_lists_skipped_documents() {
    let run = scan_with_example_settings(
        &[
            "-o",
            "junit",
            "-f",
            "test_data/scan/repo/settings.yaml",
            "-f",
            "test_data/scan/repo/chart",
        ],
        "",
    );
    // The named file stays strict: an error; the walked chart is skipped.
    assert_eq!(run.status, 2, "{run:?}");
    assert!(run.stdout.contains("<testsuites name=\"kwrunner scan\" tests=\"4\" failures=\"0\" errors=\"1\" skipped=\"3\" time=\""), "{run:?}");
    assert!(run.stdout.contains("<testcase classname=\"test_data/scan/repo/chart/Chart.yaml\" name=\"file: input\" file=\"test_data/scan/repo/chart/Chart.yaml\" time=\"0.000000\">\n      <skipped message=\"a Helm chart&apos;s Chart.yaml, not a manifest\"/>\n    </testcase>\n"), "{run:?}");
}
