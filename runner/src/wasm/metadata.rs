//! Kubewarden policy metadata: what `metadata.yml` says and what
//! `kwctl annotate` embeds in a module.
//!
//! [`Metadata`] has the field names, shapes and order of policy-evaluator's
//! `Metadata`, so the JSON written into the `io.kubewarden.metadata` custom
//! section reads the same in policy-server, `kwctl inspect` and here.
//! Annotations are kept sorted (policy-evaluator uses a hash map, whose order
//! carries no meaning), which makes the section byte-for-byte reproducible.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::wasm;

/// Name of the custom section that holds the metadata as JSON.
pub const CUSTOM_SECTION: &str = "io.kubewarden.metadata";
/// Annotation holding the policy's usage text (its README).
pub const ANNOTATION_USAGE: &str = "io.kubewarden.policy.usage";
/// Annotation holding the policy's name (`artifacthub-pkg.yml`'s `name`).
pub const ANNOTATION_TITLE: &str = "io.kubewarden.policy.title";
/// Annotation holding the policy's version, without a leading `v`.
pub const ANNOTATION_VERSION: &str = "io.kubewarden.policy.version";
/// Annotation holding the policy's one-line description.
pub const ANNOTATION_DESCRIPTION: &str = "io.kubewarden.policy.description";
/// Annotation holding the authors, as an RFC 5322 address list.
pub const ANNOTATION_AUTHOR: &str = "io.kubewarden.policy.author";
/// Annotation holding the policy's home page.
pub const ANNOTATION_URL: &str = "io.kubewarden.policy.url";
/// Annotation holding the policy's source repository.
pub const ANNOTATION_SOURCE: &str = "io.kubewarden.policy.source";
/// Annotation holding the policy's SPDX license.
pub const ANNOTATION_LICENSE: &str = "io.kubewarden.policy.license";
/// Annotation holding the OCI repository the policy is published to (no tag).
pub const ANNOTATION_OCI_URL: &str = "io.kubewarden.policy.ociUrl";
/// Annotation holding the Artifact Hub display name.
pub const ANNOTATION_DISPLAY_NAME: &str = "io.artifacthub.displayName";
/// Annotation holding the comma-separated Artifact Hub keywords.
pub const ANNOTATION_KEYWORDS: &str = "io.artifacthub.keywords";
/// Annotation holding the comma-separated list of resources the policy checks.
pub const ANNOTATION_RESOURCES: &str = "io.artifacthub.resources";

/// Top-level keys `metadata.yml` may have. `contextAware` is the flag older
/// policy-evaluator versions read; current ones ignore it, and so does this.
const KNOWN_FIELDS: &[&str] = &[
    "protocolVersion",
    "rules",
    "annotations",
    "mutating",
    "backgroundAudit",
    "executionMode",
    "policyType",
    "contextAwareResources",
    "minimumKubewardenVersion",
    "hostCapabilities",
    "contextAware",
];

/// Values `executionMode` may have.
const EXECUTION_MODES: &[&str] = &["kubewarden-wapc", "opa", "gatekeeper", "wasi"];

/// Values `policyType` may have.
const POLICY_TYPES: &[&str] = &["kubernetes", "raw"];

/// Keys a rule may have.
const RULE_FIELDS: &[&str] = &["apiGroups", "apiVersions", "resources", "operations"];

/// Keys a context-aware resource may have.
const CONTEXT_AWARE_FIELDS: &[&str] = &["apiVersion", "kind"];

/// An admission operation a rule matches.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `CREATE`
    #[serde(rename = "CREATE")]
    Create,
    /// `UPDATE`
    #[serde(rename = "UPDATE")]
    Update,
    /// `DELETE`
    #[serde(rename = "DELETE")]
    Delete,
    /// `CONNECT`
    #[serde(rename = "CONNECT")]
    Connect,
    /// `*`: every operation.
    #[serde(rename = "*")]
    All,
}

/// Which requests reach the policy, as in a webhook's `rules`.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// API groups (`""` is the core group).
    pub api_groups: Vec<String>,
    /// API versions.
    pub api_versions: Vec<String>,
    /// Resources, optionally `resource/subresource`.
    pub resources: Vec<String>,
    /// Operations.
    pub operations: Vec<Operation>,
}

/// A kind the policy reads from the cluster.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct ContextAwareResource {
    /// `apiVersion` of the kind, e.g. `v1` or `apps/v1`.
    pub api_version: String,
    /// The kind, e.g. `Namespace`.
    pub kind: String,
}

/// How policy-server runs the module.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecutionMode {
    /// A waPC guest speaking Kubewarden's protocol (the SDK policies).
    #[default]
    #[serde(rename = "kubewarden-wapc")]
    KubewardenWapc,
    /// An Open Policy Agent Rego policy.
    #[serde(rename = "opa")]
    Opa,
    /// A Gatekeeper Rego policy.
    #[serde(rename = "gatekeeper")]
    Gatekeeper,
    /// A WASI command reading the request on stdin.
    #[serde(rename = "wasi")]
    Wasi,
}

impl fmt::Display for ExecutionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExecutionMode::KubewardenWapc => "kubewarden-wapc",
            ExecutionMode::Opa => "opa",
            ExecutionMode::Gatekeeper => "gatekeeper",
            ExecutionMode::Wasi => "wasi",
        })
    }
}

/// What kind of requests the policy judges.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyType {
    /// Kubernetes admission requests.
    #[default]
    #[serde(rename = "kubernetes")]
    Kubernetes,
    /// Arbitrary JSON documents.
    #[serde(rename = "raw")]
    Raw,
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyType::Kubernetes => "kubernetes",
            PolicyType::Raw => "raw",
        })
    }
}

/// The policy metadata, field for field as policy-evaluator serializes it.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// Protocol the waPC guest speaks (`v1`); filled in by annotation.
    pub protocol_version: Option<String>,
    /// Which requests reach the policy.
    pub rules: Vec<Rule>,
    /// Free-form annotations: title, author, usage...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// The policy may answer with a patch.
    pub mutating: bool,
    /// The audit scanner may evaluate existing resources with it.
    #[serde(default = "default_true")]
    pub background_audit: bool,
    /// How policy-server runs the module.
    #[serde(default)]
    pub execution_mode: ExecutionMode,
    /// What kind of requests the policy judges.
    #[serde(default)]
    pub policy_type: PolicyType,
    /// Kinds the policy reads from the cluster.
    #[serde(default)]
    pub context_aware_resources: BTreeSet<ContextAwareResource>,
    /// Oldest Kubewarden release able to run the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_kubewarden_version: Option<String>,
    /// Host capabilities the policy calls (`oci/v1/manifest_digest`); policy-server
    /// grants them per policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_capabilities: Option<Vec<String>>,
}

const fn default_true() -> bool {
    true
}

impl Metadata {
    /// Reads `metadata.yml`, refusing keys policy-evaluator does not know
    /// (a typo such as `mutatting:` would otherwise be dropped silently).
    pub fn from_yaml(text: &str) -> Result<Self> {
        let document: serde_yaml::Value =
            serde_yaml::from_str(text).context("metadata is not valid YAML")?;
        check_keys(&document)?;
        let metadata: Metadata = serde_yaml::from_value(document)
            .context("metadata does not have the expected shape")?;
        Ok(metadata)
    }

    /// Reads the metadata embedded in a module: `Ok(None)` when it has none.
    pub fn from_module(module: &[u8]) -> Result<Option<Self>> {
        match wasm::custom_section(module, CUSTOM_SECTION)? {
            None => Ok(None),
            Some(json) => serde_json::from_slice(json)
                .map(Some)
                .with_context(|| format!("cannot read the {CUSTOM_SECTION} custom section")),
        }
    }

    /// The metadata as the compact JSON that goes into the custom section.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).context("cannot serialize the metadata")
    }

    /// One annotation's value, if set.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .as_ref()
            .and_then(|annotations| annotations.get(key))
            .map(String::as_str)
    }

    /// Checks what policy-evaluator's validation checks, listing every
    /// problem: at least one value in each rule list, `*` alone, resource
    /// wildcards as Kubernetes allows them, non-empty context-aware kinds, and
    /// a known protocol version for `kubewarden-wapc` modules. The protocol
    /// version is only required once `require_protocol` is set (after the
    /// module was asked for it).
    pub fn validate(&self, require_protocol: bool) -> Result<()> {
        let mut problems = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            for (field, values) in [
                ("apiGroups", &rule.api_groups),
                ("apiVersions", &rule.api_versions),
            ] {
                if values.is_empty() {
                    problems.push(format!(
                        "rules[{i}].{field}: at least one value is required"
                    ));
                } else if values.len() > 1 && values.iter().any(|v| v == "*") {
                    problems.push(format!(
                        "rules[{i}].{field}: no other value may be given with '*'"
                    ));
                }
            }
            if rule.resources.is_empty() {
                problems.push(format!(
                    "rules[{i}].resources: at least one value is required"
                ));
            } else if let Err(why) = check_resources(&rule.resources) {
                problems.push(format!("rules[{i}].resources: {why}"));
            }
            if rule.operations.is_empty() {
                problems.push(format!(
                    "rules[{i}].operations: at least one value is required"
                ));
            } else if rule.operations.len() > 1 && rule.operations.contains(&Operation::All) {
                problems.push(format!(
                    "rules[{i}].operations: no other value may be given with '*'"
                ));
            }
        }
        for resource in &self.context_aware_resources {
            if resource.api_version.is_empty() || resource.kind.is_empty() {
                problems.push(format!(
                    "contextAwareResources: apiVersion and kind must not be empty \
                     (apiVersion: {:?}, kind: {:?})",
                    resource.api_version, resource.kind
                ));
            }
        }
        if self.execution_mode == ExecutionMode::KubewardenWapc {
            match self.protocol_version.as_deref() {
                Some("v1") => {}
                None if !require_protocol => {}
                None => problems.push("protocolVersion is required".to_owned()),
                Some(other) => problems.push(format!(
                    "protocolVersion {other:?} is not a protocol kubewarden-wapc modules speak \
                     (expected \"v1\")"
                )),
            }
        }
        for (i, capability) in self.host_capabilities.iter().flatten().enumerate() {
            let named = capability == "*"
                || capability
                    .split_once('/')
                    .is_some_and(|(namespace, operation)| {
                        !namespace.is_empty()
                            && !operation.is_empty()
                            && !capability.contains(char::is_whitespace)
                    });
            if !named {
                problems.push(format!(
                    "hostCapabilities[{i}] {capability:?} is not namespace/operation \
                     (like oci/v1/manifest_digest) or *"
                ));
            }
        }
        if let Some(version) = &self.minimum_kubewarden_version {
            if !is_semver(version) {
                problems.push(format!(
                    "minimumKubewardenVersion {version:?} is not a semantic version"
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            bail!("metadata is invalid: {}", problems.join("; "))
        }
    }
}

/// Refuses unknown keys at the top level, in rules and in context-aware
/// resources, naming the key and where it is.
fn check_keys(document: &serde_yaml::Value) -> Result<()> {
    let top = document
        .as_mapping()
        .ok_or_else(|| anyhow!("metadata must be a YAML mapping"))?;
    let mut problems = Vec::new();
    unknown_keys(top, KNOWN_FIELDS, "", &mut problems);
    for (field, allowed) in [
        ("executionMode", EXECUTION_MODES),
        ("policyType", POLICY_TYPES),
    ] {
        if let Some(value) = top.get(field) {
            if !value.as_str().is_some_and(|value| allowed.contains(&value)) {
                problems.push(format!(
                    "{field} {} is not one of {}",
                    serde_yaml::to_string(value).unwrap_or_default().trim(),
                    allowed.join(", ")
                ));
            }
        }
    }
    if let Some(rules) = top.get("rules").and_then(serde_yaml::Value::as_sequence) {
        for (i, rule) in rules.iter().enumerate() {
            if let Some(rule) = rule.as_mapping() {
                unknown_keys(rule, RULE_FIELDS, &format!("rules[{i}]."), &mut problems);
            }
        }
    }
    if let Some(resources) = top
        .get("contextAwareResources")
        .and_then(serde_yaml::Value::as_sequence)
    {
        for (i, resource) in resources.iter().enumerate() {
            if let Some(resource) = resource.as_mapping() {
                unknown_keys(
                    resource,
                    CONTEXT_AWARE_FIELDS,
                    &format!("contextAwareResources[{i}]."),
                    &mut problems,
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("metadata is invalid: {}", problems.join("; "))
    }
}

fn unknown_keys(
    mapping: &serde_yaml::Mapping,
    known: &[&str],
    prefix: &str,
    problems: &mut Vec<String>,
) {
    for key in mapping.keys() {
        match key.as_str() {
            Some(name) if known.contains(&name) => {}
            Some(name) => problems.push(format!(
                "unknown field `{prefix}{name}` (known: {})",
                known.join(", ")
            )),
            None => problems.push(format!("{prefix}: keys must be strings, found {key:?}")),
        }
    }
}

/// Kubernetes' rules for wildcards in `resources`, as policy-evaluator
/// transposes them.
fn check_resources(resources: &[String]) -> Result<(), String> {
    let mut wildcard_subresource_of: HashSet<&str> = HashSet::new();
    let mut any_resource_with_subresource: HashSet<&str> = HashSet::new();
    let mut has_double_wildcard = false;
    let mut has_single_wildcard = false;
    let mut has_plain_resource = false;
    for resource in resources {
        if resource.is_empty() {
            return Err("empty resource is not allowed".to_owned());
        }
        match resource.as_str() {
            "*/*" => has_double_wildcard = true,
            "*" => has_single_wildcard = true,
            _ => {}
        }
        let Some((res, sub)) = resource.split_once('/') else {
            has_plain_resource |= resource != "*";
            continue;
        };
        if wildcard_subresource_of.contains(res) {
            return Err(format!(
                "if '{res}/*' is present, must not specify {resource}"
            ));
        }
        if any_resource_with_subresource.contains(sub) {
            return Err(format!(
                "if '*/{sub}' is present, must not specify {resource}"
            ));
        }
        if sub == "*" {
            wildcard_subresource_of.insert(res);
        }
        if res == "*" {
            any_resource_with_subresource.insert(sub);
        }
    }
    if resources.len() > 1 && has_double_wildcard {
        return Err("if '*/*' is present, must not specify other resources".to_owned());
    }
    if has_single_wildcard && has_plain_resource {
        return Err(
            "if '*' is present, must not specify other resources without subresources".to_owned(),
        );
    }
    Ok(())
}

/// `MAJOR.MINOR.PATCH`, optionally followed by `-pre` and/or `+build`.
pub fn is_semver(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let rest = &version[core.len()..];
    let numbers: Vec<&str> = core.split('.').collect();
    let core_ok = numbers.len() == 3
        && numbers.iter().all(|n| {
            !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && (n.len() == 1 || !n.starts_with('0'))
        });
    let rest_ok = rest.is_empty()
        || (rest.len() > 1
            && rest[1..]
                .split(['.', '-', '+'])
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric())));
    core_ok && rest_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const RULE: &str = "rules:\n- apiGroups: [\"\"]\n  apiVersions: [v1]\n  resources: [pods]\n  operations: [CREATE]\n";

    #[rstest]
    #[case::minimal("mutating: false\n", true, ExecutionMode::KubewardenWapc)]
    #[case::audit_off(
        "mutating: true\nbackgroundAudit: false\n",
        false,
        ExecutionMode::KubewardenWapc
    )]
    #[case::legacy_context_aware(
        "mutating: false\ncontextAware: true\n",
        true,
        ExecutionMode::KubewardenWapc
    )]
    #[case::opa("mutating: false\nexecutionMode: opa\n", true, ExecutionMode::Opa)]
    #[case::wasi("mutating: false\nexecutionMode: wasi\n", true, ExecutionMode::Wasi)]
    fn reads_known_fields(#[case] extra: &str, #[case] audit: bool, #[case] mode: ExecutionMode) {
        let metadata = Metadata::from_yaml(&format!("{RULE}{extra}")).unwrap();
        assert_eq!(metadata.background_audit, audit);
        assert_eq!(metadata.execution_mode, mode);
        assert_eq!(metadata.rules[0].operations, vec![Operation::Create]);
        assert!(metadata.validate(false).is_ok());
    }

    #[rstest]
    #[case::typo_top("mutating: false\nmutatting: true\n", "unknown field `mutatting`")]
    #[case::typo_rule(
        "mutating: false\nrules:\n- apiGroups: [\"\"]\n  apiVersion: [v1]\n  apiVersions: [v1]\n  resources: [pods]\n  operations: [CREATE]\n",
        "unknown field `rules[0].apiVersion`"
    )]
    #[case::bad_mode(
        "rules: []\nmutating: false\nexecutionMode: kubewarden\n",
        "executionMode kubewarden is not one of kubewarden-wapc, opa, gatekeeper, wasi"
    )]
    #[case::bad_policy_type("rules: []\nmutating: false\npolicyType: json\n", "policyType json")]
    #[case::bad_operation(
        "mutating: false\nrules:\n- apiGroups: [\"\"]\n  apiVersions: [v1]\n  resources: [pods]\n  operations: [PATCH]\n",
        "PATCH"
    )]
    #[case::missing_mutating("rules: []\n", "mutating")]
    #[case::not_a_mapping("- a\n", "must be a YAML mapping")]
    fn refuses_unreadable_metadata(#[case] text: &str, #[case] expected: &str) {
        let error = format!("{:#}", Metadata::from_yaml(text).unwrap_err());
        assert!(error.contains(expected), "{error}");
    }

    #[rstest]
    #[case::empty_groups("[]", "[v1]", "[pods]", "[CREATE]", "rules[0].apiGroups: at least one")]
    #[case::star_and_more(
        "[\"\", \"*\"]",
        "[v1]",
        "[pods]",
        "[CREATE]",
        "rules[0].apiGroups: no other"
    )]
    #[case::versions_star(
        "[\"\"]",
        "[\"*\", v1]",
        "[pods]",
        "[CREATE]",
        "rules[0].apiVersions: no other"
    )]
    #[case::no_resources("[\"\"]", "[v1]", "[]", "[CREATE]", "rules[0].resources: at least one")]
    #[case::star_and_plain("[\"\"]", "[v1]", "[\"*\", pods]", "[CREATE]", "without subresources")]
    #[case::double_star("[\"\"]", "[v1]", "[\"*/*\", pods]", "[CREATE]", "'*/*' is present")]
    #[case::sub_wildcard(
        "[\"\"]",
        "[v1]",
        "[\"pods/*\", pods/log]",
        "[CREATE]",
        "'pods/*' is present"
    )]
    #[case::empty_resource("[\"\"]", "[v1]", "[\"\"]", "[CREATE]", "empty resource")]
    #[case::operations_star(
        "[\"\"]",
        "[v1]",
        "[pods]",
        "[\"*\", CREATE]",
        "rules[0].operations: no other"
    )]
    #[case::no_operations("[\"\"]", "[v1]", "[pods]", "[]", "rules[0].operations: at least one")]
    fn refuses_invalid_rules(
        #[case] groups: &str,
        #[case] versions: &str,
        #[case] resources: &str,
        #[case] operations: &str,
        #[case] expected: &str,
    ) {
        let text = format!(
            "mutating: false\nrules:\n- apiGroups: {groups}\n  apiVersions: {versions}\n  resources: {resources}\n  operations: {operations}\n"
        );
        let error = Metadata::from_yaml(&text)
            .unwrap()
            .validate(false)
            .unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }

    #[rstest]
    #[case::star_alone("[\"*\"]")]
    #[case::star_with_subresources("[\"*\", a/b, \"a/*\", \"*/b\"]")]
    #[case::wildcard_sub_and_plain("[\"a/*\", a]")]
    #[case::double_star_alone("[\"*/*\"]")]
    fn accepts_kubernetes_resource_wildcards(#[case] resources: &str) {
        let text = format!(
            "mutating: false\nrules:\n- apiGroups: [a]\n  apiVersions: [a]\n  resources: {resources}\n  operations: [CREATE]\n"
        );
        let mut metadata = Metadata::from_yaml(&text).unwrap();
        metadata.protocol_version = Some("v1".to_owned());
        metadata.validate(true).unwrap();
    }

    #[rstest]
    #[case::wapc_needs_protocol(ExecutionMode::KubewardenWapc, None, false)]
    #[case::wapc_v1(ExecutionMode::KubewardenWapc, Some("v1"), true)]
    #[case::wapc_unknown(ExecutionMode::KubewardenWapc, Some("Unknown"), false)]
    #[case::opa_unknown(ExecutionMode::Opa, Some("Unknown"), true)]
    #[case::gatekeeper_none(ExecutionMode::Gatekeeper, None, true)]
    fn protocol_version_rules(
        #[case] mode: ExecutionMode,
        #[case] protocol: Option<&str>,
        #[case] valid: bool,
    ) {
        let mut metadata = Metadata::from_yaml(&format!("{RULE}mutating: false\n")).unwrap();
        metadata.execution_mode = mode;
        metadata.protocol_version = protocol.map(str::to_owned);
        assert_eq!(metadata.validate(true).is_ok(), valid);
    }

    #[test]
    fn serializes_like_policy_evaluator() {
        let mut metadata = Metadata::from_yaml(&format!(
            "{RULE}mutating: false\nannotations:\n  io.kubewarden.policy.author: Someone\n"
        ))
        .unwrap();
        metadata.protocol_version = Some("v1".to_owned());
        let json = String::from_utf8(metadata.to_json().unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"protocolVersion":"v1","rules":[{"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"],"operations":["CREATE"]}],"annotations":{"io.kubewarden.policy.author":"Someone"},"mutating":false,"backgroundAudit":true,"executionMode":"kubewarden-wapc","policyType":"kubernetes","contextAwareResources":[]}"#
        );
    }

    #[test]
    fn reads_kwctl_json_with_fields_it_does_not_know() {
        let json = br#"{"protocolVersion":"v1","rules":[],"mutating":true,"contextAware":false,"someFutureField":1}"#;
        let metadata: Metadata = serde_json::from_slice(json).unwrap();
        assert!(metadata.mutating);
        assert!(metadata.background_audit);
        assert_eq!(metadata.annotations, None);
    }

    #[rstest]
    #[case("1.2.3", true)]
    #[case("0.1.0", true)]
    #[case("1.2.3-rc.1", true)]
    #[case("1.2.3+build.5", true)]
    #[case("v1.2.3", false)]
    #[case("1.2", false)]
    #[case("01.2.3", false)]
    #[case("1.2.3-", false)]
    fn semver(#[case] version: &str, #[case] valid: bool) {
        assert_eq!(is_semver(version), valid);
    }
}
