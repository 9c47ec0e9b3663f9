//! `kwrunner scan`: every object of rendered manifests through the policy,
//! as the API server would send it on CREATE, with one verdict per object.
//!
//! The module is compiled once and one instance is reused for every
//! object; the settings are checked once, first, with `validate_settings`.
//! What the policy ignores is its business: every object is sent.
//!
//! Each object is counted once, in the first of these that applies:
//! refused, warned (admitted, changed or not, with warnings), mutated,
//! admitted. In a directory walk, documents that are no Kubernetes object
//! and the files Helm and Kustomize keep beside manifests are skipped.

use std::time::{Duration, Instant};

use anyhow::anyhow;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::kube::request::{AdmissionRequest, UserInfo, ValidateRequest};
use crate::kube::resources::ApiResource;
use crate::scan::manifests::{self, Source};
use crate::{Instance, Policy, Settings};

/// Who the requests come from: an ordinary authenticated user, not an
/// administrator, so that a policy which exempts privileged users does not
/// wave manifests through in CI that a deploy pipeline would get refused.
const USERNAME: &str = "kwrunner-scan";
const GROUPS: [&str; 1] = ["system:authenticated"];

/// Why a scan could not start.
#[derive(Debug)]
pub enum SetupError {
    /// `validate_settings` refused the settings, with the policy's message.
    InvalidSettings(String),
    /// The instance could not be created or asked.
    Other(anyhow::Error),
}

/// Runs objects through one policy instance with settings it accepted.
pub struct Scanner {
    instance: Instance,
    settings: Settings,
    namespace: String,
    requests: u64,
}

impl Scanner {
    /// An instance of `policy`, after `validate_settings` accepted `settings`.
    /// Objects without a namespace of their own go to `namespace`.
    pub fn new(policy: &Policy, settings: Settings, namespace: &str) -> Result<Self, SetupError> {
        let mut instance = policy.instance().map_err(SetupError::Other)?;
        let verdict = instance
            .validate_settings(&settings)
            .map_err(SetupError::Other)?;
        if !verdict.valid {
            return Err(SetupError::InvalidSettings(
                verdict.message.unwrap_or_default(),
            ));
        }
        Ok(Self {
            instance,
            settings,
            namespace: namespace.to_owned(),
            requests: 0,
        })
    }

    /// Scans every source, in order.
    pub fn scan(&mut self, sources: &[Source]) -> Report {
        let mut report = Report::default();
        for source in sources {
            self.scan_source(source, &mut report);
        }
        report
    }

    /// Scans one source into `report`.
    pub fn scan_source(&mut self, source: &Source, report: &mut Report) {
        let entry = |line, item, object, outcome| Entry {
            file: source.name.clone(),
            line,
            item,
            object,
            outcome,
            warnings: Vec::new(),
            time: Duration::ZERO,
        };
        if let Some(why) = source.skip {
            report
                .entries
                .push(entry(None, None, None, Outcome::Skipped(why.to_owned())));
            return;
        }
        let text = match &source.text {
            Ok(text) => text,
            Err(message) => {
                report
                    .entries
                    .push(entry(None, None, None, Outcome::Error(message.clone())));
                return;
            }
        };
        for document in manifests::documents(text) {
            let first = report.entries.len();
            let template = document.template_line.map(manifests::template_error);
            match document.value {
                Err(problem) => report.entries.push(entry(
                    Some(problem.line),
                    None,
                    None,
                    Outcome::Error(template.unwrap_or(problem.message)),
                )),
                Ok(value) => {
                    for found in manifests::objects(value) {
                        let line = Some(document.line);
                        let new = match found {
                            Ok(object) => {
                                let item = object.item;
                                let clock = Instant::now();
                                let (name, outcome, warnings) = self.evaluate(object);
                                Entry {
                                    warnings,
                                    time: clock.elapsed(),
                                    ..entry(line, item, Some(name), outcome)
                                }
                            }
                            // A template is never skipped: it is what the
                            // user meant to scan, unrendered.
                            Err(e) => match (&template, e.not_an_object && e.item.is_none()) {
                                (Some(hint), _) => {
                                    entry(line, e.item, None, Outcome::Error(hint.clone()))
                                }
                                (None, true) if source.walked => entry(
                                    line,
                                    None,
                                    None,
                                    Outcome::Skipped("not a Kubernetes object".to_owned()),
                                ),
                                (None, _) => entry(line, e.item, None, Outcome::Error(e.message)),
                            },
                        };
                        report.entries.push(new);
                    }
                }
            }
            // Reading the document is part of its first test case's time.
            if let Some(first) = report.entries.get_mut(first) {
                first.time += document.parse_time;
            }
        }
    }

    /// The object's name, what the policy said about it, and its warnings.
    fn evaluate(&mut self, object: manifests::Object) -> (ObjectName, Outcome, Vec<String>) {
        let name = object_name(&object, &self.namespace);
        let resource = match ApiResource::of(&object.api_version, &object.kind) {
            Ok(resource) => resource,
            Err(e) => return (name, Outcome::Error(e.to_string()), Vec::new()),
        };
        self.requests += 1;
        let uid = format!("00000000-0000-4000-8000-{:012x}", self.requests);
        let request = create_request(object.value, &resource, &self.namespace, uid);
        let prepared = match ValidateRequest::new(&request, &self.settings) {
            Ok(prepared) => prepared,
            Err(e) => return (name, Outcome::Error(e.to_string()), Vec::new()),
        };
        let response = self.instance.validate_request(&prepared);
        let warnings = response.warnings.clone().unwrap_or_default();
        let outcome = if !response.allowed {
            Outcome::Refused(
                response
                    .status
                    .and_then(|s| s.message)
                    .unwrap_or_else(|| "refused without a message".to_owned()),
            )
        } else {
            match response.patch.as_deref() {
                None => Outcome::Admitted,
                Some(patch) => match changes(patch, prepared.object()) {
                    Ok(changes) => Outcome::Mutated(changes),
                    Err(e) => Outcome::Error(format!("cannot read the policy's patch: {e}")),
                },
            }
        };
        (name, outcome, warnings)
    }
}

/// The CREATE AdmissionRequest the API server would send for `object`:
/// its namespace is the object's own, else `namespace` (and written into
/// the object's metadata, as the API server does before admission), none
/// for a cluster-scoped kind.
pub fn create_request(
    mut object: Value,
    resource: &ApiResource,
    namespace: &str,
    uid: String,
) -> AdmissionRequest {
    let own = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty())
        .map(str::to_owned);
    let namespace = match own {
        Some(own) => Some(own),
        None if resource.namespaced => {
            if let Some(map) = object.as_object_mut() {
                let metadata = map.entry("metadata").or_insert_with(|| json!({}));
                if let Some(metadata) = metadata.as_object_mut() {
                    metadata.insert("namespace".to_owned(), Value::from(namespace));
                }
            }
            Some(namespace.to_owned())
        }
        None => None,
    };
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    AdmissionRequest {
        uid,
        kind: resource.kind.clone(),
        resource: resource.resource.clone(),
        sub_resource: None,
        request_kind: Some(resource.kind.clone()),
        request_resource: Some(resource.resource.clone()),
        request_sub_resource: None,
        name,
        namespace,
        operation: "CREATE".to_owned(),
        user_info: UserInfo {
            username: Some(USERNAME.to_owned()),
            groups: Some(GROUPS.iter().map(|g| (*g).to_owned()).collect()),
            ..UserInfo::default()
        },
        object: Some(object),
        old_object: None,
        dry_run: Some(false),
        options: Some(json!({"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"})),
    }
}

/// How an object is named in reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectName {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// The namespace it is admitted into; `None` when cluster-scoped.
    pub namespace: Option<String>,
    /// `metadata.name`, or `metadata.generateName` followed by `*`.
    pub name: Option<String>,
}

impl std::fmt::Display for ObjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self.name.as_deref().unwrap_or("<no name>");
        match &self.namespace {
            Some(namespace) => write!(f, "{} {namespace}/{name}", self.kind),
            None => write!(f, "{} {name}", self.kind),
        }
    }
}

fn object_name(object: &manifests::Object, default_namespace: &str) -> ObjectName {
    let text = |pointer: &str| {
        object
            .value
            .pointer(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let namespaced =
        ApiResource::of(&object.api_version, &object.kind).map_or(true, |r| r.namespaced);
    let namespace =
        text("/metadata/namespace").or_else(|| namespaced.then(|| default_namespace.to_owned()));
    ObjectName {
        api_version: object.api_version.clone(),
        kind: object.kind.clone(),
        namespace,
        name: text("/metadata/name").or_else(|| text("/metadata/generateName").map(|g| g + "*")),
    }
}

/// One change of a mutating answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// `add`, `remove` or `replace` (JSON Patch operation).
    pub op: String,
    /// JSON Pointer of the changed field.
    pub path: String,
    /// The value before, if there was one.
    pub from: Option<Value>,
    /// The value after, unless removed.
    pub to: Option<Value>,
}

/// Decodes the base64 JSONPatch of a response into changes, with the
/// values they replace looked up in the object sent.
fn changes(patch: &str, object: Option<&Value>) -> anyhow::Result<Vec<Change>> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(patch)?;
    let ops: Vec<Value> = serde_json::from_slice(&bytes)?;
    ops.into_iter()
        .map(|op| {
            let text = |key: &str| {
                op.get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| anyhow!("operation without {key}: {op}"))
            };
            let (kind, path) = (text("op")?, text("path")?);
            Ok(Change {
                from: object.and_then(|o| o.pointer(&path)).cloned(),
                to: op.get("value").cloned(),
                op: kind,
                path,
            })
        })
        .collect()
}

/// What became of one object (or of a document that held none).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Admitted unchanged.
    Admitted,
    /// Refused, with the policy's message.
    Refused(String),
    /// Admitted with these changes.
    Mutated(Vec<Change>),
    /// Not evaluated: the input is not a readable object.
    Error(String),
    /// Not evaluated, and no error: a file or document of a directory walk
    /// that is no Kubernetes object, with the reason.
    Skipped(String),
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The file, as named on the command line or found in a directory.
    pub file: String,
    /// 1-based line where the document starts (of the error, for a syntax
    /// error); `None` when the file could not be read at all.
    pub line: Option<usize>,
    /// Position in a `List` document.
    pub item: Option<usize>,
    /// The object, when it was one.
    pub object: Option<ObjectName>,
    /// Its verdict.
    pub outcome: Outcome,
    /// The policy's warnings (an admitted object with any is "warned").
    pub warnings: Vec<String>,
    /// Time spent on it: reading its document (for the first object of a
    /// document) and the policy's answer.
    pub time: Duration,
}

impl Entry {
    /// `file:line`, or `file` when no line is known.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }

    /// `Kind namespace/name`, with ` (items[N])` for an item of a List;
    /// `items[N]` alone for an item that is no object.
    pub fn subject(&self) -> Option<String> {
        let item = self.item.map(|i| format!("items[{i}]"));
        match (&self.object, item) {
            (Some(object), Some(item)) => Some(format!("{object} ({item})")),
            (Some(object), None) => Some(object.to_string()),
            (None, item) => item,
        }
    }
}

/// Every verdict and input error of a scan, in input order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// One per object, and one per input error.
    pub entries: Vec<Entry>,
}

/// How many objects had each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects evaluated.
    pub scanned: usize,
    /// Admitted unchanged.
    pub admitted: usize,
    /// Refused.
    pub refused: usize,
    /// Admitted with changes.
    pub mutated: usize,
    /// Admitted (changed or not) with warnings.
    pub warned: usize,
    /// Skipped in a directory walk: no Kubernetes object.
    pub skipped: usize,
    /// Input errors.
    pub errors: usize,
}

/// How an entry counts in the summary: each object once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Admitted unchanged, without warnings.
    Admitted,
    /// Refused (with or without warnings).
    Refused,
    /// Admitted with changes, without warnings.
    Mutated,
    /// Admitted, changed or not, with warnings.
    Warned,
    /// Not an object of a directory walk.
    Skipped,
    /// Not readable.
    Error,
}

impl Entry {
    /// Its category in the summary.
    pub fn category(&self) -> Category {
        match (&self.outcome, self.warnings.is_empty()) {
            (Outcome::Refused(_), _) => Category::Refused,
            (Outcome::Admitted | Outcome::Mutated(_), false) => Category::Warned,
            (Outcome::Admitted, true) => Category::Admitted,
            (Outcome::Mutated(_), true) => Category::Mutated,
            (Outcome::Skipped(_), _) => Category::Skipped,
            (Outcome::Error(_), _) => Category::Error,
        }
    }
}

impl Report {
    /// The counts.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for entry in &self.entries {
            match entry.category() {
                Category::Admitted => summary.admitted += 1,
                Category::Refused => summary.refused += 1,
                Category::Mutated => summary.mutated += 1,
                Category::Warned => summary.warned += 1,
                Category::Skipped => summary.skipped += 1,
                Category::Error => summary.errors += 1,
            }
        }
        summary.scanned = summary.admitted + summary.refused + summary.mutated + summary.warned;
        summary
    }

    /// 2 when an input could not be read, else 1 when an object was refused
    /// (or warned, with `fail_on_warnings`), else 0. Skips count for nothing.
    pub fn exit_code(&self, fail_on_warnings: bool) -> u8 {
        let summary = self.summary();
        if summary.errors > 0 {
            2
        } else if summary.refused > 0 || (fail_on_warnings && summary.warned > 0) {
            1
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn request(object: Value, api_version: &str, kind: &str, namespace: &str) -> Value {
        let resource = ApiResource::of(api_version, kind).expect("resource");
        serde_json::to_value(create_request(object, &resource, namespace, "u".to_owned()))
            .expect("serializable")
    }

    #[test]
    fn create_request_is_shaped_like_the_api_servers() {
        let got = request(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}}),
            "apps/v1",
            "Deployment",
            "default",
        );
        assert_eq!(
            got,
            json!({
                "uid": "u",
                "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
                "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
                "requestKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
                "requestResource": {"group": "apps", "version": "v1", "resource": "deployments"},
                "name": "web",
                "namespace": "shop",
                "operation": "CREATE",
                "userInfo": {"groups": ["system:authenticated"], "username": "kwrunner-scan"},
                "object": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}},
                "dryRun": false,
                "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
            })
        );
    }

    #[rstest]
    #[case::own_namespace(json!({"metadata": {"name": "a", "namespace": "shop"}}), "Pod", Some("shop"), Some("shop"))]
    #[case::default_namespace_written_in(json!({"metadata": {"name": "a"}}), "Pod", Some("ci"), Some("ci"))]
    #[case::no_metadata_at_all(json!({"spec": {}}), "Pod", Some("ci"), Some("ci"))]
    #[case::empty_namespace(json!({"metadata": {"namespace": ""}}), "Pod", Some("ci"), Some("ci"))]
    #[case::cluster_scoped(json!({"metadata": {"name": "a"}}), "Namespace", None, None)]
    fn namespace_of_the_request(
        #[case] object: Value,
        #[case] kind: &str,
        #[case] request_namespace: Option<&str>,
        #[case] object_namespace: Option<&str>,
    ) {
        let got = request(object, "v1", kind, "ci");
        assert_eq!(got["namespace"].as_str(), request_namespace);
        assert_eq!(
            got["object"]["metadata"]["namespace"].as_str(),
            object_namespace
        );
    }

    #[rstest]
    #[case::namespaced(json!({"metadata": {"name": "web"}}), "Pod", "Pod ci/web")]
    #[case::own_namespace(json!({"metadata": {"name": "web", "namespace": "shop"}}), "Pod", "Pod shop/web")]
    #[case::generate_name(json!({"metadata": {"generateName": "job-"}}), "Job", "Job ci/job-*")]
    #[case::no_name(json!({}), "ConfigMap", "ConfigMap ci/<no name>")]
    #[case::cluster_scoped(json!({"metadata": {"name": "team"}}), "Namespace", "Namespace team")]
    fn object_names(#[case] value: Value, #[case] kind: &str, #[case] expected: &str) {
        let object = manifests::Object {
            item: None,
            api_version: "v1".to_owned(),
            kind: kind.to_owned(),
            value,
        };
        assert_eq!(object_name(&object, "ci").to_string(), expected);
    }

    #[test]
    fn changes_decode_the_patch_with_the_old_values() {
        let ops = json!([
            {"op": "replace", "path": "/spec/containers/0/image", "value": "mirror.example/library/nginx:1"},
            {"op": "add", "path": "/metadata/labels", "value": {"a": "b"}}
        ]);
        let patch = base64::engine::general_purpose::STANDARD.encode(ops.to_string());
        let object = json!({"spec": {"containers": [{"image": "nginx:1"}]}});
        assert_eq!(
            changes(&patch, Some(&object)).expect("decodes"),
            vec![
                Change {
                    op: "replace".to_owned(),
                    path: "/spec/containers/0/image".to_owned(),
                    from: Some(json!("nginx:1")),
                    to: Some(json!("mirror.example/library/nginx:1")),
                },
                Change {
                    op: "add".to_owned(),
                    path: "/metadata/labels".to_owned(),
                    from: None,
                    to: Some(json!({"a": "b"})),
                },
            ]
        );
    }

    fn refused() -> Outcome {
        Outcome::Refused("no".to_owned())
    }

    /// (outcome, warnings) of every entry; exit codes without and with `--fail-on-warnings`.
    #[rstest]
    #[case::nothing(vec![], 0, 0)]
    #[case::admitted_and_mutated(vec![(Outcome::Admitted, 0), (Outcome::Mutated(vec![]), 0)], 0, 0)]
    #[case::refused(vec![(Outcome::Admitted, 0), (refused(), 0)], 1, 1)]
    #[case::error_wins_over_refusal(vec![(refused(), 0), (Outcome::Error("bad".to_owned()), 0)], 2, 2)]
    #[case::skips_count_for_nothing(vec![(Outcome::Admitted, 0), (Outcome::Skipped("not a Kubernetes object".to_owned()), 0)], 0, 0)]
    #[case::warned(vec![(Outcome::Admitted, 1)], 0, 1)]
    #[case::warned_and_mutated(vec![(Outcome::Mutated(vec![]), 2)], 0, 1)]
    #[case::error_wins_over_warnings(vec![(Outcome::Admitted, 1), (Outcome::Error("bad".to_owned()), 0)], 2, 2)]
    fn exit_codes(#[case] entries: Vec<(Outcome, usize)>, #[case] code: u8, #[case] failing: u8) {
        let report = Report {
            entries: entries
                .into_iter()
                .map(|(outcome, warnings)| Entry {
                    file: "f".to_owned(),
                    line: Some(1),
                    item: None,
                    object: None,
                    outcome,
                    warnings: vec!["w".to_owned(); warnings],
                    time: Duration::ZERO,
                })
                .collect(),
        };
        assert_eq!(
            (report.exit_code(false), report.exit_code(true)),
            (code, failing)
        );
    }

    #[rstest]
    #[case::admitted(Outcome::Admitted, 0, Category::Admitted)]
    #[case::admitted_with_warnings(Outcome::Admitted, 1, Category::Warned)]
    #[case::mutated(Outcome::Mutated(vec![]), 0, Category::Mutated)]
    #[case::mutated_with_warnings(Outcome::Mutated(vec![]), 1, Category::Warned)]
    #[case::refused_with_warnings(refused(), 1, Category::Refused)]
    #[case::skipped(Outcome::Skipped("x".to_owned()), 0, Category::Skipped)]
    fn categories(#[case] outcome: Outcome, #[case] warnings: usize, #[case] category: Category) {
        let entry = Entry {
            file: "f".to_owned(),
            line: None,
            item: None,
            object: None,
            outcome,
            warnings: vec!["w".to_owned(); warnings],
            time: Duration::ZERO,
        };
        assert_eq!(entry.category(), category);
    }
}
