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
