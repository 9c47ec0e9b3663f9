//! What a guest answers, and the AdmissionResponse kwctl prints for it.

use std::collections::BTreeMap;

use anyhow::{anyhow, Result};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kube::patch;

/// A guest's answer to `validate` (kubewarden-policy-sdk's ValidationResponse).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationResponse {
    /// Whether the request is admitted.
    pub accepted: bool,
    /// Why it was rejected.
    #[serde(default)]
    pub message: Option<String>,
    /// HTTP-like code for the rejection.
    #[serde(default)]
    pub code: Option<u16>,
    /// The object as the policy wants it admitted (mutating policies only).
    #[serde(default)]
    pub mutated_object: Option<Value>,
    /// Annotations for the audit log.
    #[serde(default)]
    pub audit_annotations: Option<BTreeMap<String, String>>,
    /// Warnings for the API client.
    #[serde(default)]
    pub warnings: Option<Vec<String>>,
}

/// A guest's answer to `validate_settings` (kubewarden-policy-sdk's SettingsValidationResponse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsVerdict {
    /// Whether the settings are accepted.
    pub valid: bool,
    /// Why they are not.
    #[serde(default)]
    pub message: Option<String>,
}

/// The only patch type Kubernetes accepts from a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PatchType {
    /// RFC 6902 JSON Patch.
    #[serde(rename = "JSONPatch")]
    JsonPatch,
}

/// `status` of an AdmissionResponse: present only when there is a message or a code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdmissionStatus {
    /// Human-readable reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// HTTP-like code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
}

/// Kubernetes `admission/v1` AdmissionResponse, serialized exactly as kwctl prints it.
///
/// Field order is kwctl's (policy-evaluator's): `uid`, `allowed`,
/// `patchType`, `patch`, `status`, `auditAnnotations`, `warnings`; the last
/// two are always printed, `null` when the policy gave none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    /// uid of the request this answers.
    pub uid: String,
    /// Whether the request is admitted.
    pub allowed: bool,
    /// Set, with `patch`, when the policy mutated the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<PatchType>,
    /// Base64 of the RFC 6902 patch from the request's object to the mutated one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    /// Message and code, when the policy gave either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AdmissionStatus>,
    /// Annotations for the audit log.
    #[serde(default)]
    pub audit_annotations: Option<BTreeMap<String, String>>,
    /// Warnings for the API client.
    #[serde(default)]
    pub warnings: Option<Vec<String>>,
}

/// kwctl's answer when a policy mutates the object of a request that has none.
const MUTATION_WITHOUT_OBJECT: &str = "Incoming object is null, which happens only with DELETE operations, but the policy is attempting a mutation. This is not allowed";

impl AdmissionResponse {
    /// A rejection with a message and a code.
    pub fn reject(uid: &str, message: String, code: u16) -> Self {
        Self::denied(
            uid,
            AdmissionStatus {
                message: Some(message),
                code: Some(code),
            },
        )
    }

    fn denied(uid: &str, status: AdmissionStatus) -> Self {
        Self {
            uid: uid.to_owned(),
            allowed: false,
            patch_type: None,
            patch: None,
            status: Some(status),
            audit_annotations: None,
            warnings: None,
        }
    }

    /// kwctl's answer when the evaluation itself failed: code 500, `internal server error: <why>`.
    pub fn internal_server_error(uid: &str, why: impl std::fmt::Display) -> Self {
        Self::reject(uid, format!("internal server error: {why}"), 500)
    }

    /// Converts a guest's answer, diffing `object` against any mutated object.
    pub fn from_validation(uid: &str, object: Option<&Value>, answer: ValidationResponse) -> Self {
        let patch = match (&answer.mutated_object, object) {
            (None, _) => None,
            (Some(_), None) => {
                let status = AdmissionStatus {
                    message: Some(MUTATION_WITHOUT_OBJECT.to_owned()),
                    code: None,
                };
                return Self::denied(uid, status);
            }
            (Some(mutated), Some(object)) => encode_patch(&patch::diff(object, mutated)),
        };
        let has_status = answer.message.is_some() || answer.code.is_some();
        let status = has_status.then_some(AdmissionStatus {
            message: answer.message,
            code: answer.code,
        });
        Self {
            uid: uid.to_owned(),
            allowed: answer.accepted,
            patch_type: patch.as_ref().map(|_| PatchType::JsonPatch),
            patch,
            status,
            audit_annotations: answer.audit_annotations,
            warnings: answer.warnings,
        }
    }

    /// Converts the raw bytes a guest answered to `validate`; unreadable
    /// answers become kwctl's internal server error.
    pub fn from_guest_answer(uid: &str, object: Option<&Value>, answer: &[u8]) -> Self {
        match parse_validation(answer) {
            Ok(answer) => Self::from_validation(uid, object, answer),
            Err(e) => Self::internal_server_error(uid, e),
        }
    }
}

fn parse_validation(answer: &[u8]) -> Result<ValidationResponse> {
    serde_json::from_slice(answer)
        .map_err(|e| anyhow!("cannot deserialize policy validation response: {e:?}"))
}

/// Base64 of the serialized patch, or `None` when there is nothing to change.
fn encode_patch(ops: &[patch::PatchOperation]) -> Option<String> {
    if ops.is_empty() {
        return None;
    }
    // Serializing plain enums of strings and Values cannot fail.
    let json = serde_json::to_vec(ops).ok()?;
    Some(base64::engine::general_purpose::STANDARD.encode(json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case::accept(
        json!({"accepted": true}),
        r#"{"uid":"u","allowed":true,"auditAnnotations":null,"warnings":null}"#
    )]
    #[case::accept_sdk_nulls(
        json!({"accepted": true, "message": null, "code": null, "mutated_object": null, "audit_annotations": null, "warnings": null}),
        r#"{"uid":"u","allowed":true,"auditAnnotations":null,"warnings":null}"#
    )]
    #[case::reject_message(
        json!({"accepted": false, "message": "no"}),
        r#"{"uid":"u","allowed":false,"status":{"message":"no"},"auditAnnotations":null,"warnings":null}"#
    )]
    #[case::reject_message_and_code(
        json!({"accepted": false, "message": "no", "code": 403}),
        r#"{"uid":"u","allowed":false,"status":{"message":"no","code":403},"auditAnnotations":null,"warnings":null}"#
    )]
    #[case::annotations_and_warnings(
        json!({"accepted": true, "audit_annotations": {"b": "2", "a": "1"}, "warnings": ["w"]}),
        r#"{"uid":"u","allowed":true,"auditAnnotations":{"a":"1","b":"2"},"warnings":["w"]}"#
    )]
    #[case::mutation_with_no_change(
        json!({"accepted": true, "mutated_object": {"spec": {"image": "a"}}}),
        r#"{"uid":"u","allowed":true,"auditAnnotations":null,"warnings":null}"#
    )]
    #[case::mutation(
        json!({"accepted": true, "mutated_object": {"spec": {"image": "b"}}}),
        r#"{"uid":"u","allowed":true,"patchType":"JSONPatch","patch":"W3sib3AiOiJyZXBsYWNlIiwicGF0aCI6Ii9zcGVjL2ltYWdlIiwidmFsdWUiOiJiIn1d","auditAnnotations":null,"warnings":null}"#
    )]
    #[case::not_a_validation_response(
        json!({"valid": true}),
        r#"{"uid":"u","allowed":false,"status":{"message":"internal server error: cannot deserialize policy validation response: Error(\"missing field `accepted`\", line: 1, column: 14)","code":500},"auditAnnotations":null,"warnings":null}"#
    )]
    fn guest_answer_becomes_kwctl_response(#[case] answer: Value, #[case] expected: &str) {
        let object = json!({"spec": {"image": "a"}});
        let bytes = serde_json::to_vec(&answer).expect("serializable");
        let response = AdmissionResponse::from_guest_answer("u", Some(&object), &bytes);
        assert_eq!(
            serde_json::to_string(&response).expect("serializable"),
            expected
        );
    }

    #[test]
    fn mutation_patch_decodes_to_json_patch() {
        let bytes = br#"{"accepted":true,"mutated_object":{"spec":{"image":"b"}}}"#;
        let response = AdmissionResponse::from_guest_answer(
            "u",
            Some(&json!({"spec": {"image": "a"}})),
            bytes,
        );
        let patch = base64::engine::general_purpose::STANDARD
            .decode(response.patch.expect("patched"))
            .expect("base64");
        assert_eq!(
            serde_json::from_slice::<Value>(&patch).expect("json"),
            json!([{"op": "replace", "path": "/spec/image", "value": "b"}])
        );
    }

    #[test]
    fn mutation_without_object_is_refused() {
        let bytes = br#"{"accepted":true,"mutated_object":{"a":1}}"#;
        let response = AdmissionResponse::from_guest_answer("u", None, bytes);
        assert_eq!(
            serde_json::to_value(&response).expect("serializable"),
            json!({
                "uid": "u",
                "allowed": false,
                "status": {"message": MUTATION_WITHOUT_OBJECT},
                "auditAnnotations": null,
                "warnings": null
            })
        );
    }
}
