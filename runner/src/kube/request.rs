//! The AdmissionRequest a policy evaluates, read the way kwctl reads it.
//!
//! kwctl takes either an AdmissionReview (`"kind": "AdmissionReview"` with a
//! `request`) or a bare AdmissionRequest, and re-serializes the request
//! through typed structs before handing it to the guest: unknown top-level
//! fields are dropped, absent or null optional fields are left out, and the
//! required ones (`uid`, `kind`, `resource`, `operation`, `userInfo`) must be
//! there. This module does the same.

use std::collections::BTreeMap;

use anyhow::{anyhow, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kube::settings::Settings;

/// Group, version and kind of a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupVersionKind {
    /// API group, empty for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind, e.g. `Pod`.
    pub kind: String,
}

/// Group, version and resource of a Kubernetes API endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupVersionResource {
    /// API group, empty for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Resource, e.g. `pods`.
    pub resource: String,
}

/// The user who made the request (Kubernetes `authentication/v1` UserInfo).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// Extra attributes given by the authenticator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra: Option<BTreeMap<String, Vec<String>>>,
    /// Groups the user belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// Unique id of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Name of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// A Kubernetes `admission/v1` AdmissionRequest, as kwctl passes it to a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    /// Identifier of this request, copied into the response.
    pub uid: String,
    /// Type of the object being admitted.
    pub kind: GroupVersionKind,
    /// API resource being requested.
    pub resource: GroupVersionResource,
    /// Subresource being requested, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_resource: Option<String>,
    /// Type of the object in the original request, before conversion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_kind: Option<GroupVersionKind>,
    /// Resource of the original request, before conversion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_resource: Option<GroupVersionResource>,
    /// Subresource of the original request, before conversion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_sub_resource: Option<String>,
    /// Name of the object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the object, if namespaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: String,
    /// Who made the request.
    pub user_info: UserInfo,
    /// The object being admitted; absent for DELETE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<Value>,
    /// The object as it was before, for UPDATE and DELETE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_object: Option<Value>,
    /// Whether the request is a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// Options of the operation (CreateOptions, UpdateOptions...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Value>,
}

impl AdmissionRequest {
    /// Reads an AdmissionReview (taking its `request`) or a bare AdmissionRequest.
    pub fn from_value(input: &Value) -> Result<Self> {
        let object = input
            .as_object()
            .ok_or_else(|| anyhow!("Invalid request object"))?;
        let request = if object.get("kind").and_then(Value::as_str) == Some("AdmissionReview") {
            object
                .get("request")
                .ok_or_else(|| anyhow!("invalid AdmissionReview object"))?
        } else {
            input
        };
        AdmissionRequest::deserialize(request)
            .map_err(|e| anyhow!("cannot build AdmissionRequest object from given input: {e}"))
    }
}

/// A request ready for the guest: the `validate` payload is serialized once,
/// so a benchmark can evaluate it many times without paying for that again.
#[derive(Debug, Clone)]
pub struct ValidateRequest {
    uid: String,
    object: Option<Value>,
    payload: Vec<u8>,
}

#[derive(Serialize)]
struct ValidatePayload<'a> {
    request: &'a AdmissionRequest,
    settings: &'a Settings,
}

impl ValidateRequest {
    /// Builds the `{"request": ..., "settings": ...}` payload kwctl sends to `validate`.
    pub fn new(request: &AdmissionRequest, settings: &Settings) -> Result<Self> {
        let payload = serde_json::to_vec(&ValidatePayload { request, settings })?;
        Ok(Self {
            uid: request.uid.clone(),
            object: request.object.clone(),
            payload,
        })
    }

    /// The request's uid.
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The object being admitted, which a mutating answer is diffed against.
    pub fn object(&self) -> Option<&Value> {
        self.object.as_ref()
    }

    /// The serialized `validate` payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::settings;
    use rstest::rstest;
    use serde_json::json;

    fn bare() -> Value {
        json!({
            "uid": "abc",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "operation": "CREATE",
            "userInfo": {"username": "alice"},
            "object": {"spec": {}},
            "oldObject": null,
            "somethingUnknown": 1
        })
    }

    #[rstest]
    #[case::bare(bare())]
    #[case::review(json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": bare()}))]
    fn reads_review_or_bare_request(#[case] input: Value) {
        let request = AdmissionRequest::from_value(&input).expect("valid request");
        assert_eq!(request.uid, "abc");
        assert_eq!(
            serde_json::to_value(&request).expect("serializable"),
            json!({
                "uid": "abc",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "operation": "CREATE",
                "userInfo": {"username": "alice"},
                "object": {"spec": {}}
            })
        );
    }

    #[rstest]
    #[case::not_an_object(json!([1]), "Invalid request object")]
    #[case::review_without_request(json!({"kind": "AdmissionReview"}), "invalid AdmissionReview object")]
    #[case::missing_uid(json!({"kind": {"group": "", "version": "v1", "kind": "Pod"}}), "cannot build AdmissionRequest object from given input: missing field `uid`")]
    fn rejects_what_kwctl_rejects(#[case] input: Value, #[case] message: &str) {
        let err = AdmissionRequest::from_value(&input).expect_err("invalid request");
        assert_eq!(err.to_string(), message);
    }

    #[test]
    fn payload_wraps_request_and_settings() {
        let request = AdmissionRequest::from_value(&bare()).expect("valid request");
        let settings = settings::from_json(r#"{"registries": ["a"]}"#).expect("valid settings");
        let prepared = ValidateRequest::new(&request, &settings).expect("serializable");
        let payload: Value = serde_json::from_slice(prepared.payload()).expect("json");
        assert_eq!(payload["settings"], json!({"registries": ["a"]}));
        assert_eq!(payload["request"]["uid"], "abc");
        assert_eq!(prepared.object(), Some(&json!({"spec": {}})));
    }
}
