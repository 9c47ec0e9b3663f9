//! `kwrunner run` and host capabilities: kwctl's `--allowed-host-capabilities`
//! and session files, with scripted guests that make the host call. Nothing
//! here needs a network: lookups go to a closed local port or come from a
//! session file (the registry-backed cases are in e2e-pin.bats).

mod common;

use std::ffi::OsString;
use std::path::Path;

use common::{data, kwrunner, Act, Guest, TempDir};
use rstest::rstest;

const IMAGE: &str = "127.0.0.1:5000/acme/app:1.0";
const DIGEST: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// A guest whose `validate` asks the digest of `image`, accepting when the
/// host answers and failing with the host's error otherwise.
fn digest_guest(image: &str) -> Guest {
    Guest::validating(Act::HostCall {
        binding: "kubewarden".to_owned(),
        namespace: "oci".to_owned(),
        operation: "v1/manifest_digest".to_owned(),
        payload: serde_json::to_string(image).expect("JSON string"),
    })
}

/// Runs the guest on pod-review.json with `flags`.
fn run_digest_guest(image: &str, name: &str, flags: &[&str]) -> common::Run {
    let module = digest_guest(image).write(name);
    let mut args = vec![
        OsString::from("run"),
        OsString::from("--request-path"),
        data("pod-review.json").into_os_string(),
    ];
    args.extend(flags.iter().map(OsString::from));
    args.push(module.into_os_string());
    kwrunner(args)
}

/// A kwctl session file answering `IMAGE` with `DIGEST`, in the test's own
/// directory (the rows of a table run in parallel).
fn session_file(dir: &TempDir) -> String {
    dir.write(
        "session.yml",
        format!(
            "- type: Exchange\n  request: |\n    !OciManifestDigest\n    image: {IMAGE}\n  response:\n    type: Success\n    payload: '{{\"digest\":\"{DIGEST}\"}}'\n"
        ),
    )
    .display()
    .to_string()
}

/// Each row: the granted patterns, and the 500 message the guest's failure
/// gives (None: the replayed answer reached the guest, which accepted).
#[rstest]
#[case::default_grants_everything(&[], None)]
#[case::star(&["--allowed-host-capabilities", "*"], None)]
#[case::namespace(&["--allowed-host-capabilities", "oci/*"], None)]
#[case::exact(&["--allowed-host-capabilities", "oci/v1/manifest_digest"], None)]
#[case::repeated(&["--allowed-host-capabilities", "net/*", "--allowed-host-capabilities", "oci/v1/*"], None)]
#[case::other_namespace(
    &["--allowed-host-capabilities", "net/*"],
    Some("internal server error: Guest call failure: Policy has not been granted access to the 'oci/v1/manifest_digest' host capability. The violation has been reported.")
)]
#[case::other_version(
    &["--allowed-host-capabilities", "oci/v2/*"],
    Some("internal server error: Guest call failure: Policy has not been granted access to the 'oci/v1/manifest_digest' host capability. The violation has been reported.")
)]
fn allowed_host_capabilities_gate_the_call(#[case] flags: &[&str], #[case] failure: Option<&str>) {
    let dir = TempDir::new("grant");
    let session = session_file(&dir);
    let mut all = vec!["--replay-host-capabilities-interactions", session.as_str()];
    all.extend_from_slice(flags);
    let run = run_digest_guest(IMAGE, "grant", &all);
    assert_eq!(run.status, 0, "{run:?}");
    let response = run.json();
    match failure {
        None => assert_eq!(response["allowed"], true, "{run:?}"),
        Some(message) => {
            assert_eq!(response["allowed"], false, "{run:?}");
            assert_eq!(response["status"]["code"], 500);
            assert_eq!(response["status"]["message"], message);
        }
    }
}

#[test]
fn replay_of_another_image_fails_in_the_guest() {
    let dir = TempDir::new("replay-other");
    let session = session_file(&dir);
    let run = run_digest_guest(
        "127.0.0.1:5000/acme/app:2.0",
        "replay-other",
        &["--replay-host-capabilities-interactions", &session],
    );
    assert_eq!(run.status, 0, "{run:?}");
    assert_eq!(
        run.json()["status"]["message"],
        "internal server error: Guest call failure: Callback evaluation failure: Replay error: unexpected request. Was expecting OciManifestDigest { image: \"127.0.0.1:5000/acme/app:1.0\" }, got OciManifestDigest { image: \"127.0.0.1:5000/acme/app:2.0\" } instead"
    );
}

#[test]
fn record_writes_the_exchange_and_its_error() {
    let dir = TempDir::new("record");
    let path = dir.join("session.yml");
    let sources = dir.write("sources.yml", "insecure_sources: [\"127.0.0.1:1\"]\n");
    let run = run_digest_guest(
        "127.0.0.1:1/acme/app:1.0",
        "record",
        &[
            "--sources-path",
            &sources.display().to_string(),
            "--record-host-capabilities-interactions",
            &path.display().to_string(),
        ],
    );
    assert_eq!(run.status, 0, "{run:?}");
    let message = run.json()["status"]["message"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(
        message.starts_with("internal server error: Guest call failure: Callback evaluation failure: cannot fetch the manifest digest of 127.0.0.1:1/acme/app:1.0: "),
        "{message}"
    );
    let text = std::fs::read_to_string(&path).expect("session written");
    let exchanges: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    assert_eq!(exchanges[0]["type"], "Exchange", "{text}");
    assert_eq!(
        exchanges[0]["request"],
        "!OciManifestDigest\nimage: 127.0.0.1:1/acme/app:1.0\n"
    );
    assert_eq!(exchanges[0]["response"]["type"], "Error");
    let recorded = exchanges[0]["response"]["message"]
        .as_str()
        .expect("message");
    assert_eq!(
        message,
        format!(
            "internal server error: Guest call failure: Callback evaluation failure: {recorded}"
        )
    );
}

/// Each row: flags, and the start of the one stderr line (exit 2).
#[rstest]
#[case::bad_pattern(&["--allowed-host-capabilities", "oci*"], "Error: invalid --allowed-host-capabilities: host capability pattern \"oci*\": a wildcard must be a whole last segment")]
#[case::unknown_capability(&["--allowed-host-capabilities", "oci/v1/digest"], "Error: invalid --allowed-host-capabilities: unknown host capability \"oci/v1/digest\"")]
#[case::missing_session(&["--replay-host-capabilities-interactions", "/nonexistent/session.yml"], "Error: Cannot open host capabilities interactions file /nonexistent/session.yml: ")]
#[case::record_and_replay(&["--record-host-capabilities-interactions", "a.yml", "--replay-host-capabilities-interactions", "b.yml"], "error: the argument '--record-host-capabilities-interactions <FILE>' cannot be used with '--replay-host-capabilities-interactions <FILE>'")]
fn host_setup_failures_exit_2(#[case] flags: &[&str], #[case] stderr_start: &str) {
    let run = run_digest_guest(IMAGE, "setup", flags);
    assert_eq!(run.status, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with(stderr_start), "{run:?}");
}

#[test]
fn session_file_is_not_written_where_it_cannot_be() {
    assert!(!Path::new("/nonexistent").exists());
    let run = run_digest_guest(
        IMAGE,
        "record-nowhere",
        &[
            "--record-host-capabilities-interactions",
            "/nonexistent/session.yml",
            "--allowed-host-capabilities",
            "net/*",
        ],
    );
    assert_eq!(run.status, 2, "{run:?}");
    assert!(
        run.stderr.starts_with(
            "Error: Cannot save host capabilities session to /nonexistent/session.yml: "
        ),
        "{run:?}"
    );
}
