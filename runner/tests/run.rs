//! `kwrunner run`, end to end: what it prints and how it exits, compared
//! with what `kwctl run` does in the same situation.

mod common;

use common::{data, floor_guest, kwrunner, Act, Guest, TempDir};
use std::ffi::OsString;

use rstest::rstest;
use serde_json::{json, Value};

const REVIEW_UID: &str = "a6cb4e0a-56b3-4d05-b2c3-7e5b8a2c0d11";
const REQUEST_UID: &str = "1299d386-525b-4032-98ae-1949f69f9cfc";

/// Runs `kwrunner run --request-path pod-review.json <extra...> <guest>`.
fn run_guest(guest: &Guest, name: &str, extra: &[&str]) -> common::Run {
    let module = guest.write(name);
    let mut args = vec![
        OsString::from("run"),
        OsString::from("--request-path"),
        data("pod-review.json").into_os_string(),
    ];
    args.extend(extra.iter().map(|arg| match arg.strip_prefix('@') {
        Some(name) => data(name).into_os_string(),
        None => OsString::from(arg),
    }));
    args.push(module.into_os_string());
    kwrunner(args)
}

#[rstest]
#[case::call_review("floor-call", "pod-review.json", REVIEW_UID)]
#[case::call_bare_request("floor-call", "pod-request.json", REQUEST_UID)]
#[case::scan_review("floor-scan", "pod-review.json", REVIEW_UID)]
#[case::scan_bare_request("floor-scan", "pod-request.json", REQUEST_UID)]
fn floor_guests_accept_with_kwctl_shape(
    #[case] guest: &str,
    #[case] request: &str,
    #[case] uid: &str,
) {
    let run = kwrunner([
        "run".as_ref(),
        "--request-path".as_ref(),
        data(request).as_os_str(),
        floor_guest(guest).as_os_str(),
    ]);
    assert_eq!(run.status, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "{{\"uid\":\"{uid}\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":null}}\n"
        )
    );
    assert_eq!(run.stderr, "");
}

#[rstest]
#[case::reject_with_message(
    r#"{"accepted":false,"message":"image not allowed"}"#,
    json!({"uid": REVIEW_UID, "allowed": false, "status": {"message": "image not allowed"}, "auditAnnotations": null, "warnings": null})
)]
#[case::reject_with_code(
    r#"{"accepted":false,"message":"no","code":403}"#,
    json!({"uid": REVIEW_UID, "allowed": false, "status": {"message": "no", "code": 403}, "auditAnnotations": null, "warnings": null})
)]
#[case::warnings_and_annotations(
    r#"{"accepted":true,"warnings":["deprecated registry"],"audit_annotations":{"registry":"docker.io"}}"#,
    json!({"uid": REVIEW_UID, "allowed": true, "auditAnnotations": {"registry": "docker.io"}, "warnings": ["deprecated registry"]})
)]
#[case::mutation(
    r#"{"accepted":true,"mutated_object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"nginx","namespace":"default"},"spec":{"containers":[{"name":"nginx","image":"registry.example.com/nginx:1.27"}]}}}"#,
    json!({
        "uid": REVIEW_UID, "allowed": true, "patchType": "JSONPatch",
        // [{"op":"replace","path":"/spec/containers/0/image","value":"registry.example.com/nginx:1.27"}]
        "patch": "W3sib3AiOiJyZXBsYWNlIiwicGF0aCI6Ii9zcGVjL2NvbnRhaW5lcnMvMC9pbWFnZSIsInZhbHVlIjoicmVnaXN0cnkuZXhhbXBsZS5jb20vbmdpbng6MS4yNyJ9XQ==",
        "auditAnnotations": null, "warnings": null
    })
)]
fn policy_answer_is_printed_as_admission_response(#[case] answer: &str, #[case] expected: Value) {
    let guest = Guest::validating(Act::Answer(answer.to_owned()));
    let run = run_guest(&guest, "answer", &[]);
    assert_eq!(run.status, 0, "{run:?}");
    assert_eq!(run.json(), expected);
    assert_eq!(run.stderr, "");
}

#[rstest]
#[case::trap(Act::Trap, "internal server error: Guest call failure: ")]
#[case::guest_error(
    Act::Fail("cannot parse request".to_owned()),
    "internal server error: Guest call failure: cannot parse request"
)]
#[case::epoch_deadline(
    Act::Spin,
    "internal server error: Guest call failure: guest code interrupted, execution deadline exceeded"
)]
#[case::unserved_host_capability(
    Act::HostCall {
        binding: "kubewarden".to_owned(),
        namespace: "net".to_owned(),
        operation: "v1/dns_lookup_host".to_owned(),
        payload: r#""registry.example.com""#.to_owned(),
    },
    "internal server error: Guest call failure: host capability 'net/v1/dns_lookup_host' is not served by kwrunner"
)]
#[case::unreadable_answer(
    Act::Answer("not json".to_owned()),
    "internal server error: cannot deserialize policy validation response: "
)]
fn guest_failure_is_a_500_answer_and_exit_0(#[case] act: Act, #[case] message_start: &str) {
    let run = run_guest(&Guest::validating(act), "failing", &[]);
    assert_eq!(run.status, 0, "{run:?}");
    let response = run.json();
    assert_eq!(response["uid"], REVIEW_UID);
    assert_eq!(response["allowed"], false);
    assert_eq!(response["status"]["code"], 500);
    let message = response["status"]["message"].as_str().expect("message");
    assert!(message.starts_with(message_start), "{message}");
}

#[rstest]
#[case::guest_says_invalid(
    Act::Answer(r#"{"valid":false,"message":"registries must not be empty"}"#.to_owned()),
    &[],
    "Error: Provided settings are not valid: registries must not be empty\n"
)]
#[case::invalid_without_message(Act::Answer(r#"{"valid":false}"#.to_owned()), &[], "Error: Provided settings are not valid: \n")]
#[case::yaml_settings_file(Act::Echo, &["--settings-path", "@settings-invalid.yaml"], "Error: Provided settings are not valid: rejected by a YAML file\n")]
#[case::json_settings(
    Act::Echo,
    &["--settings-json", r#"{"valid": false, "message": "say \"no\""}"#],
    "Error: Provided settings are not valid: say \"no\"\n"
)]
fn invalid_settings_exit_1_with_kwctl_line(
    #[case] settings: Act,
    #[case] flags: &[&str],
    #[case] stderr: &str,
) {
    let guest = Guest {
        settings,
        validate: Act::Answer(r#"{"accepted":true}"#.to_owned()),
        init_traps: false,
    };
    let run = run_guest(&guest, "settings", flags);
    assert_eq!(run.status, 1, "{run:?}");
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, stderr);
}

#[test]
fn settings_guest_failure_is_reported_as_invalid_settings() {
    let guest = Guest {
        settings: Act::Fail("boom".to_owned()),
        validate: Act::Trap,
        init_traps: false,
    };
    let run = run_guest(&guest, "settings-fail", &[]);
    assert_eq!(run.status, 1, "{run:?}");
    assert_eq!(
        run.stderr,
        "Error: Provided settings are not valid: Error invoking settings validation callback: GuestCallFailure(\"boom\")\n"
    );
}

#[rstest]
#[case::yaml_file(&["--settings-path", "@settings-valid.yaml"])]
#[case::json(&["--settings-json", r#"{"valid": true}"#])]
fn valid_settings_reach_the_guest(#[case] flags: &[&str]) {
    let guest = Guest {
        settings: Act::Echo,
        validate: Act::Answer(r#"{"accepted":true}"#.to_owned()),
        init_traps: false,
    };
    let run = run_guest(&guest, "settings-echo", flags);
    assert_eq!(run.status, 0, "{run:?}");
    assert_eq!(run.json()["allowed"], true);
}

#[rstest]
#[case::short_flag(&["-v"], " INFO policy: checking image image=docker.io/library/nginx:1.27\n")]
#[case::long_flag(&["--verbose"], " INFO policy: checking image image=docker.io/library/nginx:1.27\n")]
#[case::quiet(&[], "")]
fn policy_logs_go_to_stderr_only_when_verbose(#[case] flags: &[&str], #[case] stderr: &str) {
    let guest = Guest::validating(Act::HostCall {
        binding: "kubewarden".to_owned(),
        namespace: "tracing".to_owned(),
        operation: "log".to_owned(),
        payload: r#"{"level":"info","message":"checking image","file":"src/lib.rs","line":1,"column":1,"image":"docker.io/library/nginx:1.27"}"#.to_owned(),
    });
    let run = run_guest(&guest, "logging", flags);
    assert_eq!(run.status, 0, "{run:?}");
    assert_eq!(run.json()["allowed"], true);
    assert_eq!(run.stderr, stderr);
}

#[test]
fn verbose_flag_also_works_before_the_subcommand() {
    let guest = Guest::validating(Act::HostCall {
        binding: "kubewarden".to_owned(),
        namespace: "tracing".to_owned(),
        operation: "log".to_owned(),
        payload: r#"{"level":"warning","message":"mirror used"}"#.to_owned(),
    })
    .write("logging-global");
    let run = kwrunner([
        "-v".as_ref(),
        "run".as_ref(),
        "--request-path".as_ref(),
        data("pod-request.json").as_os_str(),
        guest.as_os_str(),
    ]);
    assert_eq!(run.status, 0, "{run:?}");
    assert_eq!(run.stderr, "WARNING policy: mirror used\n");
}

/// Each row: arguments after `run` (with `@name` for a file in tests/data),
/// and the start of the one stderr line.
#[rstest]
#[case::missing_request(&["--request-path", "/nonexistent/request.json", "@MODULE"], "Error: Error opening request file /nonexistent/request.json; ")]
#[case::request_not_json(&["--request-path", "@settings-valid.yaml", "@MODULE"], "Error: Cannot parse request ")]
#[case::request_not_admission(&["--request-path", "@REQUEST_WITHOUT_UID", "@MODULE"], "Error: cannot build AdmissionRequest object from given input: missing field `uid`")]
#[case::settings_json_broken(&["--request-path", "@pod-review.json", "--settings-json", "{", "@MODULE"], "Error: Cannot parse settings JSON: ")]
#[case::settings_not_object(&["--request-path", "@pod-review.json", "--settings-json", "[1]", "@MODULE"], "Error: settings must be a JSON object (or null), got: [1]")]
#[case::settings_file_missing(&["--request-path", "@pod-review.json", "--settings-path", "/nonexistent.yaml", "@MODULE"], "Error: Cannot open settings file /nonexistent.yaml: ")]
#[case::module_missing(&["--request-path", "@pod-review.json", "/nonexistent.wasm"], "Error: Cannot read policy module /nonexistent.wasm: ")]
#[case::module_not_wasm(&["--request-path", "@pod-review.json", "@pod-review.json"], "Error: Cannot load policy module ")]
#[case::module_init_traps(&["--request-path", "@pod-review.json", "@INIT_TRAPS"], "Error: cannot initialize waPC guest: ")]
fn setup_failures_exit_2_with_one_line(#[case] args: &[&str], #[case] stderr_start: &str) {
    let module = Guest::validating(Act::Answer(r#"{"accepted":true}"#.to_owned())).write("setup");
    let init_traps = Guest {
        init_traps: true,
        ..Guest::validating(Act::Trap)
    }
    .write("init-traps");
    // Each row its own file: rows rewriting one shared file let another
    // row's kwrunner read it empty ("Cannot parse request").
    let dir = TempDir::new("setup-failure");
    let no_uid = dir.write(
        "request-without-uid.json",
        r#"{"kind":"AdmissionReview","request":{"operation":"CREATE"}}"#,
    );
    let mut argv = vec!["run".to_owned()];
    argv.extend(args.iter().map(|arg| match *arg {
        "@MODULE" => module.display().to_string(),
        "@INIT_TRAPS" => init_traps.display().to_string(),
        "@REQUEST_WITHOUT_UID" => no_uid.display().to_string(),
        other => match other.strip_prefix('@') {
            Some(name) => data(name).display().to_string(),
            None => other.to_owned(),
        },
    }));
    let run = kwrunner(&argv);
    assert_eq!(run.status, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with(stderr_start), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
}

#[test]
fn request_can_come_from_stdin() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_kwrunner"))
        .args(["run", "--request-path", "-"])
        .arg(floor_guest("floor-call"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("kwrunner runs");
    let request = std::fs::read(data("pod-request.json")).expect("request");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&request)
        .expect("write stdin");
    let output = child.wait_with_output().expect("kwrunner exits");
    assert_eq!(output.status.code(), Some(0));
    let response: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(response["uid"], REQUEST_UID);
}
