//! A registry that accepts connections and never answers: the digest lookup
//! gives up within the policy timeout, so the guest still answers, and
//! `onPinFailure: admit` admits the image unpinned instead of the whole
//! request failing with `execution deadline exceeded`.

mod common;

use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use rstest::rstest;
use serde_json::json;

/// Listens on 127.0.0.1, accepts every connection and never writes a byte;
/// the thread ends with the test process.
fn silent_registry() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("address").to_string();
    thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().take(16).flatten() {
            held.push(stream);
        }
        thread::sleep(Duration::from_secs(60));
    });
    address
}

#[rstest]
#[case::admit(
    "admit",
    true,
    "admitted unpinned, digest lookup failed: Callback evaluation failure: cannot fetch the manifest digest of"
)]
#[case::reject(
    "reject",
    false,
    "digest lookup failed: Callback evaluation failure: cannot fetch the manifest digest of"
)]
fn a_silent_registry_is_given_up_on_within_the_timeout(
    #[case] on_failure: &str,
    #[case] allowed: bool,
    #[case] said: &str,
) {
    let registry = silent_registry();
    let image = format!("{registry}/shop/api:1");
    // The minimal Pod of the benchmarks, its one container running `image`.
    let minimal = common::workspace_root().join("test_data/bench/pod_minimal.json");
    let mut request: serde_json::Value =
        serde_json::from_slice(&std::fs::read(minimal).expect("pod_minimal.json")).expect("json");
    request["request"]["object"]["spec"]["containers"] = json!([{"name": "app", "image": image}]);
    let dir = common::TempDir::new("pin-deadline");
    let path = dir.path().join("pod.json");
    std::fs::write(&path, request.to_string()).expect("request file");
    let settings = json!({"registries": {"allow": [registry]}, "pinDigests": true, "onPinFailure": on_failure});
    let policy = common::workspace_root().join("policy.wasm");
    let run = common::kwrunner([
        "run".as_ref(),
        "--request-path".as_ref(),
        path.as_os_str(),
        "--settings-json".as_ref(),
        settings.to_string().as_ref(),
        policy.as_os_str(),
    ]);
    assert_eq!(run.status, 0, "{run:?}");
    let answer = run.json();
    assert_eq!(answer["allowed"], allowed, "{answer}");
    let text = if allowed {
        answer["warnings"][0]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    } else {
        answer["status"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(text.contains(said), "{text}");
    assert!(
        text.contains(" s left of the policy timeout") && text.contains("no answer within the "),
        "{text}"
    );
}
