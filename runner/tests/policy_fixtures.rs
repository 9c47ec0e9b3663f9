//! The real `policy.wasm`, in the same engine as `kwrunner run`, on every
//! admission request in `test_data/`: one row a fixture, with the verdict and
//! message a user would see.

mod common;

use std::path::PathBuf;

use common::policy;
use kwrunner::kube::settings;
use rstest::rstest;

/// The example settings from `examples/settings.yaml`.
const EXAMPLE: &str = "examples/settings.yaml";
/// Settings that allow only quay.io, so every other image is named.
const QUAY_ONLY: &str = r#"{"registries": {"allow": ["quay.io"]}}"#;

fn fixture(name: &str) -> PathBuf {
    common::workspace_root().join("test_data").join(name)
}

/// Allowed, and the message when rejected.
fn evaluate(request: &str, settings: &str) -> (bool, Option<String>) {
    let text = std::fs::read_to_string(fixture(request)).expect("fixture");
    let request: serde_json::Value = serde_json::from_str(&text).expect("fixture json");
    let settings = if settings == EXAMPLE {
        settings::from_path(&common::workspace_root().join(EXAMPLE)).expect("example settings")
    } else {
        settings::from_json(settings).expect("settings json")
    };
    let mut instance = policy().instance().expect("instance");
    assert!(
        instance
            .validate_settings(&settings)
            .expect("validate_settings")
            .valid
    );
    let response = instance.validate(&request, &settings).expect("validate");
    (response.allowed, response.status.and_then(|s| s.message))
}

const TEMPLATE_REJECTED: &str = "container \"app\" image \"ghcr.io/acme/app:1.4.2\": registries not allowed: ghcr.io; container \"sidecar\" image \"nginx:1.27.0\": registries not allowed: docker.io; initContainer \"migrate\" image \"registry.corp.example/tools/migrate:3.1\": registries not allowed: registry.corp.example";

#[rstest]
#[case::pod("pod_creation.json", EXAMPLE, None)]
#[case::pod_untrusted("pod_creation_untrusted.json", EXAMPLE, Some("container \"app\" image \"docker.io.evil.example/library/nginx:1.27.0\": registries not allowed: docker.io.evil.example; initContainer \"setup\" image \"ghcr.io/acme-evil/setup:1.0\": registries not allowed: ghcr.io"))]
#[case::pod_latest("pod_creation_latest.json", EXAMPLE, Some("container \"app\" image \"busybox\": tags not allowed: latest; container \"web\" image \"nginx:latest\": tags not allowed: latest"))]
#[case::pod_invalid_image("pod_creation_invalid_image.json", EXAMPLE, Some("container \"app\" image \"my_registry.com/x:1\": invalid reference format: \"my_registry.com\" is read as the registry but is not a valid host[:port]; container \"web\" image \"Nginx:1.0\": invalid reference format: the repository name must be lowercase"))]
#[case::pod_digest("pod_creation_digest.json", EXAMPLE, None)]
#[case::pod_ephemeral("pod_creation_ephemeral.json", EXAMPLE, None)]
#[case::kubectl_debug("pod_ephemeralcontainers_update.json", EXAMPLE, Some("ephemeralContainer \"debugger\" image \"evil.example/debug:1\": registries not allowed: evil.example"))]
#[case::pod_update_same_image("pod_update.json", EXAMPLE, None)]
#[case::pod_update_new_image(
    "pod_update_new_image.json",
    EXAMPLE,
    Some("container \"app\" image \"quay.io/legacy/app:2.0\": registries not allowed: quay.io")
)]
#[case::deployment("deployment_creation.json", QUAY_ONLY, Some(TEMPLATE_REJECTED))]
#[case::replicaset("replicaset_creation.json", QUAY_ONLY, Some(TEMPLATE_REJECTED))]
#[case::statefulset("statefulset_creation.json", QUAY_ONLY, Some(TEMPLATE_REJECTED))]
#[case::daemonset("daemonset_creation.json", QUAY_ONLY, Some(TEMPLATE_REJECTED))]
#[case::replicationcontroller(
    "replicationcontroller_creation.json",
    QUAY_ONLY,
    Some(TEMPLATE_REJECTED)
)]
#[case::job("job_creation.json", QUAY_ONLY, Some(TEMPLATE_REJECTED))]
#[case::cronjob("cronjob_creation.json", QUAY_ONLY, Some(TEMPLATE_REJECTED))]
#[case::podtemplate("podtemplate_creation.json", QUAY_ONLY, Some(TEMPLATE_REJECTED))]
#[case::deployment_allowed("deployment_creation.json", EXAMPLE, None)]
#[case::deployment_scale("deployment_update.json", EXAMPLE, None)]
#[case::service("service_creation.json", QUAY_ONLY, None)]
#[case::bench_minimal("bench/pod_minimal.json", EXAMPLE, None)]
#[case::bench_realistic("bench/pod_realistic.json", EXAMPLE, None)]
#[case::bench_deployment_50("bench/deployment_50.json", EXAMPLE, None)]
fn every_fixture(#[case] request: &str, #[case] settings: &str, #[case] rejected: Option<&str>) {
    let (allowed, message) = evaluate(request, settings);
    assert_eq!(
        (allowed, message.as_deref()),
        (rejected.is_none(), rejected)
    );
}

/// Every AdmissionReview in test_data/ has a row above, so a new fixture is not forgotten.
#[test]
fn every_fixture_has_a_row() {
    let source = include_str!("policy_fixtures.rs");
    let mut missing = Vec::new();
    for dir in ["test_data", "test_data/bench"] {
        let entries = std::fs::read_dir(common::workspace_root().join(dir)).expect("test_data");
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let prefix = if dir.ends_with("bench") { "bench/" } else { "" };
            let row = format!("\"{prefix}{name}\"");
            if name.ends_with(".json") && !source.contains(&row) {
                missing.push(row);
            }
        }
    }
    assert!(missing.is_empty(), "fixtures without a row: {missing:?}");
}
