//! The policy walks each request with its own JSON reader. Every fixture in
//! `test_data/` (and the benchmark's) is read three ways: as the API server
//! wrote it, compact with its keys in another order, and pretty-printed; the
//! walk must find exactly the images a plain serde_json reading finds.

use std::fs;
use std::path::Path;

use registry_allowlist::workload::AdmissionRequest;
use rstest::rstest;
use serde_json::Value;

/// Where a kind keeps its pod spec, written out from the Kubernetes API
/// reference: the crate's own table (`workload::pod_spec_path`) is part of
/// what is tested, so it cannot say what the walk should find.
fn pod_spec_of(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    match (group, kind) {
        ("", "Pod") => Some(&["spec"]),
        ("", "PodTemplate") => Some(&["template", "spec"]),
        ("", "ReplicationController")
        | ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
        | ("batch", "Job") => Some(&["spec", "template", "spec"]),
        ("batch", "CronJob") => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// (list, index, name, image) of every container, as serde_json sees them.
fn expected(request: &Value) -> Vec<(String, usize, String, String)> {
    let group = request["kind"]["group"].as_str().unwrap_or_default();
    let kind = request["kind"]["kind"].as_str().unwrap_or_default();
    let Some(path) = pod_spec_of(group, kind) else {
        return Vec::new();
    };
    let mut spec = &request["object"];
    for step in path {
        spec = &spec[*step];
    }
    let mut out = Vec::new();
    for (field, list) in [
        ("containers", "container"),
        ("initContainers", "initContainer"),
        ("ephemeralContainers", "ephemeralContainer"),
    ] {
        for (i, c) in spec[field].as_array().into_iter().flatten().enumerate() {
            let text = |key: &str| c[key].as_str().unwrap_or_default().to_owned();
            out.push((list.to_owned(), i, text("name"), text("image")));
        }
    }
    out
}

fn walked(json: &[u8]) -> Vec<(String, usize, String, String)> {
    let request = AdmissionRequest::from_json(json).expect("the walk reads the request");
    request
        .images
        .iter()
        .map(|c| {
            (
                c.kind.to_string(),
                c.index,
                c.name.to_string(),
                c.image.to_string(),
            )
        })
        .collect()
}

#[rstest]
fn finds_what_serde_finds(
    #[files("test_data/*.json")]
    #[files("test_data/bench/*.json")]
    fixture: std::path::PathBuf,
) {
    let text = fs::read(&fixture).expect("fixture");
    let review: Value = serde_json::from_slice(&text).expect("fixture is JSON");
    let request = &review["request"];
    let want = expected(request);
    let name = fixture
        .file_name()
        .map(Path::new)
        .unwrap_or(&fixture)
        .display()
        .to_string();
    // As written (objects inside `request` as the fixture orders them).
    let as_written = serde_json::to_vec(request).expect("json");
    assert_eq!(walked(&as_written), want, "{name}: compact");
    // serde_json's Value sorts keys: `kind` before `object`, `name` before `image`.
    let pretty = serde_json::to_vec_pretty(request).expect("json");
    assert_eq!(walked(&pretty), want, "{name}: pretty");
    // `object` first: the walk keeps it raw until it knows the kind.
    if let Value::Object(fields) = request {
        let mut reordered = String::from("{");
        let mut keys: Vec<&String> = fields.keys().collect();
        keys.sort_by_key(|k| (k.as_str() != "object", k.as_str() != "oldObject"));
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                reordered.push(',');
            }
            reordered.push_str(&format!("{}:{}", Value::from(key.as_str()), fields[*key]));
        }
        reordered.push('}');
        assert_eq!(walked(reordered.as_bytes()), want, "{name}: object first");
    }
}
