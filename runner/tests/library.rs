//! The kwrunner library as a benchmark uses it: one compiled policy, cold
//! (fresh instance per evaluation) or warm (one instance reused).

mod common;

use std::time::{Duration, Instant};

use common::{data, floor_guest, Act, Guest};
use kwrunner::kube::settings;
use kwrunner::{AdmissionRequest, Options, Policy, Settings, ValidateRequest};
use rstest::rstest;
use serde_json::{json, Value};

fn load(path: &std::path::Path, options: Options) -> Policy {
    let module = std::fs::read(path).expect("module readable");
    Policy::with_options(&module, options).expect("module loads")
}

fn review() -> Value {
    let text = std::fs::read_to_string(data("pod-review.json")).expect("request readable");
    serde_json::from_str(&text).expect("request is JSON")
}

#[rstest]
#[case::call_cold("floor-call", false)]
#[case::call_warm("floor-call", true)]
#[case::scan_cold("floor-scan", false)]
#[case::scan_warm("floor-scan", true)]
fn floor_guests_accept_repeatedly(#[case] guest: &str, #[case] warm: bool) {
    let policy = load(&floor_guest(guest), Options::default());
    let request = AdmissionRequest::from_value(&review()).expect("valid request");
    let prepared = ValidateRequest::new(&request, &Settings::new()).expect("payload");
    let mut reused = policy.instance().expect("instance");
    for _ in 0..3 {
        let mut fresh;
        let instance = if warm {
            &mut reused
        } else {
            fresh = policy.instance().expect("instance");
            &mut fresh
        };
        let response = instance.validate_request(&prepared);
        assert!(response.allowed, "{response:?}");
        assert_eq!(response.uid, request.uid);
    }
}

#[rstest]
#[case::floor_call("floor-call")]
#[case::floor_scan("floor-scan")]
fn floor_guests_speak_protocol_v1_and_accept_settings(#[case] guest: &str) {
    let policy = load(&floor_guest(guest), Options::default());
    let mut instance = policy.instance().expect("instance");
    assert_eq!(instance.protocol_version().expect("protocol_version"), "v1");
    let settings = settings::from_json(r#"{"anything": [1, 2]}"#).expect("settings");
    let verdict = instance
        .validate_settings(&settings)
        .expect("settings call");
    assert!(verdict.valid, "{verdict:?}");
}

#[test]
fn guest_receives_request_and_settings_as_kwctl_sends_them() {
    let guest = Guest::validating(Act::Echo).write("echo-validate");
    let policy = load(&guest, Options::default());
    let mut instance = policy.instance().expect("instance");
    let settings =
        settings::from_json(r#"{"registries": ["registry.example.com"]}"#).expect("settings");
    let request = AdmissionRequest::from_value(&review()).expect("valid request");
    let prepared = ValidateRequest::new(&request, &settings).expect("payload");
    let echoed = instance.call("validate", prepared.payload()).expect("echo");
    let payload: Value = serde_json::from_slice(&echoed).expect("JSON payload");
    assert_eq!(
        payload["settings"],
        json!({"registries": ["registry.example.com"]})
    );
    let sent = &payload["request"];
    assert_eq!(sent["uid"], "a6cb4e0a-56b3-4d05-b2c3-7e5b8a2c0d11");
    assert_eq!(
        sent["object"]["spec"]["containers"][0]["image"],
        "docker.io/library/nginx:1.27"
    );
    // null optional fields are dropped, as kwctl's typed AdmissionRequest does
    assert!(sent.get("oldObject").is_none(), "{sent}");
    assert_eq!(sent["dryRun"], false);
}

#[test]
fn warm_instance_recovers_after_the_deadline() {
    let guest = Guest::validating(Act::Spin).write("spin-validate");
    let options = Options {
        timeout: Some(Duration::from_millis(200)),
        ..Options::default()
    };
    let policy = load(&guest, options);
    let mut instance = policy.instance().expect("instance");

    let started = Instant::now();
    let response = instance
        .validate(&review(), &Settings::new())
        .expect("request accepted by the host");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "deadline did not fire"
    );
    let status = response.status.expect("status");
    assert_eq!(status.code, Some(500));
    assert_eq!(
        status.message.as_deref(),
        Some("internal server error: Guest call failure: guest code interrupted, execution deadline exceeded")
    );

    // The interrupted store was replaced: the same Instance still answers.
    let verdict = instance
        .validate_settings(&Settings::new())
        .expect("settings call");
    assert!(verdict.valid, "{verdict:?}");
}
