//! The scan case's input: one multi-document YAML file of mixed objects,
//! like the `helm template` output of a few charts.

use std::fmt::Write as _;

/// Kinds in the order they repeat; the workloads carry images, the rest do not.
const KINDS: [&str; 10] = [
    "Deployment",
    "Service",
    "ConfigMap",
    "Pod",
    "Deployment",
    "Secret",
    "StatefulSet",
    "Service",
    "Job",
    "CronJob",
];

/// `objects` documents, with the `# Source:` comments helm writes; about one
/// workload in eleven runs an image from a registry the settings do not allow.
pub fn manifests(objects: usize) -> String {
    let mut out = String::with_capacity(objects * 700);
    for i in 0..objects {
        let kind = KINDS[i % KINDS.len()];
        let image = if i % 11 == 3 {
            format!("quay.io/vendor/tool-{i}:1.0")
        } else if i % 2 == 0 {
            format!("ghcr.io/acme/service-{}:1.{}.0", i % 37, i % 7)
        } else {
            "nginx:1.27.0".to_owned()
        };
        let _ = writeln!(
            out,
            "---\n# Source: chart-{}/templates/{}-{i}.yaml",
            i % 13,
            kind.to_lowercase()
        );
        let _ = write!(
            out,
            "apiVersion: {}\nkind: {kind}\nmetadata:\n  name: obj-{i}\n  namespace: team-{}\n  labels:\n    app.kubernetes.io/name: obj-{i}\n    app.kubernetes.io/managed-by: Helm\n",
            api_version(kind),
            i % 5
        );
        match kind {
            "Service" => {
                let _ = write!(out, "spec:\n  selector:\n    app.kubernetes.io/name: obj-{i}\n  ports:\n    - port: 80\n      targetPort: http\n");
            }
            "ConfigMap" => {
                let _ = write!(out, "data:\n  LOG_LEVEL: info\n  config.yaml: |\n    listen: :8080\n    upstream: http://obj-{i}:80\n");
            }
            "Secret" => {
                let _ = write!(
                    out,
                    "type: Opaque\nstringData:\n  password: not-a-real-secret-{i}\n"
                );
            }
            "Pod" => {
                out.push_str("spec:\n");
                pod_spec(&mut out, "  ", &image);
            }
            "CronJob" => {
                out.push_str("spec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n");
                pod_spec_body(&mut out, "          ", &image);
            }
            _ => {
                let _ = write!(out, "spec:\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: obj-{i}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: obj-{i}\n");
                pod_spec(&mut out, "    ", &image);
            }
        }
    }
    out
}

fn api_version(kind: &str) -> &'static str {
    match kind {
        "Deployment" | "StatefulSet" => "apps/v1",
        "Job" | "CronJob" => "batch/v1",
        _ => "v1",
    }
}

fn pod_spec(out: &mut String, indent: &str, image: &str) {
    let _ = writeln!(out, "{indent}spec:");
    pod_spec_body(out, &format!("{indent}  "), image);
}

/// Two containers, a sidecar from an allowed registry and the main image.
fn pod_spec_body(out: &mut String, indent: &str, image: &str) {
    let _ = write!(
        out,
        "{indent}containers:\n\
         {indent}  - name: main\n\
         {indent}    image: {image}\n\
         {indent}    ports:\n\
         {indent}      - name: http\n\
         {indent}        containerPort: 8080\n\
         {indent}    resources:\n\
         {indent}      requests: {{cpu: 100m, memory: 128Mi}}\n\
         {indent}  - name: proxy\n\
         {indent}    image: registry.corp.example/platform/proxy:3.2\n"
    );
}

/// The input shapes that once cost `kwrunner scan` more than their size
/// (YAML the reader handles super-linearly), and ordinary ones beside them,
/// each generated to about `bytes` bytes: (name, text).
pub fn shapes(bytes: usize) -> Vec<(String, String)> {
    let mut shapes = vec![
        ("manifests".to_owned(), manifests(bytes / 700)),
        ("long keys".to_owned(), long_keys(bytes)),
        ("many anchors".to_owned(), many_anchors(bytes)),
        ("many documents".to_owned(), many_documents(bytes)),
        ("broken documents".to_owned(), broken_documents(bytes)),
        ("long lines".to_owned(), long_lines(bytes)),
    ];
    for depth in [100, 100_000] {
        shapes.push((
            format!("block nesting {depth}"),
            block_nesting(bytes, depth),
        ));
    }
    for depth in [10, 100, 1_000, 100_000] {
        shapes.push((format!("flow nesting {depth}"), flow_nesting(bytes, depth)));
    }
    shapes
}

/// Documents of one ConfigMap each with a line `a: [[[...]]]` of `depth`,
/// repeated up to `bytes` (a single line when deeper than that allows).
pub fn flow_nesting(bytes: usize, depth: usize) -> String {
    let mut out = String::with_capacity(bytes + 2 * depth + 64);
    while out.len() < bytes {
        let _ = writeln!(
            out,
            "---\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: {}{}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
    }
    out
}

/// Documents of one ConfigMap each nesting `depth` compact block
/// sequences (`- - - x`), repeated up to `bytes`.
pub fn block_nesting(bytes: usize, depth: usize) -> String {
    let mut out = String::with_capacity(bytes + 2 * depth + 64);
    while out.len() < bytes {
        let _ = writeln!(
            out,
            "---\napiVersion: v1\nkind: ConfigMap\nx:\n{}x",
            "- ".repeat(depth)
        );
    }
    out
}

/// One ConfigMap whose keys are each about 2,000 characters.
pub fn long_keys(bytes: usize) -> String {
    let mut out = String::from("apiVersion: v1\nkind: ConfigMap\ndata:\n");
    let mut i = 0;
    while out.len() < bytes {
        let _ = writeln!(out, "  k{i}{}: v", "k".repeat(2_000));
        i += 1;
    }
    out
}

/// One ConfigMap with an anchor on every value and an alias to each.
pub fn many_anchors(bytes: usize) -> String {
    let mut out = String::from("apiVersion: v1\nkind: ConfigMap\ndata:\n");
    let mut i = 0;
    while out.len() < bytes {
        let _ = writeln!(out, "  k{i}: &a{i} v{i}\n  r{i}: *a{i}");
        i += 1;
    }
    out
}

/// Small ConfigMap documents, as many as fit.
pub fn many_documents(bytes: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while out.len() < bytes {
        let _ = writeln!(
            out,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}"
        );
        i += 1;
    }
    out
}

/// Documents that are each a syntax error (an unclosed bracket).
pub fn broken_documents(bytes: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while out.len() < bytes {
        let _ = writeln!(out, "---\nkind: ConfigMap\nbroken{i}: [");
        i += 1;
    }
    out
}

/// One ConfigMap with values of 100,000 characters on one line each.
pub fn long_lines(bytes: usize) -> String {
    let mut out = String::from("apiVersion: v1\nkind: ConfigMap\ndata:\n");
    let mut i = 0;
    while out.len() < bytes {
        let _ = writeln!(out, "  k{i}: \"{}\"", "v".repeat(100_000));
        i += 1;
    }
    out
}
