//! The admission request fixtures in `test_data/` are what the policy's
//! tests and benchmarks feed it, so they must stay honest: each one is an
//! `AdmissionReview` as kube-apiserver sends it to a validating webhook, its
//! `object` (and `oldObject`) deserializes into the k8s-openapi type that
//! `request.kind` names, and it carries exactly the images the policy's
//! tests expect (written out in the table below).

#[macro_use]
mod common;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::authentication::v1::UserInfo;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, PodSpec, PodTemplate, ReplicationController, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Resource;
use rstest::rstest;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AdmissionReview {
    api_version: String,
    kind: String,
    request: AdmissionRequest,
}

/// `admission.k8s.io/v1` `AdmissionRequest`; unknown fields are an error so
/// that a misspelt key in a fixture does not go unnoticed.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AdmissionRequest {
    uid: String,
    kind: GroupVersionKind,
    resource: GroupVersionResource,
    sub_resource: Option<String>,
    request_kind: GroupVersionKind,
    request_resource: GroupVersionResource,
    request_sub_resource: Option<String>,
    name: String,
    namespace: Option<String>,
    operation: String,
    user_info: UserInfo,
    object: Value,
    old_object: Option<Value>,
    dry_run: bool,
    options: Value,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct GroupVersionKind {
    group: String,
    version: String,
    kind: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct GroupVersionResource {
    group: String,
    version: String,
    resource: String,
}

/// (field of the pod spec, container name, image), in the order
/// containers, initContainers, ephemeralContainers.
type Image = (&'static str, &'static str, &'static str);

const POD_TEMPLATE_IMAGES: &[Image] = &[
    ("containers", "app", "ghcr.io/acme/app:1.4.2"),
    ("containers", "sidecar", "nginx:1.27.0"),
    (
        "initContainers",
        "migrate",
        "registry.corp.example/tools/migrate:3.1",
    ),
];

/// pod_creation_digest.json's image.
const PINNED_APP: &str = concat!("ghcr.io/acme/app@", digest!());

const LEGACY_APP_1_0: &[Image] = &[("containers", "app", "quay.io/legacy/app:1.0")];

const WEB_APP_ONLY: &[Image] = &[("containers", "app", "nginx:1.27.0")];

const WEB_AND_LOG_AGENT: &[Image] = &[
    ("containers", "app", "nginx:1.27.0"),
    ("containers", "log-agent", "ghcr.io/acme/log-agent:2.3.1"),
    (
        "initContainers",
        "setup",
        "registry.corp.example/tools/setup:1.0",
    ),
];

const DEPLOYMENT_50_IMAGES: &[Image] = &[
    ("containers", "orders", "nginx:1.27.0"),
    ("containers", "cart", "ghcr.io/acme/cart:2.1.1"),
    (
        "containers",
        "catalog",
        "registry.corp.example/shop/catalog:4.2.0",
    ),
    ("containers", "pricing", "nginx:1.27.3"),
    ("containers", "inventory", "ghcr.io/acme/inventory:1.4.4"),
    (
        "containers",
        "shipping",
        "registry.corp.example/platform/shipping:4.0.0",
    ),
    ("containers", "billing", "nginx:1.27.0"),
    ("containers", "invoices", "ghcr.io/acme/invoices:4.7.0"),
    (
        "containers",
        "payments",
        "registry.corp.example/data/payments:4.3.0",
    ),
    ("containers", "refunds", "nginx:1.27.3"),
    ("containers", "search", "ghcr.io/acme/search:3.0.3"),
    (
        "containers",
        "recommend",
        "registry.corp.example/shop/recommend:4.1.0",
    ),
    ("containers", "reviews", "nginx:1.27.0"),
    ("containers", "wishlist", "ghcr.io/acme/wishlist:2.3.6"),
    (
        "containers",
        "accounts",
        "registry.corp.example/platform/accounts:4.4.0",
    ),
    ("containers", "auth", "nginx:1.27.3"),
    ("containers", "sessions", "ghcr.io/acme/sessions:1.6.2"),
    (
        "containers",
        "profile",
        "registry.corp.example/data/profile:4.2.0",
    ),
    ("containers", "notify", "nginx:1.27.0"),
    ("containers", "email", "ghcr.io/acme/email:4.9.5"),
    ("containers", "sms", "registry.corp.example/shop/sms:4.0.0"),
    ("containers", "push", "nginx:1.27.3"),
    ("containers", "audit", "ghcr.io/acme/audit:3.2.1"),
    (
        "containers",
        "ledger",
        "registry.corp.example/platform/ledger:4.3.0",
    ),
    ("containers", "tax", "nginx:1.27.0"),
    ("containers", "fraud", "ghcr.io/acme/fraud:2.5.4"),
    (
        "containers",
        "risk",
        "registry.corp.example/data/risk:4.1.0",
    ),
    ("containers", "loyalty", "nginx:1.27.3"),
    ("containers", "coupons", "ghcr.io/acme/coupons:1.8.0"),
    (
        "containers",
        "gift-cards",
        "registry.corp.example/shop/gift-cards:4.4.0",
    ),
    ("containers", "returns", "nginx:1.27.0"),
    ("containers", "warehouse", "ghcr.io/acme/warehouse:4.1.3"),
    (
        "containers",
        "fulfil",
        "registry.corp.example/platform/fulfil:4.2.0",
    ),
    ("containers", "tracking", "nginx:1.27.3"),
    ("containers", "geo", "ghcr.io/acme/geo:3.4.6"),
    (
        "containers",
        "currency",
        "registry.corp.example/data/currency:4.0.0",
    ),
    ("containers", "i18n", "nginx:1.27.0"),
    ("containers", "media", "ghcr.io/acme/media:2.7.2"),
    (
        "containers",
        "thumbs",
        "registry.corp.example/shop/thumbs:4.3.0",
    ),
    ("containers", "export", "nginx:1.27.3"),
    ("containers", "import", "ghcr.io/acme/import:1.0.5"),
    (
        "containers",
        "reports",
        "registry.corp.example/platform/reports:4.1.0",
    ),
    ("containers", "metrics-bridge", "nginx:1.27.0"),
    (
        "containers",
        "feature-flags",
        "ghcr.io/acme/feature-flags:4.3.1",
    ),
    (
        "containers",
        "gateway",
        "registry.corp.example/data/gateway:4.4.0",
    ),
    (
        "initContainers",
        "wait-db",
        "registry.corp.example/tools/wait-for:1.2",
    ),
    (
        "initContainers",
        "migrate",
        "registry.corp.example/tools/migrate:3.1",
    ),
    (
        "initContainers",
        "render-config",
        "ghcr.io/acme/config-render:0.9.2",
    ),
    (
        "initContainers",
        "warm-cache",
        "ghcr.io/acme/cache-warmer:1.1.0",
    ),
    ("initContainers", "static-assets", "nginx:1.27.4"),
];

#[rstest]
#[case::pod_creation(
    "pod_creation.json",
    Pod::KIND,
    "CREATE",
    None,
    WEB_AND_LOG_AGENT,
    None
)]
#[case::pod_creation_untrusted(
    "pod_creation_untrusted.json", Pod::KIND, "CREATE", None,
    &[
        ("containers", "app", "docker.io.evil.example/library/nginx:1.27.0"),
        ("initContainers", "setup", "ghcr.io/acme-evil/setup:1.0"),
    ],
    None
)]
#[case::pod_creation_latest(
    "pod_creation_latest.json", Pod::KIND, "CREATE", None,
    &[("containers", "app", "busybox"), ("containers", "web", "nginx:latest")],
    None
)]
#[case::pod_creation_invalid_image(
    "pod_creation_invalid_image.json", Pod::KIND, "CREATE", None,
    &[("containers", "app", "my_registry.com/x:1"), ("containers", "web", "Nginx:1.0")],
    None
)]
#[case::pod_creation_digest(
    "pod_creation_digest.json", Pod::KIND, "CREATE", None,
    &[("containers", "app", PINNED_APP)],
    None
)]
#[case::pod_creation_ephemeral(
    "pod_creation_ephemeral.json", Pod::KIND, "CREATE", None,
    &[("containers", "app", "nginx:1.27.0"), ("ephemeralContainers", "debugger", "busybox:1.36")],
    None
)]
#[case::pod_ephemeralcontainers_update(
    "pod_ephemeralcontainers_update.json", Pod::KIND, "UPDATE", Some("ephemeralcontainers"),
    &[
        ("containers", "app", "nginx:1.27.0"),
        ("ephemeralContainers", "debugger", "evil.example/debug:1"),
    ],
    Some(WEB_APP_ONLY)
)]
#[case::pod_update(
    "pod_update.json",
    Pod::KIND,
    "UPDATE",
    None,
    LEGACY_APP_1_0,
    Some(LEGACY_APP_1_0)
)]
#[case::pod_update_new_image(
    "pod_update_new_image.json", Pod::KIND, "UPDATE", None,
    &[("containers", "app", "quay.io/legacy/app:2.0")],
    Some(LEGACY_APP_1_0)
)]
#[case::deployment_creation(
    "deployment_creation.json",
    Deployment::KIND,
    "CREATE",
    None,
    POD_TEMPLATE_IMAGES,
    None
)]
#[case::replicaset_creation(
    "replicaset_creation.json",
    ReplicaSet::KIND,
    "CREATE",
    None,
    POD_TEMPLATE_IMAGES,
    None
)]
#[case::statefulset_creation(
    "statefulset_creation.json",
    StatefulSet::KIND,
    "CREATE",
    None,
    POD_TEMPLATE_IMAGES,
    None
)]
#[case::daemonset_creation(
    "daemonset_creation.json",
    DaemonSet::KIND,
    "CREATE",
    None,
    POD_TEMPLATE_IMAGES,
    None
)]
#[case::replicationcontroller_creation(
    "replicationcontroller_creation.json",
    ReplicationController::KIND,
    "CREATE",
    None,
    POD_TEMPLATE_IMAGES,
    None
)]
#[case::job_creation(
    "job_creation.json",
    Job::KIND,
    "CREATE",
    None,
    POD_TEMPLATE_IMAGES,
    None
)]
#[case::cronjob_creation(
    "cronjob_creation.json",
    CronJob::KIND,
    "CREATE",
    None,
    POD_TEMPLATE_IMAGES,
    None
)]
#[case::podtemplate_creation(
    "podtemplate_creation.json",
    PodTemplate::KIND,
    "CREATE",
    None,
    POD_TEMPLATE_IMAGES,
    None
)]
#[case::deployment_update(
    "deployment_update.json",
    Deployment::KIND,
    "UPDATE",
    None,
    LEGACY_APP_1_0,
    Some(LEGACY_APP_1_0)
)]
#[case::service_creation("service_creation.json", Service::KIND, "CREATE", None, &[], None)]
#[case::bench_pod_realistic(
    "bench/pod_realistic.json",
    Pod::KIND,
    "CREATE",
    None,
    WEB_AND_LOG_AGENT,
    None
)]
#[case::bench_pod_minimal(
    "bench/pod_minimal.json", Pod::KIND, "CREATE", None,
    &[("containers", "nginx", "nginx:1.27.0")],
    None
)]
#[case::bench_deployment_50(
    "bench/deployment_50.json",
    Deployment::KIND,
    "CREATE",
    None,
    DEPLOYMENT_50_IMAGES,
    None
)]
fn fixture(
    #[case] file: &str,
    #[case] kind: &str,
    #[case] operation: &str,
    #[case] sub_resource: Option<&str>,
    #[case] images: &[Image],
    #[case] old_images: Option<&[Image]>,
) {
    let review = load(&test_data().join(file));
    assert_eq!(review.api_version, "admission.k8s.io/v1", "{file}");
    assert_eq!(review.kind, "AdmissionReview", "{file}");
    let req = review.request;

    assert_eq!(req.kind.kind, kind, "{file}: request.kind");
    assert_eq!(req.operation, operation, "{file}: request.operation");
    assert_eq!(
        req.sub_resource.as_deref(),
        sub_resource,
        "{file}: request.subResource"
    );
    assert_eq!(
        req.request_sub_resource, req.sub_resource,
        "{file}: request.requestSubResource"
    );
    assert_eq!(req.request_kind, req.kind, "{file}: request.requestKind");
    assert_eq!(
        req.request_resource, req.resource,
        "{file}: request.requestResource"
    );
    assert!(!req.dry_run, "{file}: request.dryRun");
    assert!(
        req.user_info
            .username
            .as_deref()
            .is_some_and(|u| !u.is_empty()),
        "{file}: request.userInfo.username"
    );
    let options_kind = match operation {
        "CREATE" => "CreateOptions",
        "UPDATE" => "UpdateOptions",
        other => panic!("{file}: unexpected operation {other}"),
    };
    assert_eq!(
        req.options["apiVersion"], "meta.k8s.io/v1",
        "{file}: request.options"
    );
    assert_eq!(req.options["kind"], options_kind, "{file}: request.options");

    let object = parse_object(file, &req, &req.object);
    assert_eq!(
        object.metadata.name.as_deref(),
        Some(req.name.as_str()),
        "{file}: object name"
    );
    assert_eq!(
        object.metadata.namespace, req.namespace,
        "{file}: object namespace"
    );
    assert_eq!(
        found_images(&object.pod_spec),
        owned(images),
        "{file}: images in request.object"
    );

    match (operation, &req.old_object) {
        ("CREATE", None) => assert!(old_images.is_none(), "{file}: a CREATE has no oldObject"),
        ("UPDATE", Some(old)) => {
            let old = parse_object(file, &req, old);
            assert_eq!(
                old.metadata.uid, object.metadata.uid,
                "{file}: oldObject is another object"
            );
            let expected =
                old_images.unwrap_or_else(|| panic!("{file}: no old images in the table"));
            assert_eq!(
                found_images(&old.pod_spec),
                owned(expected),
                "{file}: images in request.oldObject"
            );
        }
        (op, old) => panic!("{file}: {op} with oldObject {old:?}"),
    }
}

/// Every AdmissionReview under test_data/ has a row in the table above, and
/// no two share a request uid.
#[test]
fn every_admission_review_fixture_is_in_the_table() {
    const IN_TABLE: &[&str] = &[
        "pod_creation.json",
        "pod_creation_untrusted.json",
        "pod_creation_latest.json",
        "pod_creation_invalid_image.json",
        "pod_creation_digest.json",
        "pod_creation_ephemeral.json",
        "pod_ephemeralcontainers_update.json",
        "pod_update.json",
        "pod_update_new_image.json",
        "deployment_creation.json",
        "replicaset_creation.json",
        "statefulset_creation.json",
        "daemonset_creation.json",
        "replicationcontroller_creation.json",
        "job_creation.json",
        "cronjob_creation.json",
        "podtemplate_creation.json",
        "deployment_update.json",
        "service_creation.json",
        "bench/pod_realistic.json",
        "bench/pod_minimal.json",
        "bench/deployment_50.json",
    ];
    let mut found = Vec::new();
    collect_reviews(&test_data(), &mut found);
    let mut found: Vec<String> = found
        .iter()
        .map(|p| {
            p.strip_prefix(test_data())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    found.sort();
    let mut expected: Vec<String> = IN_TABLE.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(
        found, expected,
        "AdmissionReview fixtures and the table in tests/fixtures.rs differ: add a row for each new fixture"
    );

    let mut uids = HashSet::new();
    for file in IN_TABLE {
        let uid = load(&test_data().join(file)).request.uid;
        assert!(
            uids.insert(uid.clone()),
            "{file}: request uid {uid} is used twice"
        );
    }
}

struct Object {
    metadata: ObjectMeta,
    pod_spec: Option<PodSpec>,
}

/// Deserialize `value` into the type `request.kind` names, after checking
/// that kind, resource and the type's constants agree.
fn parse_object(file: &str, req: &AdmissionRequest, value: &Value) -> Object {
    let kind = req.kind.kind.as_str();
    if kind == Pod::KIND {
        let pod: Pod = typed(file, req, value);
        Object {
            metadata: pod.metadata,
            pod_spec: pod.spec,
        }
    } else if kind == Deployment::KIND {
        let d: Deployment = typed(file, req, value);
        Object {
            metadata: d.metadata,
            pod_spec: d.spec.and_then(|s| s.template.spec),
        }
    } else if kind == ReplicaSet::KIND {
        let r: ReplicaSet = typed(file, req, value);
        Object {
            metadata: r.metadata,
            pod_spec: r.spec.and_then(|s| s.template?.spec),
        }
    } else if kind == StatefulSet::KIND {
        let s: StatefulSet = typed(file, req, value);
        Object {
            metadata: s.metadata,
            pod_spec: s.spec.and_then(|s| s.template.spec),
        }
    } else if kind == DaemonSet::KIND {
        let d: DaemonSet = typed(file, req, value);
        Object {
            metadata: d.metadata,
            pod_spec: d.spec.and_then(|s| s.template.spec),
        }
    } else if kind == ReplicationController::KIND {
        let r: ReplicationController = typed(file, req, value);
        Object {
            metadata: r.metadata,
            pod_spec: r.spec.and_then(|s| s.template?.spec),
        }
    } else if kind == Job::KIND {
        let j: Job = typed(file, req, value);
        Object {
            metadata: j.metadata,
            pod_spec: j.spec.and_then(|s| s.template.spec),
        }
    } else if kind == CronJob::KIND {
        let c: CronJob = typed(file, req, value);
        Object {
            metadata: c.metadata,
            pod_spec: c.spec.job_template.spec.and_then(|j| j.template.spec),
        }
    } else if kind == PodTemplate::KIND {
        let t: PodTemplate = typed(file, req, value);
        Object {
            metadata: t.metadata,
            pod_spec: t.template.and_then(|t| t.spec),
        }
    } else if kind == Service::KIND {
        let s: Service = typed(file, req, value);
        Object {
            metadata: s.metadata,
            pod_spec: None,
        }
    } else {
        panic!("{file}: no k8s-openapi type for kind {kind}")
    }
}

fn typed<K: Resource + DeserializeOwned>(file: &str, req: &AdmissionRequest, value: &Value) -> K {
    assert_eq!(
        (
            req.kind.group.as_str(),
            req.kind.version.as_str(),
            req.kind.kind.as_str()
        ),
        (K::GROUP, K::VERSION, K::KIND),
        "{file}: request.kind"
    );
    assert_eq!(
        (
            req.resource.group.as_str(),
            req.resource.version.as_str(),
            req.resource.resource.as_str()
        ),
        (K::GROUP, K::VERSION, K::URL_PATH_SEGMENT),
        "{file}: request.resource"
    );
    // k8s-openapi rejects an object whose apiVersion or kind is not K's
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{file}: not a valid {} {}: {e}", K::API_VERSION, K::KIND))
}

fn found_images(spec: &Option<PodSpec>) -> Vec<(String, String, String)> {
    let Some(spec) = spec else { return Vec::new() };
    let entry = |field: &str, name: &str, image: &Option<String>| {
        let image = image
            .clone()
            .unwrap_or_else(|| panic!("{field} {name} has no image"));
        (field.to_owned(), name.to_owned(), image)
    };
    let mut out = Vec::new();
    for c in &spec.containers {
        out.push(entry("containers", &c.name, &c.image));
    }
    for c in spec.init_containers.iter().flatten() {
        out.push(entry("initContainers", &c.name, &c.image));
    }
    for c in spec.ephemeral_containers.iter().flatten() {
        out.push(entry("ephemeralContainers", &c.name, &c.image));
    }
    out
}

fn owned(images: &[Image]) -> Vec<(String, String, String)> {
    images
        .iter()
        .map(|(f, n, i)| (f.to_string(), n.to_string(), i.to_string()))
        .collect()
}

fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data")
}

fn load(path: &Path) -> AdmissionReview {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// JSON files under `dir` whose top level says `"kind": "AdmissionReview"`.
fn collect_reviews(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_reviews(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            let Ok(value) = serde_json::from_str::<Value>(&fs::read_to_string(&path).unwrap())
            else {
                continue;
            };
            if value["kind"] == "AdmissionReview" {
                out.push(path);
            }
        }
    }
}
