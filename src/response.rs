//! Shaping a verdict into the answer Kubewarden expects, and the message users read.

use std::fmt;

use kubewarden_policy_sdk::reject_request;
use serde::ser::SerializeMap;
use serde::Serialize;
use wapc_guest::CallResult;

use crate::reference::INVALID_FORMAT;
use crate::validation::{Finding, Problem, Verdict};

/// Status code for a payload the policy cannot read.
const BAD_REQUEST: u16 = 400;
/// Status code for settings that should never have been loaded.
const MISCONFIGURED: u16 = 500;

/// What kubewarden-policy-sdk's `accept_request()` serializes (the tests check
/// it), written as is: most requests are accepted, and serde need not run for them.
const ACCEPT: &[u8] = br#"{"accepted":true,"message":null,"code":null,"mutated_object":null,"audit_annotations":null,"warnings":null}"#;

/// The answer for an admitted request with something to say: the SDK's
/// ValidationResponse, its audit annotations in a fixed order (the SDK's
/// HashMap would order them by a random seed, and carry a hash table).
#[derive(Serialize)]
struct Admitted<'a> {
    accepted: bool,
    message: Option<&'a str>,
    code: Option<u16>,
    mutated_object: Option<serde_json::Value>,
    audit_annotations: Option<Annotations>,
    warnings: Option<Vec<String>>,
}

/// Audit annotations, written as a JSON object in the order given.
struct Annotations(Vec<(&'static str, String)>);

impl Serialize for Annotations {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The waPC answer for a verdict.
pub fn answer(verdict: Verdict<'_>) -> CallResult {
    match verdict {
        Verdict::Accept => Ok(ACCEPT.to_vec()),
        Verdict::Admit(admission) => {
            let hint = admission.hint.as_deref();
            let mut warnings: Vec<String> = lines(admission.would_refuse)
                .into_iter()
                .map(|line| with_hint(format!("would be refused: {line}"), hint))
                .collect();
            warnings.extend(admission.warnings.into_iter().map(|w| with_hint(w, hint)));
            Ok(serde_json::to_vec(&Admitted {
                accepted: true,
                message: None,
                code: None,
                mutated_object: admission.mutated,
                audit_annotations: (!admission.annotations.is_empty())
                    .then_some(Annotations(admission.annotations)),
                warnings: (!warnings.is_empty()).then_some(warnings),
            })?)
        }
        Verdict::Reject(refusal) => reject_request(
            Some(with_hint(
                message(refusal.findings),
                refusal.hint.as_deref(),
            )),
            None,
            None,
            None,
        ),
        Verdict::BadRequest(why) => reject_request(
            Some(format!("cannot read the admission request: {why}")),
            Some(BAD_REQUEST),
            None,
            None,
        ),
        Verdict::BadSettings(why) => reject_request(
            Some(format!("the policy settings are not valid: {why}")),
            Some(MISCONFIGURED),
            None,
            None,
        ),
    }
}

/// The message with the settings' `hint` after it, once.
fn with_hint(message: String, hint: Option<&str>) -> String {
    match hint {
        Some(hint) => [&message, " (", hint, ")"].concat(),
        None => message,
    }
}

/// One line naming every offending container, sorted by list then name:
/// `initContainer "setup" image "evil.example/x:1": registries not allowed: evil.example`.
pub fn message(findings: Vec<Finding<'_>>) -> String {
    lines(findings).join("; ")
}

/// A line per offending container, sorted by list then name.
fn lines(mut findings: Vec<Finding<'_>>) -> Vec<String> {
    sort_findings(&mut findings);
    findings
        .iter()
        .map(|f| {
            let problems: Vec<String> = f
                .problems
                .iter()
                .map(|p| match p {
                    // trusted-repos names the image, as written, after this fragment.
                    Problem::ImageNotAllowed => {
                        format!("{p}: {}", f.image.escape_debug())
                    }
                    other => other.to_string(),
                })
                .collect();
            // Escaped, so a crafted name or image cannot forge another line.
            let mirrored = match &f.mirrored {
                Some(m) => format!(" (mirrored as \"{}\")", m.escape_debug()),
                None => String::new(),
            };
            format!(
                "{} \"{}\" image \"{}\"{mirrored}: {}",
                f.kind,
                f.name.escape_debug(),
                f.image.escape_debug(),
                problems.join(", ")
            )
        })
        .collect()
}

/// Sorts by list, then name, then image, keeping the order of equals. By
/// insertion: a rejection names few containers, and the standard library's
/// sort would add 7 KB to the module.
fn sort_findings(findings: &mut [Finding<'_>]) {
    let after = |a: &Finding<'_>, b: &Finding<'_>| {
        (a.kind, &*a.name, &*a.image) > (b.kind, &*b.name, &*b.image)
    };
    for i in 1..findings.len() {
        let mut j = i;
        while j > 0 && after(&findings[j - 1], &findings[j]) {
            findings.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// The wording keeps the fragments trusted-repos users' scripts look for.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::InvalidReference(why) => write!(f, "{INVALID_FORMAT}: {why}"),
            Problem::RegistryNotAllowed(registry) => {
                write!(f, "registries not allowed: {registry}")
            }
            Problem::TagNotAllowed(tag) => write!(f, "tags not allowed: {tag}"),
            Problem::ImageNotAllowed => f.write_str("images not allowed"),
            Problem::DigestRequired => f.write_str("digest required"),
            Problem::PinFailed(why) => write!(f, "digest lookup failed: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Text;
    use crate::reference::ParseError;
    use crate::workload::ContainerKind;
    use rstest::rstest;
    use serde_json::Value;

    fn finding(
        kind: ContainerKind,
        name: &'static str,
        image: &'static str,
        problems: Vec<Problem>,
    ) -> Finding<'static> {
        Finding {
            kind,
            index: 0,
            name: Text(name.into()),
            image: Text(image.into()),
            mirrored: None,
            problems,
        }
    }

    #[rstest]
    #[case::registry(
        vec![finding(ContainerKind::InitContainer, "setup", "evil.example/x:1", vec![Problem::RegistryNotAllowed("evil.example".into())])],
        "initContainer \"setup\" image \"evil.example/x:1\": registries not allowed: evil.example"
    )]
    #[case::several_problems(
        vec![finding(ContainerKind::Container, "app", "busybox", vec![Problem::RegistryNotAllowed("docker.io".into()), Problem::TagNotAllowed("latest".into()), Problem::ImageNotAllowed, Problem::DigestRequired])],
        "container \"app\" image \"busybox\": registries not allowed: docker.io, tags not allowed: latest, images not allowed: busybox, digest required"
    )]
    #[case::sorted_by_list_then_name(
        vec![
            finding(ContainerKind::EphemeralContainer, "debug", "busybox", vec![Problem::DigestRequired]),
            finding(ContainerKind::Container, "web", "nginx", vec![Problem::DigestRequired]),
            finding(ContainerKind::InitContainer, "setup", "alpine", vec![Problem::DigestRequired]),
            finding(ContainerKind::Container, "app", "redis", vec![Problem::DigestRequired]),
        ],
        "container \"app\" image \"redis\": digest required; container \"web\" image \"nginx\": digest required; initContainer \"setup\" image \"alpine\": digest required; ephemeralContainer \"debug\" image \"busybox\": digest required"
    )]
    #[case::invalid_reference_escaped(
        vec![finding(ContainerKind::Container, "app", "ghcr.io/org/app\nevil.com/x", vec![Problem::InvalidReference(ParseError::InvalidComponent("app\nevil.com".into()))])],
        "container \"app\" image \"ghcr.io/org/app\\nevil.com/x\": invalid reference format: invalid repository path component \"app\\nevil.com\" (lowercase letters, digits and single separators only)"
    )]
    #[case::mirrored(
        vec![Finding { mirrored: Some("harbor.corp.example/hub/library/nginx".into()), ..finding(ContainerKind::Container, "app", "nginx", vec![Problem::RegistryNotAllowed("harbor.corp.example".into())]) }],
        "container \"app\" image \"nginx\" (mirrored as \"harbor.corp.example/hub/library/nginx\"): registries not allowed: harbor.corp.example"
    )]
    fn messages(#[case] findings: Vec<Finding<'static>>, #[case] expected: &str) {
        assert_eq!(message(findings), expected);
    }

    #[test]
    fn accept_is_the_sdks_answer() {
        let sdk = kubewarden_policy_sdk::accept_request().expect("sdk answer");
        assert_eq!(
            std::str::from_utf8(ACCEPT),
            std::str::from_utf8(&sdk),
            "same bytes"
        );
    }

    fn decoded(result: CallResult) -> Value {
        serde_json::from_slice(&result.expect("answer")).expect("json")
    }

    #[rstest]
    #[case::accept(Verdict::Accept, serde_json::json!({"accepted": true, "message": null, "code": null}))]
    #[case::bad_request(Verdict::BadRequest("EOF".into()), serde_json::json!({"accepted": false, "message": "cannot read the admission request: EOF", "code": 400}))]
    #[case::bad_settings(Verdict::BadSettings("no rule".into()), serde_json::json!({"accepted": false, "message": "the policy settings are not valid: no rule", "code": 500}))]
    fn answers(#[case] verdict: Verdict<'static>, #[case] expected: Value) {
        let got = decoded(answer(verdict));
        for key in ["accepted", "message", "code"] {
            assert_eq!(got[key], expected[key], "{key}");
        }
    }
}
