//! What the API server would put in an AdmissionRequest's `kind` and
//! `resource` for an object, known from its `apiVersion` and `kind` alone.
//!
//! Without a cluster to ask, the plural resource name and whether a kind is
//! namespaced come from a table of the kinds the policy judges and of the
//! common others; any other kind is guessed, as `kubectl` does when
//! discovery has nothing (lower case, then `s`, `es` or `ies`), and taken
//! to be namespaced, as most custom resources are.

use anyhow::{bail, Result};

use crate::kube::request::{GroupVersionKind, GroupVersionResource};

/// Built-in kinds: kind, plural resource, namespaced.
const KINDS: &[(&str, &str, bool)] = &[
    // The kinds the policy judges.
    ("Pod", "pods", true),
    ("PodTemplate", "podtemplates", true),
    ("ReplicationController", "replicationcontrollers", true),
    ("Deployment", "deployments", true),
    ("ReplicaSet", "replicasets", true),
    ("StatefulSet", "statefulsets", true),
    ("DaemonSet", "daemonsets", true),
    ("Job", "jobs", true),
    ("CronJob", "cronjobs", true),
    // Common others, namespaced.
    ("Service", "services", true),
    ("ConfigMap", "configmaps", true),
    ("Secret", "secrets", true),
    ("ServiceAccount", "serviceaccounts", true),
    ("Endpoints", "endpoints", true),
    ("EndpointSlice", "endpointslices", true),
    ("Ingress", "ingresses", true),
    ("NetworkPolicy", "networkpolicies", true),
    ("PersistentVolumeClaim", "persistentvolumeclaims", true),
    ("Role", "roles", true),
    ("RoleBinding", "rolebindings", true),
    ("HorizontalPodAutoscaler", "horizontalpodautoscalers", true),
    ("PodDisruptionBudget", "poddisruptionbudgets", true),
    ("LimitRange", "limitranges", true),
    ("ResourceQuota", "resourcequotas", true),
    ("Lease", "leases", true),
    ("Event", "events", true),
    // Common others, cluster-scoped: the API server sends no namespace.
    ("Namespace", "namespaces", false),
    ("Node", "nodes", false),
    ("PersistentVolume", "persistentvolumes", false),
    ("StorageClass", "storageclasses", false),
    ("IngressClass", "ingressclasses", false),
    ("ClusterRole", "clusterroles", false),
    ("ClusterRoleBinding", "clusterrolebindings", false),
    (
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    ),
    ("PriorityClass", "priorityclasses", false),
    ("RuntimeClass", "runtimeclasses", false),
    ("APIService", "apiservices", false),
    ("CSIDriver", "csidrivers", false),
    (
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
    ),
    (
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
    ),
    (
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
        false,
    ),
    (
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
        false,
    ),
    // Kubewarden's own.
    ("ClusterAdmissionPolicy", "clusteradmissionpolicies", false),
    (
        "ClusterAdmissionPolicyGroup",
        "clusteradmissionpolicygroups",
        false,
    ),
    ("AdmissionPolicy", "admissionpolicies", true),
    ("AdmissionPolicyGroup", "admissionpolicygroups", true),
    ("PolicyServer", "policyservers", false),
];

/// Where an object lives in the API: its group/version/kind, its resource, and its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResource {
    /// Group, version and kind, as in the request's `kind` and `requestKind`.
    pub kind: GroupVersionKind,
    /// Group, version and plural, as in the request's `resource` and `requestResource`.
    pub resource: GroupVersionResource,
    /// Whether objects of this kind live in a namespace.
    pub namespaced: bool,
}

impl ApiResource {
    /// Reads `apiVersion` (`apps/v1`, or `v1` for the core group) and `kind`.
    pub fn of(api_version: &str, kind: &str) -> Result<Self> {
        let (group, version) = match api_version.split_once('/') {
            Some((group, version)) => (group, version),
            None => ("", api_version),
        };
        if version.is_empty()
            || version.contains('/')
            || (api_version.contains('/') && group.is_empty())
        {
            bail!("apiVersion {api_version:?} is not <group>/<version> or <version>");
        }
        if kind.is_empty() {
            bail!("kind is empty");
        }
        let (plural, namespaced) = match KINDS.iter().find(|(k, _, _)| *k == kind) {
            Some((_, plural, namespaced)) => ((*plural).to_owned(), *namespaced),
            None => (guess_plural(kind), true),
        };
        Ok(Self {
            kind: GroupVersionKind {
                group: group.to_owned(),
                version: version.to_owned(),
                kind: kind.to_owned(),
            },
            resource: GroupVersionResource {
                group: group.to_owned(),
                version: version.to_owned(),
                resource: plural,
            },
            namespaced,
        })
    }
}

/// The plural of a kind nobody told us about: lower case, then `es` after
/// an `s`, `ies` for a `y` after a consonant, else `s` (client-go's
/// guess, except that `Gateway` becomes `gateways`, not `gatewaies`).
pub fn guess_plural(kind: &str) -> String {
    let lower = kind.to_lowercase();
    let mut chars = lower.chars().rev();
    match (chars.next(), chars.next()) {
        (Some('s'), _) => format!("{lower}es"),
        (Some('y'), Some(before)) if !"aeiou".contains(before) => {
            format!("{}ies", &lower[..lower.len() - 1])
        }
        _ => format!("{lower}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::core("v1", "Pod", "", "v1", "pods", true)]
    #[case::apps("apps/v1", "Deployment", "apps", "v1", "deployments", true)]
    #[case::batch("batch/v1", "CronJob", "batch", "v1", "cronjobs", true)]
    #[case::irregular_endpoints("v1", "Endpoints", "", "v1", "endpoints", true)]
    #[case::ingress(
        "networking.k8s.io/v1",
        "Ingress",
        "networking.k8s.io",
        "v1",
        "ingresses",
        true
    )]
    #[case::cluster_scoped("v1", "Namespace", "", "v1", "namespaces", false)]
    #[case::cluster_role(
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        false
    )]
    #[case::custom_resource(
        "example.com/v1alpha1",
        "Widget",
        "example.com",
        "v1alpha1",
        "widgets",
        true
    )]
    #[case::custom_ending_in_s(
        "cert-manager.io/v1",
        "CertificateStatus",
        "cert-manager.io",
        "v1",
        "certificatestatuses",
        true
    )]
    #[case::custom_ending_in_y("example.com/v1", "Policy", "example.com", "v1", "policies", true)]
    #[case::custom_vowel_y(
        "gateway.networking.k8s.io/v1",
        "Gateway",
        "gateway.networking.k8s.io",
        "v1",
        "gateways",
        true
    )]
    fn api_resource_of_kind(
        #[case] api_version: &str,
        #[case] kind: &str,
        #[case] group: &str,
        #[case] version: &str,
        #[case] plural: &str,
        #[case] namespaced: bool,
    ) {
        let resource = ApiResource::of(api_version, kind).expect("valid");
        assert_eq!(
            (
                resource.kind.group.as_str(),
                resource.kind.version.as_str(),
                resource.kind.kind.as_str()
            ),
            (group, version, kind)
        );
        assert_eq!(
            (
                resource.resource.group.as_str(),
                resource.resource.version.as_str(),
                resource.resource.resource.as_str()
            ),
            (group, version, plural)
        );
        assert_eq!(resource.namespaced, namespaced);
    }

    #[rstest]
    #[case::empty_version("", "Pod")]
    #[case::trailing_slash("apps/", "Deployment")]
    #[case::leading_slash("/v1", "Pod")]
    #[case::two_slashes("a/b/v1", "Pod")]
    #[case::empty_kind("v1", "")]
    fn malformed_api_version_or_kind(#[case] api_version: &str, #[case] kind: &str) {
        assert!(ApiResource::of(api_version, kind).is_err());
    }
}
